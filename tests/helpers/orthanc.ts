// A private Orthanc PACS for the DICOMweb tests: Debian's orthanc with its DICOMweb plugin, its own
// configuration, a free loopback port and temporary storage; it can be stopped and started again on
// the same storage to make a PACS that goes away in the middle of a run.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Requirement } from "./requirements.ts";

const ORTHANC = "/usr/sbin/Orthanc";
const DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

export const ORTHANC_PACS: Requirement = {
  what: "Debian's orthanc and orthanc-dicomweb",
  how: "apt-get install orthanc orthanc-dicomweb (as .ci/run does)",
  ci: true,
};

export function orthancAvailable(): boolean {
  return fs.existsSync(ORTHANC) && fs.existsSync(DICOMWEB_PLUGIN);
}

export interface Orthanc {
  /** The REST root, http://127.0.0.1:PORT */
  readonly url: string;
  /** The DICOMweb base URL, http://127.0.0.1:PORT/dicom-web */
  readonly dicomWeb: string;
  /** Stores a DICOM file through the REST API. */
  upload(bytes: Uint8Array): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its storage. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startOrthanc(): Promise<Orthanc> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-orthanc-"));
  const port = await freePort();
  const config = path.join(dir, "orthanc.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      Name: "gloria-test-pacs",
      StorageDirectory: path.join(dir, "storage"),
      IndexDirectory: path.join(dir, "storage"),
      HttpPort: port,
      DicomServerEnabled: false,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      HttpTimeout: 10,
      Plugins: [DICOMWEB_PLUGIN],
      DicomWeb: { Enable: true, Root: "/dicom-web/", EnableWado: false },
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(ORTHANC, [config], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/system`)).ok) return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`Orthanc exited: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Orthanc did not start: ${log}`);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    url,
    dicomWeb: `${url}/dicom-web`,
    async upload(bytes) {
      const res = await fetch(`${url}/instances`, { method: "POST", body: bytes });
      if (!res.ok) throw new Error(`Orthanc refused an instance: ${res.status} ${await res.text()}`);
    },
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A Postgres cluster of a test's own (initdb into a temporary folder, a free loopback port, a private
// socket folder), so a test can stop and start it under a running server without touching the
// machine's own Postgres. As root, the binaries run as the `postgres` user (initdb refuses root).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Requirement } from "./requirements.ts";

export const PRIVATE_POSTGRES: Requirement = {
  what: "Postgres server binaries (initdb, pg_ctl) and, as root, a `postgres` user to run them",
  how: "install Debian's postgresql package (CI's machine has them on PATH)",
  ci: true,
};

const asRoot = process.getuid?.() === 0;

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}` };
}

/** A folder the binaries' user owns. */
function ownedFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (asRoot) {
    const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (id.status !== 0 || gid.status !== 0) throw new Error("no `postgres` user to run initdb as");
    fs.chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  return dir;
}

let initialised: string | undefined;

function initdb(): string {
  const root = ownedFolder("gloria-pg-");
  const result = run("initdb", ["-D", path.join(root, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
  if (!result.ok) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${result.output}`);
  }
  return root;
}

/**
 * Whether a private cluster can be made here: runs initdb once, synchronously (for describe-time
 * gating), and keeps the cluster for the next startPrivatePostgres().
 */
export function privatePostgresWorks(): boolean {
  try {
    initialised ??= initdb();
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  /** A URL for another database of the cluster. */
  urlFor(database: string): string;
  /** `pg_ctl stop -m fast`: sessions are ended, the server shuts down cleanly. */
  stop(): void;
  start(): void;
  /** Stops the cluster if running and removes its files. */
  destroy(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = initialised ?? initdb();
  initialised = undefined;
  const socketDir = ownedFolder("gloria-pg-socket-");
  const port = await freePort();
  const data = path.join(root, "data");
  const start = () => {
    const result = run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(root, "server.log"),
      "-w",
      "-o",
      `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
    if (!result.ok) throw new Error(`pg_ctl start failed: ${result.output}`);
  };
  const stop = () => {
    const result = run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    if (!result.ok) throw new Error(`pg_ctl stop failed: ${result.output}`);
  };
  start();
  const urlFor = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor("postgres"),
    urlFor,
    stop,
    start,
    destroy() {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

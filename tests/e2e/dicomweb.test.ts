// Ingestion from a PACS over DICOMweb, against a real Orthanc (Debian's orthanc + orthanc-dicomweb):
// every instance ingested once with its study, filters by study and modality, a second run that
// fetches nothing, reports from a sidecar CSV or a structured report, a PACS restarted in the middle of a run, the URL allow-list and the credentials
// rule, a PACS answering garbage (typed errors per item, or for the listing), and the CLI.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dcmjs from "dcmjs";
import { deriveUid, encodeDicom } from "../../src/phantoms/phantom.dicom.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { INGEST_JOB_FIELDS, type IngestJobView } from "../helpers/ingest-job.ts";
import { orthancAvailable, ORTHANC_PACS, startOrthanc, type Orthanc } from "../helpers/orthanc.ts";
import { requires } from "../helpers/requirements.ts";
import { createTestDatabase } from "../helpers/test-database.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 24;
const TINY = "tests/fixtures/models/tiny";

type Job = IngestJobView & { sourceKind: string };
const JOB = `sourceKind ${INGEST_JOB_FIELDS}`;

/** DICOM CR/DX instances made from the phantoms' pixels, each its own study; modality alternates. */
async function phantomInstances(dir: string): Promise<Array<{ bytes: Uint8Array; modality: "CR" | "DX"; study: number }>> {
  await generatePhantoms({ out: dir, count: COUNT, seed: 31, split: "train" });
  const pngs = fs
    .readdirSync(path.join(dir, "images"))
    .filter((f) => f.endsWith(".png"))
    .sort();
  const out: Array<{ bytes: Uint8Array; modality: "CR" | "DX"; study: number }> = [];
  for (const [i, file] of pngs.entries()) {
    const { data, info } = await sharp(path.join(dir, "images", file))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = Uint16Array.from(data, (v) => v * 16);
    const modality = i % 2 === 0 ? "CR" : "DX";
    const study = i;
    const bytes = encodeDicom({
      modality,
      viewPosition: "PA",
      photometric: "MONOCHROME2",
      rows: info.height,
      columns: info.width,
      pixels,
      rescaleSlope: 1,
      rescaleIntercept: 0,
      windowCenter: 2048,
      windowWidth: 4096,
      uidWords: [study, 7, 7, 31] as const,
    });
    out.push({ bytes, modality, study });
  }
  return out;
}

/** A Basic Text SR for a study, with its report as TEXT content items. */
function structuredReport(studyUid: string, n: number, sentences: string[]): Uint8Array {
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const sop = `2.25.${9_000_000 + n}`;
  const sopClass = "1.2.840.10008.5.1.4.1.1.88.11";
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: "1.2.840.10008.1.2.1",
      ImplementationClassUID: "2.25.190537403611826425302148470532114587531",
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: sopClass,
    SOPInstanceUID: sop,
    StudyInstanceUID: studyUid,
    SeriesInstanceUID: `2.25.${8_000_000 + n}`,
    Modality: "SR",
    ValueType: "CONTAINER",
    ContentSequence: sentences.map((TextValue) => ({ RelationshipType: "CONTAINS", ValueType: "TEXT", TextValue })),
  });
  return new Uint8Array(dict.write() as ArrayBuffer);
}

/** A PACS that answers QIDO-RS correctly and WADO-RS with garbage, or QIDO-RS with garbage. */
async function garbagePacs(): Promise<{ url: string; close(): Promise<void> }> {
  const dicomJson = (tag: string, uid: string) => JSON.stringify([{ [tag]: { vr: "UI", Value: [uid] } }]);
  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (url.startsWith("/bad/dicom-web/studies?")) return res.writeHead(200, { "content-type": "application/dicom+json" }).end(dicomJson("0020000D", "1.2.3"));
    if (url.startsWith("/bad/dicom-web/studies/1.2.3/series?"))
      return res.writeHead(200, { "content-type": "application/dicom+json" }).end(dicomJson("0020000E", "1.2.3.4"));
    if (url.startsWith("/bad/dicom-web/studies/1.2.3/series/1.2.3.4/instances?")) {
      const items = ["1.2.3.4.1", "1.2.3.4.2", "1.2.3.4.3"].map((uid) => ({ "00080018": { vr: "UI", Value: [uid] } }));
      return res.writeHead(200, { "content-type": "application/dicom+json" }).end(JSON.stringify(items));
    }
    if (url.endsWith("/instances/1.2.3.4.1")) return res.writeHead(200, { "content-type": "application/dicom" }).end("this is not a DICOM file at all");
    if (url.endsWith("/instances/1.2.3.4.2"))
      return res
        .writeHead(200, { "content-type": 'multipart/related; type="application/dicom"; boundary=xyz' })
        .end("--xyz\r\nContent-Type: application/dicom\r\n\r\ncut off");
    if (url.startsWith("/html/dicom-web/")) return res.writeHead(200, { "content-type": "text/html" }).end("<html>a login page</html>");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.runIf(requires(orthancAvailable(), ORTHANC_PACS))("ingestion from a PACS over DICOMweb", () => {
  let pacs: Orthanc;
  let bad: Awaited<ReturnType<typeof garbagePacs>>;
  let t: TestApp;
  let phantoms: string;
  let instances: Awaited<ReturnType<typeof phantomInstances>>;

  const ingest = async (dataset: string, dicomweb: Record<string, unknown>, async = false) =>
    t.graphql<{ ingest: Job }>(`mutation($d: String!, $w: DicomWebSourceInput!) { ingest(input: { dataset: $d, dicomweb: $w, async: ${async} }) { ${JOB} } }`, {
      d: dataset,
      w: dicomweb,
    });
  const job = async (id: string) => (await t.graphql<{ ingestJob: Job }>(`query($id: ID!) { ingestJob(id: $id) { ${JOB} } }`, { id })).body.data!.ingestJob;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-dicomweb-"));
    instances = await phantomInstances(phantoms);
    pacs = await startOrthanc();
    for (const instance of instances) await pacs.upload(instance.bytes);
    bad = await garbagePacs();
    t = await startTestApp({
      GLORIA_MODEL_DIR: TINY,
      AUTH: "off",
      INGEST_ROOTS: phantoms,
      DICOMWEB_URLS: `${pacs.dicomWeb},${bad.url}/bad/dicom-web,${bad.url}/html/dicom-web`,
    });
  });
  afterAll(async () => {
    await t?.stop();
    await pacs?.destroy();
    await bad?.close();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("ingests every instance once, with its study, and a second run fetches nothing", async () => {
    const first = await ingest("pacs", { url: pacs.dicomWeb });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.ingest).toMatchObject({ status: "SUCCEEDED", sourceKind: "dicomweb", ingested: instances.length, failed: 0 });
    const { body } = await t.graphql<{ images: { totalCount: number; edges: Array<{ node: { format: string; studyId: string | null; modality: string } }> } }>(
      '{ images(first: 100, filter: { datasets: ["pacs"] }) { totalCount edges { node { format studyId modality } } } }',
    );
    expect(body.data!.images.totalCount).toBe(instances.length);
    const nodes = body.data!.images.edges.map((e) => e.node);
    expect(nodes.every((n) => n.format === "dicom" && n.studyId !== null)).toBe(true);
    expect(new Set(nodes.map((n) => n.studyId)).size).toBe(new Set(instances.map((i) => i.study)).size);
    const again = await ingest("pacs", { url: pacs.dicomWeb });
    expect(again.body.data!.ingest).toMatchObject({ status: "SUCCEEDED", ingested: 0, skipped: instances.length, failed: 0 });
  });

  it("takes only the studies and modalities asked for", async () => {
    const dx = await ingest("pacs-dx", { url: pacs.dicomWeb, modalities: ["DX"] });
    expect(dx.body.data!.ingest.ingested).toBe(instances.filter((i) => i.modality === "DX").length);
    // The PACS's Study Instance UIDs, as QIDO-RS lists them.
    const studies = (await (await fetch(`${pacs.dicomWeb}/studies`)).json()) as Array<Record<string, { Value: string[] }>>;
    const uid = studies[0]!["0020000D"]!.Value[0]!;
    const one = await ingest("pacs-one", { url: pacs.dicomWeb, studies: [uid] });
    expect(one.body.data!.ingest.ingested).toBe(1);
  });

  it("takes a study's report from a sidecar CSV, else from its structured report, and links it to the study's images", async () => {
    const studyUid = (study: number) => deriveUid([study, 7, 7, 31], 0);
    const srReport = ["Moderate left pleural effusion.", "No pneumothorax."];
    await pacs.upload(structuredReport(studyUid(0), 0, srReport));
    const csv = path.join(phantoms, "pacs-reports.csv");
    fs.writeFileSync(csv, `StudyInstanceUID,Report\n${studyUid(1)},"Mild cardiomegaly, no effusion."\n`);
    const { body } = await t.graphql<{ ingest: Job }>(
      `mutation($w: DicomWebSourceInput!) { ingest(input: { dataset: "pacs-reports", dicomweb: $w }) { ${JOB} } }`,
      { w: { url: pacs.dicomWeb, studies: [studyUid(0), studyUid(1)], reportsCsv: csv } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.ingest).toMatchObject({ status: "SUCCEEDED", ingested: 2, failed: 0 });
    const reports = await t.graphql<{ reports: { edges: Array<{ node: { text: string; images: Array<{ id: string }> } }> } }>(
      '{ reports(first: 10, filter: { datasets: ["pacs-reports"] }) { edges { node { text images { id } } } } }',
    );
    const texts = reports.body.data!.reports.edges.map((e) => e.node);
    expect(texts.map((r) => r.text).sort()).toEqual(["Mild cardiomegaly, no effusion.", srReport.join(" ")].sort());
    for (const report of texts) expect(report.images).toHaveLength(1);
  });

  it("waits for a PACS that restarts in the middle of a run, and finishes it", async () => {
    const started = await ingest("pacs-restart", { url: pacs.dicomWeb }, true);
    const id = started.body.data!.ingest.id;
    await pacs.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await pacs.start();
    let state = await job(id);
    for (let i = 0; i < 120 && state.status === "RUNNING"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = await job(id);
    }
    expect(state, JSON.stringify(state)).toMatchObject({ status: "SUCCEEDED", ingested: instances.length, failed: 0 });
  });

  it("refuses a PACS that is not allowed, credentials in the URL, and a bad variable name", async () => {
    const other = await ingest("x", { url: "http://127.0.0.1:9/dicom-web" });
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const userinfo = await ingest("x", { url: pacs.dicomWeb.replace("http://", "http://admin:secret@") });
    expect(userinfo.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(userinfo.body.errors?.[0]?.message).toMatch(/environment variable/);
    const env = await ingest("x", { url: pacs.dicomWeb, authEnv: "PATH" });
    expect(env.body.errors?.[0]?.message).toMatch(/DICOMWEB_AUTH_/);
    const outside = await ingest("x", { url: pacs.dicomWeb, reportsCsv: "/etc/passwd" });
    expect(outside.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(outside.body.errors?.[0]?.message).not.toContain("/etc");
    const unset = await ingest("x", { url: pacs.dicomWeb, authEnv: "DICOMWEB_AUTH_NOT_SET" });
    expect(JSON.stringify(unset.body)).toMatch(/not set on the server/);
  });

  it("fails each garbage instance alone with a typed error, and a garbage listing as a whole", async () => {
    const garbage = await ingest("garbage", { url: `${bad.url}/bad/dicom-web` });
    expect(garbage.body.errors).toBeUndefined();
    const result = garbage.body.data!.ingest;
    expect(result).toMatchObject({ status: "SUCCEEDED", ingested: 0, failed: 3 });
    const codes = Object.fromEntries(result.errors.map((e) => [e.item.split("/").at(-1), e.code]));
    expect(codes).toEqual({ "1.2.3.4.1": "UNSUPPORTED_MEDIA_TYPE", "1.2.3.4.2": "UNSUPPORTED_MEDIA_TYPE", "1.2.3.4.3": "NOT_FOUND" });
    const html = await ingest("html", { url: `${bad.url}/html/dicom-web` });
    expect(html.body.errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(html.body.errors?.[0]?.message).toMatch(/not DICOM JSON/);
  });

  it("ingests from the command line: gloria ingest dicomweb+http://…", async () => {
    const database = await createTestDatabase();
    try {
      const child = spawn(process.execPath, ["bin/gloria.mjs", "ingest", `dicomweb+${pacs.dicomWeb}`, "--modality", "CR", "--dataset", "cli", "--json"], {
        env: { ...process.env, GLORIA_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl ?? "", GLORIA_MODEL_DIR: TINY, LOG_LEVEL: "silent" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code, err).toBe(0);
      const summary = JSON.parse(out.trim().split("\n").at(-1)!) as { ingested: number; failed: number };
      expect(summary).toMatchObject({ ingested: instances.filter((i) => i.modality === "CR").length, failed: 0 });
    } finally {
      await database.cleanup();
    }
  }, 120_000);
});

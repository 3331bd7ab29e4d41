// GLORIA_DATA_DIR (the embedded vector store and the local feature files) on a tmpfs that fills up in
// the middle of an ingestion: the job ends cleanly (FAILED, or items failed with STORE_UNAVAILABLE),
// the server keeps answering, nothing READY lacks its vector or its local features; once the disk
// is grown, a re-run of the same source finishes with exact counts and every image is searchable,
// re-ranked.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { mountTmpfs, TMPFS, tmpfsWorks, type Tmpfs } from "../helpers/tmpfs.ts";
import { INGEST_JOB_FIELDS, type IngestJobView } from "../helpers/ingest-job.ts";

const COUNT = 80;
/** Room left for the ingestion's writes: a few dozen of the tiny model's images, far fewer than COUNT. */
const ROOM = 192 * 1024;

describe.runIf(requires(tmpfsWorks(), TMPFS))("a full disk during ingestion", () => {
  let disk: Tmpfs;
  let phantoms: string;
  let t: TestApp;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-disk-full-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 11, split: "test" });
    disk = mountTmpfs(64 * 1024 * 1024);
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", GLORIA_DATA_DIR: disk.dir, AUTH: "off", INGEST_ROOTS: phantoms, BATCH_SIZE: "4" });
    // Whatever start-up wrote stays; the disk keeps only ROOM free from here on.
    const used = 64 * 1024 * 1024 - disk.free();
    disk.resize(used + ROOM);
  });

  afterAll(async () => {
    // Closing writes a snapshot: give it room whatever the test left behind.
    disk?.resize(64 * 1024 * 1024);
    await t?.stop();
    disk?.unmount();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const runtime = () => t.app.runtime!;
  const readyIds = async () => (await runtime().metadata.listImages({ statuses: ["READY"] }, 1_000)).items.map((i) => i.id);
  const ingest = async () => {
    const res = await t.graphql<{ ingest: IngestJobView }>(`mutation($input: IngestInput!) { ingest(input: $input) { ${INGEST_JOB_FIELDS} } }`, {
      input: { dataset: "full", path: phantoms, async: true },
    });
    expect(res.body.errors).toBeUndefined();
    let job = res.body.data!.ingest;
    for (let i = 0; i < 1_200 && (job.status === "RUNNING" || job.status === "QUEUED"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await t.graphql<{ ingestJob: IngestJobView }>(`query($id: ID!) { ingestJob(id: $id) { ${INGEST_JOB_FIELDS} } }`, { id: job.id })).body.data!
        .ingestJob;
    }
    return job;
  };

  it("ends the job cleanly and keeps serving; nothing READY is half-written", async () => {
    const job = await ingest();
    // The disk filled: either the job failed as a whole, or the items it could not write failed one by one.
    if (job.status === "FAILED") {
      expect(job.error).toMatch(/store is unavailable/i);
    } else {
      expect(job.status).toBe("SUCCEEDED");
      expect(job.failed).toBeGreaterThan(0);
      expect(new Set(job.errors.map((e) => e.code))).toEqual(new Set(["STORE_UNAVAILABLE"]));
    }
    expect(job.ingested).toBeLessThan(COUNT);

    // The server still answers, over HTTP and GraphQL.
    expect((await fetch(`${t.app.url}/healthz`)).status).toBe(200);
    const listed = await t.graphql<{ images: { totalCount: number } }>(`{ images(first: 1) { totalCount } }`);
    expect(listed.body.errors).toBeUndefined();
    // Only what was committed READY is listed (ingestion marks a run's items READY in commits).
    expect(listed.body.data!.images.totalCount).toBeLessThanOrEqual(job.ingested);

    // Every READY image has its vector and its local features.
    const ready = await readyIds();
    expect((await runtime().collections.images.has(ready)).size).toBe(ready.length);
    expect((await runtime().localFeatures.getImageRegions(runtime().model.id, ready)).size).toBe(ready.length);
  });

  it("finishes on a re-run once the disk has room, every image searchable and re-ranked", async () => {
    disk.resize(64 * 1024 * 1024);
    const job = await ingest();
    expect(job).toMatchObject({ status: "SUCCEEDED", total: COUNT, failed: 0 });
    expect(job.ingested + job.skipped).toBe(COUNT);

    const ready = await readyIds();
    expect(ready).toHaveLength(COUNT);
    expect((await runtime().collections.images.has(ready)).size).toBe(COUNT);
    // No vector without its READY row (a half-written item kept in the store would show here).
    expect(await runtime().collections.images.count()).toBe(COUNT);
    expect((await runtime().localFeatures.getImageRegions(runtime().model.id, ready)).size).toBe(COUNT);

    const res = await t.graphql<{ searchImages: Array<{ localScore: number | null; image: { id: string; status: string } }> }>(
      `{ searchImages(text: "small left pleural effusion", first: 100, rerank: { candidates: 100 }) { localScore image { id status } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const hits = res.body.data!.searchImages;
    expect(new Set(hits.map((h) => h.image.id))).toEqual(new Set(ready));
    expect(hits.every((h) => h.image.status === "READY" && typeof h.localScore === "number")).toBe(true);
  });
});

// Queued ingestion: one job's batches spread over two workers through pg-boss in the shared
// Postgres. Each item is ingested once, the counts add up, and the job ends SUCCEEDED; a batch
// retried after partial progress counts nothing twice, a batch out of retries fails its job, and
// the batches of a cancelled job are skipped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime, type Runtime } from "../../../src/runtime.ts";
import type { JobRecord } from "../../../src/stores/metadata/metadata-store.port.ts";
import type { IngestQueue } from "../../../src/stores/queue/ingest-queue.port.ts";
import { PgBossIngestQueue } from "../../../src/stores/queue/pgboss.ingest-queue.ts";
import type { VectorCollection } from "../../../src/stores/vector/vector-store.port.ts";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../../helpers/test-database.ts";

const COUNT = 30;

describe.runIf(usingRealPostgres())("queued ingestion with two workers", () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let phantoms: string;
  const queues: PgBossIngestQueue[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-queue-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 5, split: "train" });
    runtime = await openRuntime(
      loadConfig({ GLORIA_DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl, GLORIA_MODEL_DIR: "tests/fixtures/models/tiny" }),
      silentLogger(),
    );
  });
  afterAll(async () => {
    for (const q of queues) await q.close();
    await runtime?.close();
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("splits one job over both workers and counts every item once", async () => {
    const handledBy: Record<string, number> = { a: 0, b: 0 };
    for (const name of ["a", "b"]) {
      const queue = new PgBossIngestQueue(db.databaseUrl!, silentLogger());
      queues.push(queue);
      await queue.work(async (batch) => {
        handledBy[name]! += batch.items.length;
        await runtime.ingestion.handleBatch(batch);
      });
    }
    const producer = new PgBossIngestQueue(db.databaseUrl!, silentLogger());
    queues.push(producer);
    const jobId = await runtime.ingestion.enqueue(
      { kind: "manifest", path: path.join(phantoms, "manifest.csv") },
      { dataset: "queued", queue: producer, batchSize: 3 },
    );

    let job = await runtime.metadata.getJob(jobId);
    for (let i = 0; i < 240 && job?.status !== "SUCCEEDED"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      job = await runtime.metadata.getJob(jobId);
    }
    expect(job).toMatchObject({ status: "SUCCEEDED", total: COUNT, ingested: COUNT, skipped: 0, failed: 0 });
    expect(handledBy.a! + handledBy.b!).toBe(COUNT);
    expect(handledBy.a).toBeGreaterThan(0);
    expect(handledBy.b).toBeGreaterThan(0);
    expect(await runtime.database.prisma.image.count()).toBe(COUNT);
    expect(await runtime.collections.images.count()).toBe(COUNT);
    expect((await runtime.metadata.stats(runtime.model.id)).pending).toBe(0);
  });
});

describe.runIf(usingRealPostgres())("queued ingestion under retries and cancellation", () => {
  const ITEMS = 20;
  let db: TestDatabase;
  let runtime: Runtime;
  let phantoms: string;
  let queue: PgBossIngestQueue;
  /** Upserts of image vectors that throw before writing; set per test. */
  let failUpsert: (call: number) => boolean = () => false;
  let upserts = 0;
  const handled: Array<{ jobId: string; retry: number; outcome: "done" | "threw" }> = [];

  const waitFor = async (jobId: string, done: (job: JobRecord) => boolean): Promise<JobRecord> => {
    let job = (await runtime.metadata.getJob(jobId))!;
    for (let i = 0; i < 240 && !done(job); i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = (await runtime.metadata.getJob(jobId))!;
    }
    return job;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-queue-retry-"));
    await generatePhantoms({ out: phantoms, count: ITEMS, seed: 6, split: "train" });
    runtime = await openRuntime(
      loadConfig({ GLORIA_DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl, GLORIA_MODEL_DIR: "tests/fixtures/models/tiny" }),
      silentLogger(),
    );
    const images: VectorCollection = runtime.collections.images;
    const upsert = images.upsert.bind(images);
    images.upsert = async (points) => {
      if (points.length > 0 && failUpsert(++upserts)) throw new Error("the vector store went away for a moment");
      return upsert(points);
    };
    // One retry, a second apart: a batch gets two attempts.
    queue = new PgBossIngestQueue(db.databaseUrl!, silentLogger(), { limit: 1, delaySeconds: 1 });
    await queue.work(async (batch, attempt) => {
      try {
        await runtime.ingestion.handleBatch(batch, attempt);
        handled.push({ jobId: batch.jobId, retry: attempt.retry, outcome: "done" });
      } catch (error) {
        handled.push({ jobId: batch.jobId, retry: attempt.retry, outcome: "threw" });
        throw error;
      }
    });
  });
  afterAll(async () => {
    await queue?.close();
    await runtime?.close();
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("counts a batch retried after partial progress exactly once", async () => {
    // One queued batch of 20 items = encoder batches of 16 and 4: the second one's write fails once,
    // after the first was written and counted.
    upserts = 0;
    failUpsert = (call) => call === 2;
    const jobId = await runtime.ingestion.enqueue(
      { kind: "manifest", path: path.join(phantoms, "manifest.csv") },
      { dataset: "retried", queue, batchSize: ITEMS },
    );
    const job = await waitFor(jobId, (j) => j.status !== "RUNNING");
    expect(handled.filter((h) => h.jobId === jobId)).toEqual([
      { jobId, retry: 0, outcome: "threw" },
      { jobId, retry: 1, outcome: "done" },
    ]);
    expect(job).toMatchObject({ status: "SUCCEEDED", total: ITEMS, ingested: ITEMS, skipped: 0, failed: 0 });
    // Each encoder batch counted once: the first by the attempt that failed, the second by the retry.
    const parts = await runtime.database.prisma.ingestJobBatch.findMany({ where: { jobId }, orderBy: { part: "asc" } });
    expect(parts.map(({ batch, part, ingested, skipped, failed }) => ({ batch, part, ingested, skipped, failed }))).toEqual([
      { batch: 0, part: 0, ingested: 16, skipped: 0, failed: 0 },
      { batch: 0, part: 1, ingested: 4, skipped: 0, failed: 0 },
    ]);
    expect(await runtime.database.prisma.imageEmbedding.count({ where: { status: "READY", image: { dataset: { name: "retried" } } } })).toBe(ITEMS);
  });

  it("fails the job of a batch that is out of retries, with the error", async () => {
    failUpsert = () => true;
    const jobId = await runtime.ingestion.enqueue(
      { kind: "manifest", path: path.join(phantoms, "manifest.csv") },
      { dataset: "broken", queue, batchSize: ITEMS },
    );
    const job = await waitFor(jobId, (j) => j.status !== "RUNNING");
    expect(job.status).toBe("FAILED");
    expect(job.error).toMatch(/^A batch failed after 2 attempts \(.+\); re-run the ingestion to finish it \(items already READY are kept\)$/);
    expect(job.finishedAt).toBeInstanceOf(Date);
    expect(handled.filter((h) => h.jobId === jobId).map((h) => h.outcome)).toEqual(["threw", "threw"]);
  });

  it("skips the queued batches of a cancelled job", async () => {
    failUpsert = () => false;
    // The job is cancelled after it is listed and before its batches reach the workers.
    const cancelFirst: IngestQueue = {
      enqueue: async (batches) => {
        await runtime.metadata.setJobStatus(batches[0]!.jobId, "CANCELLED", "cancelled");
        await queue.enqueue(batches);
      },
      work: (handler, options) => queue.work(handler, options),
      close: async () => undefined,
    };
    const jobId = await runtime.ingestion.enqueue(
      { kind: "manifest", path: path.join(phantoms, "manifest.csv") },
      { dataset: "cancelled", queue: cancelFirst, batchSize: 5 },
    );
    const job = await waitFor(jobId, () => handled.filter((h) => h.jobId === jobId).length >= ITEMS / 5);
    expect(handled.filter((h) => h.jobId === jobId).map((h) => h.outcome)).toEqual(["done", "done", "done", "done"]);
    expect(job).toMatchObject({ status: "CANCELLED", ingested: 0, skipped: 0, failed: 0 });
    expect(await runtime.database.prisma.image.count({ where: { dataset: { name: "cancelled" } } })).toBe(0);
  });
});

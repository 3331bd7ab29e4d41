// Queued ingestion: one job's batches spread over two workers through pg-boss in the shared
// Postgres. Each item is ingested once, the counts add up, and the job ends SUCCEEDED.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime, type Runtime } from "../../../src/runtime.ts";
import { PgBossIngestQueue } from "../../../src/stores/queue/pgboss.ingest-queue.ts";
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
    runtime = await openRuntime(loadConfig({ GLORIA_DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl, GLORIA_MODEL_DIR: "tests/fixtures/models/tiny" }), silentLogger());
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
    const jobId = await runtime.ingestion.enqueue({ kind: "manifest", path: path.join(phantoms, "manifest.csv") }, { dataset: "queued", queue: producer, batchSize: 3 });

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

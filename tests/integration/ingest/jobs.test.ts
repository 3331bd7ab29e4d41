// Ingestion jobs a user can trust: pages of jobs newest first, cancellation that stops a run at its
// next batch and keeps what was written, jobs a dead process left RUNNING failed at the next start
// (a live server's left alone), and a shutdown that never leaves a job RUNNING.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.ts";
import { loadConfig } from "../../../src/config/config.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime, type Runtime } from "../../../src/runtime.ts";
import { processOwner } from "../../../src/services/lifecycle.ts";
import { IngestJobsService, JOB_REASONS } from "../../../src/services/ingest/ingest-jobs.service.ts";
import { detectSource } from "../../../src/services/ingest/ingest.sources.ts";
import { openDatabase } from "../../../src/stores/database.ts";
import type { JobStatus } from "../../../src/stores/metadata/metadata-store.port.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { AppError } from "../../../src/errors/app-error.ts";

const COUNT = 40;
const MODEL_DIR = "tests/fixtures/models/tiny";

describe("ingestion jobs", () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let phantoms: string;
  const catalog = () => new IngestJobsService(runtime.metadata, runtime.ingestion, runtime.modelInfo, [phantoms], processOwner());
  const readyImages = (dataset: string) => runtime.database.prisma.imageEmbedding.count({ where: { status: "READY", image: { dataset: { name: dataset } } } });

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-jobs-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 7, split: "train" });
    runtime = await openRuntime(
      loadConfig({ GLORIA_DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl, GLORIA_MODEL_DIR: MODEL_DIR, INGEST_ROOTS: phantoms }),
      silentLogger(),
    );
  });
  afterAll(async () => {
    await runtime?.close();
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("pages jobs newest first, with and without a status filter, with no duplicate and none missing", async () => {
    const statuses: JobStatus[] = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];
    const created: Array<{ id: string; status: JobStatus }> = [];
    for (let i = 0; i < 23; i++) {
      const job = await runtime.metadata.createJob({ datasetId: null, modelId: null, source: { kind: "folder", path: "/secret/x" } });
      const status = statuses[i % statuses.length]!;
      await runtime.metadata.setJobStatus(job.id, status);
      created.push({ id: job.id, status });
    }
    const pageAll = async (status?: JobStatus) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page = await catalog().listJobs(5, after, status);
        expect(page.totalCount).toBe(status ? created.filter((c) => c.status === status).length : created.length);
        ids.push(...page.items.map((j) => j.id));
        if (status) expect(page.items.every((j) => j.status === status)).toBe(true);
        if (!page.hasNextPage) return ids;
        after = page.endCursor;
      }
      throw new Error("paging did not end");
    };
    const newestFirst = [...created].reverse();
    expect(await pageAll()).toEqual(newestFirst.map((c) => c.id));
    for (const status of statuses) expect(await pageAll(status)).toEqual(newestFirst.filter((c) => c.status === status).map((c) => c.id));

    const [first] = (await catalog().listJobs(1, null, null)).items;
    expect(first).toMatchObject({ sourceKind: "folder", datasetName: null });
    await expect(catalog().listJobs(101, null, null)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(catalog().listJobs(5, "not-a-cursor", null)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("cancels an inline run at its next batch and keeps the items it wrote", async () => {
    const service = catalog();
    const dataset = await runtime.metadata.ensureDataset("cancel-inline");
    const job = await runtime.metadata.createJob({ datasetId: dataset.id, modelId: runtime.model.id, source: { kind: "manifest" } });
    let cancelled: Promise<unknown> | undefined;
    const summary = await runtime.ingestion.run(detectSource(phantoms), {
      dataset: "cancel-inline",
      jobId: job.id,
      batchSize: 4,
      onProgress: (p) => {
        if (p.done >= 4) cancelled ??= service.cancelJob(job.id);
      },
    });
    await cancelled;
    const ended = await runtime.metadata.getJob(job.id);
    expect(ended).toMatchObject({ status: "CANCELLED", error: JOB_REASONS.cancelled, datasetName: "cancel-inline", sourceKind: "manifest" });
    expect(ended!.finishedAt).toBeInstanceOf(Date);
    // Stopped well before the end; every item it counted is READY, none half-written.
    expect(summary.done).toBeLessThan(COUNT);
    expect(ended!.ingested).toBe(summary.ingested);
    expect(await readyImages("cancel-inline")).toBe(ended!.ingested);
    expect((await runtime.metadata.stats(runtime.model.id)).pending).toBe(0);

    await expect(service.cancelJob(job.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(service.cancelJob("00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("counts as ingested only what a run made READY before a store failure stopped it", async () => {
    const images = runtime.collections.images;
    const upsert = images.upsert.bind(images);
    let calls = 0;
    // The vector store goes down for good after the first two batches' writes.
    Object.assign(images, {
      upsert: async (...args: Parameters<typeof upsert>) => {
        if (++calls > 2) throw new AppError("STORE_UNAVAILABLE", "the vector store is down (injected)", { expected: false });
        return upsert(...args);
      },
    });
    try {
      await expect(
        runtime.ingestion.run(
          { kind: "manifest", path: path.join(phantoms, "manifest.csv") },
          { dataset: "store-down", batchSize: 4, commitEvery: 4, onProgress: () => undefined },
        ),
      ).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    } finally {
      delete (images as unknown as Record<string, unknown>).upsert;
    }
    const jobId = (await runtime.database.prisma.ingestJob.findFirst({ where: { dataset: { name: "store-down" } }, orderBy: { createdAt: "desc" } }))!.id;
    const job = (await runtime.metadata.getJob(jobId))!;
    expect(job.status).toBe("FAILED");
    const ready = await readyImages("store-down");
    expect(ready).toBeGreaterThan(0);
    expect(job.ingested).toBe(ready);
  });

  it("cancels an async run started by the catalogue", async () => {
    const service = catalog();
    const started = await service.ingest(detectSource(phantoms), "cancel-async", false);
    expect(started.status).toBe("RUNNING");
    expect((await service.cancelJob(started.id)).status).toBe("CANCELLED");
    // Waits for the run to stop: it was cancelled, so the shutdown has nothing to fail.
    await service.stopJobs(120_000);
    const ended = await runtime.metadata.getJob(started.id);
    expect(ended).toMatchObject({ status: "CANCELLED", error: JOB_REASONS.cancelled });
    expect(ended!.ingested + ended!.skipped + ended!.failed).toBeLessThan(COUNT);
    expect(await readyImages("cancel-async")).toBe(ended!.ingested);
    await expect(service.ingest(detectSource(phantoms), "after-stop", false)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("ingestion jobs across restarts", () => {
  let db: TestDatabase;
  let phantoms: string;
  const env = (extra: Record<string, string> = {}) =>
    loadConfig({
      PORT: "0",
      LOG_LEVEL: "silent",
      GLORIA_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl,
      GLORIA_MODEL_DIR: MODEL_DIR,
      INGEST_ROOTS: phantoms,
      ...extra,
    });
  /** Reads the jobs with the app closed (the embedded database has one process at a time). */
  const jobsById = async () => {
    const database = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, logger: silentLogger() });
    try {
      return new Map((await database.prisma.ingestJob.findMany()).map((job) => [job.id, job]));
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-jobs-restart-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 8, split: "train" });
  });
  afterAll(async () => {
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("fails the RUNNING jobs of a process that is gone at start, and leaves the rest alone", async () => {
    const host = os.hostname();
    // A pid that ran and exited: nothing runs under it now.
    const deadPid = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    const database = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, logger: silentLogger() });
    const insert = (owner: string | null, extra: { queued?: boolean; status?: JobStatus } = {}) =>
      database.prisma.ingestJob.create({
        data: { source: { kind: "folder" }, status: extra.status ?? "RUNNING", owner, queued: extra.queued ?? false, startedAt: new Date() },
      });
    const deadProcess = await insert(`${host}/${deadPid}/a`);
    const samePidOldInstance = await insert(`${host}/${process.pid}/before-restart`);
    const liveProcess = await insert(`${host}/${process.ppid}/live`);
    const otherHost = await insert(`elsewhere.example/1/b`);
    const queued = await insert(null, { queued: true });
    const ended = await insert(`${host}/${deadPid}/a`, { status: "SUCCEEDED" });
    await database.close();

    const app = await createApp(env(), { logger: silentLogger() });
    await app.close();
    const jobs = await jobsById();
    for (const job of [deadProcess, samePidOldInstance])
      expect(jobs.get(job.id)).toMatchObject({ status: "FAILED", error: JOB_REASONS.stopped, finishedAt: expect.any(Date) });
    // With a Postgres server, another live process may own jobs; the embedded database has one process.
    const alive = app.database.embedded ? { status: "FAILED", error: JOB_REASONS.stopped } : { status: "RUNNING", error: null };
    expect(jobs.get(liveProcess.id)).toMatchObject(alive);
    expect(jobs.get(otherHost.id)).toMatchObject(alive);
    expect(jobs.get(queued.id)).toMatchObject({ status: "RUNNING", error: null });
    expect(jobs.get(ended.id)).toMatchObject({ status: "SUCCEEDED", error: null });
  });

  it("close() waits up to the grace for an async job, then fails it: no job is left RUNNING", async () => {
    const app = await createApp(env({ SHUTDOWN_GRACE_SECONDS: "0" }), { logger: silentLogger() });
    const job = await app.services.ingestJobs!.ingest(detectSource(phantoms), "shutdown", false);
    expect(job.status).toBe("RUNNING");
    await app.close();
    const after = (await jobsById()).get(job.id)!;
    expect(after.status).toBe("FAILED");
    expect(after.error).toBe(JOB_REASONS.stopped);
    expect([...(await jobsById()).values()].filter((j) => j.status === "RUNNING" && j.datasetId === job.datasetId)).toEqual([]);
  });

  it("close() lets a job that ends within the grace finish", async () => {
    const app = await createApp(env({ SHUTDOWN_GRACE_SECONDS: "300" }), { logger: silentLogger() });
    const job = await app.services.ingestJobs!.ingest(detectSource(phantoms), "graceful", false);
    await app.close();
    expect((await jobsById()).get(job.id)).toMatchObject({ status: "SUCCEEDED", total: COUNT, ingested: COUNT, error: null });
  });
});

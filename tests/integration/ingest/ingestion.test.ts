// Ingestion end to end on the real parts: phantoms → tiny model (ONNX Runtime) → usearch + Postgres.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime, type Runtime } from "../../../src/runtime.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";

const COUNT = 24;

describe("ingestion", () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let phantoms: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-phantoms-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 7, split: "train" });
    const config = loadConfig({
      GLORIA_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl,
      GLORIA_MODEL_DIR: "tests/fixtures/models/tiny",
      LOG_LEVEL: "silent",
    });
    runtime = await openRuntime(config, silentLogger());
  });
  afterAll(async () => {
    await runtime?.close();
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("ingests a manifest: every image and report reaches every store", async () => {
    const summary = await runtime.ingestion.run({ kind: "manifest", path: path.join(phantoms, "manifest.csv") }, { dataset: "phantoms", batchSize: 5 });
    expect(summary).toMatchObject({ ingested: COUNT, skipped: 0, failed: 0, errors: [] });
    const stats = await runtime.metadata.stats(runtime.model.id);
    const reports = await runtime.database.prisma.report.count();
    expect(stats).toEqual({ images: COUNT, reports, pending: 0, failed: 0 });
    expect(await runtime.collections.images.count()).toBe(COUNT);
    expect(await runtime.collections.reports.count()).toBe(reports);
    expect(await runtime.localFeatures.count(runtime.model.id)).toEqual({ images: COUNT, reports });
    expect(await runtime.database.prisma.imageReport.count()).toBe(COUNT);
    const job = await runtime.metadata.getJob(summary.jobId);
    expect(job).toMatchObject({ status: "SUCCEEDED", total: COUNT, ingested: COUNT });
  });

  it("changes nothing when the same source is ingested again", async () => {
    const before = await runtime.database.prisma.image.count();
    const summary = await runtime.ingestion.run({ kind: "manifest", path: path.join(phantoms, "manifest.csv") }, { dataset: "phantoms" });
    expect(summary).toMatchObject({ ingested: 0, skipped: COUNT, failed: 0 });
    expect(await runtime.database.prisma.image.count()).toBe(before);
    expect(await runtime.collections.images.count()).toBe(COUNT);
  });

  it("records corrupt files and empty reports per item without stopping the batch", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-bad-"));
    fs.copyFileSync(path.join(phantoms, "images", fs.readdirSync(path.join(phantoms, "images"))[0]!), path.join(dir, "good.png"));
    fs.writeFileSync(path.join(dir, "corrupt.png"), Buffer.from("\x89PNG\r\n\x1a\nthis is not really a png"));
    fs.writeFileSync(path.join(dir, "random.jpg"), Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37) % 256)));
    fs.writeFileSync(
      path.join(dir, "manifest.csv"),
      "Path,Report\ngood.png,small left pleural effusion\ncorrupt.png,mild edema\nrandom.jpg,\nmissing.png,x y\n",
    );
    const summary = await runtime.ingestion.run({ kind: "manifest", path: path.join(dir, "manifest.csv") }, { dataset: "bad" });
    expect(summary.ingested + summary.skipped).toBe(1);
    expect(summary.failed).toBe(3);
    const byItem = Object.fromEntries(summary.errors.map((e) => [e.item, e.code]));
    expect(byItem).toEqual({ "corrupt.png": "UNSUPPORTED_MEDIA_TYPE", "random.jpg": "UNSUPPORTED_MEDIA_TYPE", "missing.png": "NOT_FOUND" });
    const job = await runtime.metadata.getJob(summary.jobId);
    expect(job?.errors.map((e) => e.item).sort()).toEqual(["corrupt.png", "missing.png", "random.jpg"]);
    expect(await runtime.database.prisma.image.count({ where: { dataset: { name: "bad" } } })).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("stores text Postgres cannot hold normalised, fails only a malformed Findings cell, and finishes the job", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-nul-"));
    const sources = fs
      .readdirSync(path.join(phantoms, "images"))
      .filter((f) => f.endsWith(".png"))
      .slice(0, 4);
    sources.forEach((f, i) => fs.copyFileSync(path.join(phantoms, "images", f), path.join(dir, `img${i}.png`)));
    const nul = "\u0000";
    fs.writeFileSync(
      path.join(dir, "manifest.csv"),
      [
        "Path,Report,Findings",
        "img0.png,small left pleural effusion,",
        // A NUL, a bell and an unpaired surrogate (a character cut in half) in the report.
        `img1.png,mild${nul} edema\u0007 \ud800,`,
        // A JSON escape that decodes to U+0000 inside a finding's class.
        'img2.png,moderate cardiomegaly,"[{""class"":""Cardio\\u0000megaly""}]"',
        "img3.png,mild edema,not json",
        "",
      ].join("\n"),
    );
    const summary = await runtime.ingestion.run({ kind: "manifest", path: path.join(dir, "manifest.csv") }, { dataset: "nul" });
    expect({ ingested: summary.ingested, failed: summary.failed }).toEqual({ ingested: 3, failed: 1 });
    expect(summary.errors.map((e) => [e.item, e.code])).toEqual([["img3.png", "BAD_USER_INPUT"]]);
    expect(summary.errors[0]!.message).toMatch(/Findings column is not a JSON list/);
    const job = await runtime.metadata.getJob(summary.jobId);
    expect(job?.status).toBe("SUCCEEDED");
    expect(await runtime.database.prisma.image.count({ where: { dataset: { name: "nul" } } })).toBe(3);
    const texts = (await runtime.database.prisma.report.findMany({ where: { dataset: { name: "nul" } }, select: { text: true } })).map((r) => r.text).sort();
    expect(texts).toEqual(["mild edema \uFFFD", "moderate cardiomegaly", "small left pleural effusion"]);
    const cardio = await runtime.database.prisma.image.findFirst({ where: { dataset: { name: "nul" }, sourcePath: { endsWith: "img2.png" } } });
    expect(cardio!.findings).toEqual([{ class: "Cardiomegaly", severity: null, location: null }]);
    // A re-run recognises the normalised rows by their original text: it skips them and fails the same row.
    const again = await runtime.ingestion.run({ kind: "manifest", path: path.join(dir, "manifest.csv") }, { dataset: "nul" });
    expect({ skipped: again.skipped, failed: again.failed, ingested: again.ingested }).toEqual({ skipped: 3, failed: 1, ingested: 0 });
    expect(await runtime.database.prisma.report.count({ where: { dataset: { name: "nul" } } })).toBe(3);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deletes an image from every store", async () => {
    const [image] = await runtime.database.prisma.image.findMany({ where: { dataset: { name: "phantoms" } }, take: 1 });
    const vectorsBefore = await runtime.collections.images.count();
    await runtime.ingestion.deleteImage(image!.id);
    expect(await runtime.collections.images.count()).toBe(vectorsBefore - 1);
    expect((await runtime.collections.images.has([image!.id])).size).toBe(0);
    expect((await runtime.localFeatures.getImageRegions(runtime.model.id, [image!.id])).size).toBe(0);
    expect(await runtime.database.prisma.image.count({ where: { id: image!.id } })).toBe(0);
    await expect(runtime.ingestion.deleteImage(image!.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reconcile removes vectors whose item is gone", async () => {
    const [image] = await runtime.database.prisma.image.findMany({ where: { dataset: { name: "phantoms" } }, take: 1 });
    await runtime.database.prisma.image.delete({ where: { id: image!.id } });
    const result = await runtime.ingestion.reconcile();
    expect(result.orphanVectors).toBe(1);
    expect((await runtime.collections.images.has([image!.id])).size).toBe(0);
  });
});

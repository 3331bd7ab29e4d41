// Uses every Prisma model against the migrated database: a column or table that the SQL migrations
// and prisma/schema.prisma disagree on fails here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/stores/database.ts";
import { openTestDatabase } from "../helpers/test-database.ts";

describe("Prisma models against the migrated schema", () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
  });
  afterAll(async () => cleanup());

  it("writes and reads every model with every column", async () => {
    const p = db.prisma;
    const model = await p.model.create({
      data: {
        id: "gloria-phantom@1.0.0#abcdef012345",
        name: "gloria-phantom",
        version: "1.0.0",
        checksum: "abcdef0123456789",
        dim: 128,
        gridH: 7,
        gridW: 7,
        manifest: { format: "gloria-search/model@1" },
      },
    });
    const dataset = await p.dataset.create({ data: { name: "phantoms", description: "synthetic" } });
    const study = await p.study.create({ data: { datasetId: dataset.id, externalId: "1.2.3" } });
    const image = await p.image.create({
      data: {
        datasetId: dataset.id,
        studyId: study.id,
        contentHash: "h1",
        sourcePath: "images/p1.png",
        byteSize: 1234n,
        format: "png",
        width: 320,
        height: 390,
        viewPosition: "PA",
        modality: "DX",
        seriesUid: "1.2.3.4",
        sopUid: "1.2.3.4.5",
        labels: { "Pleural Effusion": 1 },
        findings: [{ class: "Pleural Effusion", severity: "large", location: "left" }],
      },
    });
    const report = await p.report.create({
      data: {
        datasetId: dataset.id,
        studyId: study.id,
        contentHash: "r1",
        text: "large left pleural effusion",
        sourcePath: "r1.txt",
        labels: { "Pleural Effusion": 1 },
        findings: [],
      },
    });
    await p.imageReport.create({ data: { imageId: image.id, reportId: report.id } });
    await p.imageEmbedding.create({ data: { imageId: image.id, modelId: model.id, status: "READY", vectorWritten: true, localWritten: true } });
    await p.reportEmbedding.create({ data: { reportId: report.id, modelId: model.id, status: "FAILED", error: "empty report" } });
    const job = await p.ingestJob.create({
      data: {
        datasetId: dataset.id,
        modelId: model.id,
        source: { kind: "manifest", path: "x.csv" },
        status: "RUNNING",
        total: 2,
        ingested: 1,
        failed: 1,
        startedAt: new Date(),
      },
    });
    await p.ingestJobError.create({ data: { jobId: job.id, item: "bad.png", code: "UNSUPPORTED_MEDIA_TYPE", message: "not an image" } });
    await p.apiKey.create({ data: { name: "portal", prefix: "gls_abcd", keyHash: "f".repeat(64), scopes: ["read", "ingest"] } });
    await p.imageThumbnail.create({ data: { imageId: image.id, width: 420, height: 512, format: "jpeg", bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) } });
    await p.imagePooledFeature.create({ data: { modelId: model.id, imageId: image.id, dim: 2, features: new Uint8Array([0, 60, 0, 64]) } });

    const loaded = await p.image.findUniqueOrThrow({
      where: { id: image.id },
      include: { dataset: true, study: true, reports: { include: { report: true } }, embeddings: { include: { model: true } } },
    });
    expect(loaded.byteSize).toBe(1234n);
    expect(loaded.status).toBe("PENDING");
    expect(loaded.findings).toEqual([{ class: "Pleural Effusion", severity: "large", location: "left" }]);
    expect(loaded.reports.map((r) => r.report.text)).toEqual(["large left pleural effusion"]);
    expect(loaded.embeddings[0]).toMatchObject({ status: "READY", vectorWritten: true, model: { dim: 128, gridH: 7 } });
    expect(await p.reportEmbedding.findFirstOrThrow()).toMatchObject({ status: "FAILED", error: "empty report" });
    expect(await p.ingestJob.findUniqueOrThrow({ where: { id: job.id }, include: { errors: true } })).toMatchObject({
      status: "RUNNING",
      total: 2,
      ingested: 1,
      skipped: 0,
      failed: 1,
      errors: [{ item: "bad.png", code: "UNSUPPORTED_MEDIA_TYPE" }],
    });
    expect((await p.apiKey.findFirstOrThrow()).scopes).toEqual(["read", "ingest"]);
    const thumbnail = await p.imageThumbnail.findUniqueOrThrow({ where: { imageId: image.id } });
    expect(thumbnail).toMatchObject({ width: 420, height: 512, format: "jpeg" });
    expect([...thumbnail.bytes]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    await expect(p.imageThumbnail.create({ data: { imageId: image.id, width: 0, height: 1, format: "jpeg", bytes: new Uint8Array([1]) } })).rejects.toThrow();
    const pooled = await p.image.findUniqueOrThrow({ where: { id: image.id }, include: { pooled: true } });
    expect(pooled.pooled).toMatchObject([{ modelId: model.id, dim: 2 }]);
    // The bytes must hold dim float16 values.
    await expect(p.imagePooledFeature.update({ where: { modelId_imageId: { modelId: model.id, imageId: image.id } }, data: { dim: 3 } })).rejects.toThrow();
    expect(await p.study.count()).toBe(1);

    const headData = {
      name: "effusion",
      modelId: model.id,
      version: 1,
      classes: ["Pleural Effusion", "Edema"],
      features: "GLOBAL",
      dim: 2,
      weights: new Uint8Array(16),
      biases: new Uint8Array(8),
      training: { seed: 0, trainFraction: 0.1 },
      validation: { meanAuroc: 0.9 },
    };
    const head = await p.classifierHead.create({ data: headData });
    expect(await p.classifierHead.findUniqueOrThrow({ where: { id: head.id }, include: { model: true } })).toMatchObject({
      version: 1,
      classes: ["Pleural Effusion", "Edema"],
      model: { dim: 128 },
    });
    // Same name, model and version twice; weights of the wrong size; an unknown feature kind.
    await expect(p.classifierHead.create({ data: headData })).rejects.toThrow();
    await expect(p.classifierHead.create({ data: { ...headData, version: 2, weights: new Uint8Array(12) } })).rejects.toThrow();
    await expect(p.classifierHead.create({ data: { ...headData, version: 2, features: "LOCAL" } })).rejects.toThrow();
  });

  it("enforces content-hash uniqueness per dataset", async () => {
    const dataset = await db.prisma.dataset.findUniqueOrThrow({ where: { name: "phantoms" } });
    await expect(db.prisma.image.create({ data: { datasetId: dataset.id, contentHash: "h1", byteSize: 1n, format: "png" } })).rejects.toThrow();
    const other = await db.prisma.dataset.create({ data: { name: "other" } });
    await expect(db.prisma.image.create({ data: { datasetId: other.id, contentHash: "h1", byteSize: 1n, format: "png" } })).resolves.toBeTruthy();
  });

  it("refuses an empty report text", async () => {
    const dataset = await db.prisma.dataset.findUniqueOrThrow({ where: { name: "phantoms" } });
    await expect(db.prisma.report.create({ data: { datasetId: dataset.id, contentHash: "empty", text: "   " } })).rejects.toThrow();
  });

  it("keeps each report's full-text vector in step with its text, GIN-indexed (the column the client does not map)", async () => {
    const dataset = await db.prisma.dataset.findUniqueOrThrow({ where: { name: "phantoms" } });
    const report = await db.prisma.report.create({
      data: { datasetId: dataset.id, contentHash: "fts", text: "Small right pleural effusions. No cardiomegaly." },
    });
    const read = async () => (await db.prisma.$queryRaw<Array<{ v: string }>>`SELECT text_search::text AS v FROM reports WHERE id = ${report.id}::uuid`)[0]!.v;
    // The english configuration: stemmed, stop words ("no") dropped but counted in the positions phrases use.
    expect(await read()).toBe("'cardiomegali':6 'effus':4 'pleural':3 'right':2 'small':1");
    await db.prisma.report.update({ where: { id: report.id }, data: { text: "Mild edema." } });
    expect(await read()).toBe("'edema':2 'mild':1");
    const [index] = await db.prisma.$queryRaw<Array<{ def: string }>>`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'reports_text_search_idx'`;
    expect(index?.def).toMatch(/USING gin \(text_search\)/);
    await db.prisma.report.delete({ where: { id: report.id } });
  });

  it("deleting an image removes its links and embedding state", async () => {
    const image = await db.prisma.image.findFirstOrThrow({ where: { contentHash: "h1", dataset: { name: "phantoms" } } });
    await db.prisma.image.delete({ where: { id: image.id } });
    expect(await db.prisma.imageReport.count({ where: { imageId: image.id } })).toBe(0);
    expect(await db.prisma.imageEmbedding.count({ where: { imageId: image.id } })).toBe(0);
    expect(await db.prisma.imageThumbnail.count({ where: { imageId: image.id } })).toBe(0);
    expect(await db.prisma.imagePooledFeature.count({ where: { imageId: image.id } })).toBe(0);
    expect(await db.prisma.report.count()).toBe(1);
  });

  it("deleting a model removes its classifier heads", async () => {
    await db.prisma.model.delete({ where: { id: "gloria-phantom@1.0.0#abcdef012345" } });
    expect(await db.prisma.classifierHead.count()).toBe(0);
  });
});

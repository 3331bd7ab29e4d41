// Two models served side by side (GLORIA_MODEL_DIRS): the default answers every query that names
// none, the other only what it has encoded; `models` reports each one's coverage per dataset, an
// item's status is per model, and `reindex` encodes the stored items for the second model (in the
// server, or through the queue's workers) while the first keeps serving. A reindex run again does
// only what is left: a missing or changed source file fails its item alone, and is picked up again
// once the file is back.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/logger.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { PgBossIngestQueue } from "../../src/stores/queue/pgboss.ingest-queue.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 8;
const PHANTOM = "models/gloria-phantom";
const TINY = "tests/fixtures/models/tiny";

interface Counts {
  total: number;
  ready: number;
  pending: number;
  failed: number;
  missing: number;
}
interface ModelRow {
  id: string;
  loaded: boolean;
  default: boolean;
  dim: number;
  coverage: Array<{ dataset: string; images: Counts; reports: Counts }>;
}
interface Job {
  id: string;
  status: string;
  sourceKind: string | null;
  total: number;
  ingested: number;
  skipped: number;
  failed: number;
  errors: Array<{ item: string; code: string }>;
}
const JOB = "id status sourceKind total ingested skipped failed errors { item code }";

describe("several models side by side", () => {
  let t: TestApp;
  let base: string;
  let tiny: string;
  let phantom: string;
  let imageIds: string[];
  let reportCount: number;

  const ok = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await t.graphql<T>(query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const models = async () =>
    (
      await ok<{ models: ModelRow[] }>(
        "{ models { id loaded default dim coverage { dataset images { total ready pending failed missing } reports { total ready pending failed missing } } } }",
      )
    ).models;
  const reindex = async (input: Record<string, unknown>) =>
    (await ok<{ reindex: Job[] }>(`mutation($input: ReindexInput!) { reindex(input: $input) { ${JOB} } }`, { input })).reindex;
  const waitFor = async (id: string): Promise<Job> => {
    for (let i = 0; i < 240; i++) {
      const job = (await ok<{ ingestJob: Job }>(`query($id: ID!) { ingestJob(id: $id) { ${JOB} } }`, { id })).ingestJob;
      if (!["QUEUED", "RUNNING"].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`job ${id} did not end`);
  };
  const search = async (model?: string) =>
    (
      await ok<{ searchImages: Array<{ image: { id: string; status: string; reports: Array<{ id: string }> } }> }>(
        'query($model: ID) { searchImages(text: "pleural effusion", first: 50, model: $model) { image { id status reports { id } } } }',
        { model },
      )
    ).searchImages;

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-several-models-"));
    await generatePhantoms({ out: path.join(base, "phantoms"), count: COUNT, seed: 21, split: "train" });
    t = await startTestApp({ GLORIA_MODEL_DIRS: `${PHANTOM},${TINY}`, INGEST_ROOTS: base, AUTH: "off" });
    [phantom, tiny] = t.app.runtime!.models.map((m) => m.model.id) as [string, string];
    const ingested = await ok<{ ingest: Job }>(`mutation($input: IngestInput!) { ingest(input: $input) { ${JOB} } }`, {
      input: { dataset: "phantoms", path: path.join(base, "phantoms") },
    });
    expect(ingested.ingest).toMatchObject({ status: "SUCCEEDED", failed: 0 });
    const page = await ok<{ images: { edges: Array<{ node: { id: string } }> }; reports: { totalCount: number } }>(
      "{ images(first: 50) { edges { node { id } } } reports(first: 1) { totalCount } }",
    );
    imageIds = page.images.edges.map((e) => e.node.id);
    reportCount = page.reports.totalCount;
    expect(imageIds).toHaveLength(COUNT);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("lists both models, the default first, with what each has encoded per dataset", async () => {
    const [first, second] = await models();
    expect(first).toMatchObject({ id: phantom, loaded: true, default: true });
    expect(second).toMatchObject({ id: tiny, loaded: true, default: false, dim: 64 });
    expect(first!.coverage).toEqual([
      {
        dataset: "phantoms",
        images: { total: COUNT, ready: COUNT, pending: 0, failed: 0, missing: 0 },
        reports: { total: reportCount, ready: reportCount, pending: 0, failed: 0, missing: 0 },
      },
    ]);
    expect(second!.coverage).toEqual([
      {
        dataset: "phantoms",
        images: { total: COUNT, ready: 0, pending: 0, failed: 0, missing: COUNT },
        reports: { total: reportCount, ready: 0, pending: 0, failed: 0, missing: reportCount },
      },
    ]);
  });

  it("answers a query naming the second model only from what it has encoded, and refuses an unknown model", async () => {
    expect(await search(tiny)).toEqual([]);
    expect((await search()).length).toBe(COUNT);
    const id = imageIds[0]!;
    const lookups = await ok<{ a: { id: string } | null; b: { id: string } | null; statuses: { statuses: Array<{ model: string; status: string }> } }>(
      "query($id: ID!, $tiny: ID) { a: image(id: $id) { id } b: image(id: $id, model: $tiny) { id } statuses: image(id: $id) { statuses { model status } } }",
      { id, tiny },
    );
    expect(lookups.a?.id).toBe(id);
    expect(lookups.b).toBeNull();
    expect(lookups.statuses.statuses).toEqual([{ model: phantom, status: "READY" }]);
    const unknown = await t.graphql('{ searchImages(text: "effusion", model: "nope@1#0") { rank } }');
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const badReindex = await t.graphql('mutation { reindex(input: { model: "nope@1#0", datasets: ["phantoms"] }) { id } }');
    expect(badReindex.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const noDataset = await t.graphql('mutation($m: ID!) { reindex(input: { model: $m, datasets: ["absent"] }) { id } }', { m: tiny });
    expect(noDataset.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("reindexes for the second model: a missing file and a changed file fail alone, and a second run finishes the rest", async () => {
    const metadata = t.app.runtime!.metadata;
    const [gone, changed] = (await metadata.getImages(imageIds.slice(0, 2))).map((r) => r!.sourcePath!);
    const keptGone = fs.readFileSync(gone!);
    const keptChanged = fs.readFileSync(changed!);
    fs.rmSync(gone!);
    fs.writeFileSync(changed!, keptGone);

    const [first] = await reindex({ model: tiny, datasets: ["phantoms"], async: false });
    expect(first).toMatchObject({ status: "SUCCEEDED", sourceKind: "reindex", total: COUNT + reportCount, ingested: COUNT - 2 + reportCount, failed: 2 });
    expect(first!.errors.map((e) => e.item).sort()).toEqual([`image ${imageIds[0]}`, `image ${imageIds[1]}`].sort());
    expect(first!.errors.find((e) => e.item === `image ${imageIds[1]}`)?.code).toBe("CONFLICT");
    // The default model served all along and still does; the second serves what it has.
    expect((await search()).length).toBe(COUNT);
    const hits = await search(tiny);
    expect(hits.map((h) => h.image.id).sort()).toEqual(imageIds.slice(2).sort());
    // Nested fields are read as the second model sees the catalogue.
    expect(hits.every((h) => h.image.status === "READY" && h.image.reports.length > 0)).toBe(true);
    const coverage = (await models())[1]!.coverage[0]!;
    // The two were never started for it (their bytes were not the image's): still missing, named by the job.
    expect(coverage.images).toEqual({ total: COUNT, ready: COUNT - 2, pending: 0, failed: 0, missing: 2 });
    expect(coverage.reports.ready).toBe(reportCount);

    fs.writeFileSync(gone!, keptGone);
    fs.writeFileSync(changed!, keptChanged);
    const [second] = await reindex({ model: tiny, datasets: ["phantoms"], async: false });
    expect(second).toMatchObject({ status: "SUCCEEDED", total: 2, ingested: 2, failed: 0 });
    expect((await search(tiny)).length).toBe(COUNT);
    const statuses = await ok<{ image: { statuses: Array<{ model: string; status: string }> } }>(
      "query($id: ID!) { image(id: $id) { statuses { model status } } }",
      { id: imageIds[1] },
    );
    expect(statuses.image.statuses).toEqual(
      [
        { model: phantom, status: "READY" },
        { model: tiny, status: "READY" },
      ].sort((a, b) => a.model.localeCompare(b.model)),
    );
    const [third] = await reindex({ model: tiny, datasets: ["phantoms"], async: false });
    expect(third).toMatchObject({ status: "SUCCEEDED", total: 0 });
  });

  it("deletes an image from every model's stores", async () => {
    const id = imageIds.at(-1)!;
    const counts = () => Promise.all(t.app.runtime!.models.map((m) => m.collections.images.count()));
    expect(await counts()).toEqual([COUNT, COUNT]);
    await ok(`mutation($id: ID!) { deleteImage(id: $id) { deleted } }`, { id });
    expect(await counts()).toEqual([COUNT - 1, COUNT - 1]);
    expect((await search(tiny)).map((h) => h.image.id)).not.toContain(id);
  });

  it("puts a reindex on the queue for workers that load the model (a shared Postgres only)", async () => {
    const runtime = t.app.runtime!;
    // Another dataset, ingested for the default model only.
    await generatePhantoms({ out: path.join(base, "more"), count: 4, seed: 22, split: "train" });
    const more = await ok<{ ingest: Job }>(`mutation($input: IngestInput!) { ingest(input: $input) { ${JOB} } }`, {
      input: { dataset: "more", path: path.join(base, "more") },
    });
    expect(more.ingest.status).toBe("SUCCEEDED");
    const queued = await t.graphql<{ reindex: Job[] }>(`mutation($m: ID!) { reindex(input: { model: $m, datasets: ["more"], queue: true }) { ${JOB} } }`, {
      m: tiny,
    });
    if (runtime.database.embedded) {
      expect(queued.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      return;
    }
    expect(queued.body.errors).toBeUndefined();
    const job = queued.body.data!.reindex[0]!;
    expect(job.total).toBeGreaterThan(4);
    // A worker of this process: every batch names the model that encodes it.
    const worker = new PgBossIngestQueue(runtime.database.url, silentLogger());
    try {
      await worker.work((batch, attempt) => runtime.modelRuntime(batch.modelId).ingestion.handleBatch(batch, attempt));
      expect(await waitFor(job.id)).toMatchObject({ status: "SUCCEEDED", ingested: job.total, failed: 0 });
    } finally {
      await worker.close();
    }
    const coverage = (await models()).find((m) => m.id === tiny)!.coverage.find((c) => c.dataset === "more")!;
    expect(coverage.images).toMatchObject({ total: 4, ready: 4, missing: 0 });
  });
});

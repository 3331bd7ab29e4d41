// Pooled trunk features with the demo model (its image graph has the `pooled` output): ingestion
// stores them for every image as the encoder gives them; a POOLED linear-probe head trains on them,
// predicts stored and uploaded images alike (and as the same head imported from a head file does)
// and ranks stored images in the order of its
// probabilities; the backfill stores what is missing (a missing source file fails its image alone,
// a second run has nothing left); and a model folder without the output refuses POOLED by name.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { datasetIdOf, pooledBackfillSource } from "../../src/services/ingest/reindex.ts";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const TRAIN = 200;
const TEST = 40;
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

interface Figure {
  value: number | null;
  ci95: [number, number] | null;
}

describe("pooled trunk features", () => {
  let t: TestApp;
  let root: string;
  /** Image id → its source file, for both datasets. */
  const fileOf = new Map<string, string>();
  const testIds: string[] = [];
  let headId: string;

  const ok = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await t.graphql<T>(query, variables);
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return res.body.data!;
  };
  const runtime = () => t.app.runtime!;
  const pooledCount = (dataset: string) =>
    runtime().database.prisma.imagePooledFeature.count({ where: { modelId: runtime().model.id, image: { dataset: { name: dataset } } } });
  /** The features the encoder gives for an image file now (main thread, float32). */
  const encodeFile = async (file: string) => {
    const prepared = await runtime().prepareImage(new Uint8Array(fs.readFileSync(file)));
    const [features] = await runtime().model.encodeImages([prepared.pixels]);
    return features!;
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-pooled-"));
    await generatePhantoms({ out: path.join(root, "train"), count: TRAIN, seed: 71, split: "train" });
    await generatePhantoms({ out: path.join(root, "test"), count: TEST, seed: 71, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: root });
    for (const split of ["train", "test"]) {
      const dir = path.join(root, split);
      await ok("mutation($d: String!, $p: String!) { ingest(input: { dataset: $d, path: $p }) { ingested } }", { d: `pooled-${split}`, p: dir });
      const rows = parseCsvRecords(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), ["Path"]);
      expect(rows.length).toBe(split === "train" ? TRAIN : TEST);
      let after: string | null = null;
      type Page = { images: { edges: Array<{ node: { id: string; sourcePath: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
      for (;;) {
        const page: Page = await ok<Page>(
          "query($d: String!, $a: String) { images(first: 100, after: $a, filter: { datasets: [$d] }) { edges { node { id sourcePath } } pageInfo { hasNextPage endCursor } } }",
          { d: `pooled-${split}`, a: after },
        );
        for (const { node } of page.images.edges) {
          fileOf.set(node.id, path.join(dir, "images", path.basename(node.sourcePath)));
          if (split === "test") testIds.push(node.id);
        }
        if (!page.images.pageInfo.hasNextPage) break;
        after = page.images.pageInfo.endCursor;
      }
    }
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("stores every ingested image's pooled features, as the encoder gives them (to float16 precision)", async () => {
    expect(runtime().model.manifest.embedding.pooledDim).toBe(512);
    expect(await pooledCount("pooled-train")).toBe(TRAIN);
    expect(await pooledCount("pooled-test")).toBe(TEST);
    const ids = testIds.slice(0, 4);
    const stored = await runtime().pooled!.get(runtime().model.id, ids);
    for (const id of ids) {
      const fresh = (await encodeFile(fileOf.get(id)!)).pooled!;
      const kept = stored.get(id)!;
      expect(kept.length).toBe(512);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < fresh.length; i++) {
        worst = Math.max(worst, Math.abs(kept[i]! - fresh[i]!));
        scale = Math.max(scale, Math.abs(fresh[i]!));
      }
      // Half precision keeps 11 significant bits; ReLU averages are non-negative and not all zero.
      expect(scale).toBeGreaterThan(0);
      expect(worst).toBeLessThanOrEqual(scale * 2 ** -10);
      expect(Math.min(...fresh)).toBeGreaterThanOrEqual(0);
    }
  });

  it("trains a POOLED head on half of the training phantoms that validates well", async () => {
    const data = await ok<{
      trainClassifier: { classifier: { id: string; features: string; classes: string[]; validation: { meanAuroc: Figure } } };
    }>(
      "mutation($input: TrainClassifierInput!) { trainClassifier(input: $input) { classifier { id features classes validation { meanAuroc { value ci95 } } } } }",
      { input: { name: "pooled-five", dataset: "pooled-train", trainFraction: 0.5, features: "POOLED", seed: 1 } },
    );
    const head = data.trainClassifier.classifier;
    headId = head.id;
    expect(head.features).toBe("POOLED");
    expect([...head.classes].sort()).toEqual(CLASSES);
    expect(head.validation.meanAuroc.value).toBeGreaterThan(0.8);
    const stored = await runtime().database.prisma.classifierHead.findUnique({ where: { id: headId } });
    expect(stored!.dim).toBe(512);
  });

  it("predicts a stored image from its stored features as it predicts the same file uploaded", async () => {
    const id = testIds[0]!;
    const [fromStore, fromUpload] = await t.app.services.classifiers!.predict({
      classifier: headId,
      images: [{ id }, { bytes: new Uint8Array(fs.readFileSync(fileOf.get(id)!)) }],
    });
    fromStore!.probabilities.forEach((p, k) => expect(p.probability).toBeCloseTo(fromUpload!.probabilities[k]!.probability, 2));
  });

  it("a head written out as a head file and imported predicts as the trained one, and says where it came from", async () => {
    const trained = await t.app.services.classifiers!.get(headId);
    const file = {
      format: "gloria-search/classifier-head@1",
      classes: trained.classes,
      features: "POOLED",
      dim: trained.dim,
      weights: trained.weights.map((w) => [...w]),
      biases: [...trained.biases],
      source: { checkpoint: "probe.ckpt", encoderMatchesModel: true },
    };
    const imported = await t.app.services.classifiers!.importHead(JSON.parse(JSON.stringify(file)), "pooled-imported");
    const images = testIds.slice(0, 5).map((id) => ({ id }));
    const [a, b] = await Promise.all([
      t.app.services.classifiers!.predict({ classifier: headId, images }),
      t.app.services.classifiers!.predict({ classifier: imported.id, images }),
    ]);
    expect(b).toEqual(a);
    const data = await ok<{
      classifier: { features: string; training: { trainedOn: number; imported: { checkpoint: string; encoderMatchesModel: boolean } } };
    }>("query($id: ID!) { classifier(id: $id) { features training { trainedOn imported { checkpoint encoderMatchesModel } } } }", { id: imported.id });
    expect(data.classifier).toEqual({ features: "POOLED", training: { trainedOn: 0, imported: { checkpoint: "probe.ckpt", encoderMatchesModel: true } } });
  });

  it("ranks stored images by probability: rankImages is predict's order, and pages continue it", async () => {
    const predicted = await t.app.services.classifiers!.predict({ classifier: headId, images: testIds.slice(0, 32).map((id) => ({ id })) });
    const predicted2 = await t.app.services.classifiers!.predict({ classifier: headId, images: testIds.slice(32).map((id) => ({ id })) });
    const byProbability = [...predicted, ...predicted2]
      .map((p) => ({ id: p.imageId!, p: p.probabilities.find((c) => c.className === "Pleural Effusion")!.probability }))
      .sort((a, b) => b.p - a.p);
    type Ranked = {
      rankImages: { edges: Array<{ rank: number; probability: number; cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean } };
    };
    const rank = (after?: string) =>
      ok<Ranked>(
        'query($c: ID!, $a: String) { rankImages(classifier: $c, className: "Pleural Effusion", first: 10, after: $a, filter: { datasets: ["pooled-test"] }) { edges { rank probability cursor node { id } } pageInfo { hasNextPage } } }',
        { c: headId, a: after },
      );
    const first = (await rank()).rankImages;
    expect(first.edges.map((e) => e.node.id)).toEqual(byProbability.slice(0, 10).map((b) => b.id));
    first.edges.forEach((e, i) => expect(e.probability).toBeCloseTo(byProbability[i]!.p, 5));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await rank(first.edges.at(-1)!.cursor)).rankImages;
    expect(second.edges.map((e) => e.rank)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(second.edges.map((e) => e.node.id)).toEqual(byProbability.slice(10, 20).map((b) => b.id));
  });

  it("backfills the pooled features an image lacks; a missing file fails alone; a second run has nothing left", async () => {
    const served = runtime();
    const datasetId = await datasetIdOf(served.metadata, "pooled-test");
    const ids = testIds.slice(0, 6);
    const before = await served.pooled!.get(served.model.id, ids);
    await served.database.prisma.imagePooledFeature.deleteMany({ where: { modelId: served.model.id, imageId: { in: ids } } });
    expect((await served.pooled!.missing(served.model.id, datasetId, 100)).map((i) => i.id).sort()).toEqual([...ids].sort());

    const moved = `${fileOf.get(ids[0]!)!}.away`;
    fs.renameSync(fileOf.get(ids[0]!)!, moved);
    const backfill = async () => {
      const { source, description } = await pooledBackfillSource(served.pooled!, served.model.id, datasetId);
      const run = await served.ingestion.run(source, { dataset: "pooled-test", description });
      return served.metadata.getJob(run.jobId);
    };
    const firstRun = await backfill();
    expect(firstRun).toMatchObject({ status: "SUCCEEDED", total: 6, ingested: 5, failed: 1 });
    expect((await served.pooled!.missing(served.model.id, datasetId, 100)).map((i) => i.id)).toEqual([ids[0]]);
    // Still served meanwhile: the image without pooled features is READY for every other query.
    const image = await ok<{ image: { status: string } }>("query($id: ID!) { image(id: $id) { status } }", { id: ids[0] });
    expect(image.image.status).toBe("READY");

    fs.renameSync(moved, fileOf.get(ids[0]!)!);
    expect(await backfill()).toMatchObject({ total: 1, ingested: 1, failed: 0 });
    expect(await backfill()).toMatchObject({ total: 0 });
    const after = await served.pooled!.get(served.model.id, ids);
    for (const id of ids) {
      const a = after.get(id)!;
      const b = before.get(id)!;
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(Math.abs(b[i]!) * 2 ** -10 + 1e-6);
    }
    expect(await pooledCount("pooled-test")).toBe(TEST);
  });

  it("a model folder without the pooled output refuses POOLED, naming the model, and stores none", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-nopooled-"));
    try {
      for (const f of fs.readdirSync(MODEL)) fs.copyFileSync(path.join(MODEL, f), path.join(dir, f));
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { embedding: Record<string, unknown> };
      delete manifest.embedding.pooledDim;
      fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
      const other = await startTestApp({ GLORIA_MODEL_DIR: dir, AUTH: "off", INGEST_ROOTS: root });
      try {
        expect(other.app.runtime!.pooled).toBeNull();
        await other.graphql('mutation($p: String!) { ingest(input: { dataset: "plain", path: $p }) { ingested } }', { p: path.join(root, "test") });
        expect(await other.app.runtime!.database.prisma.imagePooledFeature.count()).toBe(0);
        const res = await other.graphql('mutation { trainClassifier(input: { name: "p", dataset: "plain", features: POOLED }) { classifier { id } } }');
        expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        expect(res.body.errors?.[0]?.message).toContain(other.app.runtime!.model.id);
      } finally {
        await other.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

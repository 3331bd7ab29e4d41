// Linear-probe classifiers over HTTP with the demo model on phantoms whose manifest gives each image's
// classes: a head trained on 10% of 300 training phantoms validates well with intervals around its
// figures, predicts a held-out phantom's one finding as its most probable class more often than not,
// ranks images of a class first, versions, deletes, and refuses bad input with typed errors while
// writing nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));
const TRAIN = 300;
const TEST = 60;
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

interface Figure {
  value: number | null;
  ci95: [number, number] | null;
}
interface Trained {
  id: string;
  name: string;
  version: number;
  classes: string[];
  training: { trainedOn: number; trainPool: number; validation: number; trainFraction: number };
  validation: { images: number; meanAuroc: Figure; perClass: Array<{ className: string; auroc: Figure; positives: number; negatives: number }> };
}

const CLASSIFIER_FIELDS =
  "id name version classes training { trainedOn trainPool validation trainFraction } validation { images meanAuroc { value ci95 } perClass { className auroc { value ci95 } positives negatives } }";

describe.runIf(hasModel)("linear-probe classifiers over HTTP", () => {
  let t: TestApp;
  let root: string;
  /** Image id → its classes (the manifest's), for both datasets. */
  const classesOf = new Map<string, string[]>();
  let testIds: string[] = [];
  let head: Trained;

  const train = (input: Record<string, unknown>) =>
    t.graphql<{ trainClassifier: { classifier: Trained } }>(
      `mutation($input: TrainClassifierInput!) { trainClassifier(input: $input) { classifier { ${CLASSIFIER_FIELDS} } } }`,
      { input },
    );
  const count = async () => (await t.graphql<{ classifiers: unknown[] }>("{ classifiers(allModels: true) { id } }")).body.data!.classifiers.length;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-classifiers-"));
    await generatePhantoms({ out: path.join(root, "train"), count: TRAIN, seed: 61, split: "train" });
    await generatePhantoms({ out: path.join(root, "test"), count: TEST, seed: 61, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: root });
    for (const split of ["train", "test"]) {
      const dir = path.join(root, split);
      const ingest = await t.graphql<{ ingest: { ingested: number } }>(
        "mutation($d: String!, $p: String!) { ingest(input: { dataset: $d, path: $p }) { ingested } }",
        { d: `probe-${split}`, p: dir },
      );
      expect(ingest.body.errors, JSON.stringify(ingest.body.errors)).toBeUndefined();
      const truth = new Map(
        parseCsvRecords(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), ["Path"]).map((r) => [
          path.basename(r.Path!),
          CLASSES.filter((c) => r[c] === "1"),
        ]),
      );
      let after: string | null = null;
      type Page = { images: { edges: Array<{ node: { id: string; sourcePath: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
      for (;;) {
        const { body }: { body: { data?: Page } } = await t.graphql<Page>(
          "query($d: String!, $a: String) { images(first: 100, after: $a, filter: { datasets: [$d] }) { edges { node { id sourcePath } } pageInfo { hasNextPage endCursor } } }",
          { d: `probe-${split}`, a: after },
        );
        for (const { node } of body.data!.images.edges) {
          classesOf.set(node.id, truth.get(path.basename(node.sourcePath))!);
          if (split === "test") testIds.push(node.id);
        }
        if (!body.data!.images.pageInfo.hasNextPage) break;
        after = body.data!.images.pageInfo.endCursor;
      }
    }
    testIds = testIds.filter((id) => classesOf.get(id)!.length === 1);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("trains on 10% of the training split and validates well, each interval around its figure", async () => {
    const { body } = await train({ name: "chexpert-5", dataset: "probe-train", trainFraction: 0.1, seed: 3 });
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    head = body.data!.trainClassifier.classifier;
    expect(head).toMatchObject({ name: "chexpert-5", version: 1, training: { validation: 60, trainPool: 240, trainedOn: 24, trainFraction: 0.1 } });
    expect([...head.classes].sort()).toEqual(CLASSES);
    expect(head.validation.meanAuroc.value).toBeGreaterThan(0.9);
    for (const figure of [head.validation.meanAuroc, ...head.validation.perClass.map((c) => c.auroc)]) {
      const [low, high] = figure.ci95!;
      expect(low).toBeLessThanOrEqual(figure.value!);
      expect(high).toBeGreaterThanOrEqual(figure.value!);
    }
    for (const c of head.validation.perClass) expect(c.positives + c.negatives).toBe(60);
  });

  it("gives the same figures for the same seed, as the next version of the name", async () => {
    const { body } = await train({ name: "chexpert-5", dataset: "probe-train", trainFraction: 0.1, seed: 3 });
    const again = body.data!.trainClassifier.classifier;
    expect(again.version).toBe(2);
    expect(again.validation).toEqual(head.validation);
    const listed = await t.graphql<{ classifiers: Array<{ id: string; version: number }> }>("{ classifiers { id version } }");
    expect(listed.body.data!.classifiers.map((c) => c.version)).toEqual([2, 1]);
    const deleted = await t.graphql<{ deleteClassifier: { deleted: boolean } }>("mutation($id: ID!) { deleteClassifier(id: $id) { deleted } }", {
      id: again.id,
    });
    expect(deleted.body.data!.deleteClassifier.deleted).toBe(true);
  });

  it("predicts a held-out phantom's one finding as its most probable class more often than not", async () => {
    expect(testIds.length).toBeGreaterThan(10);
    const { body } = await t.graphql<{ predict: Array<{ imageId: string; probabilities: Array<{ className: string; probability: number }> }> }>(
      "query($images: [ImageInput!]!, $c: ID!) { predict(images: $images, classifier: $c) { imageId probabilities { className probability } } }",
      { images: testIds.slice(0, 32).map((id) => ({ id })), c: head.id },
    );
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const predictions = body.data!.predict;
    let right = 0;
    for (const p of predictions) {
      for (const c of p.probabilities) {
        expect(c.probability).toBeGreaterThanOrEqual(0);
        expect(c.probability).toBeLessThanOrEqual(1);
      }
      const best = p.probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
      if (classesOf.get(p.imageId)![0] === best.className) right++;
    }
    expect(right / predictions.length).toBeGreaterThan(0.5);
  });

  it("gives an uploaded image the probabilities of the same image stored", async () => {
    const { body: found } = await t.graphql<{ image: { sourcePath: string } }>("query($id: ID!) { image(id: $id) { sourcePath } }", { id: testIds[0] });
    const bytes = fs.readFileSync(path.resolve(root, found.data!.image.sourcePath));
    const { body } = await t.graphql<{ predict: Array<{ imageId: string | null; probabilities: Array<{ className: string; probability: number }> }> }>(
      "query($images: [ImageInput!]!, $c: ID!) { predict(images: $images, classifier: $c) { imageId probabilities { className probability } } }",
      { images: [{ id: testIds[0] }, { base64: bytes.toString("base64") }], c: head.id },
    );
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const [stored, uploaded] = body.data!.predict;
    expect(uploaded!.imageId).toBeNull();
    uploaded!.probabilities.forEach((p, k) => expect(p.probability).toBeCloseTo(stored!.probabilities[k]!.probability, 3));
  });

  it("ranks stored images of a class first, page after page", async () => {
    const query =
      'query($c: ID!, $a: String) { rankImages(classifier: $c, className: "Pleural Effusion", first: 10, after: $a, filter: { datasets: ["probe-test"] }) { edges { cursor rank probability node { id } } pageInfo { hasNextPage endCursor } } }';
    type Ranked = {
      rankImages: {
        edges: Array<{ cursor: string; rank: number; probability: number; node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const first = await t.graphql<Ranked>(query, { c: head.id });
    expect(first.body.errors, JSON.stringify(first.body.errors)).toBeUndefined();
    const edges = first.body.data!.rankImages.edges;
    expect(edges.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const precision = edges.filter((e) => classesOf.get(e.node.id)!.includes("Pleural Effusion")).length / edges.length;
    expect(precision).toBeGreaterThanOrEqual(0.7);
    for (let i = 1; i < edges.length; i++) expect(edges[i]!.probability).toBeLessThanOrEqual(edges[i - 1]!.probability + 1e-6);
    // The probabilities agree with predict's for the same images.
    const predicted = await t.graphql<{ predict: Array<{ probabilities: Array<{ className: string; probability: number }> }> }>(
      "query($images: [ImageInput!]!, $c: ID!) { predict(images: $images, classifier: $c) { probabilities { className probability } } }",
      { images: [{ id: edges[0]!.node.id }], c: head.id },
    );
    expect(predicted.body.data!.predict[0]!.probabilities.find((p) => p.className === "Pleural Effusion")!.probability).toBeCloseTo(edges[0]!.probability, 4);
    const second = await t.graphql<Ranked>(query, { c: head.id, a: first.body.data!.rankImages.pageInfo.endCursor });
    expect(second.body.data!.rankImages.edges.map((e) => e.rank)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(second.body.data!.rankImages.edges[0]!.probability).toBeLessThanOrEqual(edges[9]!.probability + 1e-6);
  });

  it("refuses bad input with typed errors and writes nothing", async () => {
    const before = await count();
    const code = (r: { body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }) => r.body.errors?.[0]?.extensions?.code;
    expect(code(await train({ name: "x", dataset: "probe-train", classes: ["Fracture"] }))).toBe("BAD_USER_INPUT");
    expect(code(await train({ name: "x", dataset: "probe-train", trainFraction: 0 }))).toBe("BAD_USER_INPUT");
    expect(code(await train({ name: "x", dataset: "probe-train", trainFraction: 1.5 }))).toBe("BAD_USER_INPUT");
    expect(code(await train({ name: "x", dataset: "no-such-dataset" }))).toBe("NOT_FOUND");
    expect(code(await train({ name: "x", examples: [] }))).toBe("BAD_USER_INPUT");
    // Every listed image has the class: it has no negative to learn from.
    const ids = [...classesOf.keys()].slice(0, 6);
    expect(code(await train({ name: "x", examples: ids.map((imageId) => ({ imageId, classes: ["Edema"] })) }))).toBe("BAD_USER_INPUT");
    expect(code(await t.graphql('{ rankImages(classifier: "' + head.id + '", className: "Fracture") { edges { rank } } }'))).toBe("BAD_USER_INPUT");
    expect(code(await t.graphql('{ predict(images: [{ id: "' + testIds[0] + '" }], classifier: "00000000-0000-4000-8000-000000000000") { imageId } }'))).toBe(
      "NOT_FOUND",
    );
    expect(await count()).toBe(before);
  });

  it("deletes a head", async () => {
    const del = (id: string) => t.graphql<{ deleteClassifier: { deleted: boolean } }>("mutation($id: ID!) { deleteClassifier(id: $id) { deleted } }", { id });
    expect((await del(head.id)).body.data!.deleteClassifier.deleted).toBe(true);
    expect((await del(head.id)).body.data!.deleteClassifier.deleted).toBe(false);
    const found = await t.graphql<{ classifier: unknown }>("query($id: ID!) { classifier(id: $id) { id } }", { id: head.id });
    expect(found.body.data!.classifier).toBeNull();
  });
});

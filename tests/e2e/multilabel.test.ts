// Multi-label zero-shot over HTTP with the trained demo model on phantoms whose manifest gives each
// image's classes: each class is judged against its negative prompts, the probabilities rank images
// of the class above the others (AUROC per class from the manifest's labels), a phantom with two
// findings gets both, custom classes work with and without negative prompts, and SINGLE is unchanged.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));
const COUNT = 96;
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

interface Score {
  className: string;
  score: number | null;
  rawScore: number;
  probability: number | null;
  present: boolean | null;
}

/** Mann–Whitney AUROC: the chance a random positive outranks a random negative (ties count half). */
function auroc(scores: number[], positive: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!positive[i]) return;
    scores.forEach((t, j) => {
      if (positive[j]) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe.runIf(hasModel)("multi-label zero-shot", () => {
  let t: TestApp;
  let phantoms: string;
  /** Image id → its positive classes (the manifest's). */
  const classesOf = new Map<string, string[]>();
  let ids: string[] = [];

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-multilabel-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 51, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: phantoms });
    const ingest = await t.graphql<{ ingest: { ingested: number } }>('mutation($p: String!) { ingest(input: { dataset: "ml", path: $p }) { ingested } }', {
      p: phantoms,
    });
    expect(ingest.body.data?.ingest.ingested).toBe(COUNT);
    const truth = new Map(
      parseCsvRecords(fs.readFileSync(path.join(phantoms, "manifest.csv"), "utf8"), ["Path"]).map((r) => [
        path.basename(r.Path!),
        CLASSES.filter((c) => r[c] === "1"),
      ]),
    );
    const { body } = await t.graphql<{ images: { edges: Array<{ node: { id: string; sourcePath: string } }> } }>(
      "{ images(first: 100) { edges { node { id sourcePath } } } }",
    );
    for (const { node } of body.data!.images.edges) classesOf.set(node.id, truth.get(path.basename(node.sourcePath))!);
    ids = [...classesOf.keys()];
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const classify = async (imageIds: string[], extra = "labelMode: MULTI", variables: Record<string, unknown> = {}) => {
    const out: Score[][] = [];
    for (let i = 0; i < imageIds.length; i += 32) {
      const { body } = await t.graphql<{ classify: Array<{ predicted: string; scores: Score[] }> }>(
        `query($images: [ImageInput!]!${variables.classes ? ", $classes: [ClassPromptsInput!]" : ""}) { classify(images: $images, ${extra}${variables.classes ? ", classes: $classes" : ""}) { predicted scores { className score rawScore probability present } } }`,
        { images: imageIds.slice(i, i + 32).map((id) => ({ id })), ...variables },
      );
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      out.push(...body.data!.classify.map((c) => c.scores));
    }
    return out;
  };

  it("gives each class a probability and a verdict that separate images of the class from the others", async () => {
    const scores = await classify(ids);
    const aurocs: Record<string, number> = {};
    for (const c of CLASSES) {
      const probabilities = scores.map((s) => s.find((x) => x.className === c)!.probability!);
      for (const p of probabilities) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      aurocs[c] = auroc(
        probabilities,
        ids.map((id) => classesOf.get(id)!.includes(c)),
      );
    }
    for (const c of CLASSES) expect(aurocs[c], `${c}: ${JSON.stringify(aurocs)}`).toBeGreaterThan(0.8);
    for (const s of scores) for (const x of s) expect(x.present).toBe(x.probability! >= 0.5);
  });

  it("finds both findings of a two-finding phantom more often than a single label could", async () => {
    const two = ids.filter((id) => classesOf.get(id)!.length === 2);
    expect(two.length).toBeGreaterThan(3);
    const scores = await classify(two);
    let both = 0;
    two.forEach((id, i) => {
      const present = scores[i]!.filter((x) => x.present).map((x) => x.className);
      if (classesOf.get(id)!.every((c) => present.includes(c))) both++;
    });
    // A single-label answer names one class, so it finds both findings of none of them.
    expect(both).toBeGreaterThan(0);
  });

  it("takes custom classes with and without negative prompts, and leaves SINGLE as it was", async () => {
    const classes = [
      { name: "fluid at the lung base", prompts: ["pleural effusion", "fluid in the pleural space"], negativePrompts: ["no pleural effusion"] },
      { name: "big heart", prompts: ["cardiomegaly", "enlarged heart"] },
    ];
    const custom = await classify(ids.slice(0, 8), "labelMode: MULTI", { classes });
    for (const s of custom) expect(s.map((x) => x.className)).toEqual(["fluid at the lung base", "big heart"]);
    const single = await classify(ids.slice(0, 8), "normalization: NONE");
    const singleAgain = await classify(ids.slice(0, 8), "normalization: NONE, labelMode: SINGLE");
    expect(singleAgain).toEqual(single);
    for (const s of single) for (const x of s) expect([x.probability, x.present]).toEqual([null, null]);
  });

  it("refuses empty negative prompts, negative prompts without MULTI, and a normalisation with MULTI", async () => {
    const image = [{ id: ids[0] }];
    const refused = async (extra: string, classes?: unknown) =>
      (
        await t.graphql(
          `query($images: [ImageInput!]!, $classes: [ClassPromptsInput!]) { classify(images: $images, classes: $classes${extra}) { predicted } }`,
          {
            images: image,
            classes,
          },
        )
      ).body.errors?.[0];
    expect((await refused(", labelMode: MULTI", [{ name: "x", prompts: ["x"], negativePrompts: [] }]))?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await refused("", [{ name: "x", prompts: ["x"], negativePrompts: ["no x"] }]))?.message).toMatch(/labelMode: MULTI/);
    expect((await refused(", labelMode: MULTI, normalization: BATCH"))?.message).toMatch(/not normalised/);
  });
});

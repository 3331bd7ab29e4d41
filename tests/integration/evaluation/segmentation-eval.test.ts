// `gloria eval` scores segmentation when the manifest has masks and the model a segmentation graph: on
// held-out phantoms with the demo model, the Dice figures equal those recomputed here from the model's
// own maps and the mask files (read with sharp and stretched by the same area resize), each class's
// Dice on the images with the finding is high, the figures are listed by name and tabled in Markdown;
// a model without the graph and a manifest without masks give no segmentation section.
import { readFileSync, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../../src/services/ingest/csv.parse.ts";
import { evaluateManifest, type EvaluationReport } from "../../../src/services/evaluation/evaluate.ts";
import { evaluationMarkdown } from "../../../src/services/evaluation/evaluation.markdown.ts";
import { figuresOf } from "../../../src/services/evaluation/evaluation.records.ts";
import { imageDice, stretchedMask } from "../../../src/services/evaluation/evaluation.segmentation.ts";

const PHANTOM = path.resolve("models/gloria-phantom");
const TINY = path.resolve("tests/fixtures/models/tiny");
const hasSegmentation = existsSync(path.join(PHANTOM, "segmentation.onnx"));
const COUNT = 60;

describe.runIf(hasSegmentation)("segmentation in gloria eval", () => {
  let root: string;
  let manifest: string;
  let model: GloriaModel;
  let report: EvaluationReport;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "gloria-seg-eval-"));
    manifest = (await generatePhantoms({ out: path.join(root, "test"), count: COUNT, seed: 17, split: "test" })).manifest;
    model = await GloriaModel.load(PHANTOM);
    report = await evaluateManifest(model, manifest, { bootstrapIterations: 200, seed: 3 });
  }, 300_000);
  afterAll(async () => {
    await model?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("gives each class the Dice recomputed from the model's maps and the mask files", async () => {
    const seg = report.segmentation!;
    expect(seg).toBeDefined();
    expect(seg.images).toBe(COUNT);
    expect(seg.failures).toBe(0);
    expect(seg.perClass.map((c) => c.className)).toEqual(model.segmenter!.classes);
    const rows = parseCsvRecords(readFileSync(manifest, "utf8"));
    const base = path.dirname(manifest);
    const dice: number[][] = seg.perClass.map(() => []);
    const positive: number[][] = seg.perClass.map(() => []);
    for (const row of rows) {
      const maps = await model.segmentImage(new Uint8Array(readFileSync(path.join(base, row.Path!))));
      const masks = JSON.parse(row.Mask!) as Record<string, string>;
      for (const [k, c] of seg.perClass.entries()) {
        const truth = masks[c.className]
          ? await stretchedMask(new Uint8Array(readFileSync(path.join(base, masks[c.className]!))), seg.size)
          : new Uint8Array(seg.size ** 2);
        const d = imageDice(maps.classes[k]!.probabilities, truth);
        dice[k]!.push(d);
        if (truth.some((v) => v > 0)) positive[k]!.push(d);
      }
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    seg.perClass.forEach((c, k) => {
      expect(c.dice.value).toBeCloseTo(avg(dice[k]!), 10);
      expect(c.positives).toBe(positive[k]!.length);
      expect(c.positiveDice.value).toBeCloseTo(avg(positive[k]!), 10);
      const [low, high] = c.positiveDice.ci95!;
      expect(low).toBeLessThanOrEqual(c.positiveDice.value!);
      expect(high).toBeGreaterThanOrEqual(c.positiveDice.value!);
    });
  });

  it("finds the drawn regions: Dice on the images with the finding well above chance for every class", () => {
    for (const c of report.segmentation!.perClass) {
      expect(c.positives, c.className).toBeGreaterThan(3);
      expect(c.positiveDice.value!, c.className).toBeGreaterThan(0.5);
    }
  });

  it("lists the figures by name and tables them", () => {
    const names = figuresOf(report).map((f) => f.name);
    expect(names).toContain("segmentation.dice");
    expect(names).toContain("segmentation.positiveDice.Pleural Effusion");
    expect(evaluationMarkdown(report)).toMatch(/\| Pleural Effusion \| [0-9.]+ \[/);
  });

  it("has no segmentation section for a model without the graph", async () => {
    const tiny = await GloriaModel.load(TINY);
    try {
      const plain = await evaluateManifest(tiny, manifest, { bootstrapIterations: 0, limit: 10 });
      expect(plain.segmentation).toBeUndefined();
    } finally {
      await tiny.close();
    }
  });
});

// `gloria eval --train-manifest` with the trained phantom model: the linear-probe curve at 1%, 10%
// and 100% of a training manifest, scored on the same test images as the multi-label zero-shot,
// each figure inside its interval, more training images giving a head at least as good as 1% of them.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { silentLogger } from "../../../src/model/model.port.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { evaluateManifest, type EvaluationReport } from "../../../src/services/evaluation/evaluate.ts";

const PHANTOM_MODEL = path.resolve("models/gloria-phantom");

describe.runIf(existsSync(path.join(PHANTOM_MODEL, "manifest.json")))("linear-probe evaluation", () => {
  let dir: string;
  let report: EvaluationReport;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "gloria-probe-eval-"));
    await generatePhantoms({ out: path.join(dir, "train"), count: 300, seed: 71, split: "train" });
    await generatePhantoms({ out: path.join(dir, "test"), count: 80, seed: 71, split: "test" });
    const model = await GloriaModel.load(PHANTOM_MODEL, { logger: silentLogger });
    try {
      report = await evaluateManifest(model, path.join(dir, "test", "manifest.csv"), {
        trainManifest: path.join(dir, "train", "manifest.csv"),
        bootstrapIterations: 200,
      });
    } finally {
      await model.close();
    }
  }, 300_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("fits at 1%, 10% and 100% of the training rows and scores the zero-shot's test images", () => {
    const probe = report.linearProbe!;
    expect(probe.trainImages).toBe(300);
    expect(Object.keys(probe.points).sort()).toEqual(["0.01", "0.1", "1"]);
    expect(["0.01", "0.1", "1"].map((f) => probe.points[f]!.trainedOn)).toEqual([3, 30, 300]);
    expect(probe.zeroShot.meanAuroc).toEqual(report.zeroShot.multiLabel!.meanAuroc);
    for (const point of Object.values(probe.points)) {
      expect(point.perClass.map((c) => c.positives + c.negatives)).toEqual(report.zeroShot.multiLabel!.perClass.map((c) => c.positives + c.negatives));
      for (const figure of [point.meanAuroc, ...point.perClass.map((c) => c.auroc)]) {
        expect(figure.ci95![0]).toBeLessThanOrEqual(figure.value!);
        expect(figure.ci95![1]).toBeGreaterThanOrEqual(figure.value!);
      }
    }
    expect(probe.points["0.1"]!.meanAuroc.value).toBeGreaterThan(0.9);
    expect(probe.points["1"]!.meanAuroc.value).toBeGreaterThanOrEqual(probe.points["0.01"]!.meanAuroc.value!);
  });
});

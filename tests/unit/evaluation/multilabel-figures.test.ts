// Multi-label AUROC figures of the evaluation. Golden values were computed independently with
// /usr/bin/python3 by counting every positive–negative pair with exact fractions (a tie counts one
// half), never taken from the code under test; the randomised cases count pairs by brute force here.
import { describe, expect, it } from "vitest";
import { multiLabelFigures } from "../../../src/services/evaluation/evaluation.figures.ts";
import { auroc } from "../../../src/services/evaluation/metrics.ts";

/** [image][class] probabilities (with ties) and labels, 12 images × 3 classes. */
const P = [
  [0.91, 0.12, 0.5],
  [0.75, 0.4, 0.5],
  [0.75, 0.85, 0.2],
  [0.3, 0.85, 0.65],
  [0.62, 0.05, 0.5],
  [0.18, 0.66, 0.9],
  [0.44, 0.71, 0.1],
  [0.05, 0.33, 0.35],
  [0.88, 0.5, 0.5],
  [0.62, 0.29, 0.8],
  [0.21, 0.93, 0.4],
  [0.57, 0.18, 0.65],
];
const Y = [
  [1, 0, 0],
  [1, 0, 1],
  [0, 1, 0],
  [0, 1, 1],
  [1, 0, 0],
  [0, 0, 1],
  [0, 1, 0],
  [0, 0, 0],
  [1, 0, 1],
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
].map((row) => row.map((v) => v === 1));
const CLASSES = ["A", "B", "C"];
/** Python, exact fractions: 31/35, 1, 61/70; their mean 193/210. */
const GOLDEN = [31 / 35, 1, 61 / 70];
const GOLDEN_MEAN = 193 / 210;

/** The share of positive–negative pairs the positive wins, ties counting one half. */
function pairwise(scores: readonly number[], positive: readonly boolean[]): number | null {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (!positive[i]) return;
    scores.forEach((n, j) => {
      if (positive[j]) return;
      pairs++;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return pairs === 0 ? null : wins / pairs;
}

/** A seeded linear congruential generator, coarse so that ties occur. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * 20) / 20;
  };
}

describe("auroc against independently counted values", () => {
  it("matches the golden per-class values of the fixed case", () => {
    CLASSES.forEach((_, k) => {
      expect(
        auroc(
          P.map((row) => row[k]!),
          Y.map((row) => row[k]!),
        ),
      ).toBeCloseTo(GOLDEN[k]!, 12);
    });
  });

  it("matches a brute-force pairwise count on random scores with many ties", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = lcg(seed);
      const n = 5 + (seed % 40);
      const scores = Array.from({ length: n }, () => random());
      const positive = Array.from({ length: n }, () => random() < 0.4);
      const want = pairwise(scores, positive);
      const got = auroc(scores, positive);
      if (want === null) expect(got).toBeNull();
      else expect(got, `seed ${seed}`).toBeCloseTo(want, 12);
    }
  });
});

describe("multiLabelFigures", () => {
  it("gives each class's AUROC, its counts and the mean, each inside its interval", () => {
    const figures = multiLabelFigures(P, Y, CLASSES, { iterations: 500, seed: 7 });
    expect(figures.perClass.map((c) => c.className)).toEqual(CLASSES);
    expect(figures.perClass.map((c) => [c.positives, c.negatives])).toEqual([
      [5, 7],
      [4, 8],
      [5, 7],
    ]);
    figures.perClass.forEach((c, k) => {
      expect(c.auroc.value).toBeCloseTo(GOLDEN[k]!, 12);
      const [low, high] = c.auroc.ci95!;
      expect(low).toBeLessThanOrEqual(c.auroc.value!);
      expect(high).toBeGreaterThanOrEqual(c.auroc.value!);
      expect(high).toBeLessThanOrEqual(1);
    });
    expect(figures.meanAuroc.value).toBeCloseTo(GOLDEN_MEAN, 12);
    const [low, high] = figures.meanAuroc.ci95!;
    expect(low).toBeLessThan(GOLDEN_MEAN);
    expect(high).toBeGreaterThanOrEqual(GOLDEN_MEAN);
    // The same seed gives the same intervals; no resamples give none.
    expect(multiLabelFigures(P, Y, CLASSES, { iterations: 500, seed: 7 })).toEqual(figures);
    expect(multiLabelFigures(P, Y, CLASSES, { iterations: 0, seed: 7 }).meanAuroc).toEqual({ value: figures.meanAuroc.value, ci95: null });
  });

  it("leaves a class without positives out of the mean", () => {
    const labels = Y.map((row) => [row[0]!, false, row[2]!]);
    const figures = multiLabelFigures(P, labels, CLASSES, { iterations: 200, seed: 1 });
    expect(figures.perClass[1]).toEqual({ className: "B", auroc: { value: null, ci95: null }, positives: 0, negatives: 12 });
    expect(figures.meanAuroc.value).toBeCloseTo((GOLDEN[0]! + GOLDEN[2]!) / 2, 12);
  });

  it("has no figures for no images", () => {
    expect(multiLabelFigures([], [], CLASSES, { iterations: 100, seed: 0 }).meanAuroc).toEqual({ value: null, ci95: null });
  });
});

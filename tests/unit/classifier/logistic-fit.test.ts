// The Newton fit of the linear-probe heads against scikit-learn's LogisticRegression on the same
// features, labels and penalty (tests/fixtures/golden/linear-probe.json, written by
// tools/make-probe-goldens): the same weights, biases and probabilities to a tolerance.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fitLogisticHeads, headProbability } from "../../../src/services/classifier/logistic.fit.ts";

interface GoldenCase {
  l2: number;
  features: number[][];
  labels: number[][];
  weights: number[][];
  biases: number[];
  probabilities: number[][];
}

const golden = JSON.parse(readFileSync(new URL("../../fixtures/golden/linear-probe.json", import.meta.url), "utf8")) as { cases: Record<string, GoldenCase> };

describe("fitLogisticHeads", () => {
  for (const [name, c] of Object.entries(golden.cases)) {
    it(`matches scikit-learn on the ${name} case`, () => {
      const heads = fitLogisticHeads(c.features, c.labels, c.l2);
      expect(heads).toHaveLength(c.labels.length);
      heads.forEach((head, k) => {
        expect(head.converged).toBe(true);
        const scale = Math.max(1, ...c.weights[k]!.map(Math.abs));
        head.weights.forEach((w, j) => expect(Math.abs(w - c.weights[k]![j]!) / scale).toBeLessThan(1e-6));
        expect(Math.abs(head.bias - c.biases[k]!) / scale).toBeLessThan(1e-6);
        c.features.forEach((x, i) => expect(headProbability(head, x)).toBeCloseTo(c.probabilities[k]![i]!, 7));
      });
    });
  }

  it("is deterministic", () => {
    const c = golden.cases.normalised!;
    const a = fitLogisticHeads(c.features, c.labels, c.l2);
    const b = fitLogisticHeads(c.features, c.labels, c.l2);
    expect(Array.from(a[0]!.weights)).toEqual(Array.from(b[0]!.weights));
  });

  it("keeps a separable class finite through the penalty", () => {
    const features = [
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [0.1, 0.9],
    ];
    const [head] = fitLogisticHeads(features, [[1, 1, 0, 0]], 0.1);
    expect(head!.converged).toBe(true);
    expect(head!.weights.every(Number.isFinite)).toBe(true);
    expect(headProbability(head!, [1, 0])).toBeGreaterThan(0.5);
    expect(headProbability(head!, [0, 1])).toBeLessThan(0.5);
  });

  it("refuses no samples, ragged rows and a non-positive penalty", () => {
    expect(() => fitLogisticHeads([], [[]], 1)).toThrow(RangeError);
    expect(() => fitLogisticHeads([[1, 2], [1]], [[0, 1]], 1)).toThrow(RangeError);
    expect(() => fitLogisticHeads([[1]], [[1]], 0)).toThrow(RangeError);
  });
});

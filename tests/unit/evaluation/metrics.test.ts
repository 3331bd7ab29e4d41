// The evaluation metrics on small hand-made cases. Golden values were worked out by hand and
// checked with numpy (/usr/bin/python3: pairwise counting for AUROC, an explicit confusion count
// for F1, np.percentile for quantiles), never taken from the code under test.
import { describe, expect, it } from "vitest";
import {
  accuracy,
  auroc,
  bootstrapInterval,
  halfMasses,
  macroF1,
  meanPrecisionAtK,
  perClassAuroc,
  perClassF1,
  precisionAtK,
  quantile,
  rankDescending,
  scoreFloor,
} from "../../../src/services/evaluation/metrics.ts";

const T = true;
const F = false;

describe("precisionAtK", () => {
  const hits = [T, F, T, T, F, F, F, F, F, T, T];

  it("counts the hits among the first k of a ranked list", () => {
    expect(precisionAtK(hits, 1)).toBe(1);
    expect(precisionAtK(hits, 5)).toBeCloseTo(3 / 5, 12);
    expect(precisionAtK(hits, 10)).toBeCloseTo(4 / 10, 12);
  });

  it("divides by the list's length when it is shorter than k", () => {
    expect(precisionAtK(hits, 100)).toBeCloseTo(5 / 11, 12);
    expect(precisionAtK([F, T], 5)).toBe(0.5);
  });

  it("is null for an empty list and rejects a k below 1", () => {
    expect(precisionAtK([], 5)).toBeNull();
    expect(() => precisionAtK(hits, 0)).toThrow(RangeError);
  });

  it("averages over queries, skipping queries without candidates", () => {
    expect(meanPrecisionAtK([[T, T, F, F, F], [F, F, F, F, T], []], 5)).toBeCloseTo((2 / 5 + 1 / 5) / 2, 12);
    expect(meanPrecisionAtK([], 5)).toBeNull();
  });
});

describe("rankDescending", () => {
  it("orders by score, highest first, keeping candidate order among ties", () => {
    expect(rankDescending([0.2, 0.9, 0.5, 0.9, -1])).toEqual([1, 3, 2, 0, 4]);
    expect(rankDescending(new Float32Array([1, 1, 1]))).toEqual([0, 1, 2]);
  });
});

describe("accuracy and F1", () => {
  it("accuracy counts a null prediction as wrong", () => {
    expect(accuracy(["A", "B", "C", "A", "B"], ["A", "C", "C", null, "B"])).toBeCloseTo(3 / 5, 12);
    expect(accuracy([], [])).toBeNull();
    expect(() => accuracy(["A"], [])).toThrow(RangeError);
  });

  it("macro-F1 averages over the classes present in the truth or the predictions", () => {
    // A: 2·1/(2+0+1) = 2/3; B: 4/5; C (never predicted): 0; D (never true): 0 → mean 0.366667.
    const truth = ["A", "A", "B", "B", "C"];
    const predicted = ["A", "B", "B", "B", "D"];
    expect(macroF1(truth, predicted)).toBeCloseTo(0.3666666666666667, 12);
    const perClass = perClassF1(truth, predicted);
    expect([...perClass.keys()]).toEqual(["A", "B", "C", "D"]);
    expect(perClass.get("A")).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    expect(perClass.get("B")?.precision).toBeCloseTo(2 / 3, 12);
    expect(perClass.get("D")).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it("a class nobody has does not dilute the mean, and a null prediction is only a miss", () => {
    expect(macroF1(["A", "B"], ["A", null])).toBe(0.5);
    expect(macroF1(["A", "A"], ["A", "A"])).toBe(1);
    expect(macroF1([], [])).toBeNull();
  });
});

describe("auroc", () => {
  it("matches the pairwise probability that a positive outscores a negative", () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [F, F, T, T])).toBeCloseTo(0.75, 12);
    expect(auroc([3, 1, 2, 2, 5, 4, 4, 0], [T, F, T, F, T, F, T, F])).toBeCloseTo(0.8125, 12);
  });

  it("counts tied positive–negative pairs as one half", () => {
    expect(auroc([0.5, 0.5, 0.2, 0.9, 0.5], [T, F, F, T, F])).toBeCloseTo(5 / 6, 12);
    expect(auroc([1, 1, 1, 1], [T, F, T, F])).toBe(0.5);
  });

  it("is 1 for a perfect ranking, 0 for a reversed one, null without both label kinds", () => {
    expect(auroc([0.9, 0.8, 0.1], [T, T, F])).toBe(1);
    expect(auroc([0.1, 0.2, 0.9], [T, T, F])).toBe(0);
    expect(auroc([0.1, 0.2], [T, T])).toBeNull();
  });

  it("per class: one-vs-rest columns of [sample][class] scores", () => {
    const scores = [
      [0.9, 0.1],
      [0.2, 0.8],
      [0.6, 0.3],
      [0.4, 0.5],
    ];
    const out = perClassAuroc(scores, ["a", "b", "a", "b"], ["a", "b", "c"]);
    expect(out).toEqual({ a: 1, b: 1, c: null });
  });
});

describe("halfMasses", () => {
  it("sums the image's left columns and right columns of an even grid", () => {
    // 2×4 grid, rows [1 2 3 4] and [5 6 7 8]: left = 1+2+5+6, right = 3+4+7+8.
    expect(halfMasses([1, 2, 3, 4, 5, 6, 7, 8], [2, 4])).toEqual({ left: 14, right: 22 });
  });

  it("splits an odd grid's middle column evenly", () => {
    // 2×3 grid, rows [0.1 0.2 0.3] and [0.05 0.15 0.2]: middle 0.35 → 0.175 each side.
    const { left, right } = halfMasses([0.1, 0.2, 0.3, 0.05, 0.15, 0.2], [2, 3]);
    expect(left).toBeCloseTo(0.15 + 0.175, 12);
    expect(right).toBeCloseTo(0.5 + 0.175, 12);
  });

  it("rejects a map that does not fit the grid", () => {
    expect(() => halfMasses([1, 2, 3], [2, 2])).toThrow(RangeError);
  });
});

describe("bootstrapInterval", () => {
  const values = [0.2, 0.9, 0.4, 0.7, 0.1, 0.5, 0.3, 0.8];
  const meanOf = (idx: readonly number[]) => idx.reduce((s, i) => s + values[i], 0) / idx.length;

  it("is reproducible for a seed and brackets the estimate", () => {
    const a = bootstrapInterval(values.length, meanOf, { seed: 7, iterations: 500 })!;
    const b = bootstrapInterval(values.length, meanOf, { seed: 7, iterations: 500 })!;
    expect(a).toEqual(b);
    expect(a.estimate).toBeCloseTo(0.4875, 12);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    expect(a.low).toBeGreaterThanOrEqual(0.1);
    expect(a.high).toBeLessThanOrEqual(0.9);
    expect(a.level).toBe(0.95);
    const c = bootstrapInterval(values.length, meanOf, { seed: 8, iterations: 500 })!;
    expect(c.low === a.low && c.high === a.high).toBe(false);
  });

  it("narrows as the sample grows (the mean's spread falls like 1/√n)", () => {
    const many = Array.from({ length: 400 }, (_, i) => values[i % values.length]);
    const wide = bootstrapInterval(values.length, meanOf, { seed: 1 })!;
    const narrow = bootstrapInterval(many.length, (idx) => idx.reduce((s, i) => s + many[i], 0) / idx.length, { seed: 1 })!;
    expect(narrow.high - narrow.low).toBeLessThan((wide.high - wide.low) / 4);
  });

  it("gives a zero-width interval for a constant statistic and null for an undefined one", () => {
    expect(bootstrapInterval(5, () => 0.3, { seed: 1, iterations: 50 })).toMatchObject({ estimate: 0.3, low: 0.3, high: 0.3 });
    expect(bootstrapInterval(5, () => null)).toBeNull();
    expect(bootstrapInterval(0, () => 1)).toBeNull();
  });

  it("quantiles interpolate linearly, as numpy's percentile", () => {
    const sorted = [0.1, 0.2, 0.4, 0.7, 0.9];
    expect(quantile(sorted, 0.025)).toBeCloseTo(0.11, 12);
    expect(quantile(sorted, 0.975)).toBeCloseTo(0.88, 12);
    expect(quantile(sorted, 0.5)).toBeCloseTo(0.4, 12);
    expect(quantile(sorted, 0.1)).toBeCloseTo(0.14, 12);
  });
});

describe("scoreFloor", () => {
  const q = (...pairs: Array<[number, boolean]>) => pairs.map(([score, hit]) => ({ score, hit }));

  it("is the lowest score whose hits at or above it are still precise enough, pooled over queries", () => {
    // Pooled, highest first: .9 ✓ .8 ✓ .7 ✓ .6 ✗ .5 ✓ .4 ✗ .3 ✗ → precision 1, 1, 1, .75, .8, .67, .57
    const queries = [q([0.9, true], [0.6, false], [0.4, false]), q([0.8, true], [0.7, true], [0.5, true], [0.3, false])];
    expect(scoreFloor(queries, 0.8, 1)).toBe(0.5);
    expect(scoreFloor(queries, 0.9, 1)).toBe(0.7);
    expect(scoreFloor(queries, 0.5, 1)).toBe(0.3);
  });

  it("sets no floor before `minimum` hits, and none when precision never reaches the target", () => {
    expect(scoreFloor([q([0.9, true], [0.8, false], [0.7, false])], 0.8, 2)).toBeNull();
    expect(scoreFloor([q([0.9, true], [0.8, false], [0.7, false])], 0.8, 1)).toBe(0.9);
  });

  it("judges tied scores together", () => {
    // .8 ✓, then two at .6 (✓ ✗): at .6 precision is 2/3.
    expect(scoreFloor([q([0.8, true], [0.6, true], [0.6, false])], 0.7, 1)).toBe(0.8);
  });
});

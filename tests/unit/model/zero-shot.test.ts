// gloria-numerics §5 prompt data and zero-shot score handling. The prompt lengths are the numbers in the
// §5 table (CPython len); z-scores follow numpy's ddof-0 std, worked out by hand.
import { describe, expect, it } from "vitest";
import { referenceCharCount } from "../../../src/model/text/text.clean.ts";
import { argmaxClass, classScores, maxOverPrompts, normalizeScores } from "../../../src/model/zero-shot/zero-shot.normalize.ts";
import { CHEXPERT_PROMPT_GENERATORS, expandPrompts, findPromptSet, GLORIA_CHEXPERT_5X5 } from "../../../src/model/zero-shot/zero-shot.prompts.ts";

const SPEC_LENGTHS: Record<string, number[]> = {
  Atelectasis: [50, 54, 39, 43, 51],
  Cardiomegaly: [59, 51, 39, 37, 85],
  Consolidation: [59, 52, 57, 53, 55],
  Edema: [17, 44, 26, 25, 21],
  "Pleural Effusion": [43, 38, 39, 43, 32],
};

describe("gloria-chexpert-5x5@1", () => {
  it("holds the five CheXpert classes in the reference's order", () => {
    expect(findPromptSet("gloria-chexpert-5x5@1")).toBe(GLORIA_CHEXPERT_5X5);
    expect(GLORIA_CHEXPERT_5X5.classes.map((c) => c.name)).toEqual(Object.keys(SPEC_LENGTHS));
  });

  it("has prompts whose character counts are the spec's column counts", () => {
    for (const c of GLORIA_CHEXPERT_5X5.classes) {
      expect(c.prompts.map(referenceCharCount)).toEqual(SPEC_LENGTHS[c.name]);
    }
  });

  it("keeps the stray spaces and typos of the sampled prompts", () => {
    const all = GLORIA_CHEXPERT_5X5.classes.flatMap((c) => c.prompts);
    expect(all).toContain(" pulmonary edema ");
    expect(all).toContain("apperance of bilateral consolidation at the right lung base");
    expect(all).toContain(" tiny bilateral pleural effusion");
  });

  it("draws every sampled prompt from its class's generator", () => {
    for (const c of GLORIA_CHEXPERT_5X5.classes) {
      const generator = CHEXPERT_PROMPT_GENERATORS.find((g) => g.name === c.name)!;
      const expanded = expandPrompts(generator);
      for (const p of c.prompts) expect(expanded).toContain(p);
    }
  });

  it("generates the spec's combination counts, duplicates included", () => {
    expect(CHEXPERT_PROMPT_GENERATORS.map((g) => expandPrompts(g).length)).toEqual([210, 15, 192, 18, 54]);
    const effusion = expandPrompts(CHEXPERT_PROMPT_GENERATORS[4]);
    expect(effusion.filter((p) => p === " left bilateral pleural effusion")).toHaveLength(2);
    expect(expandPrompts(CHEXPERT_PROMPT_GENERATORS[3])).toContain("presistent trace interstitial edema ");
    expect(expandPrompts(CHEXPERT_PROMPT_GENERATORS[2])).toContain(" patchy consolidation at the right uppper lobe");
  });
});

describe("zero-shot scores", () => {
  it("takes the max over a class's prompts per image", () => {
    expect([
      ...maxOverPrompts([
        [1, 5],
        [3, 2],
        [0, 4],
      ]),
    ]).toEqual([3, 5]);
  });

  it("groups consecutive prompts by class and takes each class's max, per image", () => {
    const classes = [{ prompts: ["a1", "a2"] }, { prompts: ["b1"] }, { prompts: ["c1", "c2", "c3"] }];
    // [image][prompt]: prompts a1 a2 | b1 | c1 c2 c3
    const perImage = [Float32Array.of(1, 4, 2, 0, 7, 3), Float32Array.of(5, 0, -1, 2, 2, 9)];
    expect(classScores(perImage, classes)).toEqual([
      [4, 2, 7],
      [5, -1, 9],
    ]);
  });

  it("BATCH z-scores each class across images with ddof 0", () => {
    const { scores, warnings } = normalizeScores(
      [
        [1, 10],
        [2, 10],
        [3, 40],
      ],
      ["A", "B"],
      "BATCH",
    );
    const s = Math.sqrt(2 / 3);
    expect(scores.map((r) => r[0])).toEqual([-1 / s, 0, 1 / s].map((v) => expect.closeTo(v, 9)));
    expect(scores[2][1]).toBeCloseTo(20 / Math.sqrt(200), 9);
    expect(warnings).toEqual([]);
  });

  it("BATCH reports a constant class as null with a warning instead of NaN", () => {
    const { scores, warnings } = normalizeScores(
      [
        [1, 7],
        [2, 7],
      ],
      ["A", "B"],
      "BATCH",
    );
    expect(scores.map((r) => r[1])).toEqual([null, null]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"B"/);
  });

  it("BATCH leaves a single image's scores raw, as the reference does, and says so", () => {
    const { scores, warnings } = normalizeScores([[1.5, -2]], ["A", "B"], "BATCH");
    expect(scores).toEqual([[1.5, -2]]);
    expect(warnings).toHaveLength(1);
  });

  it("REFERENCE uses the manifest's per-class mean and std", () => {
    const { scores } = normalizeScores([[3, 0]], ["A", "B"], "REFERENCE", { A: { mean: 1, std: 2 }, B: { mean: 1, std: 0.5 } });
    expect(scores).toEqual([[1, -2]]);
    expect(() => normalizeScores([[3, 0]], ["A", "B"], "REFERENCE", { A: { mean: 1, std: 2 } })).toThrow(/"B"/);
  });

  it("predicts the best non-null class", () => {
    expect(argmaxClass([0.1, null, 0.7], ["A", "B", "C"])).toBe("C");
    expect(argmaxClass([null, null], ["A", "B"])).toBeNull();
  });
});

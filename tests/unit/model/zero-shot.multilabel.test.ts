// Multi-label zero-shot maths (src/model/zero-shot/zero-shot.multilabel.ts), checked by hand.
import { describe, expect, it } from "vitest";
import { multilabelClasses, negativeName, negativePromptsOf, presentProbability } from "../../../src/model/zero-shot/zero-shot.multilabel.ts";

describe("multi-label zero-shot", () => {
  it("is the two-way softmax of the positive and negative sides at temperature 0.1", () => {
    expect(presentProbability(1.2, 1.2)).toBe(0.5);
    // exp(0.2 / 0.1) = e², so p = e² / (1 + e²).
    expect(presentProbability(1.4, 1.2)).toBeCloseTo(Math.exp(2) / (1 + Math.exp(2)), 12);
    expect(presentProbability(1.2, 1.4)).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
    expect(presentProbability(0.3, 0.1, 1)).toBeCloseTo(1 / (1 + Math.exp(-0.2)), 12);
  });

  it("takes given negative prompts, else the CheXpert defaults, else negations of the name", () => {
    expect(negativePromptsOf("Edema", ["clear lungs"])).toEqual(["clear lungs"]);
    expect(negativePromptsOf("Pleural Effusion")).toContain("no pleural effusion");
    expect(negativePromptsOf("Pneumothorax")).toEqual(["no pneumothorax", "no evidence of pneumothorax"]);
  });

  it("scores each class and its negative side as separate classes whose names cannot clash", () => {
    const classes = multilabelClasses([
      { name: "Edema", prompts: ["edema"] },
      { name: "x", prompts: ["x"], negativePrompts: ["not x"] },
    ]);
    expect(classes.map((c) => c.name)).toEqual(["Edema", "x", negativeName("Edema"), negativeName("x")]);
    expect(classes[3]!.prompts).toEqual(["not x"]);
    expect(negativeName("Edema")).toContain("\u0000");
  });
});

// Reading a head file written by tools/export-gloria --classifier-checkpoint: what a valid file
// becomes, and the typed error each kind of wrong file gets.
import { describe, expect, it } from "vitest";
import { HEAD_FORMAT, parseHeadFile } from "../../../src/services/classifier/head.import.ts";

const target = { modelId: "gloria-chexpert@1.0.0#0123456789ab", dim: 768, pooledDim: 4 };
const file = (over: Record<string, unknown> = {}) => ({
  format: HEAD_FORMAT,
  name: "chexpert-finetuned",
  classes: ["Edema", "Pleural Effusion"],
  features: "POOLED",
  dim: 4,
  weights: [
    [0.5, -1, 0, 2],
    [1, 1, 1, 1],
  ],
  biases: [-0.25, 0.75],
  source: { checkpoint: "chexpert_classifier.ckpt", checkpointSha256: "ab".repeat(32), encoderMatchesModel: true },
  ...over,
});

describe("parseHeadFile", () => {
  it("keeps the file's classes, weights and provenance for the model, with no training figures", () => {
    const head = parseHeadFile(file(), target);
    expect(head).toMatchObject({ name: "chexpert-finetuned", modelId: target.modelId, classes: ["Edema", "Pleural Effusion"], features: "POOLED", dim: 4 });
    expect([...head.weights[0]!]).toEqual([0.5, -1, 0, 2]);
    expect([...head.biases]).toEqual([-0.25, 0.75]);
    expect(head.training.imported).toEqual({ checkpoint: "chexpert_classifier.ckpt", checkpointSha256: "ab".repeat(32), encoderMatchesModel: true });
    expect(head.training.counts.trainedOn).toBe(0);
    expect(head.validation.meanAuroc).toEqual({ value: null, ci95: null });
    expect(parseHeadFile(file(), target, "renamed").name).toBe("renamed");
  });

  it.each([
    ["another format", file({ format: "something-else" }), /Not a classifier head file/],
    ["a class twice", file({ classes: ["Edema", "Edema"] }), /listed twice/],
    ["a width the model lacks", file({ dim: 2048, weights: [[], []] }), /reads 2048 POOLED values; model .* gives 4/],
    [
      "a short weight row",
      file({
        weights: [
          [1, 2, 3],
          [1, 2, 3, 4],
        ],
      }),
      /2 rows of 4 values/,
    ],
    ["a bias missing", file({ biases: [0] }), /biases 2 values/],
    [
      "a non-finite weight",
      file({
        weights: [
          [1, 2, 3, null],
          [1, 2, 3, 4],
        ],
      }),
      /Not a classifier head file/,
    ],
    ["no name anywhere", file({ name: undefined }), /needs a name/],
  ])("refuses %s as BAD_USER_INPUT", (_, json, message) => {
    expect(() => parseHeadFile(json, target)).toThrow(message);
    try {
      parseHeadFile(json, target);
    } catch (error) {
      expect((error as { code?: string }).code).toBe("BAD_USER_INPUT");
    }
  });

  it("refuses a POOLED head for a model without pooled features, and takes a GLOBAL head of the embedding's width", () => {
    expect(() => parseHeadFile(file(), { modelId: target.modelId, dim: 768 })).toThrow(/no pooled features/);
    const global = parseHeadFile(file({ features: "GLOBAL", dim: 768, weights: [new Array(768).fill(0), new Array(768).fill(1)] }), target);
    expect(global.dim).toBe(768);
  });
});

// The Dice of GLoRIA's reference segmentation code, per image: 2|P∩T|/(|P|+|T|) where the mask has
// pixels, and for an empty mask 1 when nothing is predicted, else 0; predicted means probability
// above 0.5. And the manifest's Mask column as the evaluation reads it.
import { describe, expect, it } from "vitest";
import { imageDice, maskColumn } from "../../../src/services/evaluation/evaluation.segmentation.ts";

describe("imageDice", () => {
  it("is 2|P∩T|/(|P|+|T|) for a mask with pixels, counted by hand", () => {
    // P = {0,1,2}, T = {1,2,3,4}: 2·2 / (3 + 4).
    expect(imageDice([0.9, 0.8, 0.6, 0.1, 0.2, 0], [0, 1, 1, 1, 1, 0])).toBeCloseTo(4 / 7, 12);
    expect(imageDice([0.9, 0.9], [1, 1])).toBe(1);
    expect(imageDice([0.1, 0.2], [1, 1])).toBe(0);
  });

  it("predicts strictly above the threshold, as the reference does", () => {
    expect(imageDice([0.5, 0.5], [1, 1])).toBe(0);
    expect(imageDice([0.51, 0.5], [1, 1])).toBeCloseTo(2 / 3, 12);
    expect(imageDice([0.3, 0.3], [1, 1], 0.25)).toBe(1);
  });

  it("scores an empty mask 1 when nothing is predicted and 0 when anything is", () => {
    expect(imageDice([0.1, 0.4, 0], [0, 0, 0])).toBe(1);
    expect(imageDice([0.1, 0.6, 0], [0, 0, 0])).toBe(0);
  });
});

describe("maskColumn", () => {
  it("maps each row's Path to its masks, skipping empty and malformed cells", () => {
    const csv = [
      "Path,Report,Mask",
      'images/a.png,x,"{""Pleural Effusion"":""masks/a.pleural-effusion.png""}"',
      "images/b.png,y,{}",
      "images/c.png,z,not json",
      "images/d.png,w,",
    ].join("\n");
    const masks = maskColumn(csv)!;
    expect(masks.get("images/a.png")).toEqual({ "Pleural Effusion": "masks/a.pleural-effusion.png" });
    expect(masks.get("images/b.png")).toEqual({});
    expect(masks.has("images/c.png")).toBe(false);
    expect(masks.has("images/d.png")).toBe(false);
  });

  it("is null for a manifest without the column", () => {
    expect(maskColumn("Path,Report\nimages/a.png,x\n")).toBeNull();
  });
});

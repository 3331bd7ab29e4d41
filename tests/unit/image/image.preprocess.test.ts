// GLoRIA preprocessing (gloria-numerics §2.2–§2.7) against the reference pipeline: cv2 INTER_AREA, numpy
// padding, PIL RGB, torchvision CenterCrop/ToTensor/Normalize (tools/goldens/preprocess_goldens.py).
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import {
  GLORIA_PREPROCESS,
  PIXEL_VALUE_TABLE,
  cropToOriginal,
  originalToCrop,
  preprocessGray,
  resizeAndPad,
} from "../../../src/model/image/image.preprocess.ts";
import { goldens } from "./goldens.ts";
import { sha256, synthetic } from "./synthetic-image.ts";

describe("preprocessGray", () => {
  it("maps each grey level to exactly torchvision's float32 (ToTensor then Normalize 0.5/0.5)", () => {
    expect(Array.from(PIXEL_VALUE_TABLE)).toEqual(goldens.pixelTable);
    expect(PIXEL_VALUE_TABLE[0]).toBe(-1);
    expect(PIXEL_VALUE_TABLE[255]).toBe(1);
  });

  for (const g of goldens.preprocess) {
    it(`reproduces the reference tensor for a ${g.width}×${g.height} (w×h) image`, () => {
      const gray = synthetic(g.width, g.height, g.seed, g.mode);
      const { pixels, cropped, geometry } = preprocessGray(gray, g.width, g.height);
      expect([geometry.resizedWidth, geometry.resizedHeight]).toEqual(g.resized);
      const [top, , left] = g.padding;
      expect([geometry.padTop, geometry.padLeft]).toEqual([top, left]);
      expect(geometry.cropOffset).toBe(16);
      expect(pixels.length).toBe(3 * 224 * 224);
      expect(sha256(cropped)).toBe(g.croppedSha256);
      expect(sha256(pixels)).toBe(g.pixelsSha256);
    });
  }

  it("pads CheXpert-small's 390×320 (h×w) to 256×210 with 23 columns each side (§2.3)", () => {
    const { canvas, geometry } = resizeAndPad(synthetic(320, 390, 3, "xray"), 320, 390, 256);
    expect(geometry).toMatchObject({ resizedWidth: 210, resizedHeight: 256, padLeft: 23, padTop: 0 });
    for (let y = 0; y < 256; y++) {
      expect(canvas[y * 256 + 22]).toBe(0);
      expect(canvas[y * 256 + 233]).toBe(0);
    }
  });

  it("refuses an image so thin that the reference would resize it to zero pixels", () => {
    const err = (() => {
      try {
        preprocessGray(new Uint8Array(1000), 1, 1000);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("BAD_USER_INPUT");
  });

  it("rejects a crop larger than the padded square", () => {
    expect(() => preprocessGray(new Uint8Array(100), 10, 10, { resize: 200, crop: 224 })).toThrow(RangeError);
  });

  it("uses the published checkpoint's sizes by default", () => {
    expect(GLORIA_PREPROCESS).toEqual({ resize: 256, crop: 224 });
  });
});

describe("crop ↔ original coordinates", () => {
  const { geometry } = preprocessGray(synthetic(320, 390, 3, "xray"), 320, 390);

  it("places the original's left edge 7 columns into the crop for 390×320 (23 − 16)", () => {
    expect(originalToCrop(0, 0, geometry)).toEqual({ x: 7, y: -16 });
    expect(cropToOriginal(7, 0, geometry).x).toBeCloseTo(0, 12);
    expect(cropToOriginal(0, 224, geometry).y).toBeCloseTo((240 * 390) / 256, 12);
  });

  it("round-trips points", () => {
    for (const [x, y] of [
      [0, 0],
      [111.5, 37.25],
      [224, 224],
    ]) {
      const o = cropToOriginal(x, y, geometry);
      const back = originalToCrop(o.x, o.y, geometry);
      expect(back.x).toBeCloseTo(x, 9);
      expect(back.y).toBeCloseTo(y, 9);
    }
  });
});

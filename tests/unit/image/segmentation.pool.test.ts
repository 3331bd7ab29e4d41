// Segmentation's work in the decode pool: a file prepared in a worker gives the same stretched input
// as in this thread (PNG and DICOM), typed decoder errors cross the thread, and a mask drawn in a
// worker is the same PNG as one drawn here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { createPreparePool, type PreparePool } from "../../../src/model/image/image.prepare.pool.ts";
import { renderMaskPng } from "../../../src/model/segmentation/segmentation.mask.ts";
import { prepareSegmentationImage } from "../../../src/model/segmentation/segmentation.prepare.ts";
import { pngLyingHeader, realDicom, realPng } from "./hostile-images.ts";

describe("segmentation in the decode pool", () => {
  let pool: PreparePool;
  beforeAll(() => {
    pool = createPreparePool({ resize: 256, crop: 224 }, { threads: 1, maxPixels: 64 * 2 ** 20 });
  });
  afterAll(() => pool.close());

  it("stretches a PNG and a DICOM file in a worker exactly as in this thread", async () => {
    for (const bytes of [await realPng(), realDicom()]) {
      const there = await pool.prepareSegmentation(bytes, 40);
      const here = await prepareSegmentationImage(bytes, 40);
      expect(there).toEqual(here);
      expect(there.pixels).toHaveLength(3 * 40 * 40);
    }
  });

  it("keeps a decoder's typed error across the thread", async () => {
    const error = await pool.prepareSegmentation(pngLyingHeader(100_000, 100_000), 40).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("PAYLOAD_TOO_LARGE");
    const corrupt = await pool.prepareSegmentation(new Uint8Array([1, 2, 3, 4]), 40).catch((e: unknown) => e);
    expect((corrupt as AppError).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("draws a mask in a worker as in this thread", async () => {
    const map = Float32Array.from({ length: 64 }, (_, k) => (k % 9) / 8);
    const there = await pool.renderMask({ map, size: 8, width: 30, height: 20, threshold: 0.5 });
    expect(Buffer.from(there)).toEqual(await renderMaskPng(map, 8, 30, 20, 0.5));
  });
});

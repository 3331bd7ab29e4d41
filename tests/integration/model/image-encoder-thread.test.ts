// The image encoder in its own worker thread (what ingestion encodes with): the same features as the
// Python reference and as the encoder on the calling thread, typed errors, and a clean close.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import type { ImageEncoderThread } from "../../../src/model/image/image-encoder.thread.ts";
import { PIXEL_VALUE_TABLE } from "../../../src/model/image/image.preprocess.ts";
import { closeness, GOLDEN_DIRS, readGolden } from "./golden.helpers.ts";

describe("image encoder thread", () => {
  const golden = readGolden(GOLDEN_DIRS.tiny);
  let model: GloriaModel;
  let thread: ImageEncoderThread;
  let inputs: Float32Array[];

  beforeAll(async () => {
    model = await GloriaModel.load(golden.modelDir, { intraOpNumThreads: 2, batchSize: 3 });
    thread = await model.startImageEncoderThread();
    const pixels = golden.bytes("pixels_u8");
    const per = pixels.shape.slice(1).reduce((a, b) => a * b, 1);
    inputs = golden.index.images.map((img) => Float32Array.from(pixels.data.subarray(img.index * per, (img.index + 1) * per), (v) => PIXEL_VALUE_TABLE[v]));
  });
  afterAll(async () => {
    await thread?.close();
    await model?.close();
  });

  it("gives the reference's embeddings, and exactly what the encoder on this thread gives", async () => {
    // More images than one batch of the thread's encoder, so batches are split and joined.
    const many = [...inputs, ...inputs];
    const [threaded, direct] = [await thread.encodeImages(many), await model.encodeImages(many)];
    expect(threaded).toHaveLength(many.length);
    const D = golden.index.settings.dim;
    const ig = golden.float("image_global").data;
    const il = golden.float("image_local").data;
    const M = il.length / ig.length;
    threaded.forEach((f, i) => {
      const b = i % inputs.length;
      expect(Array.from(f.global)).toEqual(Array.from(direct[i]!.global));
      expect(Array.from(f.local)).toEqual(Array.from(direct[i]!.local));
      const tol = { absolute: 0, relative: 1e-4 };
      expect(closeness(f.global, ig.subarray(b * D, (b + 1) * D), tol).ok).toBe(true);
      expect(closeness(f.local, il.subarray(b * D * M, (b + 1) * D * M), tol).ok).toBe(true);
    });
    // Overlapping calls are answered each with its own images.
    const [a, b] = await Promise.all([thread.encodeImages([inputs[1]!]), thread.encodeImages([inputs[0]!])]);
    expect(Array.from(a[0]!.global)).toEqual(Array.from(direct[1]!.global));
    expect(Array.from(b[0]!.global)).toEqual(Array.from(direct[0]!.global));
  });

  it("refuses pixels of the wrong size with BAD_USER_INPUT, and answers nothing for no images", async () => {
    const error = await thread.encodeImages([new Float32Array(10)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_USER_INPUT");
    expect(await thread.encodeImages([])).toEqual([]);
  });

  it("answers MODEL_UNAVAILABLE once closed", async () => {
    const other = await model.startImageEncoderThread();
    await other.close();
    const error = await other.encodeImages([inputs[0]!]).catch((e: unknown) => e);
    expect((error as AppError).code).toBe("MODEL_UNAVAILABLE");
  });
});

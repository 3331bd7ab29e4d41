// The segmentation graph through ONNX Runtime, on a model folder whose answer is worked out by hand
// (tests/helpers/segmentation-model.ts: a 1×1 convolution, so logit_c = (Σ_k w[c][k])·x + b[c] on each
// stretched pixel x): loading, the stretch and scaling of a PNG, the sigmoid per
// class, batching, the refusal naming a model without segmentation, and a corrupt file's typed error.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { PIXEL_VALUE_TABLE, resizeArea } from "../../../src/model/image/image.preprocess.ts";
import { sigmoid } from "../../../src/model/onnx.segmenter.ts";
import { prepareSegmentationImage } from "../../../src/model/segmentation/segmentation.prepare.ts";
import { expectAppError } from "../../helpers/expect-app-error.ts";
import { writeSegmentationModel, type ConvSegmentation } from "../../helpers/segmentation-model.ts";
import { GOLDEN_DIRS, goldenExists, readGolden } from "./golden.helpers.ts";

const present = goldenExists(GOLDEN_DIRS.tiny);

const SEG: ConvSegmentation = {
  classes: ["Bright", "Dark", "Half"],
  size: 16,
  weights: [
    [1, 1, 1],
    [-0.5, -1, -0.5],
    [0, 0, 0],
  ],
  biases: [0, 0.5, 0],
};
const gain = SEG.weights.map((w) => w.reduce((a, b) => a + b, 0));

/** A width × height grey image: a bright left part (x < split), a darker gradient on the right. */
function grey(width: number, height: number, split: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = x < split ? 230 : Math.round((40 * y) / height);
  return out;
}

describe.skipIf(!present)("segmentation.onnx through ONNX Runtime", () => {
  let work: string;
  let model: GloriaModel;
  let plain: GloriaModel;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gloria-segmentation-"));
    const tiny = readGolden(GOLDEN_DIRS.tiny).modelDir;
    model = await GloriaModel.load(writeSegmentationModel(tiny, join(work, "model"), SEG), { batchSize: 2 });
    plain = await GloriaModel.load(tiny);
  });
  afterAll(async () => {
    await model?.close();
    await plain?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("exposes the segmenter with the manifest's classes and size; a folder without segmentation.onnx has none", () => {
    expect(model.segmenter?.classes).toEqual(SEG.classes);
    expect(model.segmenter?.inputSize).toBe(SEG.size);
    expect(model.providers["segmentation.onnx"]).toBe("cpu");
    expect(plain.segmenter).toBeNull();
  });

  it("stretches a 40×24 PNG whole to S×S and gives sigmoid((Σw)·x + b) per class and cell", async () => {
    const [w, h] = [40, 24];
    const gray = grey(w, h, 10);
    const png = await sharp(Buffer.from(gray), { raw: { width: w, height: h, channels: 1 } })
      .png()
      .toBuffer();
    const result = await model.segmentImage(new Uint8Array(png));
    expect(result).toMatchObject({ width: w, height: h, size: SEG.size });
    expect(result.classes.map((c) => c.className)).toEqual(SEG.classes);
    const stretched = resizeArea(gray, w, h, SEG.size, SEG.size);
    for (const [c, { probabilities }] of result.classes.entries()) {
      expect(probabilities).toHaveLength(SEG.size * SEG.size);
      for (let k = 0; k < probabilities.length; k++) {
        const want = sigmoid(gain[c]! * PIXEL_VALUE_TABLE[stretched[k]!]! + SEG.biases[c]!);
        expect(Math.abs(probabilities[k]! - want), `class ${c} cell ${k}`).toBeLessThan(1e-6);
      }
    }
    // The bright quarter of the image (10 of 40 columns) is the map's first 4 of 16 columns.
    expect(result.classes[0]!.probabilities[0]).toBeGreaterThan(0.8);
    expect(result.classes[0]!.probabilities[SEG.size - 1]).toBeLessThan(0.1);
    expect(result.classes[2]!.probabilities.every((p) => p === 0.5)).toBe(true);
  });

  it("segments several prepared images in batches with the same maps as one by one", async () => {
    const inputs = [];
    for (const [w, h, split] of [
      [20, 30, 5],
      [33, 17, 20],
      [16, 16, 8],
    ] as const) {
      const png = await sharp(Buffer.from(grey(w, h, split)), { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toBuffer();
      inputs.push(await prepareSegmentationImage(new Uint8Array(png), SEG.size));
    }
    const together = await model.segmentPrepared(inputs);
    for (const [n, input] of inputs.entries()) {
      const [alone] = await model.segmentPrepared([input]);
      expect(together[n]!.width).toBe(input.width);
      expect(together[n]!.classes.map((c) => Array.from(c.probabilities))).toEqual(alone!.classes.map((c) => Array.from(c.probabilities)));
    }
  });

  it("refuses a model without segmentation with BAD_USER_INPUT naming it, before reading the file", async () => {
    const error = await expectAppError(plain.segmentImage(new Uint8Array([1, 2, 3])), "BAD_USER_INPUT");
    expect(error.message).toContain(plain.id);
    expect(error.details).toMatchObject({ field: "model", model: plain.id });
  });

  it("refuses a corrupt or unknown file with the decoder's typed error", async () => {
    await expectAppError(model.segmentImage(new Uint8Array(Buffer.from("not an image at all"))), "UNSUPPORTED_MEDIA_TYPE");
    const png = await sharp(Buffer.from(grey(20, 20, 5)), { raw: { width: 20, height: 20, channels: 1 } })
      .png()
      .toBuffer();
    await expectAppError(model.segmentImage(new Uint8Array(png.subarray(0, 60))), "UNSUPPORTED_MEDIA_TYPE");
  });
});

// The optional parts of a model folder (docs/model-contract.md) on real ONNX Runtime against the
// torch reference: tests/fixtures/models/tiny-pooled-seg (the tiny model with the image graph's
// `pooled` output and a seeded random segmentation U-Net; tools/make-goldens --pooled-seg) and its
// goldens.json, the reference's pooled features and sigmoid probabilities for two seeded inputs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { REPO_ROOT } from "./golden.helpers.ts";

const DIR = join(REPO_ROOT, "tests/fixtures/models/tiny-pooled-seg");
const TOL = 1e-4;

interface GoldenInput {
  shape: [number, number, number];
  greyU8: string;
}
interface Goldens {
  model: { checksum: string };
  tolerance: { absolute: number };
  segmentation: GoldenInput & { classes: string[]; probabilities: number[][][] };
  encoder: GoldenInput & { pooled: number[]; global: number[] };
}

const goldens = JSON.parse(readFileSync(join(DIR, "goldens.json"), "utf8")) as Goldens;

/** value = u / 127.5 − 1 from the stored grey bytes, copied to 3 channels (CHW). */
function pixels(input: GoldenInput): Float32Array {
  const grey = Buffer.from(input.greyU8, "base64");
  const [c, h, w] = input.shape;
  expect(grey.length).toBe(h * w);
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[ch * h * w + i] = grey[i] / 127.5 - 1;
  return out;
}

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  return max;
}

describe("tiny-pooled-seg: pooled features and segmentation against the torch reference", () => {
  let model: GloriaModel;

  beforeAll(async () => {
    model = await GloriaModel.load(DIR);
  });
  afterAll(async () => {
    await model?.close();
  });

  it("loads the folder the goldens were written for", () => {
    expect(model.id.endsWith(`#${goldens.model.checksum.slice(0, 12)}`)).toBe(true);
    expect(goldens.tolerance.absolute).toBe(TOL);
    expect(model.segmenter?.classes).toEqual(goldens.segmentation.classes);
    expect(model.segmenter?.inputSize).toBe(goldens.segmentation.shape[1]);
  });

  it("encodeImages gives the reference's pooled features (and its global embedding)", async () => {
    const [features] = await model.encodeImages([pixels(goldens.encoder)]);
    expect(features.pooled).toBeDefined();
    expect(maxAbsDiff(features.pooled!, goldens.encoder.pooled)).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(features.global, goldens.encoder.global)).toBeLessThanOrEqual(TOL);
  });

  it("segmentImages gives the reference's sigmoid probabilities per class", async () => {
    const [maps] = await model.segmenter!.segmentImages([pixels(goldens.segmentation)]);
    const want = goldens.segmentation.probabilities.flat(2);
    expect(maps.length).toBe(want.length);
    expect(maxAbsDiff(maps, want)).toBeLessThanOrEqual(TOL);
  });

  it("batches: two images give each one's own result", async () => {
    const enc = pixels(goldens.encoder);
    const zeros = new Float32Array(enc.length);
    const [a, b] = await model.encodeImages([zeros, enc]);
    expect(a.pooled!.length).toBe(goldens.encoder.pooled.length);
    expect(maxAbsDiff(b.pooled!, goldens.encoder.pooled)).toBeLessThanOrEqual(TOL);
    const seg = pixels(goldens.segmentation);
    const [, maps] = await model.segmenter!.segmentImages([new Float32Array(seg.length), seg]);
    expect(maxAbsDiff(maps, goldens.segmentation.probabilities.flat(2))).toBeLessThanOrEqual(TOL);
  });
});

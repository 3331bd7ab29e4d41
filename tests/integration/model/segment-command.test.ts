// `gloria segment` run as a script runs it (bin/gloria.mjs), on a model folder whose segmentation
// graph is a hand-written 1×1 convolution (tests/helpers/segmentation-model.ts): the JSON users script
// against, its figures against maps worked out from the stretched pixels, the mask files at the
// image's size (one class: the file named; several: one per class slug), and non-zero exits with a
// typed message for a model without segmentation, a threshold outside (0, 1) and a corrupt image.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIXEL_VALUE_TABLE, resizeArea } from "../../../src/model/image/image.preprocess.ts";
import { modelId, type ModelManifest } from "../../../src/model/model.manifest.ts";
import { sigmoid } from "../../../src/model/onnx.segmenter.ts";
import { maskPixels } from "../../../src/model/segmentation/segmentation.mask.ts";
import { boundingBox } from "../../../src/model/segmentation/segmentation.summary.ts";
import { writeSegmentationModel, type ConvSegmentation } from "../../helpers/segmentation-model.ts";

const TINY = "tests/fixtures/models/tiny";
const SEG: ConvSegmentation = {
  classes: ["Pleural Effusion", "Pneumothorax"],
  size: 24,
  weights: [
    [1, 1, 1],
    [-1, -1, -1],
  ],
  biases: [0.3, 0],
};
const W = 90;
const H = 60;

interface Output {
  model: string;
  threshold: number;
  width: number;
  height: number;
  size: number;
  classes: Array<{
    className: string;
    areaFraction: number;
    bbox: { x: number; y: number; width: number; height: number } | null;
    maxProbability: number;
    mask?: string;
  }>;
}

describe("gloria segment", () => {
  let base: string;
  let model: string;
  let single: string;
  let image: string;
  let gray: Uint8Array;
  const gloria = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/gloria.mjs", "segment", ...args], { env: { ...process.env, LOG_LEVEL: "silent" }, encoding: "utf8" });

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-segment-cli-"));
    model = writeSegmentationModel(TINY, path.join(base, "model"), SEG);
    single = writeSegmentationModel(TINY, path.join(base, "single"), { ...SEG, classes: ["Pneumothorax"], weights: [SEG.weights[1]!], biases: [0] });
    // A dark image with a bright block at x 60..79, y 30..49 (the image's lower right).
    gray = new Uint8Array(W * H).fill(20);
    for (let y = 30; y < 50; y++) for (let x = 60; x < 80; x++) gray[y * W + x] = 240;
    image = path.join(base, "chest.png");
    await sharp(Buffer.from(gray), { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(image);
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it("prints per class the area, the box in the image's pixels and the largest probability, and writes one mask per class", async () => {
    const out = path.join(base, "masks", "mask.png");
    const run = gloria("--model", model, "--image", image, "--threshold", "0.6", "--out", out, "--json");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as Output;
    expect(result).toMatchObject({ threshold: 0.6, width: W, height: H, size: SEG.size });
    const stretched = resizeArea(gray, W, H, SEG.size, SEG.size);
    const files = [path.join(base, "masks", "mask-pleural-effusion.png"), path.join(base, "masks", "mask-pneumothorax.png")];
    for (const [c, got] of result.classes.entries()) {
      const gain = SEG.weights[c]!.reduce((a, b) => a + b, 0);
      const map = Float32Array.from(stretched, (v) => sigmoid(gain * PIXEL_VALUE_TABLE[v]! + SEG.biases[c]!));
      expect(got.className).toBe(SEG.classes[c]);
      expect(got.areaFraction).toBe(map.filter((p) => p >= 0.6).length / map.length);
      expect(got.bbox).toEqual(boundingBox(map, SEG.size, W, H, 0.6));
      expect(Math.abs(got.maxProbability - Math.max(...map))).toBeLessThan(1e-6);
      expect(got.mask).toBe(files[c]);
      const { data, info } = await sharp(files[c]!).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([W, H]);
      expect(new Uint8Array(data)).toEqual(maskPixels(map, SEG.size, W, H, 0.6));
    }
    // The bright block is where the effusion class's box is, within a cell (W/S = 3.75, H/S = 2.5 px).
    const box = result.classes[0]!.bbox!;
    expect(Math.abs(box.x - 60)).toBeLessThanOrEqual(4);
    expect(Math.abs(box.y - 30)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.x + box.width - 80)).toBeLessThanOrEqual(4);
    expect(Math.abs(box.y + box.height - 50)).toBeLessThanOrEqual(3);
  });

  it("writes a one-class model's mask to the file named, and prints a line per class without --json", async () => {
    const out = path.join(base, "one.png");
    const run = gloria("--model", single, "--image", image, "--out", out);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Pneumothorax\tarea [\d.]+%\tmax [\d.]+\tbox \d+,\d+ \d+×\d+\t.*one\.png\n$/);
    expect((await sharp(out).metadata()).width).toBe(W);
  });

  it("exits non-zero with a typed message for a model without segmentation, a bad threshold and a corrupt image", () => {
    const plain = gloria("--model", TINY, "--image", image, "--json");
    expect(plain.status).toBe(1);
    const tiny = modelId(JSON.parse(fs.readFileSync(path.join(TINY, "manifest.json"), "utf8")) as ModelManifest);
    expect(plain.stderr).toContain(`BAD_USER_INPUT: Model ${tiny} has no segmentation graph`);
    for (const threshold of ["0", "1", "1.2", "abc"]) {
      const bad = gloria("--model", model, "--image", image, "--threshold", threshold);
      expect(bad.status, threshold).toBe(1);
      expect(bad.stderr).toMatch(/BAD_USER_INPUT: .*threshold/);
    }
    const corrupt = path.join(base, "corrupt.png");
    fs.writeFileSync(corrupt, fs.readFileSync(image).subarray(0, 40));
    const broken = gloria("--model", model, "--image", corrupt);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/UNSUPPORTED_MEDIA_TYPE/);
  });
});

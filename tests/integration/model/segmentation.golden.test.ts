// The segmentation graph against the Python reference (tests/fixtures/models/tiny-pooled-seg/
// goldens.json: a grey S×S input and the reference's sigmoid probabilities per class), within the
// goldens' tolerance: the adapter on the golden pixels, the whole path from a PNG file (decode,
// stretch — the identity at S×S — and scaling), and `gloria segment` run as a script on that file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { stretchGray } from "../../../src/model/segmentation/segmentation.prepare.ts";
import { summarizeClass } from "../../../src/model/segmentation/segmentation.summary.ts";

const DIR = "tests/fixtures/models/tiny-pooled-seg";
const GOLDENS = path.join(DIR, "goldens.json");

interface Goldens {
  tolerance: { absolute: number };
  segmentation: { shape: [number, number, number]; greyU8: string; classes: string[]; probabilities: number[][][] };
}

describe.runIf(fs.existsSync(GOLDENS) && fs.existsSync(path.join(DIR, "segmentation.onnx")))("segmentation against the reference's goldens", () => {
  let goldens: Goldens;
  let model: GloriaModel;
  let gray: Uint8Array;
  let S: number;
  let work: string;
  let png: string;

  /** Largest difference between a [C, S, S] result and the golden probabilities. */
  const worst = (maps: Float32Array[]) => {
    let diff = 0;
    goldens.segmentation.probabilities.forEach((rows, c) =>
      rows.forEach((row, y) => row.forEach((p, x) => (diff = Math.max(diff, Math.abs(maps[c]![y * S + x]! - p))))),
    );
    return diff;
  };

  beforeAll(async () => {
    goldens = JSON.parse(fs.readFileSync(GOLDENS, "utf8")) as Goldens;
    S = goldens.segmentation.shape[1];
    gray = new Uint8Array(Buffer.from(goldens.segmentation.greyU8, "base64"));
    expect(gray).toHaveLength(S * S);
    model = await GloriaModel.load(DIR);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-seg-goldens-"));
    png = path.join(work, "golden.png");
    await sharp(Buffer.from(gray), { raw: { width: S, height: S, channels: 1 } })
      .png()
      .toFile(png);
  });
  afterAll(async () => {
    await model?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("loads the fixture's segmenter with the goldens' classes and size", () => {
    expect(model.segmenter?.classes).toEqual(goldens.segmentation.classes);
    expect(model.segmenter?.inputSize).toBe(S);
  });

  it("the adapter gives the reference's probabilities for the golden pixels", async () => {
    const [probabilities] = await model.segmenter!.segmentImages([stretchGray(gray, S, S, S)]);
    const maps = goldens.segmentation.classes.map((_, c) => probabilities!.subarray(c * S * S, (c + 1) * S * S));
    expect(worst(maps)).toBeLessThan(goldens.tolerance.absolute);
  });

  it("a PNG of the golden pixels gives them through decoding and the stretch", async () => {
    const result = await model.segmentImage(new Uint8Array(fs.readFileSync(png)));
    expect(result).toMatchObject({ width: S, height: S, size: S });
    expect(worst(result.classes.map((c) => c.probabilities))).toBeLessThan(goldens.tolerance.absolute);
  });

  it("gloria segment prints the summaries of the reference's maps", () => {
    const run = spawnSync(process.execPath, ["bin/gloria.mjs", "segment", "--model", DIR, "--image", png, "--threshold", "0.5", "--json"], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { classes: Array<{ className: string; areaFraction: number; maxProbability: number }> };
    expect(out.classes.map((c) => c.className)).toEqual(goldens.segmentation.classes);
    for (const [c, got] of out.classes.entries()) {
      const want = summarizeClass(Float32Array.from(goldens.segmentation.probabilities[c]!.flat()), S, S, S, 0.5);
      expect(Math.abs(got.maxProbability - want.maxProbability)).toBeLessThan(goldens.tolerance.absolute);
      // Cells within the tolerance of the threshold may fall either side.
      expect(Math.abs(got.areaFraction - want.areaFraction)).toBeLessThanOrEqual(4 / (S * S));
    }
  });
});

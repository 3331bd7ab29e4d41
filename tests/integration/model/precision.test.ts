// tools/convert-precision on the tiny model, run through the real ONNX Runtime: the int8 and fp16
// variants load as models of their own (new id, verified checksums, `precision` in the manifest),
// keep the contract, and give embeddings close to the float32 ones on the same inputs.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import type { ImageFeatures } from "../../../src/model/model.port.ts";
import { cosine, seededRandom } from "../../contract/clustered-vectors.ts";

import { PYTHON, runsWithPython } from "../../helpers/python.ts";
const run = promisify(execFile);
const TINY = path.resolve("tests/fixtures/models/tiny");

function pixels(count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: 3 * 224 * 224 }, () => random() * 2 - 1));
}

// tools/convert-precision runs on Debian's python3-onnx and numpy.
describe.runIf(runsWithPython("onnx", "numpy"))("tools/convert-precision", () => {
  let work: string;
  let base: GloriaModel;
  let images: ImageFeatures[];
  const inputs = pixels(3, 7);
  const texts = ["large left pleural effusion", "no acute cardiopulmonary process"];

  const convert = async (precision: string, out: string, model = TINY) => {
    const { stdout } = await run(PYTHON, ["tools/convert-precision", "--model", model, "--precision", precision, "--out", out]);
    return JSON.parse(stdout) as { model: string; from: string; quantizedOps: Record<string, Record<string, number>> | null };
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "gloria-precision-"));
    base = await GloriaModel.load(TINY, { intraOpNumThreads: 2 });
    images = await base.encodeImages(inputs);
  });
  afterAll(async () => {
    await base?.close();
    await rm(work, { recursive: true, force: true });
  });

  for (const [precision, bars] of [
    ["int8", { global: 0.995, local: 0.99, text: 0.995 }],
    ["fp16", { global: 0.9999, local: 0.9999, text: 0.9999 }],
  ] as const) {
    it(`writes an ${precision} model whose embeddings stay close to float32`, async () => {
      const out = path.join(work, precision);
      const summary = await convert(precision, out);
      expect(summary.from).toBe(base.id);
      const model = await GloriaModel.load(out, { intraOpNumThreads: 2 });
      try {
        expect(model.id).toBe(summary.model);
        expect(model.id).toMatch(new RegExp(`^gloria-tiny-${precision}@1\\.0\\.0#[0-9a-f]{12}$`));
        expect(model.manifest.precision).toBe(precision);
        expect(model.dim).toBe(base.dim);
        const manifest = JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8"));
        expect(manifest.source.convertedFrom.model).toBe(base.id);
        const converted = await model.encodeImages(inputs);
        images.forEach((f, i) => {
          expect(cosine(f.global, converted[i].global)).toBeGreaterThanOrEqual(bars.global);
          expect(cosine(f.local, converted[i].local)).toBeGreaterThanOrEqual(bars.local);
        });
        const [a, b] = [await base.encodeTexts(texts), await model.encodeTexts(texts)];
        a.forEach((t, i) => expect(cosine(t.sentence, b[i].sentence)).toBeGreaterThanOrEqual(bars.text));
        // Same scoring path: a query ranks the images in (nearly) the same order.
        const s0 = await base.scoreTextAgainstImages(a[0], images);
        const s1 = await model.scoreTextAgainstImages(b[0], converted);
        s0.global.forEach((g, i) => expect(Math.abs(g - s1.global[i])).toBeLessThan(0.05));
      } finally {
        await model.close();
      }
      if (precision === "int8") {
        // Convolutions stay float32 by default (docs/precision.md); the weighted matrix products are int8.
        expect(summary.quantizedOps!["image_encoder.onnx"]).toEqual({ Conv: 0, MatMul: 0, Gemm: 1 });
        expect(summary.quantizedOps!["text_encoder.onnx"].MatMul).toBeGreaterThan(5);
      }
    });
  }

  it("quantises the convolutions as well when asked, still close to float32", async () => {
    const out = path.join(work, "int8-convs");
    const { stdout } = await run(PYTHON, ["tools/convert-precision", "--model", TINY, "--precision", "int8", "--int8-convs", "--out", out]);
    expect(JSON.parse(stdout).quantizedOps["image_encoder.onnx"].Conv).toBeGreaterThan(10);
    const model = await GloriaModel.load(out, { intraOpNumThreads: 2 });
    try {
      const converted = await model.encodeImages(inputs);
      images.forEach((f, i) => expect(cosine(f.global, converted[i].global)).toBeGreaterThanOrEqual(0.99));
    } finally {
      await model.close();
    }
  });

  it("refuses to convert a converted model and to overwrite its source", async () => {
    const int8 = path.join(work, "int8-again");
    await convert("int8", int8);
    await expect(convert("fp16", path.join(work, "x"), int8)).rejects.toMatchObject({ stderr: expect.stringContaining("already int8") });
    await expect(convert("int8", TINY)).rejects.toMatchObject({ stderr: expect.stringContaining("--out must differ") });
  });
});

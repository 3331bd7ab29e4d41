// The segmentation stage of an evaluation with a fake segmenter whose first class is predicted
// wherever the image is bright and whose other classes predict nothing: only the classes both the
// model and the masks know are scored, a row without a class's mask is an empty mask for it, masks
// are stretched to S×S like the image, unreadable rows are failures, and every figure equals the one
// computed by hand.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GloriaModel } from "../../../src/model/gloria.model.ts";
import type { SegmentationInput } from "../../../src/model/segmentation/segmentation.prepare.ts";
import { segmentationEvaluation } from "../../../src/services/evaluation/evaluation.segmentation.ts";
import { SourceFiles } from "../../../src/services/source-files.ts";

const S = 4;
const CLASSES = ["Pleural Effusion", "Cardiomegaly", "Pneumothorax"];

/** A fake model: class 0 is 0.9 where the stretched image is bright, 0.1 elsewhere; the others 0.1 everywhere. */
function fakeModel(withSegmenter = true): GloriaModel {
  const segmenter = {
    classes: CLASSES,
    inputSize: S,
    segmentImages: async (pixels: readonly Float32Array[]) =>
      pixels.map((p) => {
        const out = new Float32Array(CLASSES.length * S * S).fill(0.1);
        for (let i = 0; i < S * S; i++) if (p[i]! > 0) out[i] = 0.9;
        return out;
      }),
  };
  return {
    segmenter: withSegmenter ? segmenter : null,
    segmentPrepared: async (inputs: readonly SegmentationInput[]) => {
      const maps = await segmenter.segmentImages(inputs.map((i) => i.pixels));
      return inputs.map((input, n) => ({
        width: input.width,
        height: input.height,
        size: S,
        classes: CLASSES.map((className, c) => ({ className, probabilities: maps[n]!.subarray(c * S * S, (c + 1) * S * S) })),
      }));
    },
  } as unknown as GloriaModel;
}

/** A grey PNG of side `side` with 255 at the given pixel indices and 0 elsewhere. */
async function png(file: string, side: number, on: readonly number[]): Promise<void> {
  const data = Buffer.alloc(side * side);
  for (const i of on) data[i] = 255;
  await writeFile(
    file,
    await sharp(data, { raw: { width: side, height: side, channels: 1 } })
      .png()
      .toBuffer(),
  );
}

/** The pixel indices of the top-left `n`×`n` block of a `side`-wide image. */
const block = (n: number, side: number) => Array.from({ length: n * n }, (_, i) => Math.floor(i / n) * side + (i % n));

let root: string;
let manifest: string;
let files: SourceFiles;
const boot = { iterations: 300, seed: 7 };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gloria-seg-stage-"));
  files = new SourceFiles([], { maxBytes: 1 << 20 }).withRoots([root]);
  // a: predicted {0,1,2}, effusion mask {1,2,3,5}: Dice 2·2/(3+4) = 4/7; its Atelectasis mask names a class the model lacks (and a missing file).
  await png(path.join(root, "a.png"), S, [0, 1, 2]);
  await png(path.join(root, "a.effusion.png"), S, [1, 2, 3, 5]);
  // b: a normal study, nothing predicted.
  await png(path.join(root, "b.png"), S, []);
  // c: 8×8 with its top-left 4×4 bright, and the same effusion mask: both stretch to the top-left 2×2, Dice 1.
  await png(path.join(root, "c.png"), 8, block(4, 8));
  await png(path.join(root, "c.effusion.png"), 8, block(4, 8));
  // d: nothing predicted, a pneumothorax mask {15}: Dice 0 for it, 1 (empty vs empty) for effusion.
  await png(path.join(root, "d.png"), S, []);
  await png(path.join(root, "d.pneumothorax.png"), S, [15]);
  await writeFile(path.join(root, "e.png"), "not an image");
  const cell = (m: Record<string, string>) => `"${JSON.stringify(m).replace(/"/g, '""')}"`;
  manifest = path.join(root, "manifest.csv");
  await writeFile(
    manifest,
    [
      "Path,Report,Mask",
      `a.png,x,${cell({ "Pleural Effusion": "a.effusion.png", Atelectasis: "missing.png" })}`,
      `b.png,x,${cell({})}`,
      `c.png,x,${cell({ "Pleural Effusion": "c.effusion.png" })}`,
      `d.png,x,${cell({ Pneumothorax: "d.pneumothorax.png" })}`,
      `e.png,x,${cell({ "Pleural Effusion": "a.effusion.png" })}`,
      "f.png,x,",
    ].join("\n") + "\n",
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("segmentationEvaluation", () => {
  it("scores the shared classes per image as the reference does, with hand-computed figures", async () => {
    const seg = (await segmentationEvaluation(fakeModel(), manifest, files, boot))!;
    expect(seg.size).toBe(S);
    expect(seg.threshold).toBe(0.5);
    expect(seg.images).toBe(4);
    expect(seg.failures).toBe(1);
    expect(seg.perClass.map((c) => c.className)).toEqual(["Pleural Effusion", "Pneumothorax"]);
    const [effusion, pneumothorax] = seg.perClass;
    // Effusion: a 4/7, b 1, c 1, d 1; with the finding: a, c.
    expect(effusion!.dice.value).toBeCloseTo((4 / 7 + 3) / 4, 12);
    expect(effusion!.positiveDice.value).toBeCloseTo((4 / 7 + 1) / 2, 12);
    expect(effusion!.positives).toBe(2);
    expect(effusion!.images).toBe(4);
    // Pneumothorax: a 1, b 1, c 1, d 0; with the finding: d.
    expect(pneumothorax!.dice.value).toBeCloseTo(3 / 4, 12);
    expect(pneumothorax!.positiveDice.value).toBeCloseTo(0, 12);
    expect(pneumothorax!.positives).toBe(1);
    // The means over the classes.
    expect(seg.dice.value).toBeCloseTo(((4 / 7 + 3) / 4 + 3 / 4) / 2, 12);
    expect(seg.positiveDice.value).toBeCloseTo((4 / 7 + 1) / 2 / 2, 12);
    for (const figure of [seg.dice, seg.positiveDice, effusion!.dice, pneumothorax!.dice]) {
      const [low, high] = figure.ci95!;
      expect(low).toBeLessThanOrEqual(figure.value!);
      expect(high).toBeGreaterThanOrEqual(figure.value!);
    }
  });

  it("is deterministic for a seed and gives values without intervals for no resamples", async () => {
    const a = await segmentationEvaluation(fakeModel(), manifest, files, boot);
    const b = await segmentationEvaluation(fakeModel(), manifest, files, boot);
    expect(b).toEqual(a);
    const plain = (await segmentationEvaluation(fakeModel(), manifest, files, { iterations: 0, seed: 7 }))!;
    expect(plain.dice).toEqual({ value: a!.dice.value, ci95: null });
  });

  it("batches and limits rows without changing the figures of the rows it reads", async () => {
    const small = (await segmentationEvaluation(fakeModel(), manifest, files, boot, { batchSize: 1 }))!;
    const whole = (await segmentationEvaluation(fakeModel(), manifest, files, boot))!;
    expect(small.perClass.map((c) => c.dice.value)).toEqual(whole.perClass.map((c) => c.dice.value));
    const two = (await segmentationEvaluation(fakeModel(), manifest, files, { iterations: 0, seed: 7 }, { limit: 2 }))!;
    expect(two.images).toBe(2);
    expect(two.perClass[0]!.dice.value).toBeCloseTo((4 / 7 + 1) / 2, 12);
  });

  it("is undefined without a segmenter, without a Mask column, or without a shared class", async () => {
    expect(await segmentationEvaluation(fakeModel(false), manifest, files, boot)).toBeUndefined();
    const plain = path.join(root, "plain.csv");
    await writeFile(plain, "Path,Report\na.png,x\n");
    expect(await segmentationEvaluation(fakeModel(), plain, files, boot)).toBeUndefined();
    const other = path.join(root, "other.csv");
    await writeFile(other, `Path,Report,Mask\na.png,x,"{""Atelectasis"":""a.effusion.png""}"\n`);
    expect(await segmentationEvaluation(fakeModel(), other, files, boot)).toBeUndefined();
  });
});

// Segmentation's pure parts: the stretch to S×S (against values worked out by hand), the per-class
// summaries (area, bounding box in the original image's pixels, largest probability) on constructed
// maps, the masks' agreement with the boxes, the threshold's bounds, the ONNX adapter's batching and
// sigmoid on a stand-in graph, and how `gloria segment --out` names several classes' files.
import { describe, expect, it } from "vitest";
import { maskFiles, classSlug } from "../../../src/cli/commands/segment.commands.ts";
import { AppError } from "../../../src/errors/app-error.ts";
import { PIXEL_VALUE_TABLE } from "../../../src/model/image/image.preprocess.ts";
import { OnnxSegmenter, sigmoid } from "../../../src/model/onnx.segmenter.ts";
import type { Feed, FloatTensor, OnnxGraph } from "../../../src/model/onnx.runtime.ts";
import { maskPixels, maskSize } from "../../../src/model/segmentation/segmentation.mask.ts";
import { stretchGray } from "../../../src/model/segmentation/segmentation.prepare.ts";
import { areaFraction, boundingBox, cellOf, checkThreshold, maxProbability, summarizeClass } from "../../../src/model/segmentation/segmentation.summary.ts";

/** The three channels of a [3, S, S] input, which must be equal. */
function channels(pixels: Float32Array, size: number): Float32Array {
  const plane = size * size;
  expect(pixels).toHaveLength(3 * plane);
  expect(pixels.subarray(plane, 2 * plane)).toEqual(pixels.subarray(0, plane));
  expect(pixels.subarray(2 * plane)).toEqual(pixels.subarray(0, plane));
  return pixels.subarray(0, plane);
}

const scaled = (grey: number[]) => Float32Array.from(grey.map((v) => PIXEL_VALUE_TABLE[v]!));

describe("stretchGray", () => {
  it("averages the pixel pairs of a 4×2 image stretched to 2×2 (the aspect is not kept), halves to even", () => {
    // Rows [10 20 | 30 50] and [0 255 | 100 100]: means 15, 40, 127.5 → 128, 100.
    const gray = Uint8Array.from([10, 20, 30, 50, 0, 255, 100, 100]);
    expect(channels(stretchGray(gray, 4, 2, 2), 2)).toEqual(scaled([15, 40, 128, 100]));
  });

  it("stretches a 2×6 (w×h) image to 2×2 by thirds of its height", () => {
    // Columns of 3 rows each: (0 + 30 + 60) / 3 = 30, (90 + 120 + 150) / 3 = 120, and 255 throughout.
    const gray = Uint8Array.from([0, 255, 30, 255, 60, 255, 90, 255, 120, 255, 150, 255]);
    expect(channels(stretchGray(gray, 2, 6, 2), 2)).toEqual(scaled([30, 255, 120, 255]));
  });

  it("keeps an image already S×S as it is, scaled to x/255·2−1", () => {
    const grey = [0, 51, 204, 255];
    const pixels = channels(stretchGray(Uint8Array.from(grey), 2, 2, 2), 2);
    expect(pixels).toEqual(scaled(grey));
    grey.forEach((v, k) => expect(pixels[k]).toBeCloseTo((v / 255) * 2 - 1, 6));
  });

  it("enlarges a uniform image to a uniform map", () => {
    const pixels = channels(stretchGray(new Uint8Array(3 * 5).fill(77), 3, 5, 8), 8);
    expect(new Set(pixels)).toEqual(new Set([PIXEL_VALUE_TABLE[77]]));
  });
});

/** An S×S map with `value` on cells (i, j) of the given columns and rows, 0 elsewhere. */
function block(size: number, cols: [number, number], rows: [number, number], value = 0.9): Float32Array {
  const map = new Float32Array(size * size);
  for (let j = rows[0]; j <= rows[1]; j++) for (let i = cols[0]; i <= cols[1]; i++) map[j * size + i] = value;
  return map;
}

describe("segmentation summaries", () => {
  it("areaFraction counts the cells at or above the threshold, the threshold included", () => {
    const map = Float32Array.from([0.1, 0.5, 0.49, 0.9]);
    expect(areaFraction(map, 0.5)).toBe(0.5);
    expect(areaFraction(map, 0.95)).toBe(0);
    expect(areaFraction(map, 0.05)).toBe(1);
  });

  it("maxProbability is the largest value", () => {
    expect(maxProbability(Float32Array.from([0.1, 0.7, 0.3, 0.2]))).toBeCloseTo(0.7, 6);
    expect(maxProbability(new Float32Array(16))).toBe(0);
  });

  it("bbox maps the cells back onto the original pixels: S = 4 on an 8×12 image, cells 2 and 1 pixel(s)", () => {
    // Columns 1..2 of 4 → x 2..5 of 8; row 3 of 4 → y 9..11 of 12.
    expect(boundingBox(block(4, [1, 2], [3, 3]), 4, 8, 12, 0.5)).toEqual({ x: 2, y: 9, width: 4, height: 3 });
    // One cell at the top-left corner of a 400×300 image with S = 4: 100×75 pixels.
    expect(boundingBox(block(4, [0, 0], [0, 0]), 4, 400, 300, 0.5)).toEqual({ x: 0, y: 0, width: 100, height: 75 });
    // The whole map.
    expect(boundingBox(block(4, [0, 3], [0, 3]), 4, 10, 7, 0.5)).toEqual({ x: 0, y: 0, width: 10, height: 7 });
  });

  it("bbox rounds to the pixels whose centres fall in the cells when the sizes do not divide", () => {
    // 5 pixels over 4 cells: centres 0.5..4.5 × 4/5 → cells 0, 1, 2, 2, 3; cell 2 is pixels 2 and 3.
    expect(Array.from(cellOf(5, 4))).toEqual([0, 1, 2, 2, 3]);
    expect(boundingBox(block(4, [2, 2], [0, 0]), 4, 5, 4, 0.5)).toEqual({ x: 2, y: 0, width: 2, height: 1 });
  });

  it("bbox is null when nothing reaches the threshold, and the summary says so", () => {
    const map = block(4, [0, 1], [0, 1], 0.3);
    expect(boundingBox(map, 4, 100, 100, 0.5)).toBeNull();
    expect(summarizeClass(map, 4, 100, 100, 0.5)).toEqual({ areaFraction: 0, bbox: null, maxProbability: expect.closeTo(0.3, 6) });
    expect(summarizeClass(map, 4, 100, 100, 0.25)).toEqual({
      areaFraction: 0.25,
      bbox: { x: 0, y: 0, width: 50, height: 50 },
      maxProbability: expect.closeTo(0.3, 6),
    });
  });

  it("an image smaller than the map still gets a box of at least one pixel", () => {
    // 2 pixels over 8 cells: the centres fall in cells 2 and 6; cell 4 alone is under pixel 1.
    expect(boundingBox(block(8, [4, 4], [4, 4]), 8, 2, 2, 0.5)).toEqual({ x: 1, y: 1, width: 1, height: 1 });
  });

  it("refuses a map of the wrong length", () => {
    expect(() => summarizeClass(new Float32Array(15), 4, 10, 10, 0.5)).toThrow(RangeError);
  });

  it("the threshold must lie strictly between 0 and 1 (BAD_USER_INPUT on threshold)", () => {
    for (const bad of [0, 1, -0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let error: unknown;
      try {
        checkThreshold(bad);
      } catch (e) {
        error = e;
      }
      expect(error, String(bad)).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("BAD_USER_INPUT");
      expect((error as AppError).details).toMatchObject({ field: "threshold" });
    }
    expect(checkThreshold(0.5)).toBe(0.5);
    expect(checkThreshold(1e-6)).toBe(1e-6);
  });
});

describe("segmentation masks", () => {
  it("are drawn at the image's size, or with the long side brought to the heatmaps' bound", () => {
    expect(maskSize(300, 200, 512)).toEqual({ width: 300, height: 200 });
    expect(maskSize(2048, 1536, 512)).toEqual({ width: 512, height: 384 });
    expect(maskSize(1000, 3, 512)).toEqual({ width: 512, height: 2 });
    expect(maskSize(2048, 1536)).toEqual({ width: 2048, height: 1536 });
  });

  it("hold 255 exactly on the pixels the bbox spans, for maps of every shape and images of other sizes", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 40; trial++) {
      const size = 2 + Math.floor(random() * 12);
      const width = 1 + Math.floor(random() * 40);
      const height = 1 + Math.floor(random() * 40);
      const map = Float32Array.from({ length: size * size }, () => (random() < 0.15 ? 0.8 : 0.2));
      const mask = maskPixels(map, size, width, height, 0.5);
      const box = boundingBox(map, size, width, height, 0.5);
      const on: Array<[number, number]> = [];
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (mask[y * width + x] === 255) on.push([x, y]);
      expect(mask.every((v) => v === 0 || v === 255)).toBe(true);
      if (on.length === 0) continue;
      const xs = on.map(([x]) => x);
      const ys = on.map(([, y]) => y);
      expect(box, `trial ${trial}`).toEqual({
        x: Math.min(...xs),
        y: Math.min(...ys),
        width: Math.max(...xs) - Math.min(...xs) + 1,
        height: Math.max(...ys) - Math.min(...ys) + 1,
      });
    }
  });

  it("give each pixel the cell its centre falls in", () => {
    // S = 2 over a 4×2 image: columns 0–1 take cell 0, columns 2–3 cell 1.
    const mask = maskPixels(Float32Array.from([0.9, 0.1, 0.1, 0.6]), 2, 4, 2, 0.5);
    expect(Array.from(mask)).toEqual([255, 255, 0, 0, 0, 0, 255, 255]);
  });
});

/** A stand-in for segmentation.onnx: logit = the first channel's pixel + the class index, per cell. */
function fakeGraph(classes: number, runs: number[]): OnnxGraph {
  return {
    file: "segmentation.onnx",
    inputNames: ["pixel_values"],
    outputNames: ["logits"],
    inputTypes: { pixel_values: "float32" },
    provider: "cpu",
    async run(feeds: Record<string, Feed>): Promise<Record<string, FloatTensor>> {
      const input = feeds.pixel_values!;
      const [B, , S] = input.dims as number[];
      runs.push(B!);
      const plane = S! * S!;
      const data = new Float32Array(B! * classes * plane);
      for (let b = 0; b < B!; b++)
        for (let c = 0; c < classes; c++)
          for (let k = 0; k < plane; k++) data[(b * classes + c) * plane + k] = (input.data as Float32Array)[b * 3 * plane + k]! + c;
      return { logits: { data, dims: [B!, classes, S!, S!] } };
    },
    async release() {},
  };
}

describe("OnnxSegmenter", () => {
  it("batches the images and returns per image the sigmoid of each class's logits, [C, S, S]", async () => {
    const runs: number[] = [];
    const segmenter = new OnnxSegmenter(fakeGraph(2, runs), { classes: ["A", "B"], inputSize: 2, batchSize: 2 });
    const images = [0, 1, 2].map((n) => Float32Array.from({ length: 12 }, (_, k) => (k < 4 ? n - 1 + k / 4 : 0)));
    const out = await segmenter.segmentImages(images);
    expect(runs).toEqual([2, 1]);
    expect(out).toHaveLength(3);
    for (const [n, probabilities] of out.entries()) {
      expect(probabilities).toHaveLength(2 * 4);
      for (let c = 0; c < 2; c++) for (let k = 0; k < 4; k++) expect(probabilities[c * 4 + k]).toBeCloseTo(sigmoid(n - 1 + k / 4 + c), 6);
    }
  });

  it("sigmoid stays finite far out in both tails", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });

  it("refuses a wrongly sized input (BAD_USER_INPUT) and outputs that break the manifest (MODEL_UNAVAILABLE)", async () => {
    const segmenter = new OnnxSegmenter(fakeGraph(2, []), { classes: ["A", "B"], inputSize: 2 });
    await expect(segmenter.segmentImages([new Float32Array(11)])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    const wrong = new OnnxSegmenter(fakeGraph(1, []), { classes: ["A", "B"], inputSize: 2 });
    await expect(wrong.segmentImages([new Float32Array(12)])).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
  });
});

describe("gloria segment --out", () => {
  it("writes one class to the file named, several to <name>-<class slug><ext>", () => {
    expect(maskFiles("out/mask.png", ["Pneumothorax"])).toEqual(["out/mask.png"]);
    expect(maskFiles("out/mask.png", ["Atelectasis", "Consolidation", "Pleural Effusion"])).toEqual([
      "out/mask-atelectasis.png",
      "out/mask-consolidation.png",
      "out/mask-pleural-effusion.png",
    ]);
    expect(maskFiles("masks", ["A b", "a-b"])).toEqual(["masks-a-b.png", "masks-a-b-2.png"]);
    expect(classSlug("  ?? ")).toBe("class");
  });
});

// Segmentation over HTTP with the real stack: a default model whose segmentation.onnx is a hand-written
// 1×1 convolution (tests/helpers/segmentation-model.ts; its maps are worked out here from the stretched
// pixels) beside the tiny model, which has none. `segment` on sent and stored images, its summaries
// and masks; `ImageHit.segmentation` on search hits, read again from the source files, at two
// thresholds; the refusals: a model without segmentation (named), thresholds outside (0, 1), corrupt
// images, a stored image the server may not read, more images than a request may segment; the price.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/model/image/image.decode.ts";
import { PIXEL_VALUE_TABLE, resizeArea } from "../../src/model/image/image.preprocess.ts";
import { sigmoid } from "../../src/model/onnx.segmenter.ts";
import { maskPixels, maskSize } from "../../src/model/segmentation/segmentation.mask.ts";
import { boundingBox } from "../../src/model/segmentation/segmentation.summary.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { PRICES } from "../../src/server/request-cost.ts";
import { SEGMENTATION_LIMITS } from "../../src/services/limits.ts";
import { writeSegmentationModel, type ConvSegmentation } from "../helpers/segmentation-model.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const TINY = "tests/fixtures/models/tiny";
/** More than a request may segment (SEGMENTATION_LIMITS.imagesPerRequest). */
const COUNT = 24;
/** Small enough that a 700 px image's mask is shrunk to it, as heatmaps are. */
const MASK_SIDE = 256;
const SEG: ConvSegmentation = {
  classes: ["Bright", "Dark"],
  size: 32,
  weights: [
    [1, 1, 1],
    [-2, 0, -1],
  ],
  biases: [0, -0.5],
};
const GAIN = SEG.weights.map((w) => w.reduce((a, b) => a + b, 0));
const SUMMARY = "model threshold width height size maskWidth maskHeight classes { className areaFraction bbox { x y width height } maxProbability }";
const WITH_MASKS = SUMMARY.replace("maxProbability }", "maxProbability mask }");

interface SegClass {
  className: string;
  areaFraction: number;
  bbox: { x: number; y: number; width: number; height: number } | null;
  maxProbability: number;
  mask?: string;
}
interface Seg {
  model: string;
  threshold: number;
  width: number;
  height: number;
  size: number;
  maskWidth: number;
  maskHeight: number;
  classes: SegClass[];
}

/** What the convolution gives for an image file at a threshold, worked out without the service. */
async function expected(bytes: Uint8Array, threshold: number) {
  const d = await decodeImage(bytes);
  const S = SEG.size;
  const stretched = resizeArea(d.gray, d.width, d.height, S, S);
  const classes = SEG.classes.map((className, c) => {
    const map = Float32Array.from(stretched, (v) => sigmoid(GAIN[c]! * PIXEL_VALUE_TABLE[v]! + SEG.biases[c]!));
    const on = map.filter((p) => p >= threshold).length;
    return { className, map, areaFraction: on / (S * S), bbox: boundingBox(map, S, d.width, d.height, threshold), maxProbability: Math.max(...map) };
  });
  return { width: d.width, height: d.height, classes };
}

async function pngPixels(dataUrl: string) {
  const prefix = "data:image/png;base64,";
  expect(dataUrl.startsWith(prefix)).toBe(true);
  const bytes = Buffer.from(dataUrl.slice(prefix.length), "base64");
  expect((await sharp(bytes).metadata()).channels).toBe(1);
  const { data, info } = await sharp(bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe("segmentation over GraphQL", () => {
  let t: TestApp;
  let base: string;
  let segId: string;
  let tinyId: string;
  let files: string[];
  let phantoms: string;
  let big: string;

  const post = <T>(query: string, variables?: Record<string, unknown>) => t.graphql<T>(query, variables).then((r) => r.body);
  const ok = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const body = await post<T>(query, variables);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const b64 = (file: string) => fs.readFileSync(file).toString("base64");

  /** The response against the worked-out maps: sizes, summaries and (when given) masks. */
  async function check(seg: Seg, file: string, threshold: number) {
    const want = await expected(new Uint8Array(fs.readFileSync(file)), threshold);
    const mask = maskSize(want.width, want.height, MASK_SIDE);
    expect(seg).toMatchObject({
      model: segId,
      threshold,
      width: want.width,
      height: want.height,
      size: SEG.size,
      maskWidth: mask.width,
      maskHeight: mask.height,
    });
    expect(seg.classes.map((c) => c.className)).toEqual(SEG.classes);
    for (const [c, got] of seg.classes.entries()) {
      const w = want.classes[c]!;
      expect(got.areaFraction).toBe(w.areaFraction);
      expect(got.bbox).toEqual(w.bbox);
      expect(Math.abs(got.maxProbability - w.maxProbability)).toBeLessThan(1e-6);
      if (got.mask !== undefined) {
        const png = await pngPixels(got.mask);
        expect([png.width, png.height]).toEqual([mask.width, mask.height]);
        expect(png.data).toEqual(maskPixels(w.map, SEG.size, mask.width, mask.height, threshold));
      }
    }
  }

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-segmentation-e2e-"));
    phantoms = path.join(base, "phantoms");
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 5, split: "train" });
    files = fs
      .readdirSync(path.join(phantoms, "images"))
      .sort()
      .map((f) => path.join(phantoms, "images", f));
    // A tall image larger than the masks' bound, outside INGEST_ROOTS.
    big = path.join(base, "big.png");
    await sharp(files.find((f) => f.endsWith(".png")))
      .greyscale()
      .resize(500, 700, { fit: "fill" })
      .png()
      .toFile(big);
    const model = writeSegmentationModel(TINY, path.join(base, "model"), SEG);
    t = await startTestApp({ GLORIA_MODEL_DIRS: `${model},${TINY}`, INGEST_ROOTS: phantoms, AUTH: "off", HEATMAP_MAX_SIDE: String(MASK_SIDE) });
    [segId, tinyId] = t.app.runtime!.models.map((m) => m.model.id) as [string, string];
    const ingested = await ok<{ ingest: { status: string; failed: number } }>("mutation($input: IngestInput!) { ingest(input: $input) { status failed } }", {
      input: { dataset: "phantoms", path: phantoms },
    });
    expect(ingested.ingest).toEqual({ status: "SUCCEEDED", failed: 0 });
    const uploaded = await ok<{ ingest: { status: string } }>("mutation($input: IngestInput!) { ingest(input: $input) { status } }", {
      input: { dataset: "uploads", items: [{ name: "big.png", base64: b64(big) }] },
    });
    expect(uploaded.ingest.status).toBe("SUCCEEDED");
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("segments a sent image: per class the area, the box in its pixels, the largest probability and the mask", async () => {
    const { segment } = await ok<{ segment: Seg }>(`query($i: ImageInput!) { segment(image: $i) { ${WITH_MASKS} } }`, { i: { base64: b64(big) } });
    expect(segment).toMatchObject({ width: 500, height: 700, maskWidth: Math.round((500 * MASK_SIDE) / 700), maskHeight: MASK_SIDE, threshold: 0.5 });
    await check(segment, big, 0.5);
    expect(segment.classes[0]!.areaFraction).toBeGreaterThan(0);
    for (const file of files.slice(0, 3)) {
      const { segment: s } = await ok<{ segment: Seg }>(`query($i: ImageInput!) { segment(image: $i, threshold: 0.3) { ${WITH_MASKS} } }`, {
        i: { base64: b64(file) },
      });
      await check(s, file, 0.3);
    }
  });

  it("segments a stored image from its source file, as the same file sent", async () => {
    const { images } = await ok<{ images: { edges: Array<{ node: { id: string; sourcePath: string } }> } }>(
      '{ images(first: 3, filter: { datasets: ["phantoms"] }) { edges { node { id sourcePath } } } }',
    );
    for (const { node } of images.edges) {
      const { segment } = await ok<{ segment: Seg }>(`query($id: ID!) { segment(image: { id: $id }, threshold: 0.7) { ${SUMMARY} } }`, { id: node.id });
      await check(segment, path.join(phantoms, node.sourcePath), 0.7);
    }
  });

  it("segments search hits only when asked, each hit from its source file, at several thresholds", async () => {
    type Hit = { image: { id: string; sourcePath: string }; low: Seg | null; high: Seg | null };
    const { searchImages } = await ok<{ searchImages: Hit[] }>(
      `{ searchImages(text: "pleural effusion", first: 4, filter: { datasets: ["phantoms"] }) {
           image { id sourcePath } low: segmentation(threshold: 0.25) { ${WITH_MASKS} } high: segmentation(threshold: 0.75) { ${SUMMARY} } } }`,
    );
    expect(searchImages).toHaveLength(4);
    for (const hit of searchImages) {
      await check(hit.low!, path.join(phantoms, hit.image.sourcePath), 0.25);
      await check(hit.high!, path.join(phantoms, hit.image.sourcePath), 0.75);
      expect(hit.low!.classes[0]!.areaFraction).toBeGreaterThanOrEqual(hit.high!.classes[0]!.areaFraction);
    }
    const similar = await ok<{ similarImages: Hit[] }>(
      `query($id: ID!) { similarImages(image: { id: $id }, first: 2, filter: { datasets: ["phantoms"] }) { image { id sourcePath } low: segmentation { ${SUMMARY} } } }`,
      { id: searchImages[0]!.image.id },
    );
    for (const hit of similar.similarImages) await check(hit.low!, path.join(phantoms, hit.image.sourcePath), 0.5);
  });

  it("refuses a model without segmentation, naming it", async () => {
    const body = await post(`query($m: ID) { segment(image: { base64: "${b64(big)}" }, model: $m) { width } }`, { m: tinyId });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toContain(tinyId);
  });

  it("refuses a threshold outside (0, 1), or null, with BAD_USER_INPUT", async () => {
    for (const threshold of [0, 1, -0.2, 1.5, null]) {
      const body = await post("query($t: Float) { segment(image: { base64: $b }, threshold: $t) { width } }".replace("$b", `"${b64(big)}"`), {
        t: threshold,
      });
      expect(body.errors?.[0]?.extensions?.code, String(threshold)).toBe("BAD_USER_INPUT");
      expect(body.errors?.[0]?.message).toContain("threshold");
    }
    const { searchImages } = await post<{ searchImages: Array<{ segmentation: Seg | null }> }>(
      '{ searchImages(text: "effusion", first: 1) { segmentation(threshold: 1) { width } } }',
    ).then((b) => {
      expect(b.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      return b.data!;
    });
    expect(searchImages[0]!.segmentation).toBeNull();
  });

  it("refuses corrupt and truncated images with UNSUPPORTED_MEDIA_TYPE and non-base64 with BAD_USER_INPUT", async () => {
    const truncated = fs.readFileSync(big).subarray(0, 200).toString("base64");
    for (const [base64, code] of [
      [Buffer.from("definitely not an image").toString("base64"), "UNSUPPORTED_MEDIA_TYPE"],
      [truncated, "UNSUPPORTED_MEDIA_TYPE"],
      ["***", "BAD_USER_INPUT"],
    ] as const) {
      const body = await post("query($i: ImageInput!) { segment(image: $i) { width } }", { i: { base64 } });
      expect(body.errors?.[0]?.extensions?.code).toBe(code);
    }
  });

  it("refuses a stored image whose source the server may not read (an upload) with NOT_FOUND", async () => {
    const { images } = await ok<{ images: { edges: Array<{ node: { id: string } }> } }>(
      '{ images(first: 1, filter: { datasets: ["uploads"] }) { edges { node { id } } } }',
    );
    const body = await post("query($id: ID!) { segment(image: { id: $id }) { width } }", { id: images.edges[0]!.node.id });
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(body.errors?.[0]?.message).toContain("INGEST_ROOTS");
  });

  it("segments at most SEGMENTATION_LIMITS.imagesPerRequest images per request, each hit's image once whatever the thresholds", async () => {
    const limit = SEGMENTATION_LIMITS.imagesPerRequest;
    const many = await post<{ searchImages: Array<{ a: Seg | null }> }>(
      `{ searchImages(text: "effusion", first: ${COUNT}, filter: { datasets: ["phantoms"] }) { a: segmentation { width } } }`,
    );
    expect(many.data!.searchImages).toHaveLength(COUNT);
    expect(many.data!.searchImages.filter((h) => h.a !== null)).toHaveLength(limit);
    expect(many.errors).toHaveLength(COUNT - limit);
    for (const error of many.errors!) {
      expect(error.extensions?.code).toBe("BAD_USER_INPUT");
      expect(error.message).toContain(`at most ${limit} images`);
    }
    const thresholds = await ok<{ searchImages: Array<{ a: Seg; b: Seg; c: Seg }> }>(
      `{ searchImages(text: "effusion", first: ${limit}, filter: { datasets: ["phantoms"] }) { a: segmentation(threshold: 0.1) { width } b: segmentation { width } c: segmentation(threshold: 0.9) { width } } }`,
    );
    expect(thresholds.searchImages.every((h) => h.a.width === h.b.width && h.b.width === h.c.width)).toBe(true);
  });

  it("prices each hit's segmentation and its masks, refusing over MAX_REQUEST_COST before any work", async () => {
    const query = `{ searchImages(text: "effusion", first: 100) { rank a: segmentation(threshold: 0.2) { classes { mask } } b: segmentation(threshold: 0.8) { classes { mask } } } }`;
    const body = await post(query);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const details = body.errors?.[0]?.extensions?.details as { limit: string; cost: number };
    const search = PRICES.field + PRICES.text + 100 * PRICES.hit + PRICES.pool100;
    expect(details.limit).toBe("MAX_REQUEST_COST");
    expect(details.cost).toBe(Math.round(search + 100 * (PRICES.segmentation + 2 * SEGMENTATION_LIMITS.pricedClasses * PRICES.mask)));
  });
});

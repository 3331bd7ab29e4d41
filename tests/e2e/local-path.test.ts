// GLoRIA's local path as a portal sees it, over real HTTP with the real stack (tiny model): re-ranking
// and its attention maps come from one pass over the stored features, report re-ranking uses the word
// features stored at ingestion, heatmaps are drawn small from the thumbnail kept at ingestion (the
// source file is no longer needed), and a request cannot order more heatmaps than its budget.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { LIMITS } from "../../src/services/limits.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 24;
const BIG = "big-chest.png";

interface Hit {
  rank: number;
  score: number;
  globalScore: number;
  localScore: number;
  image: { id: string; sourcePath: string };
  attention: Array<{ word: string; weight: number; map: number[]; heatmap?: string | null }> | null;
}

async function pngSize(dataUrl: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64")).metadata();
  return { width: meta.width!, height: meta.height! };
}

describe("the local path over stored features", () => {
  let t: TestApp;
  let phantoms: string;
  let adminKey: string;
  const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-local-path-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 5, split: "train" });
    // One large image (the size of a real radiograph), so heatmaps must be drawn smaller than it.
    const first = fs.readdirSync(path.join(phantoms, "images")).find((f) => f.endsWith(".png"))!;
    fs.mkdirSync(path.join(phantoms, "big"));
    await sharp(path.join(phantoms, "images", first))
      .resize(1400, 1700, { fit: "fill" })
      .png()
      .toFile(path.join(phantoms, "big", BIG));
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms });
    adminKey = (await t.app.services.auth.createKey("admin", ["admin"])).key;
    const { body } = await t.graphql<{ ingest: { status: string; ingested: number } }>(
      "mutation($input: IngestInput!) { ingest(input: $input) { status ingested failed } }",
      { input: { dataset: "phantoms", path: phantoms } },
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.ingest.status).toBe("SUCCEEDED");
    const big = await t.graphql<{ ingest: { status: string; ingested: number } }>(
      "mutation($input: IngestInput!) { ingest(input: $input) { status ingested failed } }",
      { input: { dataset: "big", path: path.join(phantoms, "big") } },
      asAdmin(),
    );
    expect(big.body.data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: 1 });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("returns each hit's attention from the re-ranking pass, equal to the model's own attention for the pair", async () => {
    const text = "small left pleural effusion";
    const { body } = await t.graphql<{ searchImages: Hit[] }>(
      `{ searchImages(text: "${text}", first: 4, rerank: { candidates: 16, mode: REFERENCE }) { rank score globalScore localScore image { id sourcePath } attention { word weight map } } }`,
      undefined,
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    const { model, localFeatures, collections } = t.app.runtime!;
    const hits = body.data!.searchImages;
    expect(hits).toHaveLength(4);
    for (const hit of hits) {
      const id = hit.image.id;
      const local = (await localFeatures.getImageRegions(model.id, [id])).get(id)!.regions;
      const global = (await collections.images.vectors([id])).get(id)!;
      const direct = await model.attention(text, { global, local }, { mode: "REFERENCE" });
      expect(hit.localScore).toBeCloseTo(direct.local, 4);
      expect(hit.attention!.map((w) => w.word)).toEqual(direct.words.map((w) => w.word));
      hit.attention!.forEach((w, j) => {
        expect(w.weight).toBeCloseTo(direct.words[j]!.cosine, 4);
        const expected = direct.words[j]!.map;
        expect(Math.max(...w.map.map((v, r) => Math.abs(v - expected[r]!)))).toBeLessThan(1e-5);
      });
    }
  });

  it("draws heatmaps at most 512 px from the ingestion thumbnail, even once the source file is gone", async () => {
    const big = (await t.app.runtime!.metadata.listImages({}, 100)).items.find((i) => i.sourcePath?.endsWith(BIG))!;
    expect(big.width).toBe(1400);
    const thumbnail = (await t.app.runtime!.metadata.getThumbnails([big.id])).get(big.id)!;
    expect(Math.max(thumbnail.width, thumbnail.height)).toBe(512);
    fs.renameSync(big.sourcePath!, `${big.sourcePath}.moved`);
    try {
      const { body } = await t.graphql<{ attention: { words: Array<{ word: string; heatmap: string | null }> } }>(
        'query($id: ID!) { attention(image: { id: $id }, text: "large left pleural effusion") { words { word heatmap } } }',
        { id: big.id },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      for (const w of body.data!.attention.words) {
        expect(w.heatmap).toMatch(/^data:image\/png;base64,/);
        const size = await pngSize(w.heatmap!);
        expect(Math.max(size.width, size.height)).toBe(512);
        // The aspect ratio of the original (1400 × 1700) is kept.
        expect(size.width / size.height).toBeCloseTo(1400 / 1700, 2);
      }
    } finally {
      fs.renameSync(`${big.sourcePath}.moved`, big.sourcePath!);
    }
  });

  it("draws an image without a thumbnail from its source file only inside INGEST_ROOTS", async () => {
    const { metadata, database } = t.app.runtime!;
    const image = (await metadata.listImages({}, 100)).items.find((i) => i.sourcePath?.includes(`${path.sep}images${path.sep}`))!;
    // As an image ingested before thumbnails were kept.
    await database.prisma.imageThumbnail.delete({ where: { imageId: image.id } });
    const heatmaps = async () => {
      const { body } = await t.graphql<{ attention: { words: Array<{ heatmap: string | null }> } }>(
        'query($id: ID!) { attention(image: { id: $id }, text: "large left pleural effusion") { words { heatmap } } }',
        { id: image.id },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      return body.data!.attention.words.map((w) => w.heatmap);
    };
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-outside-"));
    try {
      for (const h of await heatmaps()) expect(h).toMatch(/^data:image\/png;base64,/);
      // The same pixels outside the allowed roots, directly or through a link inside them: not read.
      const copy = path.join(outside, "copy.png");
      fs.copyFileSync(image.sourcePath!, copy);
      const link = path.join(phantoms, "link-out.png");
      fs.symlinkSync(copy, link);
      for (const stored of [copy, link, "/dev/zero"]) {
        await database.prisma.image.update({ where: { id: image.id }, data: { sourcePath: stored } });
        for (const h of await heatmaps()) expect(h, stored).toBeNull();
      }
    } finally {
      await database.prisma.image.update({ where: { id: image.id }, data: { sourcePath: image.sourcePath } });
      fs.rmSync(path.join(phantoms, "link-out.png"), { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("re-ranks reports with their stored word features, encoding no report text again", async () => {
    const runtime = t.app.runtime!;
    const { model } = runtime;
    const imageId = (await runtime.metadata.listImages({}, 1)).items[0]!.id;
    const encodeTexts = model.encodeTexts.bind(model);
    const encoded: string[] = [];
    model.encodeTexts = async (texts) => {
      encoded.push(...texts);
      return encodeTexts(texts);
    };
    let hits: Array<{ localScore: number; globalScore: number; report: { id: string; text: string } }>;
    try {
      const { body } = await t.graphql<{ searchReports: typeof hits }>(
        "query($id: ID!) { searchReports(image: { id: $id }, first: 5, rerank: { candidates: 12, mode: REFERENCE }) { localScore globalScore report { id text } } }",
        { id: imageId },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      hits = body.data!.searchReports;
    } finally {
      model.encodeTexts = encodeTexts;
    }
    expect(encoded).toEqual([]);
    // The same pairs scored from scratch: the report texts encoded now, the image's stored features.
    const local = (await runtime.localFeatures.getImageRegions(model.id, [imageId])).get(imageId)!.regions;
    const global = (await runtime.collections.images.vectors([imageId])).get(imageId)!;
    const direct = await model.scoreImageAgainstTexts(
      { global, local },
      hits.map((h) => h.report.text),
      { mode: "REFERENCE" },
    );
    hits.forEach((h, i) => {
      // Stored word slots are float16 (relative error ≤ 2^-11).
      expect(Math.abs(h.localScore - direct.local[i]!)).toBeLessThan(5e-3);
      expect(h.globalScore).toBeCloseTo(direct.global[i]!, 3);
    });
  });

  it("reads no image regions for similar images of a stored image", async () => {
    const runtime = t.app.runtime!;
    const imageId = (await runtime.metadata.listImages({}, 1)).items[0]!.id;
    const store = runtime.localFeatures;
    const original = store.getImageRegions.bind(store);
    let reads = 0;
    store.getImageRegions = async (...args) => {
      reads++;
      return original(...args);
    };
    try {
      const { body } = await t.graphql<{ similarImages: Array<{ rank: number; image: { id: string } }> }>(
        "query($id: ID!) { similarImages(image: { id: $id }, first: 3) { rank image { id } } }",
        { id: imageId },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.similarImages.map((h) => h.rank)).toEqual([1, 2, 3]);
      expect(body.data!.similarImages.map((h) => h.image.id)).not.toContain(imageId);
    } finally {
      store.getImageRegions = original;
    }
    expect(reads).toBe(0);
  });

  it("renders heatmaps only when asked for, and refuses a request for more than its budget", async () => {
    const runtime = t.app.runtime!;
    const original = runtime.metadata.getThumbnails.bind(runtime.metadata);
    let thumbnailReads = 0;
    runtime.metadata.getThumbnails = async (ids) => {
      thumbnailReads++;
      return original(ids);
    };
    // Eleven words per hit × 24 hits is more heatmaps than one request may render.
    const text = "large left pleural effusion with moderate cardiomegaly and mild edema in both lungs";
    try {
      const maps = await t.graphql<{ searchImages: Hit[] }>(
        `{ searchImages(text: "${text}", first: ${COUNT}) { rank attention { word map } } }`,
        undefined,
        asAdmin(),
      );
      expect(maps.body.errors).toBeUndefined();
      const words = maps.body.data!.searchImages.reduce((n, h) => n + h.attention!.length, 0);
      expect(words).toBeGreaterThan(LIMITS.maxHeatmaps);
      expect(thumbnailReads).toBe(0);

      const heatmaps = await t.graphql(`{ searchImages(text: "${text}", first: ${COUNT}) { rank attention { word heatmap } } }`, undefined, asAdmin());
      expect(heatmaps.body.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" }, message: expect.stringMatching(/at most \d+ heatmaps/) });

      thumbnailReads = 0;
      const few = await t.graphql<{ searchImages: Hit[] }>(
        `{ searchImages(text: "${text}", first: 2) { rank attention { word heatmap } } }`,
        undefined,
        asAdmin(),
      );
      expect(few.body.errors).toBeUndefined();
      for (const hit of few.body.data!.searchImages) for (const w of hit.attention!) expect(w.heatmap).toMatch(/^data:image\/png;base64,/);
      // One thumbnail read per hit, shared by its words.
      expect(thumbnailReads).toBe(2);
    } finally {
      runtime.metadata.getThumbnails = original;
    }
  });
});

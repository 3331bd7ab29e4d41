// Image previews over HTTP with the real stack (tiny model, keys on): the grey JPEG kept at ingestion,
// shrunk to the size asked for and never enlarged, for PNG and DICOM phantoms alike, in the image's
// proportions, matching the source pixels, read for a page of hits in one statement, refused outside
// 16..512 or as an explicit null, priced per image and per aliased copy, behind the read scope, and
// served after the source files are gone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { THUMBNAIL_MAX_SIDE } from "../../src/model/image/image.prepare.ts";
import { LIMITS } from "../../src/services/limits.ts";
import { PRICES } from "../../src/server/request-cost.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 40;
/** Larger than the kept thumbnail, so a preview's bound is the thumbnail's 512 px, not the image's size. */
const BIG = { name: "big-chest.png", width: 700, height: 900 };
/** Low enough that two previews of a hundred images are over it and one is not. */
const MAX_COST = 400;
const DATA_URL = "data:image/jpeg;base64,";

interface Node {
  id: string;
  width: number;
  height: number;
  format: string;
  sourcePath: string;
  thumbnail: string | null;
}

type Body<T> = { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

async function jpeg(dataUrl: string) {
  expect(dataUrl.startsWith(DATA_URL)).toBe(true);
  const bytes = Buffer.from(dataUrl.slice(DATA_URL.length), "base64");
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe("jpeg");
  return { bytes, width: meta.width!, height: meta.height! };
}

/** Mean grey of an image, resized to 64 × 64 first so a preview and its source compare. */
async function meanGrey(input: Buffer | string): Promise<number> {
  const { data } = await sharp(input).greyscale().resize(64, 64, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
  return data.reduce((n, v) => n + v, 0) / data.length;
}

/** The long side of the thumbnail kept at ingestion for an image of this size. */
const storedSide = (node: { width: number; height: number }) => Math.min(THUMBNAIL_MAX_SIDE, Math.max(node.width, node.height));

describe("image previews", () => {
  let t: TestApp;
  let phantoms: string;
  let readKey: string;
  let adminKey: string;
  let statements = 0;
  let counting = false;
  const asReader = () => ({ authorization: `Bearer ${readKey}` });
  const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
  const query = <T>(q: string, headers: Record<string, string> = asReader()) => t.graphql<T>(q, undefined, headers).then((r) => r.body as Body<T>);

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-thumbs-"));
    // Seed 8 gives 30 8-bit PNGs, 6 16-bit PNGs and 4 DICOM files.
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 8, split: "train" });
    const images = path.join(phantoms, "images");
    let eightBit: string | undefined;
    for (const f of fs.readdirSync(images).filter((f) => f.endsWith(".png"))) {
      if ((await sharp(path.join(images, f)).metadata()).depth === "uchar") {
        eightBit = f;
        break;
      }
    }
    fs.mkdirSync(path.join(phantoms, "big"));
    await sharp(path.join(images, eightBit!))
      .greyscale()
      .resize(BIG.width, BIG.height, { fit: "fill" })
      .png()
      .toFile(path.join(phantoms, "big", BIG.name));

    t = await startTestApp(
      { GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms, MAX_REQUEST_COST: String(MAX_COST) },
      { onQuery: (sql) => counting && /image_thumbnails/.test(sql) && statements++ },
    );
    adminKey = (await t.app.services.auth.createKey("admin", ["admin"])).key;
    readKey = (await t.app.services.auth.createKey("reader", ["read"])).key;
    for (const [dataset, dir, count] of [
      ["thumbs", phantoms, COUNT],
      ["big", path.join(phantoms, "big"), 1],
    ] as const) {
      const { body } = await t.graphql<{ ingest: { status: string; ingested: number } }>(
        "mutation($input: IngestInput!) { ingest(input: $input) { status ingested failed } }",
        { input: { dataset, path: dir } },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: count });
    }
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  /** Every image (the phantoms and the big one) with its preview of `size`, as a read key sees them. */
  const page = async (size: number): Promise<Node[]> => {
    const body = await query<{ images: { edges: Array<{ node: Node }> } }>(
      `{ images(first: ${COUNT + 1}) { edges { node { id width height format thumbnail(size: ${size}) } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.images.edges.map((e) => e.node);
    expect(nodes).toHaveLength(COUNT + 1);
    return nodes;
  };

  it("gives every image, PNG and DICOM, a JPEG preview with its long side min(size, kept thumbnail), in its proportions", async () => {
    for (const size of [128, 400, 512]) {
      const nodes = await page(size);
      expect(new Set(nodes.map((n) => n.format)), "a DICOM phantom among them").toContain("dicom");
      expect(
        nodes.some((n) => n.width === BIG.width && n.height === BIG.height),
        "the big image among them",
      ).toBe(true);
      for (const node of nodes) {
        const preview = await jpeg(node.thumbnail!);
        const long = Math.max(preview.width, preview.height);
        expect(long, `${node.format} ${node.width}x${node.height} at ${size}`).toBe(Math.min(size, storedSide(node)));
        // The short side is the image's proportion of the long one, within a pixel.
        const [pw, ph, w, h] =
          node.width >= node.height ? [preview.width, preview.height, node.width, node.height] : [preview.height, preview.width, node.height, node.width];
        expect(pw).toBe(long);
        expect(Math.abs(ph - (long * h) / w)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("shows the source's pixels (8-bit PNGs, which are not windowed)", async () => {
    // Source paths are an admin's to see (relative to the ingestion root).
    const body = await query<{ images: { edges: Array<{ node: Node }> } }>(
      `{ images(first: ${COUNT + 1}) { edges { node { id format sourcePath thumbnail(size: 256) } } } }`,
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    let compared = 0;
    for (const { node } of body.data!.images.edges) {
      if (node.format !== "png") continue;
      const source = path.resolve(phantoms, node.sourcePath);
      if ((await sharp(source).metadata()).depth !== "uchar") continue; // 16-bit phantoms are windowed before the preview is made
      const preview = await jpeg(node.thumbnail!);
      const expected = await sharp(source).greyscale().resize(256, 256, { fit: "inside" }).png().toBuffer();
      expect(Math.abs((await meanGrey(preview.bytes)) - (await meanGrey(expected))), node.sourcePath).toBeLessThan(3);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  });

  it("reads the previews of a page in one statement", async () => {
    statements = 0;
    counting = true;
    try {
      await page(64);
    } finally {
      counting = false;
    }
    expect(statements).toBe(1);
  });

  it("refuses a size outside 16..512, or an explicit null, as BAD_USER_INPUT", async () => {
    const { min, max } = LIMITS.thumbnailSide;
    for (const size of [min - 1, 8, max + 1, 600]) {
      const body = await query(`{ images(first: 1) { edges { node { thumbnail(size: ${size}) } } } }`);
      expect(body.errors?.[0]?.extensions?.code, String(size)).toBe("BAD_USER_INPUT");
      expect(body.errors?.[0]?.message).toContain(`between ${min} and ${max}`);
    }
    const nulled = await query("{ images(first: 1) { edges { node { thumbnail(size: null) } } } }");
    expect(nulled.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(nulled.errors?.[0]?.message).toMatch(/size may be left out but not null/);
    // Left out, the size is the schema's default.
    const defaulted = await query<{ images: { edges: Array<{ node: Node }> } }>(
      `{ images(first: 1, filter: { datasets: ["big"] }) { edges { node { thumbnail } } } }`,
    );
    expect(defaulted.errors).toBeUndefined();
    const preview = await jpeg(defaulted.data!.images.edges[0]!.node.thumbnail!);
    expect(Math.max(preview.width, preview.height)).toBe(256);
  });

  it("prices previews per image and per aliased size, refusing before reading any", async () => {
    const one = await query<{ images: { edges: unknown[] } }>("{ images(first: 100) { edges { node { thumbnail(size: 32) } } } }");
    expect(one.errors).toBeUndefined();
    expect(one.data!.images.edges).toHaveLength(COUNT + 1);

    statements = 0;
    counting = true;
    let two: Body<unknown>;
    try {
      two = await query("{ images(first: 100) { edges { node { small: thumbnail(size: 32) large: thumbnail(size: 256) } } } }");
    } finally {
      counting = false;
    }
    expect(two.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(two.errors?.[0]?.message).toMatch(/MAX_REQUEST_COST/);
    expect(two.data ?? null).toBeNull();
    expect(statements).toBe(0);
    const details = two.errors![0]!.extensions!.details as { cost: number; max: number };
    expect(details.max).toBe(MAX_COST);
    // A root field, a hundred page items, and two previews of each.
    expect(details.cost).toBe(Math.round(PRICES.field + 100 * PRICES.hit + 2 * 100 * PRICES.thumbnail));
  });

  it("needs the read scope, like the rest of an image", async () => {
    const body = await query<{ images: unknown }>("{ images(first: 1) { edges { node { thumbnail } } } }", {});
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(body.data?.images ?? null).toBeNull();
  });

  it("serves previews after the source files are gone", async () => {
    fs.rmSync(path.join(phantoms, "images"), { recursive: true, force: true });
    fs.rmSync(path.join(phantoms, "big"), { recursive: true, force: true });
    const nodes = await page(96);
    for (const node of nodes) {
      const preview = await jpeg(node.thumbnail!);
      expect(Math.max(preview.width, preview.height)).toBe(96);
    }
  });
});

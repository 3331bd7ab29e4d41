// Image previews over HTTP: the grey JPEG kept at ingestion, shrunk to the size asked for, for PNG
// and DICOM phantoms alike, matching the source pixels, served after the source folder is gone, one
// read for a page of hits, refused outside 16..512, and priced per image.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 40;

interface Node {
  id: string;
  width: number;
  height: number;
  format: string;
  sourcePath: string;
  thumbnail: string | null;
}

async function jpeg(dataUrl: string) {
  expect(dataUrl.startsWith("data:image/jpeg;base64,")).toBe(true);
  const bytes = Buffer.from(dataUrl.slice("data:image/jpeg;base64,".length), "base64");
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe("jpeg");
  return { bytes, width: meta.width!, height: meta.height! };
}

/** Mean grey of an image, resized to 64 × 64 first so a preview and its source compare. */
async function meanGrey(input: Buffer | string): Promise<number> {
  const { data } = await sharp(input).greyscale().resize(64, 64, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
  return data.reduce((n, v) => n + v, 0) / data.length;
}

describe("image previews", () => {
  let t: TestApp;
  let phantoms: string;
  let statements = 0;
  let counting = false;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-thumbs-"));
    // Seed 8 gives 30 8-bit PNGs, 6 16-bit PNGs and 4 DICOM files.
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 8, split: "train" });
    t = await startTestApp(
      { GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: phantoms },
      { onQuery: (sql) => counting && /image_thumbnails/.test(sql) && statements++ },
    );
    const { body } = await t.graphql<{ ingest: { ingested: number } }>('mutation($p: String!) { ingest(input: { dataset: "thumbs", path: $p }) { ingested } }', { p: phantoms });
    expect(body.data?.ingest.ingested).toBe(COUNT);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const page = async (size: number) => {
    const { body } = await t.graphql<{ images: { edges: Array<{ node: Node }> } }>(`{ images(first: ${COUNT}) { edges { node { id width height format sourcePath thumbnail(size: ${size}) } } } }`);
    expect(body.errors).toBeUndefined();
    return body.data!.images.edges.map((e) => e.node);
  };

  it("gives every image, PNG and DICOM, a JPEG preview of the size asked for, in its proportions", async () => {
    const nodes = await page(128);
    expect(new Set(nodes.map((n) => n.format)), "a DICOM phantom among them").toContain("dicom");
    for (const node of nodes) {
      const preview = await jpeg(node.thumbnail!);
      expect(Math.max(preview.width, preview.height)).toBe(Math.min(128, Math.max(node.width, node.height)));
      expect(Math.abs(preview.width / preview.height - node.width / node.height)).toBeLessThan(0.02);
    }
  });

  it("shows the source's pixels", async () => {
    const nodes = (await page(256)).filter((n) => n.format === "png").slice(0, 5);
    for (const node of nodes) {
      const preview = await jpeg(node.thumbnail!);
      const source = path.join(phantoms, node.sourcePath);
      const meta = await sharp(source).metadata();
      if (meta.depth !== "uchar") continue; // 16-bit phantoms are windowed before the preview is made
      expect(Math.abs((await meanGrey(preview.bytes)) - (await meanGrey(source)))).toBeLessThan(3);
    }
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

  it("refuses a size outside 16..512, or null", async () => {
    for (const size of ["8", "600", "null"]) {
      const { body } = await t.graphql(`{ images(first: 1) { edges { node { thumbnail(size: ${size}) } } } }`);
      expect(body.errors?.[0]?.extensions?.code, size).toBe("BAD_USER_INPUT");
    }
  });

  it("serves previews after the source files are gone", async () => {
    fs.rmSync(path.join(phantoms, "images"), { recursive: true, force: true });
    const nodes = await page(96);
    expect(nodes.every((n) => n.thumbnail !== null)).toBe(true);
    await jpeg(nodes[0]!.thumbnail!);
  });
});

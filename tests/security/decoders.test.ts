// Hostile query images against a live server: each lying, oversized or truncated file, sent as an
// upload to a search or classification, must come back as its typed error code while /healthz keeps
// answering within the harness's budget — decoding happens in the worker pool, never on the event
// loop — and a file that kills a decode worker must leave the service able to decode the next one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/errors/app-error.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import {
  attributeFlood,
  deflatedBomb,
  dicom,
  greyTiffEntries,
  losslessCut,
  losslessDicom,
  losslessFrame,
  losslessWithSof,
  pngLyingHeader,
  realJpeg,
  realPng,
  SYNTAX,
  tiff,
  withSofSize,
} from "../unit/image/hostile-images.ts";
import { whileHealthy } from "./harness.ts";

/** 16 Mi: a deflate cap of 2 × 16 Mi + 4 MiB, and a worker heap limit of 96 + 16 = 112 MiB. */
const MAX_IMAGE_PIXELS = 16 * 1024 * 1024;

type GraphQLReply = { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };

describe("hostile query images", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH: "off", GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", MAX_IMAGE_PIXELS: String(MAX_IMAGE_PIXELS) });
  });
  afterAll(() => t.stop());

  /** Sends `bytes` as a multipart upload to `field` while /healthz is watched; returns the reply. */
  async function send(bytes: Uint8Array, field: "similarImages" | "classify" = "similarImages"): Promise<GraphQLReply> {
    const query =
      field === "similarImages"
        ? "query($f: Upload!) { similarImages(image: { upload: $f }, first: 3) { rank score } }"
        : "query($f: Upload!) { classify(images: [{ upload: $f }], normalization: NONE) { predicted } }";
    const { result } = await whileHealthy(t.app.url, async () => {
      const body = new FormData();
      body.append("operations", JSON.stringify({ query, variables: { f: null } }));
      body.append("map", JSON.stringify({ 0: ["variables.f"] }));
      body.append("0", new Blob([bytes]), "image");
      const res = await fetch(`${t.app.url}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body });
      return (await res.json()) as GraphQLReply;
    });
    return result;
  }

  async function expectRefused(bytes: Uint8Array, code: ErrorCode, field?: "similarImages" | "classify"): Promise<void> {
    const reply = await send(bytes, field);
    expect(reply.errors?.[0]?.extensions?.code, JSON.stringify(reply.errors)).toBe(code);
  }

  it("answers an honest upload (the baseline the attacks are measured against)", async () => {
    const reply = await send(await realPng());
    expect(reply.errors).toBeUndefined();
  });

  it("PNG: an IHDR claiming 100000×100000", async () => {
    await expectRefused(pngLyingHeader(100_000, 100_000), "PAYLOAD_TOO_LARGE");
  });

  it("PNG: an IHDR within the limit over far too little image data", async () => {
    await expectRefused(pngLyingHeader(4000, 4000), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("PNG: a file cut before its end chunk", async () => {
    const png = await realPng();
    await expectRefused(png.subarray(0, png.length - 12), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("JPEG: a SOF claiming 65535×65535", async () => {
    await expectRefused(withSofSize(await realJpeg(), 65_535, 65_535), "PAYLOAD_TOO_LARGE");
  });

  it("JPEG: a SOF within the limit over a scan far too short for it", async () => {
    await expectRefused(withSofSize(await realJpeg(), 4000, 4000), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("JPEG: a scan cut short, sent to classify", async () => {
    const jpeg = await realJpeg();
    await expectRefused(new Uint8Array([...jpeg.subarray(0, Math.floor(jpeg.length * 0.7)), 0xff, 0xd9]), "UNSUPPORTED_MEDIA_TYPE", "classify");
  });

  it("TIFF: a directory claiming 100000×100000", async () => {
    await expectRefused(tiff(greyTiffEntries(100_000, 100_000, { offset: 8, bytes: 256 }), new Uint8Array(256)), "PAYLOAD_TOO_LARGE");
  });

  it("TIFF: a strip of 4 GB in a file of a few hundred bytes", async () => {
    await expectRefused(tiff(greyTiffEntries(16, 16, { offset: 8, bytes: 0xfffffff0 }), new Uint8Array(256)), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("DICOM native: Rows × Columns of 65535 × 65535", async () => {
    await expectRefused(dicom({ rows: 65_535, columns: 65_535, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
  });

  it("DICOM native: 2000 × 2000 × 10 frames announced over 64 bytes", async () => {
    await expectRefused(dicom({ rows: 2000, columns: 2000, frames: 10, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
  });

  it("DICOM native: pixel data far shorter than Rows × Columns", async () => {
    await expectRefused(dicom({ rows: 3000, columns: 3000, pixels: new Uint8Array(100) }), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("DICOM deflated: a data set inflating past the cap (deflate bomb)", async () => {
    const bomb = deflatedBomb(2 * MAX_IMAGE_PIXELS + 8 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(256 * 1024);
    await expectRefused(bomb, "PAYLOAD_TOO_LARGE");
  });

  it("DICOM deflated: an inflated header claiming 65535 × 65535", async () => {
    await expectRefused(dicom({ rows: 65_535, columns: 65_535, syntax: SYNTAX.deflated, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
  });

  it("DICOM RLE: a frame far too short for Rows × Columns", async () => {
    const frame = new Uint8Array(128);
    new DataView(frame.buffer).setUint32(0, 2, true);
    new DataView(frame.buffer).setUint32(4, 64, true);
    new DataView(frame.buffer).setUint32(8, 96, true);
    await expectRefused(dicom({ rows: 4000, columns: 4000, syntax: SYNTAX.rle, pixels: { frames: [frame] } }), "UNSUPPORTED_MEDIA_TYPE");
  });

  describe("DICOM lossless JPEG", () => {
    const { frame, rows, columns } = losslessFrame();

    it("a SOF claiming 65535 × 65535 under a small DICOM header", async () => {
      await expectRefused(losslessDicom(losslessWithSof(frame, 65_535, 65_535), rows, columns), "UNSUPPORTED_MEDIA_TYPE");
    });

    it("a SOF and header agreeing on 4000 × 4000 over a kilobyte of data", async () => {
      await expectRefused(losslessDicom(losslessWithSof(frame, 4000, 4000), 4000, 4000), "UNSUPPORTED_MEDIA_TYPE");
    });

    it("data that ends before the image does", async () => {
      await expectRefused(losslessDicom(losslessCut(frame, 0.6), rows, columns), "UNSUPPORTED_MEDIA_TYPE");
    });
  });

  it("a header built to exhaust the decoder's heap costs a worker, not the service", async () => {
    // 800,000 empty attributes: 6.4 MB on the wire, ~190 MB of parser objects, over the 112 MiB limit.
    await expectRefused(attributeFlood(800_000), "BAD_USER_INPUT");
    const after = await send(await realPng());
    expect(after.errors).toBeUndefined();
  });
});

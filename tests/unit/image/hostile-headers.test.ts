// Headers that lie, in every format we read: each must be refused with a typed AppError from its
// header and length alone, before any buffer of the announced size exists — a 1 KB file must not
// be able to make the decoder allocate gigabytes, nor read past the end of its data.
import { describe, expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../../src/errors/app-error.ts";
import { maxInflatedBytes } from "../../../src/model/image/dicom.decode.ts";
import { decodeImage, type DecodeOptions } from "../../../src/model/image/image.decode.ts";
import {
  deflatedBomb,
  dicom,
  greyTiffEntries,
  losslessCut,
  losslessDicom,
  losslessFrame,
  losslessWithSof,
  pngLyingHeader,
  realDicom,
  realJpeg,
  realPng,
  SYNTAX,
  tiff,
  withSofSize,
} from "./hostile-images.ts";

/** Far below any announced size here: whatever the decoder keeps in ArrayBuffers while refusing. */
const SMALL_ALLOCATION = 32 * 1024 * 1024;

async function refused(bytes: Uint8Array, code: ErrorCode, message?: RegExp, options?: DecodeOptions): Promise<AppError> {
  const before = process.memoryUsage().arrayBuffers;
  let error: unknown;
  try {
    await decodeImage(bytes, options);
  } catch (caught) {
    error = caught;
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  expect(error, "the decoder accepted the file").toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code, appError.message).toBe(code);
  if (message) expect(appError.message).toMatch(message);
  expect(grown, `ArrayBuffers grew by ${grown} bytes`).toBeLessThan(SMALL_ALLOCATION);
  return appError;
}

describe("PNG headers that lie", () => {
  it("refuses an IHDR claiming 100000×100000", async () => {
    const error = await refused(pngLyingHeader(100_000, 100_000), "PAYLOAD_TOO_LARGE");
    expect(error.details).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it("refuses an IHDR within the limit whose image data is far too short for it", async () => {
    await refused(pngLyingHeader(7000, 7000), "UNSUPPORTED_MEDIA_TYPE", /too short/);
  });

  it("refuses a PNG cut inside its image data, and one cut only before IEND", async () => {
    const png = await realPng();
    await refused(png.subarray(0, Math.floor(png.length / 2)), "UNSUPPORTED_MEDIA_TYPE", /truncated/);
    await refused(png.subarray(0, png.length - 12), "UNSUPPORTED_MEDIA_TYPE", /truncated/);
    expect((await decodeImage(png)).width).toBe(96);
  });
});

describe("JPEG headers that lie", () => {
  it("refuses a SOF claiming 65535×65535", async () => {
    await refused(withSofSize(await realJpeg(), 65_535, 65_535), "PAYLOAD_TOO_LARGE");
  });

  it("refuses a SOF within the limit whose scan is far too short for it", async () => {
    await refused(withSofSize(await realJpeg(), 7000, 7000), "UNSUPPORTED_MEDIA_TYPE", /too short/);
  });

  it("refuses a JPEG cut inside its scan", async () => {
    const jpeg = await realJpeg();
    const cut = new Uint8Array([...jpeg.subarray(0, Math.floor(jpeg.length * 0.7)), 0xff, 0xd9]);
    await refused(cut, "UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("TIFF headers that lie", () => {
  const pixels = new Uint8Array(16 * 16).fill(90);

  it("reads an honest strip image", async () => {
    const d = await decodeImage(tiff(greyTiffEntries(16, 16, { offset: 8, bytes: 256 }), pixels));
    expect([d.width, d.height, d.gray[0]]).toEqual([16, 16, 90]);
  });

  it("refuses an image directory claiming 100000×100000", async () => {
    await refused(tiff(greyTiffEntries(100_000, 100_000, { offset: 8, bytes: 256 }), pixels), "PAYLOAD_TOO_LARGE");
  });

  it("refuses a strip whose byte count runs gigabytes past the end of the file", async () => {
    await refused(tiff(greyTiffEntries(16, 16, { offset: 8, bytes: 0xfffffff0 }), pixels), "UNSUPPORTED_MEDIA_TYPE", /strip 0 runs past the end/);
  });

  it("refuses uncompressed strips shorter than the image", async () => {
    await refused(tiff(greyTiffEntries(4000, 4000, { offset: 8, bytes: 256 }), pixels), "UNSUPPORTED_MEDIA_TYPE", /shorter than the image/);
  });

  it("refuses tiles larger than the image limit", async () => {
    const entries = greyTiffEntries(16, 16, { offset: 8, bytes: 256 }).filter((e) => ![273, 278, 279].includes(e.tag));
    entries.push(
      { tag: 322, type: 4, values: [65_536] },
      { tag: 323, type: 4, values: [65_536] },
      { tag: 324, type: 4, values: [8] },
      { tag: 325, type: 4, values: [256] },
    );
    await refused(tiff(entries, pixels), "UNSUPPORTED_MEDIA_TYPE", /tiles are larger/);
  });
});

describe("native DICOM headers that lie", () => {
  it("reads an honest file", async () => {
    expect((await decodeImage(realDicom())).width).toBe(64);
  });

  it("refuses Rows × Columns beyond the limit", async () => {
    await refused(dicom({ rows: 65_535, columns: 65_535, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
  });

  it("counts every frame and sample against the limit", async () => {
    const error = await refused(dicom({ rows: 4000, columns: 4000, frames: 10, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
    expect(error.details).toMatchObject({ rows: 4000, columns: 4000, numberOfFrames: 10 });
    await refused(
      dicom({ rows: 20, columns: 20, samplesPerPixel: 3, photometric: "RGB", bitsAllocated: 8, pixels: new Uint8Array(1200) }),
      "PAYLOAD_TOO_LARGE",
      undefined,
      { maxPixels: 1000 },
    );
  });

  it("refuses pixel data shorter than Rows × Columns × SamplesPerPixel", async () => {
    await refused(dicom({ rows: 4000, columns: 4000, pixels: new Uint8Array(100) }), "UNSUPPORTED_MEDIA_TYPE", /shorter/);
  });

  it("refuses an RLE frame too short to hold the image", async () => {
    const frame = new Uint8Array(128);
    new DataView(frame.buffer).setUint32(0, 2, true);
    new DataView(frame.buffer).setUint32(4, 64, true);
    new DataView(frame.buffer).setUint32(8, 96, true);
    await refused(dicom({ rows: 7000, columns: 7000, syntax: SYNTAX.rle, pixels: { frames: [frame] } }), "UNSUPPORTED_MEDIA_TYPE", /too short/);
  });

  it("refuses a JPEG baseline frame whose SOF disagrees with Rows/Columns", async () => {
    const frame = withSofSize(await realJpeg(), 7000, 7000);
    await refused(
      dicom({ rows: 80, columns: 96, bitsAllocated: 8, syntax: "1.2.840.10008.1.2.4.50", pixels: { frames: [frame] } }),
      "UNSUPPORTED_MEDIA_TYPE",
      /DICOM header says 96×80/,
    );
  });
});

describe("deflated DICOM", () => {
  it("inflates within the cap: the most pixel data allowed plus a header margin", async () => {
    expect(maxInflatedBytes(1000)).toBe(2000 + 4 * 1024 * 1024);
    expect((await decodeImage(deflatedBomb(64 * 1024))).width).toBe(8);
  });

  it("refuses a data set that inflates past the cap (deflate bomb)", async () => {
    const bomb = deflatedBomb(8 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await refused(bomb, "PAYLOAD_TOO_LARGE", /inflates beyond/, { maxPixels: 1000 });
  });

  it("refuses an inflated header claiming Rows × Columns beyond the limit", async () => {
    await refused(dicom({ rows: 65_535, columns: 65_535, syntax: SYNTAX.deflated, pixels: new Uint8Array(64) }), "PAYLOAD_TOO_LARGE");
  });
});

describe("lossless JPEG in DICOM", () => {
  const { frame, rows, columns } = losslessFrame();

  it("reads the honest frame", async () => {
    expect((await decodeImage(losslessDicom(frame, rows, columns))).width).toBe(columns);
  });

  it("refuses a SOF whose size disagrees with the DICOM header, before decoding", async () => {
    const error = await refused(losslessDicom(losslessWithSof(frame, 65_535, 65_535), rows, columns), "UNSUPPORTED_MEDIA_TYPE", /header says/);
    expect(error.details).toMatchObject({ frame: [65_535, 65_535, 1], header: [columns, rows, 1] });
  });

  it("refuses a SOF whose component count disagrees with SamplesPerPixel", async () => {
    await refused(losslessDicom(losslessWithSof(frame, rows, columns, 3), rows, columns), "UNSUPPORTED_MEDIA_TYPE", /header says/);
  });

  it("refuses a SOF and header that agree on a size the data cannot hold", async () => {
    await refused(losslessDicom(losslessWithSof(frame, 7000, 7000), 7000, 7000), "UNSUPPORTED_MEDIA_TYPE", /ends before the image/);
  });

  it("refuses a SOF and header that agree on a size beyond the limit", async () => {
    await refused(losslessDicom(losslessWithSof(frame, rows, columns), rows, columns), "PAYLOAD_TOO_LARGE", undefined, { maxPixels: 100 });
  });

  it("stops with an error where the data ends instead of reading past it", async () => {
    for (const keep of [0.4, 0.8, 0.98]) {
      await refused(losslessDicom(losslessCut(frame, keep), rows, columns), "UNSUPPORTED_MEDIA_TYPE", /ends before the image/);
    }
  });
});

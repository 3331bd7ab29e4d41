// The codec layer's own header checks (src/model/image/dicom.codecs.ts): a compressed frame whose
// header disagrees with the DICOM header, or announces more than the pixel limit, is refused before
// the WebAssembly codec decodes anything.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { decodeJpeg2000, decodeJpegLs, j2kHeader, jpegLsHeader } from "../../../src/model/image/dicom.codecs.ts";

/** SOC + SIZ of a one-tile codestream, then EOC: enough header for the checks, no image data. */
function codestream(width: number, height: number, components: number, bits = 12, signed = false): Uint8Array {
  const siz = new Uint8Array(2 + 38 + 3 * components);
  const view = new DataView(siz.buffer);
  view.setUint16(0, 38 + 3 * components); // Lsiz
  view.setUint32(4, width);
  view.setUint32(8, height);
  view.setUint32(20, width); // one tile
  view.setUint32(24, height);
  view.setUint16(36, components);
  for (let c = 0; c < components; c++) siz.set([(signed ? 0x80 : 0) | (bits - 1), 1, 1], 38 + 3 * c);
  return Uint8Array.from([0xff, 0x4f, 0xff, 0x51, ...siz.subarray(0, siz.length), 0xff, 0xd9]);
}

/** SOI + SOF55 (JPEG-LS) + EOI. */
function jpegLs(width: number, height: number, components: number, bits = 12): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xf7,
    0,
    8 + 3 * components,
    bits,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    components,
    ...Array(3 * components).fill(1),
    0xff,
    0xd9,
  ]);
}

async function refusal(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("accepted");
}

describe("compressed frame headers", () => {
  it("are read from the codestream: size, components, precision and sign", () => {
    expect(j2kHeader(codestream(2048, 2500, 1, 16, true))).toEqual({ width: 2048, height: 2500, componentCount: 1, bitsPerSample: 16, isSigned: true });
    // Inside a JP2 box, after some bytes.
    expect(j2kHeader(Uint8Array.from([0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, ...codestream(10, 20, 3, 8)]))).toMatchObject({
      width: 10,
      height: 20,
      componentCount: 3,
    });
    expect(jpegLsHeader(jpegLs(300, 200, 1))).toEqual({ width: 300, height: 200, componentCount: 1, bitsPerSample: 12 });
  });

  it("refuse a frame that disagrees with the DICOM header before decoding", async () => {
    const expect1 = { width: 64, height: 64, components: 1, maxPixels: 1_000_000 };
    expect((await refusal(decodeJpeg2000(codestream(60_000, 60_000, 1), expect1))).message).toMatch(/60000×60000×1, but the DICOM header says 64×64×1/);
    expect((await refusal(decodeJpegLs(jpegLs(65_000, 65_000, 3), expect1))).message).toMatch(/65000×65000×3/);
    expect((await refusal(decodeJpeg2000(Uint8Array.from([1, 2, 3, 4]), expect1))).message).toMatch(/no codestream/);
    expect((await refusal(decodeJpegLs(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), expect1))).message).toMatch(/no start-of-frame/);
  });

  it("refuse a frame the pixel limit does not allow, whatever it says", async () => {
    const error = await refusal(decodeJpeg2000(codestream(4000, 4000, 1), { width: 4000, height: 4000, components: 1, maxPixels: 1_000_000 }));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuse a frame whose header agrees but whose data is missing as corrupt, typed", async () => {
    const error = await refusal(decodeJpeg2000(codestream(64, 64, 1), { width: 64, height: 64, components: 1, maxPixels: 1_000_000 }));
    expect(error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

// Decoding to grey: PNG/JPEG/TIFF must give cv2.imread(path, IMREAD_GRAYSCALE)'s bytes, DICOM the
// pydicom/numpy reference mappings (tools/goldens/preprocess_goldens.py); bad input must fail with
// typed AppErrors, never raw library errors.
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { decodeImage, detectImageFormat, type DecodeOptions } from "../../../src/model/image/image.decode.ts";
import { preprocessGray } from "../../../src/model/image/image.preprocess.ts";
import { fixture, goldens } from "./goldens.ts";
import { sha256 } from "./synthetic-image.ts";

async function decodeError(bytes: Uint8Array, options?: DecodeOptions): Promise<AppError> {
  try {
    await decodeImage(bytes, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected decodeImage to fail");
}

/** A PNG whose IHDR claims width×height, with a valid CRC but no image data. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const idat = deflateSync(Buffer.alloc(16));
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]),
  );
}

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

describe("decodeImage: PNG, JPEG, TIFF", () => {
  const exactFiles = goldens.images;

  for (const g of exactFiles) {
    it(`gives cv2's grey bytes for ${g.file}`, async () => {
      const d = await decodeImage(fixture(g.file));
      expect([d.width, d.height]).toEqual([g.width, g.height]);
      expect(d.source.matchesOpenCv).toBe(true);
      expect(sha256(d.gray)).toBe(g.graySha256);
    });
  }

  it("applies the EXIF orientation as cv2 does", async () => {
    const d = await decodeImage(fixture("orient6.jpg"));
    expect([d.width, d.height]).toEqual([40, 60]);
  });

  it("reports bit depth and colour model", async () => {
    expect((await decodeImage(fixture("gray16.png"))).bitDepth).toBe(16);
    expect((await decodeImage(fixture("gray16.tif"))).bitDepth).toBe(16);
    const rgb = await decodeImage(fixture("rgb8.png"));
    expect(rgb.source).toMatchObject({ format: "png", colour: "rgb" });
    expect((await decodeImage(fixture("palette.png"))).source.colour).toBe("palette");
    expect((await decodeImage(fixture("cmyk.jpg"))).source.colour).toBe("cmyk");
  });

  it("feeds the reference preprocessing: decode + preprocess of a 390×320 PNG equals process_img", async () => {
    const g = goldens.images.find((x) => x.preprocess)!;
    const d = await decodeImage(fixture(g.file));
    const { pixels, cropped, geometry } = preprocessGray(d.gray, d.width, d.height);
    expect([geometry.resizedWidth, geometry.resizedHeight]).toEqual(g.preprocess!.resized);
    expect(sha256(cropped)).toBe(g.preprocess!.croppedSha256);
    expect(sha256(pixels)).toBe(g.preprocess!.pixelsSha256);
  });
});

describe("decodeImage: DICOM", () => {
  for (const g of goldens.dicom) {
    const modes = (["window", "minmax", "rsna"] as const).filter((m) => g.expected[m]);
    if (g.expected.gray) {
      it(`converts colour ${g.file} to OpenCV's luma`, async () => {
        const d = await decodeImage(fixture(g.file));
        expect(sha256(d.gray)).toBe(g.expected.gray);
      });
    }
    for (const mode of modes) {
      it(`maps ${g.file} (${g.photometric}, ${g.transferSyntaxUid}) with "${mode}" scaling`, async () => {
        const d = await decodeImage(fixture(g.file), { dicomScaling: mode });
        expect([d.width, d.height]).toEqual([g.width, g.height]);
        expect(d.source.format).toBe("dicom");
        expect(d.source.dicom?.transferSyntaxUid).toBe(g.transferSyntaxUid);
        expect(sha256(d.gray)).toBe(g.expected[mode]);
      });
    }
  }

  it("returns non-identifying metadata only", async () => {
    const d = await decodeImage(fixture("mono2_u16_rescale_window.dcm"));
    const info = d.source.dicom!;
    expect(info).toMatchObject({
      modality: "DX",
      viewPosition: "PA",
      bodyPartExamined: "CHEST",
      photometricInterpretation: "MONOCHROME2",
      bitsAllocated: 16,
      bitsStored: 12,
      rescaleSlope: 2,
      rescaleIntercept: -1024,
      window: { center: 1500, width: 3000, function: "LINEAR" },
      studyInstanceUid: "1.2.826.0.1.3680043.8.498.2",
    });
    expect(d.bitDepth).toBe(12);
    expect(JSON.stringify(info)).not.toMatch(/Phantom|SYNTH-001/);
  });

  it("uses the first of several windows and reports the frame count", async () => {
    const w = await decodeImage(fixture("mono1_u16_two_windows.dcm"));
    expect(w.source.dicom?.window).toMatchObject({ center: 2048, width: 4096 });
    const f = await decodeImage(fixture("mono2_u16_two_frames.dcm"));
    expect(f.source.dicom?.numberOfFrames).toBe(2);
  });

  it("refuses a JPEG 2000 frame that holds no codestream with UNSUPPORTED_MEDIA_TYPE, naming the format", async () => {
    const err = await decodeError(fixture("unsupported_jpeg2000.dcm"));
    expect(err.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(err.message).toMatch(/JPEG 2000/);
  });

  it("refuses a deflated data set that inflates past the cap (deflate bomb)", async () => {
    // 21 KB on disk, 20 MiB inflated; the cap for maxPixels 1000 is 2000 bytes + the 4 MiB header margin.
    const err = await decodeError(fixture("deflate_bomb.dcm"), { maxPixels: 1000 });
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    const ok = await decodeImage(fixture("deflate_bomb.dcm"));
    expect([ok.width, ok.height]).toEqual([8, 8]);
  });
});

describe("decodeImage: bad input", () => {
  it("detects formats by magic bytes", () => {
    expect(detectImageFormat(fixture("gray.jpg"))).toBe("jpeg");
    expect(detectImageFormat(fixture("rgb8.png"))).toBe("png");
    expect(detectImageFormat(fixture("gray8.tif"))).toBe("tiff");
    // This file's preamble starts with a TIFF header; the "DICM" prefix decides.
    expect(detectImageFormat(fixture("mono2_u8_no_window.dcm"))).toBe("dicom");
    expect(detectImageFormat(fixture("no_preamble_implicit.dcm"))).toBe("dicom");
    expect(detectImageFormat(new TextEncoder().encode("GIF89a......"))).toBeUndefined();
  });

  it("rejects an empty file", async () => {
    expect((await decodeError(new Uint8Array(0))).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("rejects random bytes", async () => {
    const random = new Uint8Array(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    expect((await decodeError(random)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  for (const file of [
    "gray8_tall_390x320.png",
    "gray.jpg",
    "gray8.tif",
    "mono2_u16_rescale_window.dcm",
    "mono2_u16_rle.dcm",
    "mono2_u16_jpeg_lossless_sv1.dcm",
    "mono2_u16_deflated.dcm",
  ]) {
    it(`rejects a truncated ${file} with UNSUPPORTED_MEDIA_TYPE`, async () => {
      const bytes = fixture(file);
      const err = await decodeError(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      expect(err.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(err.message).not.toMatch(/vips|sharp|dicomParser/i);
    });
  }

  it("refuses a PNG whose header claims 100000×100000 before decoding anything", async () => {
    const err = await decodeError(pngHeaderOnly(100_000, 100_000));
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.details).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it("honours a configured pixel cap for every format", async () => {
    for (const file of ["gray8_tall_390x320.png", "gray.jpg", "gray8.tif", "mono2_u16_rescale_window.dcm", "mono2_u16_jpeg_lossless_sv1.dcm"]) {
      const err = await decodeError(fixture(file), { maxPixels: 1000 });
      expect(err.code, file).toBe("PAYLOAD_TOO_LARGE");
    }
  });

  it("refuses a DICOM file whose pixel data is shorter than Rows × Columns", async () => {
    const bytes = fixture("mono2_u8_no_window.dcm");
    const err = await decodeError(bytes.subarray(0, bytes.length - 100));
    expect(err.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

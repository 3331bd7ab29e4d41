// What preparing an image gives besides the encoder's input: the thumbnail ingestion keeps, made only
// when asked for (a query image needs none), at most 512 px on the long side and the same picture.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { prepareImage, THUMBNAIL_MAX_SIDE } from "../../../src/model/image/image.prepare.ts";
import { synthetic } from "./synthetic-image.ts";

const SIZES = { resize: 256, crop: 224 };

async function png(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(Buffer.from(synthetic(width, height, 3, "xray")), { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer(),
  );
}

describe("prepareImage", () => {
  it("makes no thumbnail unless asked", async () => {
    expect((await prepareImage(await png(300, 360), SIZES)).thumbnail).toBeUndefined();
  });

  it("makes a grey JPEG thumbnail of at most 512 px, with the image's aspect ratio", async () => {
    const prepared = await prepareImage(await png(1200, 1500), SIZES, { thumbnail: true });
    const thumbnail = prepared.thumbnail!;
    expect({ width: thumbnail.width, height: thumbnail.height, format: thumbnail.format }).toEqual({ width: 410, height: THUMBNAIL_MAX_SIDE, format: "jpeg" });
    const meta = await sharp(Buffer.from(thumbnail.bytes)).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height, channels: meta.channels }).toEqual({
      format: "jpeg",
      width: 410,
      height: 512,
      channels: 1,
    });
  });

  it("keeps a small image at its size", async () => {
    const thumbnail = (await prepareImage(await png(300, 360), SIZES, { thumbnail: true })).thumbnail!;
    expect([thumbnail.width, thumbnail.height]).toEqual([300, 360]);
  });
});

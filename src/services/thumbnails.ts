// Previews of stored images for pages and portals: the grey JPEG kept at ingestion (long side at most
// 512 px, from the decoded and windowed pixels), shrunk to the size asked for (its bound is
// LIMITS.thumbnailSide, checked by the resolver). The source file is never read.
import sharp from "sharp";
import type { Thumbnail } from "../stores/metadata/metadata-store.port.ts";

/** A JPEG data URL of the thumbnail with its long side at most `size` (never enlarged). */
export async function previewDataUrl(thumbnail: Thumbnail, size: number): Promise<string> {
  const long = Math.max(thumbnail.width, thumbnail.height);
  const bytes =
    long <= size
      ? Buffer.from(thumbnail.bytes.buffer, thumbnail.bytes.byteOffset, thumbnail.bytes.byteLength)
      : await sharp(thumbnail.bytes).resize({ width: size, height: size, fit: "inside", withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
  return `data:image/jpeg;base64,${bytes.toString("base64")}`;
}

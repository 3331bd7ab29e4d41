// Packing K images' features into the contiguous [K, D] / [K, D, M] buffers one local-similarity run
// takes, and viewing a packed batch per image. Pure: copies and views, no maths.
import type { ImageFeatureBatch, ImageFeatures } from "../model.port.ts";

/** Copies K images' features into one batch (what a feature store can also fill directly). */
export function packImageFeatures(images: readonly ImageFeatures[], dim: number, regions: number): ImageFeatureBatch {
  const global = new Float32Array(images.length * dim);
  const local = new Float32Array(images.length * dim * regions);
  images.forEach((image, k) => {
    if (image.global.length !== dim || image.local.length !== dim * regions) {
      throw new RangeError(`image ${k} has features of ${image.global.length}/${image.local.length} values, expected ${dim}/${dim * regions}`);
    }
    global.set(image.global, k * dim);
    local.set(image.local, k * dim * regions);
  });
  return { count: images.length, global, local };
}

/** The per-image global vectors of a batch, as views (no copy). */
export function batchGlobals(batch: ImageFeatureBatch, dim: number): Float32Array[] {
  return Array.from({ length: batch.count }, (_, k) => batch.global.subarray(k * dim, (k + 1) * dim));
}

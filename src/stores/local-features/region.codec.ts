// What a local feature store gives back for region features written in each encoding: float32 as
// written, float16 rounded to the nearest half, int8 quantised per region vector. Pure; lets an
// evaluation score exactly the values a store of that encoding would serve.
import { decodeFloat16, encodeFloat16 } from "./float16.codec.ts";
import { dequantizeRegions, quantizeRegions } from "./int8.codec.ts";

export type RegionEncoding = "float32" | "float16" | "int8";

/** Channels-first regions [D, M] after a round trip through `encoding`. */
export function asStored(regions: Float32Array, dim: number, regionCount: number, encoding: RegionEncoding): Float32Array {
  if (encoding === "float32") return regions;
  if (encoding === "float16") return decodeFloat16(encodeFloat16(regions));
  const q = new Int8Array(dim * regionCount);
  const scales = new Float32Array(regionCount);
  quantizeRegions(regions, dim, regionCount, q, scales);
  return dequantizeRegions(q, scales, dim, regionCount);
}

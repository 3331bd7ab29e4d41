// Packing images' region features into the RegionBlock the re-ranking reads ([K, D, M], request
// order, misses and duplicates dropped). Pure; shared by the adapters that do not keep a packed form.
import { AppError } from "../../errors/app-error.ts";
import { encodeFloat16 } from "./float16.codec.ts";
import type { ImageRegionFeatures, RegionBlock } from "./local-feature-store.port.ts";
import { checkItemId } from "./local-features.validate.ts";

/** The request ids, checked and lower-cased, each once, in the order first asked for. */
export function uniqueIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw new AppError("BAD_USER_INPUT", "Local features are asked for by a list of ids");
  return [...new Set(ids.map(checkItemId))];
}

export function emptyBlock(encoding: RegionBlock["encoding"]): RegionBlock {
  return encoding === "int8"
    ? { ids: [], dim: 0, grid: [0, 0], encoding, data: new Int8Array(0), scales: new Float32Array(0) }
    : { ids: [], dim: 0, grid: [0, 0], encoding, data: new Uint16Array(0) };
}

/** One block holds one shape; a model's images always share it, so a mix is a store fault. */
export function checkSameShape(ids: readonly string[], shapes: readonly { dim: number; grid: readonly [number, number] }[]): void {
  const [first] = shapes;
  shapes.forEach((s, i) => {
    if (s.dim !== first.dim || s.grid[0] !== first.grid[0] || s.grid[1] !== first.grid[1]) {
      throw new AppError(
        "STORE_UNAVAILABLE",
        `Local features of ${ids[i]} have shape [${s.dim}, ${s.grid.join("×")}], unlike the others [${first.dim}, ${first.grid.join("×")}]`,
        {
          expected: false,
        },
      );
    }
  });
}

/** float32 features (in `found`) encoded as half bits and packed in the order of `ids`. */
export function packFloat16Block(ids: readonly string[], found: ReadonlyMap<string, ImageRegionFeatures>): RegionBlock {
  const present = ids.filter((id) => found.has(id));
  if (present.length === 0) return emptyBlock("float16");
  const features = present.map((id) => found.get(id) as ImageRegionFeatures);
  checkSameShape(present, features);
  const { dim, grid } = features[0];
  const size = dim * grid[0] * grid[1];
  const data = new Uint16Array(present.length * size);
  const bytes = new Uint8Array(data.buffer);
  features.forEach((f, k) => bytes.set(encodeFloat16(f.regions), k * size * 2));
  return { ids: present, dim, grid: [grid[0], grid[1]], encoding: "float16", data };
}

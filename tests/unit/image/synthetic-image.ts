// Test helper: the synthetic grey images of tools/goldens/preprocess_goldens.py::synthetic, rebuilt
// bit for bit so goldens for them need only sizes and digests. Keep the two in step.
import { createHash } from "node:crypto";

export type SyntheticMode = "noise" | "ties" | "smooth" | "xray";

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** uint8 row-major [height, width], the same bytes as the Python generator. */
export function synthetic(width: number, height: number, seed: number, mode: SyntheticMode): Uint8Array {
  const out = new Uint8Array(width * height);
  const seedTerm = Math.imul(seed, 0xc2b2ae3d);
  const cx = Math.floor(width / 2);
  const cy = Math.floor(height / 2);
  const rad = Math.max(Math.floor(Math.min(width, height) / 3), 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const h = mix((Math.imul(x, 0x9e3779b1) + Math.imul(y, 0x85ebca77) + seedTerm) | 0);
      let v: number;
      switch (mode) {
        case "noise":
          v = h & 255;
          break;
        case "ties":
          v = 126 + (h & 3);
          break;
        case "smooth":
          v = Math.floor((Math.floor((x * 255) / Math.max(width - 1, 1)) + Math.floor((y * 255) / Math.max(height - 1, 1))) / 2) + (h & 7) - 3;
          break;
        case "xray": {
          const r2 = (x - cx) ** 2 + (y - cy) ** 2;
          const base = 20 + Math.floor((y * 60) / Math.max(height, 1));
          v = (r2 < rad * rad ? 200 - Math.floor((r2 * 80) / (rad * rad)) : base) + (h & 15) - 8;
          break;
        }
      }
      out[y * width + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

export function sha256(data: ArrayBufferView): string {
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

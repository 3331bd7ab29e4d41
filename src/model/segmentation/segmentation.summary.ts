// What a segmentation map says about one class, as numbers: the fraction of the image at or above a
// threshold, the bounding box of that part in the original image's pixels, and the largest
// probability. Pure maths on one S×S probability map (row-major, cell (i, j) at j·S + i).
//
// Geometry (docs/segmentation.md): the whole image was stretched to S×S, so each cell covers the same
// area of the original, W/S × H/S pixels. An original pixel belongs to the cell its centre falls in
// (nearest stretch back); the masks are drawn with the same rule (segmentation.mask.ts), so a mask's
// pixels all lie inside the box.
import { AppError } from "../../errors/app-error.ts";

/** A rectangle of the original image in whole pixels: left, top, width and height. */
export interface SegmentationBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ClassSummary {
  /** Cells at or above the threshold over all S² cells: the fraction of the image's area, in [0, 1]. */
  areaFraction: number;
  /** The smallest rectangle of original pixels holding every pixel at or above the threshold; null when none is. */
  bbox: SegmentationBox | null;
  /** The largest probability of the map, in [0, 1]. */
  maxProbability: number;
}

/** Refuses a threshold that is not strictly between 0 and 1 (BAD_USER_INPUT, field `threshold`). */
export function checkThreshold(threshold: number): number {
  if (!(Number.isFinite(threshold) && threshold > 0 && threshold < 1)) {
    throw new AppError("BAD_USER_INPUT", `threshold must be strictly between 0 and 1 (got ${threshold})`, { details: { field: "threshold" } });
  }
  return threshold;
}

function checkMap(map: ArrayLike<number>, size: number): void {
  if (!Number.isInteger(size) || size <= 0 || map.length !== size * size) {
    throw new RangeError(`a segmentation map of side ${size} needs ${size * size} values, got ${map.length}`);
  }
}

/** The fraction of the map's cells whose probability is at or above the threshold. */
export function areaFraction(map: ArrayLike<number>, threshold: number): number {
  if (map.length === 0) return 0;
  let count = 0;
  for (let k = 0; k < map.length; k++) if (map[k]! >= threshold) count++;
  return count / map.length;
}

/** The largest value of the map (0 for an empty one). */
export function maxProbability(map: ArrayLike<number>): number {
  let max = 0;
  for (let k = 0; k < map.length; k++) if (map[k]! > max) max = map[k]!;
  return max;
}

/** For each of n original pixels along one axis, the cell of `size` its centre falls in: floor((p + 0.5)·size/n). */
export function cellOf(n: number, size: number): Int32Array {
  const cells = new Int32Array(n);
  for (let p = 0; p < n; p++) cells[p] = Math.min(size - 1, Math.floor(((p + 0.5) * size) / n));
  return cells;
}

/** The first and last index whose flag is set, or null. */
function span(on: ArrayLike<boolean>): [number, number] | null {
  let first = -1;
  let last = -1;
  for (let p = 0; p < on.length; p++) {
    if (!on[p]) continue;
    if (first < 0) first = p;
    last = p;
  }
  return first < 0 ? null : [first, last];
}

/**
 * The bounding box, in the original image's pixels (width × height), of the pixels whose cell is at
 * or above the threshold: exactly the white part of the mask drawn at the image's size. Null when no
 * cell is. An image smaller than the map in a dimension samples only some cells; when none of those
 * is on but another cell is, the pixel under the middle of the cells that are stands for them.
 */
export function boundingBox(map: ArrayLike<number>, size: number, width: number, height: number, threshold: number): SegmentationBox | null {
  checkMap(map, size);
  const xs = cellOf(width, size);
  const ys = cellOf(height, size);
  const sampledRows = new Uint8Array(size);
  const sampledCols = new Uint8Array(size);
  for (const j of ys) sampledRows[j] = 1;
  for (const i of xs) sampledCols[i] = 1;
  // Columns (rows) with a cell at or above the threshold in a sampled row (column).
  const colOn = new Array<boolean>(size).fill(false);
  const rowOn = new Array<boolean>(size).fill(false);
  let any: [number, number, number, number] | null = null;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      if (map[j * size + i]! < threshold) continue;
      any = any ? [Math.min(any[0], i), Math.max(any[1], i), Math.min(any[2], j), Math.max(any[3], j)] : [i, i, j, j];
      if (sampledRows[j] && sampledCols[i]) {
        colOn[i] = true;
        rowOn[j] = true;
      }
    }
  }
  if (!any) return null;
  const x = span(Array.from(xs, (i) => colOn[i]!));
  const y = span(Array.from(ys, (j) => rowOn[j]!));
  if (!x || !y) {
    const px = Math.min(width - 1, Math.floor(((any[0] + any[1] + 1) / 2) * (width / size)));
    const py = Math.min(height - 1, Math.floor(((any[2] + any[3] + 1) / 2) * (height / size)));
    return { x: px, y: py, width: 1, height: 1 };
  }
  return { x: x[0], y: y[0], width: x[1] - x[0] + 1, height: y[1] - y[0] + 1 };
}

/** areaFraction, bbox (original pixels) and maxProbability of one class's map. */
export function summarizeClass(map: ArrayLike<number>, size: number, width: number, height: number, threshold: number): ClassSummary {
  checkMap(map, size);
  return {
    areaFraction: areaFraction(map, threshold),
    bbox: boundingBox(map, size, width, height, threshold),
    maxProbability: maxProbability(map),
  };
}

// Worker-thread entry for image preparation: decodes and preprocesses one file off the main thread,
// under the heap limit image.prepare.pool.ts gives the worker.
import { AppError } from "../../errors/app-error.ts";
import type { PreprocessGeometry } from "../heatmap/heatmap.geometry.ts";
import { renderHeatmapPng } from "../heatmap/heatmap.render.ts";
import { prepareImage, type PreparedImage, type PrepareOptions } from "./image.prepare.ts";

export interface PrepareTask {
  bytes: Uint8Array;
  sizes: { resize: number; crop: number };
  options: PrepareOptions;
}

/** A typed failure travels as data: thrown errors lose their fields crossing the thread boundary. */
export type PrepareOutcome =
  { ok: true; image: PreparedImage } | { ok: false; code: AppError["code"]; message: string; expected: boolean; details?: Record<string, unknown> };

export default async function prepare(task: PrepareTask): Promise<PrepareOutcome> {
  try {
    return { ok: true, image: await prepareImage(task.bytes, task.sizes, task.options) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code, message: error.message, expected: error.expected, details: error.details };
    throw error;
  }
}

/** One heatmap to draw: a word's attention map over a display image (a thumbnail, at most 512 px a side). */
export interface HeatmapTask {
  gray: Uint8Array;
  map: Float32Array;
  grid: [number, number];
  geometry: PreprocessGeometry;
}

/**
 * Draws a heatmap PNG. Its upsampling and colouring are ~100 ms of JavaScript for a 512 px image,
 * which would hold the event loop; here they hold only a worker.
 */
export async function renderHeatmap(task: HeatmapTask): Promise<Uint8Array> {
  const png = await renderHeatmapPng(task.gray, task.map, task.grid, task.geometry);
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

// Worker-thread entry for image preparation: decodes and preprocesses one file off the main thread,
// under the heap limit image.prepare.pool.ts gives the worker.
import { AppError } from "../../errors/app-error.ts";
import type { PreprocessGeometry } from "../heatmap/heatmap.geometry.ts";
import { renderHeatmapPng } from "../heatmap/heatmap.render.ts";
import { renderMaskPng } from "../segmentation/segmentation.mask.ts";
import { prepareSegmentationImage, type SegmentationInput } from "../segmentation/segmentation.prepare.ts";
import { prepareImage, type PreparedImage, type PrepareOptions } from "./image.prepare.ts";

export interface PrepareTask {
  bytes: Uint8Array;
  sizes: { resize: number; crop: number };
  options: PrepareOptions;
}

/** A typed failure travels as data: thrown errors lose their fields crossing the thread boundary. */
export type PrepareOutcome =
  { ok: true; image: PreparedImage } | { ok: false; code: AppError["code"]; message: string; expected: boolean; details?: Record<string, unknown> };

type Failure = Extract<PrepareOutcome, { ok: false }>;

function failure(error: unknown): Failure {
  if (error instanceof AppError) return { ok: false, code: error.code, message: error.message, expected: error.expected, details: error.details };
  throw error;
}

export default async function prepare(task: PrepareTask): Promise<PrepareOutcome> {
  try {
    return { ok: true, image: await prepareImage(task.bytes, task.sizes, task.options) };
  } catch (error) {
    return failure(error);
  }
}

/** One file to prepare for the segmentation graph: decoded, then stretched whole to size × size. */
export interface SegmentationTask {
  bytes: Uint8Array;
  size: number;
  maxPixels: number;
}

export type SegmentationOutcome = { ok: true; input: SegmentationInput } | Failure;

/** prepareSegmentationImage off the main thread: decoding a hostile file costs a worker, not the event loop. */
export async function prepareSegmentation(task: SegmentationTask): Promise<SegmentationOutcome> {
  try {
    return { ok: true, input: await prepareSegmentationImage(task.bytes, task.size, { maxPixels: task.maxPixels }) };
  } catch (error) {
    return failure(error);
  }
}

/** One class's mask to draw: its S×S probability map stretched to width × height and thresholded. */
export interface MaskTask {
  map: Float32Array;
  size: number;
  width: number;
  height: number;
  threshold: number;
}

/** Draws a mask PNG (segmentation.mask.ts) in a worker: a pass over every output pixel and a PNG encode. */
export async function renderMask(task: MaskTask): Promise<Uint8Array> {
  const png = await renderMaskPng(task.map, task.size, task.width, task.height, task.threshold);
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
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

// Worker threads that decode and preprocess images (gloria-numerics §2): every image the service reads,
// query or ingested, is decoded here and never on the main thread, so a hostile file can cost a
// worker but not the event loop or the process. Errors keep their AppError code across the thread.
import { Piscina } from "piscina";
import { AppError } from "../../errors/app-error.ts";
import type { SegmentationInput } from "../segmentation/segmentation.prepare.ts";
import type { PreparedImage } from "./image.prepare.ts";
import type { HeatmapTask, MaskTask, PrepareOutcome, PrepareTask, SegmentationOutcome, SegmentationTask } from "./image.prepare.worker.ts";

export interface PreparePool {
  /** Decodes and preprocesses one file in a worker; `thumbnail` also makes the grey JPEG ingestion keeps. */
  prepare(bytes: Uint8Array, options?: { thumbnail?: boolean }): Promise<PreparedImage>;
  /** Draws one heatmap PNG in a worker (see image.prepare.worker.ts renderHeatmap). */
  renderHeatmap(task: HeatmapTask): Promise<Uint8Array>;
  /** Decodes one file in a worker and stretches it whole to size × size for the segmentation graph. */
  prepareSegmentation(bytes: Uint8Array, size: number): Promise<SegmentationInput>;
  /** Draws one segmentation mask PNG in a worker (see image.prepare.worker.ts renderMask). */
  renderMask(task: MaskTask): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface PreparePoolOptions {
  /** Most worker threads (at least 1); one is kept started. */
  threads: number;
  /** MAX_IMAGE_PIXELS: the decoders' limit, and the input of the workers' heap limit. */
  maxPixels: number;
  /** Overrides workerHeapMb(maxPixels); for tests that need a worker to run out of heap quickly. */
  heapMb?: number;
}

/** What a worker's heap holds whatever the image: the modules (through tsx), sharp's binding, a DICOM header's attributes. */
const BASE_HEAP_MB = 96;

/**
 * The V8 old-generation limit of each worker, in MiB: BASE_HEAP_MB plus 1 MiB per Mi of allowed pixels
 * (160 MiB at the default MAX_IMAGE_PIXELS of 64 Mi). Pixel buffers are ArrayBuffers outside this heap
 * (the decoders bound them from the checked header instead); what grows on the heap is parser state —
 * dicom-parser's object per DICOM attribute, whose count a deflated data set can raise up to the
 * inflation cap, itself derived from maxPixels. A file built to exhaust the heap (millions of tiny
 * attributes) ends the worker with ERR_WORKER_OUT_OF_MEMORY instead of the process.
 */
export function workerHeapMb(maxPixels: number): number {
  return BASE_HEAP_MB + Math.ceil(maxPixels / 2 ** 20);
}

export function createPreparePool(sizes: { resize: number; crop: number }, options: PreparePoolOptions): PreparePool {
  const threads = Math.max(1, Math.floor(options.threads));
  const pool = new Piscina({
    filename: new URL("./image.prepare.worker.ts", import.meta.url).href,
    // The sources are TypeScript: workers load them through tsx, as the main thread does.
    execArgv: [...process.execArgv.filter((a) => !a.startsWith("--inspect")), "--import", "tsx"],
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? workerHeapMb(options.maxPixels) },
  });
  return {
    async prepare(bytes, prepareOptions = {}) {
      const task: PrepareTask = { bytes, sizes, options: { maxPixels: options.maxPixels, thumbnail: prepareOptions.thumbnail ?? false } };
      let outcome: PrepareOutcome;
      try {
        outcome = (await pool.run(task)) as PrepareOutcome;
      } catch (error) {
        throw workerFailure(error);
      }
      if (!outcome.ok) throw new AppError(outcome.code, outcome.message, { expected: outcome.expected, details: outcome.details });
      return outcome.image;
    },
    async renderHeatmap(task) {
      return (await pool.run(task, { name: "renderHeatmap" })) as Uint8Array;
    },
    async prepareSegmentation(bytes, size) {
      const task: SegmentationTask = { bytes, size, maxPixels: options.maxPixels };
      let outcome: SegmentationOutcome;
      try {
        outcome = (await pool.run(task, { name: "prepareSegmentation" })) as SegmentationOutcome;
      } catch (error) {
        throw workerFailure(error);
      }
      if (!outcome.ok) throw new AppError(outcome.code, outcome.message, { expected: outcome.expected, details: outcome.details });
      return outcome.input;
    },
    async renderMask(task) {
      return (await pool.run(task, { name: "renderMask" })) as Uint8Array;
    },
    close: () => pool.destroy(),
  };
}

/**
 * A task whose worker died. Piscina has already replaced the worker (it keeps minThreads started) and
 * the other tasks go on; only this file is refused.
 */
function workerFailure(error: unknown): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new AppError("BAD_USER_INPUT", "The image could not be decoded within the memory limit.", { cause: error });
  }
  // The worker threw something that is not an AppError (a decoder bug) or exited (a native crash):
  // still the file's doing from the caller's side, but logged as a fault of ours.
  return new AppError("UNSUPPORTED_MEDIA_TYPE", "The image could not be decoded.", { cause: error, expected: false });
}

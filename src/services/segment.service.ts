// Segmentation (src/schema/segment.graphql, docs/segmentation.md): an image put through the model's
// optional segmentation.onnx, and per class the part of the image at or above a threshold — its
// fraction of the area, its bounding box in the image's pixels, the largest probability — and, when
// asked for, the mask as a PNG. Query images are decoded in the worker pool; a stored image is read
// again from its source file, under the same guard as every file data names (INGEST_ROOTS).
import { AppError } from "../errors/app-error.ts";
import type { GloriaModel, ImageSegmentation } from "../model/gloria.model.ts";
import { maskSize, renderMaskPng } from "../model/segmentation/segmentation.mask.ts";
import type { SegmentationInput } from "../model/segmentation/segmentation.prepare.ts";
import { checkThreshold, summarizeClass, type SegmentationBox } from "../model/segmentation/segmentation.summary.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { SEGMENTATION_LIMITS } from "./limits.ts";
import type { ImageRef } from "./search.service.ts";
import { SourceFiles } from "./source-files.ts";
import type { ImageRecord, MetadataStore } from "../stores/metadata/metadata-store.port.ts";

export interface SegmentDeps {
  model: GloriaModel;
  metadata: Pick<MetadataStore, "getImages">;
  /** Decodes a file and stretches it to size × size off the main thread (the runtime's worker pool). */
  prepareSegmentation(bytes: Uint8Array, size: number): Promise<SegmentationInput>;
  /** Draws a mask PNG off the main thread; default: in this thread (tests with fakes). */
  renderMask?(task: { map: Float32Array; size: number; width: number; height: number; threshold: number }): Promise<Uint8Array>;
  /** Longest side of a mask PNG (HEATMAP_MAX_SIDE, the heatmaps' bound; default 512). */
  maskMaxSide?: number;
  /** Where stored images' source files may be read (INGEST_ROOTS); none: stored images cannot be segmented. */
  sourceRoots?: readonly string[];
  /** Largest source file read (MAX_UPLOAD_BYTES). */
  maxSourceBytes?: number;
}

export interface SegmentedClass {
  className: string;
  areaFraction: number;
  bbox: SegmentationBox | null;
  maxProbability: number;
  /** The mask as a PNG (long side at most maskMaxSide), drawn when first called. */
  mask(): Promise<Buffer>;
}

export interface SegmentationResult {
  /** The model that segmented the image. */
  model: string;
  threshold: number;
  /** The original image's size, the space of every bbox. */
  width: number;
  height: number;
  /** S: the side the whole image was stretched to, and of each probability map. */
  size: number;
  /** The masks' size: the image's own, or its long side brought to maskMaxSide. */
  maskWidth: number;
  maskHeight: number;
  classes: SegmentedClass[];
}

/**
 * One request's segmentations: at most SEGMENTATION_LIMITS.imagesPerRequest images, each segmented
 * once whatever thresholds it is asked at. Made per request by the resolvers.
 */
export class SegmentationSession {
  readonly #maps = new Map<string, Promise<ImageSegmentation>>();
  #images = 0;

  constructor(
    private readonly service: SegmentService,
    private readonly signal?: AbortSignal,
  ) {}

  /** Counts one more image against the request's bound (BAD_USER_INPUT past it). */
  take(): void {
    checkNotCancelled(this.signal);
    if (this.#images >= SEGMENTATION_LIMITS.imagesPerRequest) {
      throw new AppError("BAD_USER_INPUT", `A request may segment at most ${SEGMENTATION_LIMITS.imagesPerRequest} images; select segmentation on fewer hits`, {
        details: { field: "segmentation", limit: SEGMENTATION_LIMITS.imagesPerRequest },
      });
    }
    this.#images++;
  }

  /** A given image (stored id or bytes) at a threshold. */
  async segment(image: ImageRef, threshold: number): Promise<SegmentationResult> {
    checkThreshold(threshold);
    this.service.model.requireSegmenter();
    if ("id" in image) return this.stored(await this.service.readyImage(image.id), threshold);
    this.take();
    const maps = await this.service.segmentBytes(image.bytes);
    checkNotCancelled(this.signal);
    return this.service.present(maps, threshold);
  }

  /** A stored image (a search hit's record) at a threshold; its maps are computed once per request. */
  async stored(record: ImageRecord, threshold: number): Promise<SegmentationResult> {
    checkThreshold(threshold);
    this.service.model.requireSegmenter();
    let maps = this.#maps.get(record.id);
    if (!maps) {
      // Only an image whose file could be read counts against the bound.
      maps = this.service.readSource(record).then((bytes) => {
        this.take();
        return this.service.segmentBytes(bytes);
      });
      this.#maps.set(record.id, maps);
    }
    const result = this.service.present(await maps, threshold);
    checkNotCancelled(this.signal);
    return result;
  }
}

export class SegmentService {
  readonly #sourceFiles: SourceFiles | undefined;

  constructor(private readonly deps: SegmentDeps) {
    const roots = deps.sourceRoots ?? [];
    this.#sourceFiles = roots.length ? new SourceFiles(roots, { maxBytes: deps.maxSourceBytes ?? 50 * 1024 * 1024 }) : undefined;
  }

  get model(): GloriaModel {
    return this.deps.model;
  }

  /** The largest image a request may send (MAX_UPLOAD_BYTES). */
  get maxImageBytes(): number {
    return this.deps.maxSourceBytes ?? 50 * 1024 * 1024;
  }

  /** A request's segmentations (see SegmentationSession). */
  session(signal?: AbortSignal): SegmentationSession {
    return new SegmentationSession(this, signal);
  }

  /** One image at a threshold, in a request of its own. */
  segment(input: { image: ImageRef; threshold: number; signal?: AbortSignal }): Promise<SegmentationResult> {
    return this.session(input.signal).segment(input.image, input.threshold);
  }

  async readyImage(id: string): Promise<ImageRecord> {
    const [record] = await this.deps.metadata.getImages([id]);
    if (!record || record.status !== "READY") throw new AppError("NOT_FOUND", `No image with id ${id}`);
    return record;
  }

  /** The maps of a file's bytes, decoded and stretched in the worker pool. */
  async segmentBytes(bytes: Uint8Array): Promise<ImageSegmentation> {
    return this.deps.model.segmentImage(bytes, { prepare: (b, size) => this.deps.prepareSegmentation(b, size) });
  }

  /**
   * A stored image's source file, which segmentation reads (the original pixels, not the preview kept
   * at ingestion). NOT_FOUND when the server may not read it (no INGEST_ROOTS, an upload, whose name
   * is kept as no path), else SourceFiles' refusals (outside the roots, a link, gone, too large).
   */
  async readSource(record: ImageRecord): Promise<Uint8Array> {
    const name = `The source file of image ${record.id}`;
    if (!record.sourcePath || !this.#sourceFiles) {
      throw new AppError("NOT_FOUND", `${name} cannot be read by this server (segmentation reads the original file, inside INGEST_ROOTS)`, {
        details: { field: "image", image: record.id },
      });
    }
    return this.#sourceFiles.read(record.sourcePath, name);
  }

  /** Per class the summary at `threshold` and a lazily drawn mask. */
  present(maps: ImageSegmentation, threshold: number): SegmentationResult {
    const { width, height, size } = maps;
    const mask = maskSize(width, height, this.deps.maskMaxSide ?? 512);
    return {
      model: this.deps.model.id,
      threshold,
      width,
      height,
      size,
      maskWidth: mask.width,
      maskHeight: mask.height,
      classes: maps.classes.map((c) => ({
        className: c.className,
        ...summarizeClass(c.probabilities, size, width, height, threshold),
        mask: once(async () => {
          const task = { map: c.probabilities, size, width: mask.width, height: mask.height, threshold };
          if (!this.deps.renderMask) return renderMaskPng(task.map, size, task.width, task.height, threshold);
          const png = await this.deps.renderMask({ ...task, map: Float32Array.from(c.probabilities) });
          return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
        }),
      })),
    };
  }
}

/** A thunk that runs its work at most once and shares the result. */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= work());
}

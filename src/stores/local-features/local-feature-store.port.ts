// The local feature store port: per model, the region features of stored images and the word slots
// of stored reports, which GLoRIA's local re-ranking needs (gloria-numerics §4.2). Types only; the file
// and Postgres adapters store them, the recomputing one asks the model again.

/** An image's region features as the image encoder gives them (ImageFeatures.local, gloria-numerics §1). */
export interface ImageRegionFeatures {
  /** D, the embedding width (768 for GLoRIA). */
  dim: number;
  /** [h, w] of the region grid (19×19 for GLoRIA). */
  grid: readonly [number, number];
  /** Channels-first [D, h·w], region r = y·w + x; never L2-normalised. */
  regions: Float32Array;
}

/** A report's word slots as the text encoder gives them (TextFeatures, gloria-numerics §3.4). */
export interface ReportWordFeatures {
  dim: number;
  /** The n aggregated words (TextFeatures.words). */
  words: string[];
  /**
   * Row-major [n + 2, D]: slot 0 = [CLS], slots 1..n = the words, slot n + 1 = [SEP], i.e. the first
   * n + 2 rows of TextFeatures.slots. The rows after [SEP] are zeros by construction and are not kept.
   */
  slots: Float32Array;
}

/**
 * K images' region features packed as one local-similarity run reads them, [K, D, M] (each image
 * channels-first, r = y·w + x), in the stored encoding, without a float32 copy.
 * - float16: `data` holds IEEE half bits;
 * - int8: `data` holds q in [−127, 127] and `scales` [K, M] the per-region-vector scale, so a value
 *   is q · scales[k·M + r] (symmetric quantisation of each region's D-vector).
 */
export interface RegionBlock {
  /** The ids that have features, in the order they were asked for (duplicates and misses dropped). */
  ids: string[];
  dim: number;
  grid: readonly [number, number];
  encoding: "float16" | "int8";
  data: Uint16Array | Int8Array;
  scales?: Float32Array;
  /**
   * Hands the block's memory back to the store for the next read (adapters that pool it); the block
   * must not be used afterwards. Optional to call: an unreleased block is garbage-collected.
   */
  release?(): void;
}

export interface Keyed<T> {
  /** The image or report id (a UUID). */
  id: string;
  features: T;
}

/**
 * Local features by (model id, item id). Stored as float16, a value read back is the nearest half of
 * the value written (relative error ≤ 2^−11); the file store's int8 precision keeps regions to within
 * half a step of their region vector's scale (|error| ≤ max|x| / 254). Values beyond ±65504 or
 * non-finite ones are refused.
 *
 * Errors: BAD_USER_INPUT for inconsistent shapes, non-finite or out-of-range values or a non-UUID id;
 * NOT_FOUND when the Postgres adapter writes for an item or model the metadata does not hold;
 * STORE_UNAVAILABLE when the database or the files fail, or when a read-only file store is written
 * (another process holds its writer lock); MODEL_UNAVAILABLE when recomputation needs a model that is
 * not loaded.
 */
export interface LocalFeatureStore {
  /** "stored": read from the store (files or Postgres); "recomputed": always from the model; "cached": stored, recomputed when missing. */
  readonly mode: "stored" | "recomputed" | "cached";
  /** Inserts or replaces, in one transaction. */
  putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void>;
  /**
   * One batched read packed for the local similarity (the re-ranking hot path): ids without features
   * are left out of `ids`; when none has features, `ids` is empty and `data` holds nothing.
   */
  getImageRegionBlock(modelId: string, imageIds: readonly string[]): Promise<RegionBlock>;
  /** One batched read; ids without features are absent from the map. */
  getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>>;
  putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void>;
  getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>>;
  /** Removes the features of these items for this model; unknown ids are ignored. */
  delete(modelId: string, ids: { imageIds?: readonly string[]; reportIds?: readonly string[] }): Promise<void>;
  /** How many items have stored features for this model (0 for a store that keeps none). */
  count(modelId: string): Promise<{ images: number; reports: number }>;
  /** Releases files, locks and handles; the store is not used afterwards. */
  close?(): Promise<void>;
}

// The model's ports: what services may ask of an image encoder, a text encoder and the local
// similarity, with dims, layouts, ranges and errors. Types only; the ONNX adapters implement them.

/**
 * Structured logging the model layer writes to; the caller supplies it (no global logger). The
 * argument order is pino's, so a pino logger (or child) can be passed as is.
 */
export interface ModelLogger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
  error(data: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything, for callers that want silence. */
export const silentLogger: ModelLogger = { info() {}, warn() {}, error() {} };

/** How the local similarity picks word columns (gloria-numerics §4.2, §10.2). */
export type SlicingMode = "REFERENCE" | "WORDS";

/** An image's GLoRIA features (gloria-numerics §1). Never L2-normalised. */
export interface ImageFeatures {
  /** Global embedding, length D (768 for GLoRIA). */
  global: Float32Array;
  /** Region embeddings, channels-first [D, M] with M = h·w and region r = y·w + x (§10.11). */
  local: Float32Array;
  /**
   * The pooled trunk features GLoRIA's classifier reads (layer4 averaged, before the global
   * projection; 2048 for ResNet-50), when the model's image graph has the `pooled` output.
   */
  pooled?: Float32Array;
}

/**
 * K images' features packed contiguously, the layout a local-similarity run takes. A feature store
 * can fill it directly and spare the copy that packing ImageFeatures[] costs.
 */
export interface ImageFeatureBatch {
  count: number;
  /** [K, D] row-major. */
  global: Float32Array;
  /** [K, D, M] row-major (each image channels-first, r = y·w + x). */
  local: Float32Array;
}

/** A text's GLoRIA features (gloria-numerics §3). Never L2-normalised. */
export interface TextFeatures {
  /** The raw input string: REFERENCE slicing counts its characters (§4.2). */
  text: string;
  /** The text after GLoRIA's cleaning (§3.1), what the tokenizer saw. */
  cleaned: string;
  /** Token ids of [CLS] … [SEP] (no padding). */
  ids: number[];
  /** The n aggregated words (pieces joined without "##"), no [CLS]/[SEP]/[PAD]. */
  words: string[];
  /** Word slots [T, D] row-major (T = 97): 0 = [CLS], 1..n words, n+1 = [SEP], then zeros (§3.4). */
  slots: Float32Array;
  /** Sentence embedding, length D (§3.5). */
  sentence: Float32Array;
  /** True when the text had more wordpieces than fit in T − 2 and the tail was dropped. */
  truncated: boolean;
}

/**
 * Encodes preprocessed images. Input: one Float32Array per image, CHW [3, S, S] in [-1, 1]
 * (S = manifest.image.crop; gloria-numerics §2). Output: one ImageFeatures per input, in input order.
 * Throws AppError BAD_USER_INPUT for a wrongly sized input, MODEL_UNAVAILABLE once closed.
 */
export interface ImageEncoder {
  readonly dim: number;
  /** [h, w] of the region grid (19×19 for GLoRIA). */
  readonly grid: readonly [number, number];
  readonly inputSize: number;
  encodeImages(pixels: readonly Float32Array[]): Promise<ImageFeatures[]>;
}

/**
 * Encodes raw report/query strings: cleaning, tokenisation (T = 97, truncating), BERT, word
 * aggregation and the sentence embedding. One TextFeatures per input, in input order.
 * Throws AppError MODEL_UNAVAILABLE once closed.
 */
export interface TextEncoder {
  readonly dim: number;
  readonly maxLength: number;
  encodeTexts(texts: readonly string[]): Promise<TextFeatures[]>;
}

/**
 * Region features in the encoding they are stored in, [Kr, D, M]; the local similarity widens them to
 * float32 inside its graph, so a feature store's bytes go to the runtime without a copy.
 * int8: value = q · scales[k·M + r] (one scale per region vector).
 */
export type RegionInput =
  { encoding: "float32"; data: Float32Array } | { encoding: "float16"; data: Uint16Array } | { encoding: "int8"; data: Int8Array; scales: Float32Array };

/** One batched local-similarity call (docs/model-contract.md): Kw and Kr are each 1 or K. */
export interface LocalSimilarityRequest {
  /** [Kw, D, L] channels-first word columns. */
  words: Float32Array;
  /** [Kw, L]: 1 = the column takes part, 0 = padding. */
  wordMask: Float32Array;
  wordBatch: number;
  /** [Kr, D, M] regions: float32, or a stored encoding (RegionInput). */
  regions: Float32Array | RegionInput;
  regionBatch: number;
  /** L, the number of word columns. */
  length: number;
  /** Also return the attention maps (costs a [K, L, M] copy). */
  withAttention?: boolean;
}

export interface LocalSimilarityResult {
  /** [K]: temp2 · max over unmasked columns of the word–context cosine, in [−temp2, temp2]. */
  scores: Float32Array;
  /** [K, L]: per-column cosines, 0 where masked. */
  wordCosines: Float32Array;
  /** [K, L, M]: per column, the softmax over regions (sums to 1), 0 where masked. */
  attention?: Float32Array;
}

/**
 * GLoRIA's local (word–region attention) similarity, gloria-numerics §4.2, for K pairs in one run.
 * Throws AppError BAD_USER_INPUT on inconsistent shapes, MODEL_UNAVAILABLE once closed.
 */
export interface LocalSimilarity {
  compare(request: LocalSimilarityRequest): Promise<LocalSimilarityResult>;
}

/**
 * The optional segmentation graph (docs/model-contract.md). Input: one Float32Array per image, CHW
 * [3, S, S] in [-1, 1], the whole image stretched to S×S (S = manifest.segmentation.size). Output: per
 * image, the class probabilities (the sigmoid of the logits), [C, S, S] row-major, classes in
 * manifest order. Throws AppError BAD_USER_INPUT for a wrongly sized input, MODEL_UNAVAILABLE once closed.
 */
export interface Segmenter {
  readonly classes: readonly string[];
  readonly inputSize: number;
  segmentImages(pixels: readonly Float32Array[]): Promise<Float32Array[]>;
}

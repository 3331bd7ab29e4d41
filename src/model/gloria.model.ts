// The GLoRIA model façade: loads a model folder once and answers encoding, scoring, zero-shot and
// attention requests by composing the ONNX adapters with the pure maths. Knows no HTTP or storage.
import { basename } from "node:path";
import { AppError } from "../errors/app-error.ts";
import { loadModelFolder, type LoadFolderOptions } from "./model.loader.ts";
import { modelId, type ModelManifest } from "./model.manifest.ts";
import type {
  ImageEncoder,
  ImageFeatureBatch,
  ImageFeatures,
  ModelLogger,
  RegionInput,
  Segmenter,
  SlicingMode,
  TextEncoder,
  TextFeatures,
} from "./model.port.ts";
import { silentLogger } from "./model.port.ts";
import { startImageEncoderThread, type ImageEncoderThread } from "./image/image-encoder.thread.ts";
import type { EncoderThreadData } from "./image/image-encoder.worker.ts";
import { OnnxImageEncoder } from "./onnx.image-encoder.ts";
import { OnnxLocalSimilarity } from "./onnx.local-similarity.ts";
import type { ExecutionProvider, OnnxGraph } from "./onnx.runtime.ts";
import { OnnxTextEncoder } from "./onnx.text-encoder.ts";
import { OnnxSegmenter } from "./onnx.segmenter.ts";
import { prepareSegmentationImage, type SegmentationInput } from "./segmentation/segmentation.prepare.ts";
import { combineScores } from "./similarity/similarity.combine.ts";
import { batchGlobals, packImageFeatures } from "./similarity/similarity.batch.ts";
import { stackWordColumns, wordColumns, type ColumnSource, type StackedColumns, type WordColumns } from "./similarity/similarity.columns.ts";
import { cosineMatrix, cosineToEach } from "./similarity/similarity.cosine.ts";
import { argmaxClass, classScores, normalizeScores, type ZeroShotNormalization } from "./zero-shot/zero-shot.normalize.ts";
import { findPromptSet, type ClassPrompts } from "./zero-shot/zero-shot.prompts.ts";

export interface GloriaModelOptions extends LoadFolderOptions {
  /** Images / texts per encoder run (default 16). */
  batchSize?: number;
  /** Run BERT only as wide as the longest text of a batch (default true; same numbers, less work). */
  trimTextPadding?: boolean;
  logger?: ModelLogger;
}

/** Scores of one query against K candidates, in candidate order. */
export interface CandidateScores {
  /** §4.1 cosine, [−1, 1]. */
  global: Float32Array;
  /** §4.2 local score, [−temp2, temp2] (±5 for GLoRIA). */
  local: Float32Array;
  /** §4.3 (local + global) / 2. */
  combined: Float32Array;
}

/** The local scores of one text against K candidates, with what explains them. */
export interface LocalQueryScores {
  /** §4.2 local score per candidate, [−temp2, temp2]. */
  local: Float32Array;
  /** What each word column holds (a word, "[SEP]", or "" for a zero column in REFERENCE mode). */
  columns: string[];
  /** Per candidate, the cosine of each column with its attended image context. */
  wordCosines: Float32Array[];
  /** Per candidate, [L, M] attention over regions, when asked for. */
  attention?: Float32Array[];
}

export interface TextQueryScores extends CandidateScores, LocalQueryScores {}

export interface WordAttention {
  word: string;
  /** Cosine of the word with its attention-weighted image context. */
  cosine: number;
  /** The softmax over regions, [h·w] row-major (r = y·w + x), summing to 1. */
  map: Float32Array;
}

export interface ZeroShotImageResult {
  /** Normalised score per class (null where BATCH z-scores are undefined). */
  scores: Record<string, number | null>;
  /** Max over the class's prompts of the combined score, before normalisation. */
  raw: Record<string, number>;
  predicted: string | null;
}

export interface ZeroShotResult {
  promptSet: string;
  classes: string[];
  normalization: ZeroShotNormalization;
  mode: SlicingMode;
  images: ZeroShotImageResult[];
  warnings: string[];
}

export interface ClassifyOptions {
  /** Default NONE: each image's scores depend only on that image. */
  normalization?: ZeroShotNormalization;
  /** Custom classes; default the prompt set named in the manifest. */
  classes?: readonly ClassPrompts[];
  /** Default REFERENCE, the published zero-shot slicing. */
  mode?: SlicingMode;
}

/** One class's probability map from the segmentation graph. */
export interface SegmentationClassMap {
  className: string;
  /** sigmoid(logit), [S, S] row-major over the whole image stretched to S×S. */
  probabilities: Float32Array;
}

/** An image's segmentation: the maps at S×S and the original size they stretch back onto. */
export interface ImageSegmentation {
  /** The original image's size. */
  width: number;
  height: number;
  /** S, the side of every map. */
  size: number;
  classes: SegmentationClassMap[];
}

export interface SegmentImageOptions {
  /**
   * Decodes and stretches the file (default: prepareSegmentationImage in this thread); the service
   * passes its worker pool's.
   */
  prepare?: (bytes: Uint8Array, size: number) => Promise<SegmentationInput>;
  /** Pixel limit of the default preparation's decoder. */
  maxPixels?: number;
}

export class GloriaModel implements ImageEncoder, TextEncoder {
  readonly manifest: ModelManifest;
  readonly id: string;
  readonly dim: number;
  readonly grid: readonly [number, number];
  readonly inputSize: number;
  readonly maxLength: number;
  /** The optional segmentation graph (manifest `segmentation`); null when the folder has none. */
  readonly segmenter: Segmenter | null;
  readonly #images: OnnxImageEncoder;
  readonly #texts: OnnxTextEncoder;
  readonly #local: OnnxLocalSimilarity;
  readonly #graphs: OnnxGraph[];
  readonly #imageThreadData: EncoderThreadData;
  readonly #logger: ModelLogger;
  readonly #promptCache = new Map<string, Promise<TextFeatures[]>>();
  #closed = false;

  private constructor(
    manifest: ModelManifest,
    parts: {
      images: OnnxImageEncoder;
      texts: OnnxTextEncoder;
      local: OnnxLocalSimilarity;
      graphs: OnnxGraph[];
      imageThreadData: EncoderThreadData;
      segmenter: Segmenter | null;
    },
    logger: ModelLogger,
  ) {
    this.manifest = manifest;
    this.id = modelId(manifest);
    this.dim = manifest.embedding.dim;
    this.grid = manifest.embedding.grid;
    this.inputSize = manifest.image.crop;
    this.maxLength = manifest.text.maxLength;
    this.#images = parts.images;
    this.#texts = parts.texts;
    this.#local = parts.local;
    this.#graphs = parts.graphs;
    this.#imageThreadData = parts.imageThreadData;
    this.segmenter = parts.segmenter;
    this.#logger = logger;
  }

  /**
   * Loads, verifies and warms a model folder. Throws AppError MODEL_UNAVAILABLE (naming the file)
   * for a missing/invalid manifest, a checksum mismatch or a graph that breaks the contract.
   */
  static async load(dir: string, options: GloriaModelOptions = {}): Promise<GloriaModel> {
    const logger = options.logger ?? silentLogger;
    const folder = await loadModelFolder(dir, options, logger);
    const { manifest, graphs } = folder;
    const batchSize = options.batchSize ?? 16;
    const dim = manifest.embedding.dim;
    const grid = manifest.embedding.grid;
    const model = new GloriaModel(
      manifest,
      {
        images: new OnnxImageEncoder(graphs.image, { dim, grid, inputSize: manifest.image.crop, batchSize, pooledDim: manifest.embedding.pooledDim }),
        texts: new OnnxTextEncoder(graphs.text, folder.tokenizer, {
          dim,
          maxLength: manifest.text.maxLength,
          batchSize,
          trimPadding: options.trimTextPadding,
        }),
        local: new OnnxLocalSimilarity(folder.openKernel, {
          dim,
          regions: grid[0] * grid[1],
          temperatures: [manifest.similarity.attentionTemperature, manifest.similarity.localTemperature],
        }),
        graphs: [graphs.image, graphs.text, ...(graphs.segmentation ? [graphs.segmentation] : [])],
        segmenter:
          graphs.segmentation && manifest.segmentation
            ? new OnnxSegmenter(graphs.segmentation, { classes: manifest.segmentation.classes, inputSize: manifest.segmentation.size })
            : null,
        imageThreadData: {
          file: graphs.image.file,
          checksum: manifest.files["image_encoder.onnx"],
          options: {
            executionProvider: graphs.image.provider,
            intraOpNumThreads: options.intraOpNumThreads,
            spinWait: options.spinWait,
            graphOptimizationLevel: options.graphOptimizationLevel,
            cacheDir: options.cacheDir,
          },
          shape: { dim, grid, inputSize: manifest.image.crop, batchSize, pooledDim: manifest.embedding.pooledDim },
        },
      },
      logger,
    );
    try {
      const started = performance.now();
      await model.#images.warmUp();
      await model.#texts.warmUp();
      await model.#local.warmUp();
      logger.info({ model: model.id, ms: Math.round(performance.now() - started) }, "model warmed up");
    } catch (error) {
      await model.close();
      throw new AppError("MODEL_UNAVAILABLE", `model ${model.id} failed its warm-up run`, { cause: error });
    }
    if (!findPromptSet(manifest.zeroShot.promptSet)) {
      logger.warn({ promptSet: manifest.zeroShot.promptSet }, "manifest names an unknown zero-shot prompt set; classify needs custom classes");
    }
    return model;
  }

  /** The execution provider each graph runs on (after any CUDA → CPU fallback), by graph file name. */
  get providers(): Record<string, ExecutionProvider> {
    return Object.fromEntries(this.#graphs.map((g) => [basename(g.file), g.provider]));
  }

  #open(): void {
    if (this.#closed) throw new AppError("MODEL_UNAVAILABLE", `model ${this.id} is closed`);
  }

  async encodeImages(pixels: readonly Float32Array[]): Promise<ImageFeatures[]> {
    this.#open();
    return this.#images.encodeImages(pixels);
  }

  /**
   * The image encoder again, in a worker thread of its own (same graph, provider and options), for
   * callers that must keep this thread free while images are encoded (ingestion). Close it when done.
   */
  startImageEncoderThread(): Promise<ImageEncoderThread> {
    this.#open();
    return startImageEncoderThread(this.#imageThreadData);
  }

  async encodeTexts(texts: readonly string[]): Promise<TextFeatures[]> {
    this.#open();
    return this.#texts.encodeTexts(texts);
  }

  async #text(query: string | TextFeatures): Promise<TextFeatures> {
    return typeof query === "string" ? (await this.encodeTexts([query]))[0] : query;
  }

  /** Zero columns collapsed unless the caller wants every selected column back (see wordColumns). */
  #columns(text: ColumnSource, mode: SlicingMode, everyColumn = false): WordColumns {
    return wordColumns(text, mode, this.dim, this.maxLength, { collapseZeroColumns: !everyColumn });
  }

  #regions(): number {
    return this.grid[0] * this.grid[1];
  }

  /**
   * One text query against K images' features (report → image re-ranking), one local-similarity run.
   * Mode REFERENCE (default) reproduces the published column slicing; WORDS uses the words only.
   * Pass an ImageFeatureBatch to skip packing the candidates into one buffer.
   */
  async scoreTextAgainstImages(
    query: string | TextFeatures,
    images: readonly ImageFeatures[] | ImageFeatureBatch,
    options: { mode?: SlicingMode; withAttention?: boolean } = {},
  ): Promise<TextQueryScores> {
    this.#open();
    const text = await this.#text(query);
    const batch = "count" in images ? images : packImageFeatures(images, this.dim, this.#regions());
    const global = cosineToEach(text.sentence, batchGlobals(batch, this.dim));
    const local = await this.scoreTextAgainstRegions(text, { encoding: "float32", data: batch.local }, batch.count, { ...options, everyColumn: true });
    return { ...local, global, combined: combineScores(local.local, global) };
  }

  /**
   * The local half of re-ranking alone: one text against K candidates' regions as a feature store
   * holds them (float32, float16 or int8, [K, D, M]), in one run. The attention maps, when asked
   * for, come from the same run. REFERENCE's zero columns are computed as one (same scores and word
   * maps; `columns` then holds one "" for them) unless `everyColumn` asks for each of them back.
   */
  async scoreTextAgainstRegions(
    query: TextFeatures,
    regions: RegionInput,
    count: number,
    options: { mode?: SlicingMode; withAttention?: boolean; everyColumn?: boolean } = {},
  ): Promise<LocalQueryScores> {
    this.#open();
    const columns = this.#columns(query, options.mode ?? "REFERENCE", options.everyColumn);
    if (count === 0) return { local: new Float32Array(), columns: columns.labels, wordCosines: [] };
    const result = await this.#local.compare({
      words: columns.columns,
      wordMask: columns.multiplicity,
      wordBatch: 1,
      regions,
      regionBatch: count,
      length: columns.length,
      withAttention: options.withAttention,
    });
    const L = columns.length;
    const M = this.#regions();
    const perCandidate = Array.from({ length: count }, (_, k) => k);
    return {
      local: result.scores,
      columns: columns.labels,
      wordCosines: perCandidate.map((k) => result.wordCosines.subarray(k * L, (k + 1) * L)),
      ...(result.attention ? { attention: perCandidate.map((k) => result.attention!.subarray(k * L * M, (k + 1) * L * M)) } : {}),
    };
  }

  /**
   * Candidate k's per-word attention from a run made with attention: zero columns carry no word and
   * are left out (gloria-numerics §4.2 A2).
   */
  wordAttention(scores: LocalQueryScores, k: number): WordAttention[] {
    const maps = scores.attention?.[k];
    if (!maps) throw new AppError("INTERNAL_SERVER_ERROR", "word attention asked of a run made without attention", { expected: false });
    const M = this.#regions();
    return scores.columns.flatMap((word, j) => (word === "" ? [] : [{ word, cosine: scores.wordCosines[k][j], map: maps.subarray(j * M, (j + 1) * M) }]));
  }

  /**
   * One image against K texts (image → report retrieval), one run: the reports' columns are padded
   * to a common L with mask 0.
   */
  async scoreImageAgainstTexts(
    image: ImageFeatures,
    texts: readonly (string | TextFeatures)[],
    options: { mode?: SlicingMode } = {},
  ): Promise<CandidateScores> {
    this.#open();
    const encoded = await this.#textsOf(texts);
    const global = cosineToEach(
      image.global,
      encoded.map((t) => t.sentence),
    );
    if (encoded.length === 0) return { global, local: new Float32Array(), combined: new Float32Array() };
    const stacked = stackWordColumns(
      encoded.map((t) => this.#columns(t, options.mode ?? "REFERENCE")),
      this.dim,
    );
    const local = await this.#localImageVsTexts(image.local, stacked, encoded.length);
    return { global, local, combined: combineScores(local, global) };
  }

  async #textsOf(texts: readonly (string | TextFeatures)[]): Promise<TextFeatures[]> {
    const strings = texts.flatMap((t, i) => (typeof t === "string" ? [[i, t] as const] : []));
    const encoded = await this.encodeTexts(strings.map(([, t]) => t));
    const out = texts.slice() as (string | TextFeatures)[];
    strings.forEach(([i], j) => (out[i] = encoded[j]));
    return out as TextFeatures[];
  }

  /**
   * The local scores of one image's regions against K texts' word columns (image → report re-ranking
   * over stored word features: a report's raw text and its stored word slots are all REFERENCE and
   * WORDS slicing need). One run; the columns are padded to a common L with mask 0.
   */
  async scoreRegionsAgainstTexts(regions: RegionInput, texts: readonly ColumnSource[], options: { mode?: SlicingMode } = {}): Promise<Float32Array> {
    this.#open();
    if (texts.length === 0) return new Float32Array();
    const stacked = stackWordColumns(
      texts.map((t) => this.#columns(t, options.mode ?? "REFERENCE")),
      this.dim,
    );
    return this.#localImageVsTexts(regions, stacked, texts.length);
  }

  async #localImageVsTexts(regions: Float32Array | RegionInput, stacked: StackedColumns, texts: number): Promise<Float32Array> {
    const result = await this.#local.compare({
      words: stacked.words,
      wordMask: stacked.wordMask,
      wordBatch: texts,
      regions,
      regionBatch: 1,
      length: stacked.length,
    });
    return result.scores;
  }

  /**
   * Zero-shot classification (gloria-numerics §5): per class, the max over its prompts of the combined
   * score, then the chosen normalisation. REFERENCE normalisation needs manifest.zeroShot.reference
   * for every class and otherwise throws BAD_USER_INPUT.
   */
  async classify(images: readonly ImageFeatures[], options: ClassifyOptions = {}): Promise<ZeroShotResult> {
    this.#open();
    const normalization = options.normalization ?? "NONE";
    const mode = options.mode ?? "REFERENCE";
    const { id, classes } = this.#promptClasses(options.classes);
    const names = classes.map((c) => c.name);
    const reference = this.manifest.zeroShot.reference ?? undefined;
    if (normalization === "REFERENCE") {
      const missing = names.filter((n) => !reference?.[n]);
      if (missing.length > 0) {
        throw new AppError("BAD_USER_INPUT", `model ${this.id} has no REFERENCE zero-shot statistics for ${missing.join(", ")}; use NONE or BATCH`, {
          details: { missing },
        });
      }
    }

    const prompts = await this.#promptFeatures(id, classes);
    const stacked = stackWordColumns(
      prompts.map((p) => this.#columns(p, mode)),
      this.dim,
    );
    // [image][prompt] combined scores: one local run per image covers every prompt.
    const combined: Float32Array[] = [];
    const globalAll = cosineMatrix(
      images.map((i) => i.global),
      prompts.map((p) => p.sentence),
    );
    for (const [n, image] of images.entries()) {
      const local = await this.#localImageVsTexts(image.local, stacked, prompts.length);
      combined.push(combineScores(local, globalAll.subarray(n * prompts.length, (n + 1) * prompts.length)));
    }

    const raw = classScores(combined, classes);
    const normalized = normalizeScores(raw, names, normalization, reference);
    for (const warning of normalized.warnings) this.#logger.warn({ model: this.id }, warning);
    return {
      promptSet: id,
      classes: names,
      normalization,
      mode,
      warnings: normalized.warnings,
      images: raw.map((row, n) => ({
        raw: Object.fromEntries(names.map((name, c) => [name, row[c]])),
        scores: Object.fromEntries(names.map((name, c) => [name, normalized.scores[n][c]])),
        predicted: argmaxClass(normalized.scores[n], names),
      })),
    };
  }

  #promptClasses(custom?: readonly ClassPrompts[]): { id: string; classes: readonly ClassPrompts[] } {
    if (custom) {
      if (custom.length === 0 || custom.some((c) => c.prompts.length === 0 || c.name.length === 0)) {
        throw new AppError("BAD_USER_INPUT", "each class needs a name and at least one prompt");
      }
      if (new Set(custom.map((c) => c.name)).size !== custom.length) {
        throw new AppError("BAD_USER_INPUT", "class names must be unique");
      }
      return { id: `custom:${JSON.stringify(custom.map((c) => [c.name, c.prompts]))}`, classes: custom };
    }
    const set = findPromptSet(this.manifest.zeroShot.promptSet);
    if (!set) {
      throw new AppError("BAD_USER_INPUT", `prompt set ${this.manifest.zeroShot.promptSet} is unknown; pass custom classes`);
    }
    return { id: set.id, classes: set.classes };
  }

  /** Prompt encodings are fixed per model, so they are computed once per prompt set. */
  #promptFeatures(id: string, classes: readonly ClassPrompts[]): Promise<TextFeatures[]> {
    let cached = this.#promptCache.get(id);
    if (!cached) {
      cached = this.encodeTexts(classes.flatMap((c) => c.prompts));
      if (!id.startsWith("custom:")) this.#promptCache.set(id, cached);
      cached.catch(() => this.#promptCache.delete(id));
    }
    return cached;
  }

  /**
   * Per-column attention of a text over one image's regions (gloria-numerics §4.2 A2), for explaining a
   * match. Mode WORDS (default) gives one map per word; REFERENCE adds [SEP]. Zero columns carry no
   * word and are left out, so a text with no words after cleaning gives an empty list.
   */
  async attention(
    query: string | TextFeatures,
    image: ImageFeatures,
    options: { mode?: SlicingMode } = {},
  ): Promise<{ words: WordAttention[]; grid: readonly [number, number]; local: number }> {
    const text = await this.#text(query);
    const scores = await this.scoreTextAgainstRegions(text, { encoding: "float32", data: image.local }, 1, {
      mode: options.mode ?? "WORDS",
      withAttention: true,
    });
    return { grid: this.grid, local: scores.local[0], words: this.wordAttention(scores, 0) };
  }

  /** The segmenter, or BAD_USER_INPUT naming this model when its folder has no segmentation.onnx. */
  requireSegmenter(): Segmenter {
    this.#open();
    if (!this.segmenter) {
      throw new AppError("BAD_USER_INPUT", `Model ${this.id} has no segmentation graph (segmentation.onnx, docs/model-contract.md)`, {
        details: { field: "model", model: this.id },
      });
    }
    return this.segmenter;
  }

  /**
   * Segments prepared images (segmentation.prepare.ts, each stretched to S×S): one probability map
   * per class and image, in the manifest's class order. BAD_USER_INPUT without a segmentation graph.
   */
  async segmentPrepared(inputs: readonly SegmentationInput[]): Promise<ImageSegmentation[]> {
    const segmenter = this.requireSegmenter();
    const S = segmenter.inputSize;
    const maps = await segmenter.segmentImages(inputs.map((i) => i.pixels));
    return inputs.map((input, n) => ({
      width: input.width,
      height: input.height,
      size: S,
      classes: segmenter.classes.map((className, c) => ({ className, probabilities: maps[n]!.subarray(c * S * S, (c + 1) * S * S) })),
    }));
  }

  /**
   * One image file's segmentation: decoded and stretched whole to S×S (in this thread unless
   * `prepare` says otherwise), run through segmentation.onnx, sigmoid per class. BAD_USER_INPUT
   * naming the model without a segmentation graph (checked before decoding); the decoder's errors
   * for a corrupt or oversized file.
   */
  async segmentImage(bytes: Uint8Array, options: SegmentImageOptions = {}): Promise<ImageSegmentation> {
    const S = this.requireSegmenter().inputSize;
    const prepare = options.prepare ?? ((b: Uint8Array, size: number) => prepareSegmentationImage(b, size, { maxPixels: options.maxPixels }));
    const [result] = await this.segmentPrepared([await prepare(bytes, S)]);
    return result!;
  }

  /** Releases the sessions; later calls throw MODEL_UNAVAILABLE. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#graphs.map((g) => g.release()), this.#local.release()]);
  }
}

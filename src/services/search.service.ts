// The retrieval use cases: report→image search, image→report retrieval, similar images and attention
// maps (zero-shot classification is classify.service.ts, on the images this service resolves). First stage: global cosine from the vector store (gloria-numerics
// §4.1); second stage, when asked: GLoRIA's local similarity over the candidates' stored local
// features in one batched run, combined as (local + global) / 2 (§4.2, §4.3). Only READY items are
// ever returned.
import { createHash } from "node:crypto";
import { AppError } from "../errors/app-error.ts";
import type { GloriaModel, LocalQueryScores, WordAttention } from "../model/gloria.model.ts";
import { preprocessGeometry, type PreprocessGeometry } from "../model/heatmap/heatmap.geometry.ts";
import { renderHeatmapPng } from "../model/heatmap/heatmap.render.ts";
import { fitGray } from "../model/heatmap/heatmap.fit.ts";
import { decodeImage } from "../model/image/image.decode.ts";
import { THUMBNAIL_MAX_SIDE } from "../model/image/image.prepare.ts";
import type { ImageFeatures, RegionInput, SlicingMode, TextFeatures } from "../model/model.port.ts";
import { combineScores } from "../model/similarity/similarity.combine.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { checkFirst, LIMITS } from "./limits.ts";
import { averageQuery, bestScore, checkExampleQuery, unit, weightedLocal, type ExampleQuery, type Examples } from "./search.examples.ts";
import { checkPageOptions, decodeCursor, pageOf, poolSize, queryFingerprint, type PageOptions, type Paged } from "./search.paging.ts";
import { SourceFiles } from "./source-files.ts";
import type { LocalFeatureStore, RegionBlock } from "../stores/local-features/local-feature-store.port.ts";
import type { ImageRecord, MetadataStore, ReportRecord } from "../stores/metadata/metadata-store.port.ts";
import { MAX_SEARCH_K, type VectorCollection, type VectorFilter, type VectorHit } from "../stores/vector/vector-store.port.ts";

export interface RerankOptions {
  enabled: boolean;
  candidates: number;
  mode: SlicingMode;
}

export interface SearchFilter {
  datasetIds?: string[];
  studyIds?: string[];
  viewPositions?: string[];
  /** Any of these findings. */
  findings?: string[];
  /** Every one of these findings. */
  findingsAll?: string[];
  /** None of these findings. */
  findingsNone?: string[];
  /** Only these items: a label or date cohort, resolved by the catalogue. */
  ids?: string[];
}

/** An image given by the caller: a stored one, or bytes to decode. */
export type ImageRef = { id: string } | { bytes: Uint8Array; name?: string };

/** An image ready for scoring, with what heatmaps need to be drawn on it. */
export interface ResolvedImage {
  features: ImageFeatures;
  storedId: string | null;
  /** The grey pixels to draw heatmaps on (at most heatmapMaxSide) and their geometry, when available. */
  pixels: () => Promise<DisplayPixels | undefined>;
}

interface DisplayPixels {
  gray: Uint8Array;
  geometry: PreprocessGeometry;
}

export interface AttentionWord {
  word: string;
  /** Cosine of the word with its attended image context, [−1, 1]. */
  weight: number;
  /** [h·w] softmax over regions (sums to 1). */
  map: Float32Array;
  /**
   * PNG heat overlay on the image (at most `heatmapMaxSide` px on the long side), rendered only when
   * called: null when the image's pixels are unavailable. Counts against the request's heatmap budget.
   */
  heatmap(): Promise<Buffer | null>;
}

export interface ImageHitResult {
  rank: number;
  score: number;
  globalScore: number;
  localScore: number | null;
  image: ImageRecord;
  attention?: AttentionWord[];
}

export interface ReportHitResult {
  rank: number;
  score: number;
  globalScore: number;
  localScore: number | null;
  report: ReportRecord;
}

export interface SearchDeps {
  model: GloriaModel;
  metadata: MetadataStore;
  images: VectorCollection;
  reports: VectorCollection;
  localFeatures: LocalFeatureStore;
  /**
   * Decodes and preprocesses an image off the main thread; with `thumbnail`, also a grey JPEG of at
   * most 512 px, which is what heatmaps of a query image are drawn on.
   */
  prepareImage(bytes: Uint8Array, options?: { thumbnail?: boolean }): Promise<{ pixels: Float32Array; thumbnail?: { bytes: Uint8Array } }>;
  maxImagePixels: number;
  /**
   * Draws a heatmap PNG off the main thread (the runtime's worker pool): its upsampling is ~100 ms of
   * JavaScript per 512 px image. Default: in this thread (for tests with fakes).
   */
  renderHeatmap?(task: { gray: Uint8Array; map: Float32Array; grid: [number, number]; geometry: PreprocessGeometry }): Promise<Uint8Array>;
  /** Longest side of a rendered heatmap, in pixels (default 512). */
  heatmapMaxSide?: number;
  /**
   * Where a stored image's source file may be read from for a heatmap when it has no thumbnail (an
   * image ingested before thumbnails were kept): INGEST_ROOTS. None: such images get no heatmap.
   */
  sourceRoots?: readonly string[];
  /** Largest source file read for a heatmap (MAX_UPLOAD_BYTES). */
  maxSourceBytes?: number;
}

/** The hits whose items are READY, with their records. */
interface ReadyHits<T> {
  hits: VectorHit[];
  records: Map<string, T>;
}

/** A text's local scores against stored images, and where each image sits in them. */
interface StoredLocalScores {
  scores: LocalQueryScores;
  byId: Map<string, number>;
}

/** A region block as the model's local similarity takes it. */
function regionInput(block: RegionBlock): RegionInput {
  if (block.encoding === "int8") return { encoding: "int8", data: block.data as Int8Array, scales: block.scales! };
  return { encoding: "float16", data: block.data as Uint16Array };
}

/** What a request may still render; shared by every hit's words. */
class HeatmapBudget {
  #left: number;
  readonly #signal: AbortSignal | undefined;
  constructor(limit: number, signal?: AbortSignal) {
    this.#left = limit;
    this.#signal = signal;
  }
  take(): void {
    checkNotCancelled(this.#signal);
    if (this.#left <= 0) {
      throw new AppError(
        "BAD_USER_INPUT",
        `A request may render at most ${LIMITS.maxHeatmaps} heatmaps; ask for fewer hits or select heatmap on fewer of them`,
        {
          details: { field: "heatmap", limit: LIMITS.maxHeatmaps },
        },
      );
    }
    this.#left--;
  }
}

function checkRerank(rerank: RerankOptions | undefined, first: number): void {
  if (!rerank?.enabled) return;
  if (!Number.isInteger(rerank.candidates) || rerank.candidates < 1 || rerank.candidates > LIMITS.maxCandidates) {
    throw new AppError("BAD_USER_INPUT", `rerank.candidates must be between 1 and ${LIMITS.maxCandidates}`, { details: { field: "rerank.candidates" } });
  }
  if (rerank.candidates < first) throw new AppError("BAD_USER_INPUT", "rerank.candidates must be at least first", { details: { field: "rerank.candidates" } });
}

function checkText(text: string): void {
  if (text.trim() === "") throw new AppError("BAD_USER_INPUT", "The query text is empty", { details: { field: "text" } });
  if ([...text].length > LIMITS.maxTextLength) throw new AppError("BAD_USER_INPUT", `The query text is longer than ${LIMITS.maxTextLength} characters`);
}

/** A search filter as the stores take it (`findings` are "any of"). */
export function toVectorFilter(filter: SearchFilter | undefined): VectorFilter | undefined {
  if (!filter) return undefined;
  return {
    datasetIds: filter.datasetIds,
    studyIds: filter.studyIds,
    viewPositions: filter.viewPositions,
    findingsAny: filter.findings,
    findingsAll: filter.findingsAll,
    findingsNone: filter.findingsNone,
    ids: filter.ids,
  };
}

/** Orders by score descending, ties by id, and numbers the ranks from 1. */
function ranked<T extends { score: number; id: string }>(items: T[]): Array<T & { rank: number }> {
  return items.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((item, i) => ({ ...item, rank: i + 1 }));
}

type Scored = { id: string; score: number; globalScore: number; localScore: number | null };

/** A search's query as an example query: a plain `text` is one text of weight 1; exactly one of the two. */
function exampleQueryOf(input: { text?: string; query?: ExampleQuery }): ExampleQuery {
  if ((input.text === undefined) === (input.query === undefined)) {
    throw new AppError("BAD_USER_INPUT", "Give exactly one of text and query", { details: { field: "query" } });
  }
  const query = input.query ?? { texts: [{ text: input.text!, weight: 1 }], positive: [], negative: [], strategy: "AVERAGE" as const };
  for (const t of query.texts) checkText(t.text);
  checkExampleQuery(query);
  return query;
}

/** The paging arguments of a search (search.paging.ts); perGroup defaults to 1. */
export type PageInput = Omit<PageOptions, "perGroup"> & { perGroup?: number };

function pageInput(input: PageInput): PageOptions {
  const page: PageOptions = { first: input.first, after: input.after, minScore: input.minScore, groupBy: input.groupBy, perGroup: input.perGroup ?? 1 };
  checkFirst(page.first);
  checkPageOptions(page);
  return page;
}

/** What of the paging arguments decides the ranking (not `first` or `after`: pages of one ranking may differ in size). */
function pageIdentity(page: PageOptions): Record<string, unknown> {
  return { minScore: page.minScore ?? null, groupBy: page.groupBy ?? null, perGroup: page.perGroup };
}

/** A query image as a cursor's fingerprint names it: a stored id, or a digest of the bytes. */
function imageIdentity(ref: ImageRef): string {
  return "id" in ref ? `id:${ref.id.toLowerCase()}` : `sha256:${createHash("sha256").update(ref.bytes).digest("hex")}`;
}

/**
 * First-stage hits for a page without re-ranking: the pool the page needs, rounded up to a whole
 * LIMITS.maxFirst, so every page within the same hundred is cut from the very same approximate
 * search (an HNSW search for k = 10 and for k = 20 may order near-ties differently).
 */
function firstStageDepth(page: PageOptions, position: number): number {
  const pool = poolSize(page, position);
  if (position + page.first > LIMITS.maxCandidates) {
    throw new AppError("BAD_USER_INPUT", `Pages reach at most ${LIMITS.maxCandidates} hits deep`, { details: { field: "after" } });
  }
  return Math.min(LIMITS.maxCandidates, Math.ceil(pool / LIMITS.maxFirst) * LIMITS.maxFirst);
}

export class SearchService {
  /** The guard a stored image's source file is read through for a heatmap (undefined without INGEST_ROOTS). */
  readonly #sourceFiles: SourceFiles | undefined;

  constructor(private readonly deps: SearchDeps) {
    const roots = deps.sourceRoots ?? [];
    this.#sourceFiles = roots.length ? new SourceFiles(roots, { maxBytes: deps.maxSourceBytes ?? 50 * 1024 * 1024 }) : undefined;
  }

  /** The largest image a request may send (MAX_UPLOAD_BYTES). */
  get maxImageBytes(): number {
    return this.deps.maxSourceBytes ?? 50 * 1024 * 1024;
  }

  get #heatmapMaxSide(): number {
    return this.deps.heatmapMaxSide ?? 512;
  }

  /** Decodes/encodes a given image, or loads a stored one's features. NOT_FOUND for an unknown id. */
  async resolveImage(ref: ImageRef): Promise<ResolvedImage> {
    const { model } = this.deps;
    if ("id" in ref) {
      const record = await this.#readyImage(ref.id);
      const [regions, vectors] = await Promise.all([this.deps.localFeatures.getImageRegions(model.id, [record.id]), this.deps.images.vectors([record.id])]);
      const local = regions.get(record.id)?.regions;
      const global = vectors.get(record.id);
      if (!local || !global) throw missingFeatures(record.id);
      return { features: { global, local }, storedId: record.id, pixels: once(() => this.#storedPixels(record)) };
    }
    const prepared = await this.deps.prepareImage(ref.bytes);
    const [features] = await model.encodeImages([prepared.pixels]);
    return { features: features!, storedId: null, pixels: once(() => this.#pixelsOffThread(ref.bytes)) };
  }

  async #readyImage(id: string): Promise<ImageRecord> {
    const [record] = await this.deps.metadata.getImages([id]);
    if (!record || record.status !== "READY") throw new AppError("NOT_FOUND", `No image with id ${id}`);
    return record;
  }

  /** The pixels heatmaps are drawn on, shrunk to at most heatmapMaxSide on the long side. */
  async #display(bytes: Uint8Array): Promise<DisplayPixels> {
    // Only thumbnails (ours, at most THUMBNAIL_MAX_SIDE a side) are decoded on this thread.
    const decoded = await decodeImage(bytes, { maxPixels: THUMBNAIL_MAX_SIDE * THUMBNAIL_MAX_SIDE });
    const fitted = await fitGray(decoded.gray, decoded.width, decoded.height, this.#heatmapMaxSide);
    const { manifest } = this.deps.model;
    return { gray: fitted.gray, geometry: preprocessGeometry(fitted.width, fitted.height, manifest.image.resize, manifest.image.crop) };
  }

  /**
   * The display pixels of an image file that is not ours (a query image, an old source file): decoded
   * in the worker pool, which gives back its small grey thumbnail; only that is decoded here.
   */
  async #pixelsOffThread(bytes: Uint8Array): Promise<DisplayPixels | undefined> {
    try {
      const { thumbnail } = await this.deps.prepareImage(bytes, { thumbnail: true });
      return thumbnail ? await this.#pixelsOf(thumbnail.bytes) : undefined;
    } catch {
      return undefined;
    }
  }

  /** #display of a thumbnail's bytes, or undefined when they cannot be decoded. */
  async #pixelsOf(bytes: Uint8Array): Promise<DisplayPixels | undefined> {
    try {
      return await this.#display(bytes);
    } catch {
      return undefined;
    }
  }

  /**
   * A stored image's pixels for heatmaps: the thumbnail made at ingestion; for an image ingested
   * before thumbnails were kept, its source file, read only when it is a regular file inside
   * sourceRoots and no larger than maxSourceBytes, under SourceFiles' rules. A stored path is data: a
   * upload's name, a manifest row.
   */
  async #storedPixels(record: ImageRecord): Promise<DisplayPixels | undefined> {
    const thumbnail = (await this.deps.metadata.getThumbnails([record.id])).get(record.id);
    if (thumbnail) return this.#pixelsOf(thumbnail.bytes);
    if (!record.sourcePath || !this.#sourceFiles) return undefined;
    try {
      return await this.#pixelsOffThread(await this.#sourceFiles.read(record.sourcePath, `The source file of image ${record.id}`));
    } catch {
      return undefined;
    }
  }

  /**
   * Report → image: a page of the best images for a text, or for an example query (weighted texts,
   * positive and negative images: search.examples.ts), optionally re-ranked and explained. One
   * local-similarity run per text covers the re-ranking and, when asked for, the attention maps of
   * the hits (those of the first text with a positive weight). Re-ranked, the ranking is of the
   * `candidates` first-stage hits; otherwise of as many as the page reaches (search.paging.ts).
   */
  async searchImages(
    input: { text?: string; query?: ExampleQuery; filter?: SearchFilter; rerank?: RerankOptions; withAttention?: boolean; signal?: AbortSignal } & PageInput,
  ): Promise<Array<Paged<ImageHitResult>>> {
    const examples = exampleQueryOf(input);
    const page = pageInput(input);
    checkRerank(input.rerank, page.first);
    const { model } = this.deps;
    // Example images have no local score against an image: without texts there is no second stage.
    const rerank = input.rerank?.enabled && examples.texts.length > 0 ? input.rerank : undefined;
    const fingerprint = queryFingerprint({
      of: "searchImages",
      model: model.id,
      query: { ...examples, positive: examples.positive.map(imageIdentity), negative: examples.negative.map(imageIdentity) },
      filter: input.filter ?? null,
      rerank: rerank ?? null,
      ...pageIdentity(page),
    });
    const position = decodeCursor(page.after, fingerprint);
    const texts = examples.texts.length > 0 ? await model.encodeTexts(examples.texts.map((t) => t.text)) : [];
    checkNotCancelled(input.signal);
    const k = rerank ? rerank.candidates : firstStageDepth(page, position);
    const candidates = await this.#firstStage(examples, texts, k, toVectorFilter(input.filter), input.signal);
    checkNotCancelled(input.signal);
    const loadRecords = (ids: string[]) => this.deps.metadata.getImages(ids);

    const withAttention = input.withAttention === true;
    const mode: SlicingMode = rerank?.mode ?? "WORDS";
    // The text whose attention maps a hit shows: the first with a positive weight (one exists unless only images were given).
    const shownText = examples.texts.findIndex((t) => t.weight > 0);
    let ready: ReadyHits<ImageRecord>;
    let locals: StoredLocalScores[] = [];
    if (rerank) {
      // Each candidate's local score depends on it alone, so the candidates are scored while their
      // records are read; those that are not READY are dropped after.
      [ready, locals] = await Promise.all([
        this.#ready(candidates, loadRecords),
        Promise.all(texts.map((t, i) => this.#localScores(t, candidates, { mode, withAttention: withAttention && i === shownText }))),
      ]);
    } else {
      ready = await this.#ready(candidates, loadRecords, page.groupBy ? undefined : position + page.first);
    }
    checkNotCancelled(input.signal);
    const { hits, records } = ready;
    const weights = examples.texts.map((t) => t.weight);
    const scored: Scored[] = hits.flatMap((h): Scored[] => {
      if (!rerank) return [{ id: h.id, score: h.score, globalScore: h.score, localScore: null }];
      const at = locals.map((l) => l.byId.get(h.id));
      if (at.some((i) => i === undefined)) return [];
      const [local] = weightedLocal(
        locals.map((l, t) => [l.scores.local[at[t]!]!]),
        weights,
      );
      const [combined] = combineScores([local!], [h.score]);
      return [{ id: h.id, score: combined!, globalScore: h.score, localScore: local! }];
    });
    const shown = pageOf(
      ranked(scored).map((t) => ({ ...t, group: records.get(t.id)!.studyId })),
      page,
      position,
      fingerprint,
    );
    let attention = shownText >= 0 ? locals[shownText] : undefined;
    // Attention without re-ranking needs only the hits shown.
    if (withAttention && !rerank && shownText >= 0 && shown.length > 0) {
      attention = await this.#localScores(
        texts[shownText]!,
        shown.map((t) => ({ id: t.id, score: t.globalScore })),
        { mode, withAttention },
      );
    }
    const budget = new HeatmapBudget(LIMITS.maxHeatmaps, input.signal);
    return shown.map((t) => {
      const image = records.get(t.id)!;
      const hit: Paged<ImageHitResult> = {
        rank: t.rank,
        cursor: t.cursor,
        group: t.group,
        score: t.score,
        globalScore: t.globalScore,
        localScore: t.localScore,
        image,
      };
      const l = attention?.byId.get(t.id);
      if (withAttention && l !== undefined) {
        const pixels = once(() => this.#storedPixels(image));
        hit.attention = this.#words(model.wordAttention(attention!.scores, l), pixels, budget);
      }
      return hit;
    });
  }

  /**
   * The first-stage candidates of an image search: one text's sentence embedding searched as it is,
   * or an example query's combined vectors (search.examples.ts).
   */
  async #firstStage(examples: ExampleQuery, texts: TextFeatures[], k: number, filter: VectorFilter | undefined, signal?: AbortSignal): Promise<VectorHit[]> {
    const [single] = examples.texts;
    if (examples.texts.length === 1 && single!.weight === 1 && examples.positive.length === 0 && examples.negative.length === 0) {
      return this.deps.images.search(texts[0]!.sentence, k, filter);
    }
    const { vectors, stored } = await this.#exampleVectors(examples, texts, signal);
    return this.#searchExamples(this.deps.images, vectors, examples.strategy, stored, k, filter);
  }

  /** An example query's texts and images as weighted unit vectors; the images' features; the stored images' ids. */
  async #exampleVectors(
    examples: ExampleQuery,
    texts: TextFeatures[],
    signal?: AbortSignal,
  ): Promise<{ vectors: Examples; stored: Set<string>; images: Array<{ features: ImageFeatures; weight: number }> }> {
    const vectors: Examples = { positive: [], negative: [] };
    for (const [i, t] of examples.texts.entries())
      (t.weight > 0 ? vectors.positive : vectors.negative).push({ vector: unit(texts[i]!.sentence), weight: Math.abs(t.weight) });
    const stored = new Set<string>();
    const images: Array<{ features: ImageFeatures; weight: number }> = [];
    for (const [list, refs, weight] of [
      [vectors.positive, examples.positive, 1],
      [vectors.negative, examples.negative, -1],
    ] as const) {
      for (const ref of refs) {
        checkNotCancelled(signal);
        if ("id" in ref) stored.add(ref.id.toLowerCase());
        const features = (await this.resolveImage(ref)).features;
        images.push({ features, weight });
        list.push({ vector: unit(features.global), weight: 1 });
      }
    }
    return { vectors, stored, images };
  }

  /** AVERAGE: one search for the combined vector; BEST_SCORE: one per positive, rescored. Stored examples are never hits. */
  async #searchExamples(
    collection: VectorCollection,
    vectors: Examples,
    strategy: ExampleQuery["strategy"],
    stored: Set<string>,
    k: number,
    filter: VectorFilter | undefined,
  ): Promise<VectorHit[]> {
    const wanted = Math.min(MAX_SEARCH_K, k + stored.size);
    let hits: VectorHit[];
    if (strategy === "AVERAGE") {
      hits = await collection.search(averageQuery(vectors), wanted, filter);
    } else {
      const pools = await Promise.all(vectors.positive.map((p) => collection.search(p.vector, wanted, filter)));
      const ids = [...new Set(pools.flat().map((h) => h.id))];
      const kept = await collection.vectors(ids);
      hits = ids.flatMap((id) => {
        const v = kept.get(id);
        return v ? [{ id, score: bestScore(v, vectors) }] : [];
      });
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return hits.filter((h) => !stored.has(h.id)).slice(0, k);
  }

  /** The local scores of a text against stored images, read as one block and scored in one run. */
  async #localScores(query: TextFeatures, hits: readonly VectorHit[], options: { mode: SlicingMode; withAttention: boolean }): Promise<StoredLocalScores> {
    const { model } = this.deps;
    const block = await this.deps.localFeatures.getImageRegionBlock(
      model.id,
      hits.map((h) => h.id),
    );
    try {
      const scores = await model.scoreTextAgainstRegions(query, regionInput(block), block.ids.length, options);
      return { scores, byId: new Map(block.ids.map((id, i) => [id, i])) };
    } finally {
      // The scores and maps are the runtime's own arrays: the block's memory can serve the next read.
      block.release?.();
    }
  }

  /**
   * Image → report: a page of the best reports for an image, or for an example query (positive and
   * negative images, weighted texts: search.examples.ts), optionally re-ranked with the word features
   * stored at ingestion (reports are never encoded again). Re-ranking scores the example images'
   * regions against each report's words, positive images minus negative ones; texts have no local
   * score against a report, so a query without images is not re-ranked.
   */
  async searchReports(
    input: { image?: ImageRef; query?: ExampleQuery; filter?: SearchFilter; rerank?: RerankOptions; signal?: AbortSignal } & PageInput,
  ): Promise<Array<Paged<ReportHitResult>>> {
    if ((input.image === undefined) === (input.query === undefined)) {
      throw new AppError("BAD_USER_INPUT", "Give exactly one of image and query", { details: { field: "query" } });
    }
    const examples: ExampleQuery = input.query ?? { texts: [], positive: [input.image!], negative: [], strategy: "AVERAGE" };
    for (const t of examples.texts) checkText(t.text);
    checkExampleQuery(examples);
    const page = pageInput(input);
    checkRerank(input.rerank, page.first);
    const { model } = this.deps;
    const hasImages = examples.positive.length + examples.negative.length > 0;
    const rerank = input.rerank?.enabled && hasImages ? input.rerank : undefined;
    const identity = input.query
      ? { query: { ...examples, positive: examples.positive.map(imageIdentity), negative: examples.negative.map(imageIdentity) } }
      : { image: imageIdentity(input.image!) };
    const fingerprint = queryFingerprint({
      of: "searchReports",
      model: model.id,
      ...identity,
      filter: input.filter ?? null,
      rerank: rerank ?? null,
      ...pageIdentity(page),
    });
    const position = decodeCursor(page.after, fingerprint);
    const texts = examples.texts.length > 0 ? await model.encodeTexts(examples.texts.map((t) => t.text)) : [];
    // Example images are never reports, so none is left out of the hits.
    const { vectors, images } = await this.#exampleVectors(examples, texts, input.signal);
    checkNotCancelled(input.signal);
    const k = rerank ? rerank.candidates : firstStageDepth(page, position);
    const filter = toVectorFilter(input.filter);
    // One image alone searches with its own embedding, as it always has.
    const candidates =
      input.image !== undefined
        ? await this.deps.reports.search(images[0]!.features.global, k, filter)
        : await this.#searchExamples(this.deps.reports, vectors, examples.strategy, new Set(), k, filter);
    const { hits, records } = await this.#ready(
      candidates,
      (ids) => this.deps.metadata.getReports(ids),
      rerank || page.groupBy ? undefined : position + page.first,
    );
    checkNotCancelled(input.signal);

    let scored: Scored[];
    if (rerank && hits.length > 0) {
      const words = await this.deps.localFeatures.getReportWords(
        model.id,
        hits.map((h) => h.id),
      );
      const usable = hits.filter((h) => words.has(h.id));
      const reportTexts = usable.map((h) => ({ text: records.get(h.id)!.text, words: words.get(h.id)!.words, slots: words.get(h.id)!.slots }));
      const locals: Float32Array[] = [];
      for (const { features } of images) {
        checkNotCancelled(input.signal);
        locals.push(Float32Array.from(await model.scoreRegionsAgainstTexts({ encoding: "float32", data: features.local }, reportTexts, { mode: rerank.mode })));
      }
      const local = weightedLocal(
        locals,
        images.map((i) => i.weight),
      );
      const combined = combineScores(local, Float32Array.from(usable.map((h) => h.score)));
      scored = usable.map((h, i) => ({ id: h.id, score: combined[i]!, globalScore: h.score, localScore: local[i]! }));
    } else {
      scored = hits.map((h) => ({ id: h.id, score: h.score, globalScore: h.score, localScore: null }));
    }
    return pageOf(
      ranked(scored).map((t) => ({ ...t, group: records.get(t.id)!.studyId })),
      page,
      position,
      fingerprint,
    ).map((t) => ({
      rank: t.rank,
      cursor: t.cursor,
      group: t.group,
      score: t.score,
      globalScore: t.globalScore,
      localScore: t.localScore,
      report: records.get(t.id)!,
    }));
  }

  /**
   * Image → images by global cosine. A stored query image is left out of its own results, and with
   * `excludeSameStudy` so are the other images of its study (its other views).
   */
  async similarImages(
    input: { image: ImageRef; filter?: SearchFilter; excludeSameStudy?: boolean; signal?: AbortSignal } & Omit<PageInput, "groupBy" | "perGroup">,
  ): Promise<Array<Paged<ImageHitResult>>> {
    const page = pageInput(input);
    const fingerprint = queryFingerprint({
      of: "similarImages",
      model: this.deps.model.id,
      image: imageIdentity(input.image),
      filter: input.filter ?? null,
      excludeSameStudy: input.excludeSameStudy === true,
      ...pageIdentity(page),
    });
    const position = decodeCursor(page.after, fingerprint);
    // A stored image's global vector is all this needs: its regions are not read.
    const stored = "id" in input.image ? await this.#readyImage(input.image.id) : null;
    const query = stored ? await this.#storedGlobal(stored.id) : (await this.resolveImage(input.image)).features.global;
    checkNotCancelled(input.signal);
    const excludedStudy = input.excludeSameStudy && stored?.studyId ? stored.studyId : null;
    // Without a study to leave out, one extra hit covers the query image itself.
    const k = Math.min(MAX_SEARCH_K, firstStageDepth(page, position) * (excludedStudy ? 2 : 1) + (stored ? 1 : 0));
    const ready = await this.#ready(await this.deps.images.search(query, k, toVectorFilter(input.filter)), (ids) => this.deps.metadata.getImages(ids));
    const kept = ready.hits.filter((h) => h.id !== stored?.id && (excludedStudy === null || ready.records.get(h.id)!.studyId !== excludedStudy));
    return pageOf(
      kept.map((h) => ({ id: h.id, score: h.score, group: null })),
      page,
      position,
      fingerprint,
    ).map((t) => ({ rank: t.rank, cursor: t.cursor, group: null, score: t.score, globalScore: t.score, localScore: null, image: ready.records.get(t.id)! }));
  }

  async #storedGlobal(id: string): Promise<Float32Array> {
    const record = await this.#readyImage(id);
    const global = (await this.deps.images.vectors([record.id])).get(record.id);
    if (!global) throw missingFeatures(record.id);
    return global;
  }

  /** Per-word attention of a text over an image, with heat overlays (gloria-numerics §4.2 A2). */
  async attention(input: {
    image: ImageRef;
    text: string;
    mode?: SlicingMode;
    signal?: AbortSignal;
  }): Promise<{ words: AttentionWord[]; grid: readonly [number, number]; localScore: number }> {
    checkText(input.text);
    const [query] = await this.deps.model.encodeTexts([input.text]);
    const image = await this.resolveImage(input.image);
    checkNotCancelled(input.signal);
    const result = await this.deps.model.attention(query!, image.features, { mode: input.mode ?? "WORDS" });
    const words = this.#words(result.words, image.pixels, new HeatmapBudget(LIMITS.maxHeatmaps, input.signal));
    return { words, grid: result.grid, localScore: result.local };
  }

  /** Words with lazily drawn heatmaps: the image is read once, and only if a heatmap is asked for. */
  #words(words: WordAttention[], pixels: () => Promise<DisplayPixels | undefined>, budget: HeatmapBudget): AttentionWord[] {
    const grid = this.deps.model.grid;
    return words.map((w) => ({
      word: w.word,
      weight: w.cosine,
      map: w.map,
      heatmap: once(async () => {
        budget.take();
        const image = await pixels();
        if (!image) return null;
        if (!this.deps.renderHeatmap) return renderHeatmapPng(image.gray, w.map, grid, image.geometry);
        const png = await this.deps.renderHeatmap({ gray: image.gray, map: Float32Array.from(w.map), grid: [grid[0], grid[1]], geometry: image.geometry });
        return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
      }),
    }));
  }

  /**
   * The hits whose items are READY, with their records. With `need`, only as many leading hits are
   * read as give that many READY ones (one read unless some are not READY); without it, all of them.
   */
  async #ready<T extends { id: string; status: string }>(
    hits: VectorHit[],
    load: (ids: string[]) => Promise<Array<T | null>>,
    need?: number,
  ): Promise<ReadyHits<T>> {
    const records = new Map<string, T>();
    let read = 0;
    while (read < hits.length && (need === undefined || records.size < need)) {
      const chunk = hits.slice(read, need === undefined ? hits.length : read + Math.max(need - records.size, 1));
      read += chunk.length;
      for (const record of await load(chunk.map((h) => h.id))) if (record?.status === "READY") records.set(record.id, record);
    }
    return { hits: hits.slice(0, read).filter((h) => records.has(h.id)), records };
  }
}

function missingFeatures(id: string): AppError {
  return new AppError("STORE_UNAVAILABLE", `The stored features of image ${id} are missing; re-ingest it`, { expected: false });
}

/** A thunk that runs its work at most once and shares the result. */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= work());
}

// The retrieval use cases: report→image search, image→report retrieval, similar images, zero-shot
// classification and attention maps. First stage: global cosine from the vector store (GLORIA_SPEC
// §4.1); second stage, when asked: GLoRIA's local similarity over the candidates' stored local
// features in one batched run, combined as (local + global) / 2 (§4.2, §4.3). Only READY items are
// ever returned.
import fs from "node:fs";
import { AppError } from "../errors/app-error.ts";
import type { GloriaModel, WordAttention, ZeroShotResult } from "../model/gloria.model.ts";
import { preprocessGeometry, type PreprocessGeometry } from "../model/heatmap/heatmap.geometry.ts";
import { renderHeatmapPng } from "../model/heatmap/heatmap.render.ts";
import { decodeImage } from "../model/image/image.decode.ts";
import type { ImageFeatures, SlicingMode } from "../model/model.ports.ts";
import type { ZeroShotNormalization } from "../model/zero-shot/zero-shot.normalize.ts";
import type { ClassPrompts } from "../model/zero-shot/zero-shot.prompts.ts";
import { combineScores } from "../model/similarity/similarity.combine.ts";
import type { LocalFeatureStore } from "../stores/local-features/local-feature-store.port.ts";
import type { ImageRecord, MetadataStore, ReportRecord } from "../stores/metadata/metadata-store.port.ts";
import type { VectorCollection, VectorFilter, VectorHit } from "../stores/vector/vector-store.port.ts";

export const LIMITS = {
  maxFirst: 100,
  maxCandidates: 1000,
  maxClassifyImages: 32,
  maxTextLength: 10_000,
} as const;

export interface RerankOptions {
  enabled: boolean;
  candidates: number;
  mode: SlicingMode;
}

export interface SearchFilter {
  datasetIds?: string[];
  studyIds?: string[];
  viewPositions?: string[];
  findings?: string[];
}

/** An image given by the caller: a stored one, or bytes to decode. */
export type ImageRef = { id: string } | { bytes: Uint8Array; name?: string };

/** An image ready for scoring, with what heatmaps need to be drawn on it. */
export interface ResolvedImage {
  features: ImageFeatures;
  storedId: string | null;
  /** The original grey pixels and the preprocessing geometry, when available. */
  gray?: Uint8Array;
  geometry?: PreprocessGeometry;
}

export interface AttentionWord {
  word: string;
  /** Cosine of the word with its attended image context, [−1, 1]. */
  weight: number;
  /** [h·w] softmax over regions (sums to 1). */
  map: Float32Array;
  /** PNG heat overlay on the original image (or on the map alone when the image is unavailable). */
  png: Buffer | null;
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
  prepareImage(bytes: Uint8Array): Promise<{ pixels: Float32Array; geometry: PreprocessGeometry }>;
  maxImagePixels: number;
}

function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > LIMITS.maxFirst) {
    throw new AppError("BAD_USER_INPUT", `first must be between 1 and ${LIMITS.maxFirst}`, { details: { field: "first" } });
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

function toVectorFilter(filter: SearchFilter | undefined): VectorFilter | undefined {
  if (!filter) return undefined;
  return { datasetIds: filter.datasetIds, studyIds: filter.studyIds, viewPositions: filter.viewPositions, findingsAny: filter.findings };
}

/** Orders by score descending, ties by id, and numbers the ranks from 1. */
function ranked<T extends { score: number; id: string }>(items: T[]): Array<T & { rank: number }> {
  return items.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((item, i) => ({ ...item, rank: i + 1 }));
}

export class SearchService {
  constructor(private readonly deps: SearchDeps) {}

  /** Decodes/encodes a given image, or loads a stored one's features. NOT_FOUND for an unknown id. */
  async resolveImage(ref: ImageRef, options: { withPixels?: boolean } = {}): Promise<ResolvedImage> {
    const { model } = this.deps;
    if ("id" in ref) {
      const [record] = await this.deps.metadata.getImages([ref.id]);
      if (!record || record.status !== "READY") throw new AppError("NOT_FOUND", `No image with id ${ref.id}`);
      const [regions, vectors] = await Promise.all([
        this.deps.localFeatures.getImageRegions(model.id, [record.id]),
        this.deps.images.vectors([record.id]),
      ]);
      const local = regions.get(record.id)?.regions;
      const global = vectors.get(record.id);
      if (!local || !global) throw new AppError("STORE_UNAVAILABLE", `The stored features of image ${record.id} are missing; re-ingest it`, { expected: false });
      const pixels = options.withPixels ? await this.#storedPixels(record) : undefined;
      return { features: { global, local }, storedId: record.id, ...pixels };
    }
    const prepared = await this.deps.prepareImage(ref.bytes);
    const [features] = await model.encodeImages([prepared.pixels]);
    const decoded = options.withPixels ? await decodeImage(ref.bytes, { maxPixels: this.deps.maxImagePixels }) : undefined;
    return { features: features!, storedId: null, ...(decoded ? { gray: decoded.gray, geometry: prepared.geometry } : {}) };
  }

  async #storedPixels(record: ImageRecord): Promise<{ gray: Uint8Array; geometry: PreprocessGeometry } | undefined> {
    if (!record.sourcePath || !fs.existsSync(record.sourcePath)) return undefined;
    try {
      const decoded = await decodeImage(new Uint8Array(await fs.promises.readFile(record.sourcePath)), { maxPixels: this.deps.maxImagePixels });
      const { manifest } = this.deps.model;
      return { gray: decoded.gray, geometry: preprocessGeometry(decoded.width, decoded.height, manifest.image.resize, manifest.image.crop) };
    } catch {
      return undefined;
    }
  }

  /** Report → image: the `first` best images for a text, optionally re-ranked and explained. */
  async searchImages(input: { text: string; first: number; filter?: SearchFilter; rerank?: RerankOptions; withAttention?: boolean }): Promise<ImageHitResult[]> {
    checkText(input.text);
    checkFirst(input.first);
    checkRerank(input.rerank, input.first);
    const { model } = this.deps;
    const [query] = await model.encodeTexts([input.text]);
    const k = input.rerank?.enabled ? input.rerank.candidates : input.first;
    const { hits, records } = await this.#ready(await this.deps.images.search(query!.sentence, k, toVectorFilter(input.filter)), (ids) => this.deps.metadata.getImages(ids));

    let scored: Array<{ id: string; score: number; globalScore: number; localScore: number | null }>;
    if (input.rerank?.enabled && hits.length > 0) {
      const regions = await this.deps.localFeatures.getImageRegions(model.id, hits.map((h) => h.id));
      const usable = hits.filter((h) => regions.has(h.id));
      const result = await model.scoreTextAgainstImages(
        query!,
        usable.map((h) => ({ global: new Float32Array(model.dim), local: regions.get(h.id)!.regions })),
        { mode: input.rerank.mode },
      );
      const global = Float32Array.from(usable.map((h) => h.score));
      const combined = combineScores(result.local, global);
      scored = usable.map((h, i) => ({ id: h.id, score: combined[i]!, globalScore: h.score, localScore: result.local[i]! }));
    } else {
      scored = hits.map((h) => ({ id: h.id, score: h.score, globalScore: h.score, localScore: null }));
    }
    const top = ranked(scored).slice(0, input.first);
    const results: ImageHitResult[] = top.map((t) => ({ rank: t.rank, score: t.score, globalScore: t.globalScore, localScore: t.localScore, image: records.get(t.id)! }));
    if (input.withAttention) {
      for (const hit of results) {
        const resolved = await this.resolveImage({ id: hit.image.id }, { withPixels: true });
        hit.attention = await this.#attention(query!, resolved, input.rerank?.mode ?? "WORDS");
      }
    }
    return results;
  }

  /** Image → report: the `first` best reports for an image, optionally re-ranked. */
  async searchReports(input: { image: ImageRef; first: number; filter?: SearchFilter; rerank?: RerankOptions }): Promise<ReportHitResult[]> {
    checkFirst(input.first);
    checkRerank(input.rerank, input.first);
    const { model } = this.deps;
    const image = await this.resolveImage(input.image);
    const k = input.rerank?.enabled ? input.rerank.candidates : input.first;
    const { hits, records } = await this.#ready(await this.deps.reports.search(image.features.global, k, toVectorFilter(input.filter)), (ids) => this.deps.metadata.getReports(ids));

    let scored: Array<{ id: string; score: number; globalScore: number; localScore: number | null }>;
    if (input.rerank?.enabled && hits.length > 0) {
      const usable = hits.filter((h) => records.has(h.id));
      const result = await model.scoreImageAgainstTexts(image.features, usable.map((h) => records.get(h.id)!.text), { mode: input.rerank.mode });
      const global = Float32Array.from(usable.map((h) => h.score));
      const combined = combineScores(result.local, global);
      scored = usable.map((h, i) => ({ id: h.id, score: combined[i]!, globalScore: h.score, localScore: result.local[i]! }));
    } else {
      scored = hits.map((h) => ({ id: h.id, score: h.score, globalScore: h.score, localScore: null }));
    }
    return ranked(scored)
      .slice(0, input.first)
      .map((t) => ({ rank: t.rank, score: t.score, globalScore: t.globalScore, localScore: t.localScore, report: records.get(t.id)! }));
  }

  /** Image → images by global cosine; a stored query image is left out of its own results. */
  async similarImages(input: { image: ImageRef; first: number; filter?: SearchFilter }): Promise<ImageHitResult[]> {
    checkFirst(input.first);
    const image = await this.resolveImage(input.image);
    const extra = image.storedId ? 1 : 0;
    const ready = await this.#ready(await this.deps.images.search(image.features.global, input.first + extra, toVectorFilter(input.filter)), (ids) => this.deps.metadata.getImages(ids));
    const hits = ready.hits.filter((h) => h.id !== image.storedId).slice(0, input.first);
    return hits.map((h, i) => ({ rank: i + 1, score: h.score, globalScore: h.score, localScore: null, image: ready.records.get(h.id)! }));
  }

  /** Zero-shot classification of up to LIMITS.maxClassifyImages images. */
  async classify(input: { images: ImageRef[]; classes?: ClassPrompts[]; normalization: ZeroShotNormalization; mode?: SlicingMode }): Promise<ZeroShotResult> {
    if (input.images.length === 0) throw new AppError("BAD_USER_INPUT", "classify needs at least one image");
    if (input.images.length > LIMITS.maxClassifyImages) throw new AppError("BAD_USER_INPUT", `classify takes at most ${LIMITS.maxClassifyImages} images per call`);
    for (const c of input.classes ?? []) {
      if (!c.name.trim() || c.prompts.length === 0 || c.prompts.some((p) => !p.trim())) {
        throw new AppError("BAD_USER_INPUT", `Class '${c.name}' needs a name and non-empty prompts`);
      }
    }
    const resolved = [];
    for (const ref of input.images) resolved.push(await this.resolveImage(ref));
    return this.deps.model.classify(resolved.map((r) => r.features), { normalization: input.normalization, classes: input.classes, mode: input.mode });
  }

  /** Per-word attention of a text over an image, with heat overlays (GLORIA_SPEC §4.2 A2). */
  async attention(input: { image: ImageRef; text: string; mode?: SlicingMode }): Promise<{ words: AttentionWord[]; grid: readonly [number, number]; localScore: number }> {
    checkText(input.text);
    const [query] = await this.deps.model.encodeTexts([input.text]);
    const image = await this.resolveImage(input.image, { withPixels: true });
    const result = await this.deps.model.attention(query!, image.features, { mode: input.mode ?? "WORDS" });
    return { words: await this.#render(result.words, image), grid: result.grid, localScore: result.local };
  }

  async #attention(query: Awaited<ReturnType<GloriaModel["encodeTexts"]>>[number], image: ResolvedImage, mode: SlicingMode): Promise<AttentionWord[]> {
    const result = await this.deps.model.attention(query, image.features, { mode });
    return this.#render(result.words, image);
  }

  async #render(words: WordAttention[], image: ResolvedImage): Promise<AttentionWord[]> {
    const out: AttentionWord[] = [];
    for (const w of words) {
      const png = image.gray && image.geometry ? await renderHeatmapPng(image.gray, w.map, this.deps.model.grid, image.geometry) : null;
      out.push({ word: w.word, weight: w.cosine, map: w.map, png });
    }
    return out;
  }

  /** Drops hits whose item is not READY (written to the vector store, not yet committed). */
  /** The hits whose items are READY, with their records, from one metadata read. */
  async #ready<T extends { id: string; status: string }>(
    hits: VectorHit[],
    load: (ids: string[]) => Promise<Array<T | null>>,
  ): Promise<{ hits: VectorHit[]; records: Map<string, T> }> {
    const records = new Map<string, T>();
    if (hits.length === 0) return { hits, records };
    for (const record of await load(hits.map((h) => h.id))) if (record?.status === "READY") records.set(record.id, record);
    return { hits: hits.filter((h) => records.has(h.id)), records };
  }
}

// Linear-probe classifiers (src/schema/classifier.graphql, `gloria classifier`, docs/classifiers.md):
// heads trained on one model's stored image features (the global embedding, or the pooled trunk
// features where the model has them), stored per model and versioned, applied to stored or uploaded
// images, and ranking stored images (GLOBAL through the vector store, POOLED by a scan of the stored
// features). The maths is in classifier/logistic.fit.ts and the data rules in classifier/probe.data.ts.
import { AppError } from "../errors/app-error.ts";
import type { ClassifierFeatures, ClassifierRecord, ClassifierStore } from "../stores/metadata/classifier-store.port.ts";
import type { ImageRecord, MetadataStore } from "../stores/metadata/metadata-store.port.ts";
import type { PooledFeatureStore } from "../stores/metadata/pooled-feature-store.port.ts";
import { MAX_SEARCH_K, type VectorCollection } from "../stores/vector/vector-store.port.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { parseHeadFile } from "./classifier/head.import.ts";
import { fitLogisticHeads, headProbability, logistic } from "./classifier/logistic.fit.ts";
import { hasClass, mentionedClasses, splitForProbe, validationFigures, type Annotated } from "./classifier/probe.data.ts";
import { CLASSIFIER_LIMITS, checkFirst } from "./limits.ts";
import { decodeCursor, encodeCursor, queryFingerprint } from "./search.paging.ts";
import { toVectorFilter, type SearchFilter } from "./search.service.ts";

/** The L2 penalty λ of Σ BCE + (λ/2)‖w‖² when none is given (docs/classifiers.md, "Penalty"). */
export const DEFAULT_L2 = 0.1;

export interface TrainClassifierInput {
  name: string;
  /** Labels from this dataset's stored labels and findings … */
  dataset?: string | null;
  /** … or from this list (exactly one of the two). */
  examples?: ReadonlyArray<{ imageId: string; classes: readonly string[] }> | null;
  /** The classes to learn; all those the labels mention when absent. */
  classes?: readonly string[] | null;
  /** Share of the training part fitted on, in (0, 1] (GLoRIA's --train_pct). */
  trainFraction?: number | null;
  features?: ClassifierFeatures | null;
  seed?: number | null;
  l2?: number | null;
  /** Refuse more labelled images than this (a GraphQL request trains synchronously). */
  maxImages?: number;
  signal?: AbortSignal;
}

export interface ImageProbabilities {
  /** The stored image's id; null for an upload. */
  imageId: string | null;
  /** Per class, in the head's class order: σ(w·x + b) in [0, 1]. */
  probabilities: Array<{ className: string; probability: number }>;
}

export interface RankedImage {
  image: ImageRecord;
  probability: number;
  rank: number;
  cursor: string;
}

export interface ClassifierDeps {
  modelId: string;
  /** D of the model's global embedding. */
  dim: number;
  /** The catalogue as this model sees it (statuses are this model's). */
  metadata: MetadataStore;
  /** The model's image collection: L2-normalised global embeddings by image id. */
  images: VectorCollection;
  store: ClassifierStore;
  /** The stored pooled trunk features; null when the model's image graph has no `pooled` output. */
  pooled: PooledFeatureStore | null;
  /** P of the pooled features (manifest embedding.pooledDim), when the model has them. */
  pooledDim?: number;
  /** An uploaded image encoded by the model: its global embedding and, where the model has them, pooled features. */
  encodeUpload(bytes: Uint8Array): Promise<{ global: Float32Array; pooled?: Float32Array }>;
}

/** Stored images scored per page of a POOLED ranking's scan. */
const SCAN_PAGE = 2000;

const PAGE = 1000;

function bad(message: string, field?: string): AppError {
  return new AppError("BAD_USER_INPUT", message, field ? { details: { field } } : undefined);
}

function unit(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! ** 2;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw bad("The image's embedding is zero");
  return Float32Array.from(vector, (v) => v / norm);
}

export class ClassifierService {
  constructor(private readonly deps: ClassifierDeps) {}

  /**
   * Trains a head and stores it as the next version of `name` for this model. Nothing is written
   * unless the training succeeds. BAD_USER_INPUT: an empty name, trainFraction outside (0, 1],
   * features POOLED for a model without pooled features, both or neither of dataset and examples, an unknown class, a class without
   * positives or negatives among the images fitted on, no labelled image, more than maxImages;
   * NOT_FOUND: an unknown dataset.
   */
  async train(input: TrainClassifierInput): Promise<ClassifierRecord> {
    const name = input.name.trim();
    if (!name) throw bad("A classifier needs a name", "name");
    const trainFraction = input.trainFraction ?? 1;
    if (!(trainFraction > 0 && trainFraction <= 1)) throw bad(`trainFraction must lie in (0, 1]; got ${trainFraction}`, "trainFraction");
    const seed = input.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw bad(`seed must be a non-negative integer; got ${seed}`, "seed");
    const l2 = input.l2 ?? DEFAULT_L2;
    if (!(l2 > 0) || !Number.isFinite(l2)) throw bad(`l2 must be a positive number; got ${l2}`, "l2");
    const kind = input.features ?? "GLOBAL";
    this.#checkKind(kind);
    const hasDataset = input.dataset !== undefined && input.dataset !== null;
    const hasExamples = input.examples !== undefined && input.examples !== null;
    if (hasDataset === hasExamples) throw bad("Give the labels by dataset or by examples (one of the two)", hasDataset ? "examples" : "dataset");

    const labelled = hasDataset
      ? await this.#datasetImages(input.dataset!, input.maxImages, input.signal)
      : await this.#exampleImages(input.examples!, input.maxImages);
    if (labelled.length === 0) throw bad("No labelled image is READY for this model to train on");
    const mentioned = mentionedClasses(labelled);
    const classes = input.classes?.length ? [...new Set(input.classes.map((c) => c.trim()))] : mentioned;
    const unknown = classes.filter((c) => !mentioned.includes(c));
    if (unknown.length > 0)
      throw bad(`No label or finding names ${unknown.map((c) => `'${c}'`).join(", ")}; known classes: ${mentioned.join(", ") || "none"}`, "classes");
    if (classes.length === 0) throw bad("The labels name no class", "classes");

    const split = splitForProbe(
      labelled.map((i) => i.id),
      seed,
      trainFraction,
    );
    checkNotCancelled(input.signal);
    const vectors = await this.#features(kind, [...split.train, ...split.validation]);
    const byId = new Map(labelled.map((i) => [i.id, i]));
    const train = split.train.filter((id) => vectors.has(id));
    const validation = split.validation.filter((id) => vectors.has(id));
    if (train.length === 0) {
      throw bad(
        kind === "POOLED"
          ? `The training sample is empty: no sampled image has stored pooled features for model ${this.deps.modelId}; run gloria backfill-pooled for images ingested before the model had them`
          : "The training sample is empty: no sampled image has a stored embedding",
      );
    }
    const trainTruth = classes.map((c) => train.map((id) => hasClass(byId.get(id)!, c)));
    classes.forEach((c, k) => {
      const positives = trainTruth[k]!.filter(Boolean).length;
      if (positives === 0 || positives === train.length) {
        throw bad(
          `Class '${c}' has ${positives === 0 ? "no positive" : "no negative"} among the ${train.length} images trained on; raise trainFraction or label more images`,
          "classes",
        );
      }
    });

    checkNotCancelled(input.signal);
    const heads = fitLogisticHeads(
      train.map((id) => vectors.get(id)!),
      trainTruth.map((column) => column.map((t) => (t ? 1 : 0))),
      l2,
    );
    const validationTruth = classes.map((c) => validation.map((id) => hasClass(byId.get(id)!, c)));
    const probabilities = heads.map((h) => validation.map((id) => headProbability(h, vectors.get(id)!)));
    return this.deps.store.create({
      name,
      modelId: this.deps.modelId,
      classes,
      features: kind,
      dim: kind === "POOLED" ? this.deps.pooledDim! : this.deps.dim,
      weights: heads.map((h) => Float32Array.from(h.weights)),
      biases: Float32Array.from(heads.map((h) => h.bias)),
      training: {
        seed,
        trainFraction,
        l2,
        dataset: hasDataset ? input.dataset! : null,
        uncertain: "POSITIVE",
        counts: { labelled: labelled.length, validation: validation.length, trainPool: split.trainPool.length, trainedOn: train.length },
        positives: Object.fromEntries(classes.map((c, k) => [c, trainTruth[k]!.filter(Boolean).length])),
      },
      validation: validationFigures(classes, probabilities, validationTruth, seed),
    });
  }

  /**
   * Stores a head read from a file written by `tools/export-gloria --classifier-checkpoint` (a
   * fine-tuned classifier of the reference code) as the next version of its name for this model.
   * BAD_USER_INPUT for a file that is not such a head or whose width the model's features lack.
   */
  importHead(json: unknown, name?: string): Promise<ClassifierRecord> {
    const target = { modelId: this.deps.modelId, dim: this.deps.dim, pooledDim: this.deps.pooled ? this.deps.pooledDim : undefined };
    return this.deps.store.create(parseHeadFile(json, target, name));
  }

  /** Heads newest first: this model's, or every model's with `allModels`. */
  list(options: { allModels?: boolean } = {}): Promise<ClassifierRecord[]> {
    return this.deps.store.list(options.allModels ? null : this.deps.modelId);
  }

  /** The head, whatever model it belongs to; null when unknown. */
  find(id: string): Promise<ClassifierRecord | null> {
    return this.deps.store.get(id);
  }

  /** The head, whatever model it belongs to; NOT_FOUND when unknown. */
  async get(id: string): Promise<ClassifierRecord> {
    const head = await this.deps.store.get(id);
    if (!head) throw new AppError("NOT_FOUND", `No classifier ${id}`);
    return head;
  }

  /** false when no such head existed. */
  delete(id: string): Promise<boolean> {
    return this.deps.store.delete(id);
  }

  /**
   * Per-class probabilities for stored images (their stored embeddings, nothing re-encoded) and
   * uploads (encoded once). BAD_USER_INPUT for a head of another model or too many images;
   * NOT_FOUND for an unknown head or an image without a stored embedding for this model.
   */
  async predict(input: {
    classifier: string;
    images: ReadonlyArray<{ id: string } | { bytes: Uint8Array }>;
    signal?: AbortSignal;
  }): Promise<ImageProbabilities[]> {
    if (input.images.length === 0) throw bad("predict needs at least one image", "images");
    if (input.images.length > CLASSIFIER_LIMITS.maxPredictImages)
      throw bad(`predict takes at most ${CLASSIFIER_LIMITS.maxPredictImages} images per call`, "images");
    const head = await this.#ownHead(input.classifier);
    const storedIds = input.images.flatMap((ref) => ("id" in ref ? [ref.id.toLowerCase()] : []));
    const stored = await this.#features(head.features, storedIds);
    const out: ImageProbabilities[] = [];
    for (const ref of input.images) {
      checkNotCancelled(input.signal);
      let vector: Float32Array;
      if ("id" in ref) {
        const found = stored.get(ref.id.toLowerCase());
        if (!found) {
          const what = head.features === "POOLED" ? "pooled features (gloria backfill-pooled stores them)" : "embedding";
          throw new AppError("NOT_FOUND", `Image ${ref.id} has no stored ${what} for model ${this.deps.modelId}`);
        }
        vector = found;
      } else {
        const encoded = await this.deps.encodeUpload(ref.bytes);
        if (head.features === "POOLED") {
          if (!encoded.pooled) throw bad(`Model ${this.deps.modelId} gives no pooled features`, "classifier");
          vector = encoded.pooled;
        } else {
          vector = unit(encoded.global);
        }
      }
      out.push({
        imageId: "id" in ref ? ref.id.toLowerCase() : null,
        probabilities: head.classes.map((className, k) => ({
          className,
          probability: headProbability({ weights: head.weights[k]!, bias: head.biases[k]! }, vector),
        })),
      });
    }
    return out;
  }

  /**
   * Stored images by one class's probability, highest first. The stored embeddings are unit
   * vectors, so σ(w·x + b) = σ(‖w‖·cos(w, x) + b) rises with the cosine of x and w: the vector
   * store's own search with w as the query gives the order (approximate like any unfiltered HNSW
   * search; exact for a filter its exact-search limit covers), and the cosine gives the
   * probability. A page after position p asks the store for p + first + 1 hits, at most
   * CLASSIFIER_LIMITS.maxRankDepth.
   */
  async rank(input: {
    classifier: string;
    className: string;
    first: number;
    after?: string | null;
    filter?: SearchFilter;
  }): Promise<{ edges: RankedImage[]; hasNextPage: boolean }> {
    checkFirst(input.first);
    const head = await this.#ownHead(input.classifier);
    const k = head.classes.indexOf(input.className);
    if (k < 0) throw bad(`Classifier '${head.name}' has no class '${input.className}'; its classes: ${head.classes.join(", ")}`, "className");
    const fingerprint = queryFingerprint({ rank: head.id, className: input.className, filter: input.filter ?? null });
    const position = decodeCursor(input.after, fingerprint);
    const depth = position + input.first;
    if (depth > CLASSIFIER_LIMITS.maxRankDepth) throw bad(`rankImages reaches at most ${CLASSIFIER_LIMITS.maxRankDepth} images deep`, "after");
    if (head.features === "POOLED") return this.#rankPooled(head, k, { ...input, position, depth, fingerprint });
    const weights = head.weights[k]!;
    let norm = 0;
    for (const w of weights) norm += w * w;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw bad(`The head of '${input.className}' has zero weights; it ranks nothing`, "className");
    const hits = await this.deps.images.search(weights, Math.min(MAX_SEARCH_K, depth + 1), toVectorFilter(input.filter));
    const page = hits.slice(position, depth);
    const records = await this.deps.metadata.getImages(page.map((h) => h.id));
    const edges = page.flatMap((hit, i) => {
      const image = records[i];
      if (!image || image.status !== "READY") return [];
      const rank = position + i + 1;
      return [{ image, probability: logistic(norm * hit.score + head.biases[k]!), rank, cursor: encodeCursor(rank, fingerprint) }];
    });
    return { edges, hasNextPage: hits.length > depth && depth < CLASSIFIER_LIMITS.maxRankDepth };
  }

  /**
   * POOLED ranking: pooled features are not in the vector store, so every stored one of the model
   * (only the filter's datasets and cohort, when it has them) is scored by a scan in pages, the best
   * `depth` + 1 kept, and the filter's other conditions checked on the records as the scan goes.
   * Exact, and linear in the number of images read: at most CLASSIFIER_LIMITS.maxPooledScan.
   */
  async #rankPooled(
    head: ClassifierRecord,
    k: number,
    input: { filter?: SearchFilter; position: number; depth: number; fingerprint: string },
  ): Promise<{ edges: RankedImage[]; hasNextPage: boolean }> {
    const weights = head.weights[k]!;
    const bias = head.biases[k]!;
    const keep = input.depth + 1;
    let best: Array<{ id: string; logit: number; image: ImageRecord }> = [];
    const where = { imageIds: input.filter?.ids ?? null, datasetIds: input.filter?.datasetIds ?? null };
    const stored = input.filter?.ids ? input.filter.ids.length : await this.deps.pooled!.count(this.deps.modelId, where.datasetIds);
    if (stored > CLASSIFIER_LIMITS.maxPooledScan) {
      throw bad(
        `A POOLED head ranks by reading every stored image's pooled features, at most ${CLASSIFIER_LIMITS.maxPooledScan}; this ranking would read ${stored}: filter by datasets or a cohort`,
        "filter",
      );
    }
    let after: string | null = null;
    for (;;) {
      const page = await this.deps.pooled!.scan(this.deps.modelId, { limit: SCAN_PAGE, after, ...where });
      if (page.length === 0) break;
      const scored = page.map(({ imageId, pooled }) => {
        let z = bias;
        for (let i = 0; i < weights.length; i++) z += weights[i]! * pooled[i]!;
        return { id: imageId, logit: z };
      });
      const floor = best.length >= keep ? best[best.length - 1]!.logit : -Infinity;
      const candidates = scored.filter((c) => c.logit >= floor);
      const records = await this.deps.metadata.getImages(candidates.map((c) => c.id));
      candidates.forEach((c, i) => {
        const image = records[i];
        if (image && image.status === "READY" && matchesFilter(image, input.filter)) best.push({ ...c, image });
      });
      best = best.sort((a, b) => b.logit - a.logit || (a.id < b.id ? -1 : 1)).slice(0, keep);
      if (page.length < SCAN_PAGE) break;
      after = page.at(-1)!.imageId;
    }
    const edges = best.slice(input.position, input.depth).map((hit, i) => {
      const rank = input.position + i + 1;
      return { image: hit.image, probability: logistic(hit.logit), rank, cursor: encodeCursor(rank, input.fingerprint) };
    });
    return { edges, hasNextPage: best.length > input.depth && input.depth < CLASSIFIER_LIMITS.maxRankDepth };
  }

  #checkKind(kind: ClassifierFeatures): void {
    if (kind === "POOLED" && (!this.deps.pooled || this.deps.pooledDim === undefined)) {
      throw bad(
        `features: POOLED needs the encoder's pooled trunk features, and model ${this.deps.modelId}'s image graph has no pooled output (docs/model-contract.md); use GLOBAL or a model folder exported with it`,
        "features",
      );
    }
  }

  /** The stored features of this kind for these images, read in pages; ids without any are absent. */
  async #features(kind: ClassifierFeatures, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    if (kind === "GLOBAL") return this.#vectors(ids);
    this.#checkKind(kind);
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < ids.length; i += PAGE) {
      for (const [id, v] of await this.deps.pooled!.get(this.deps.modelId, ids.slice(i, i + PAGE))) out.set(id, v);
    }
    return out;
  }

  async #ownHead(id: string): Promise<ClassifierRecord> {
    const head = await this.get(id);
    if (head.modelId !== this.deps.modelId) {
      throw bad(`Classifier ${id} was trained on model ${head.modelId}, not ${this.deps.modelId}; pass model: "${head.modelId}"`, "classifier");
    }
    return head;
  }

  async #datasetImages(dataset: string, maxImages: number | undefined, signal: AbortSignal | undefined): Promise<Annotated[]> {
    const [datasetId] = await this.deps.metadata.datasetIds([dataset]);
    if (!datasetId) throw new AppError("NOT_FOUND", `No dataset named '${dataset}'`, { details: { field: "dataset" } });
    const out: Annotated[] = [];
    let after: string | null = null;
    for (;;) {
      checkNotCancelled(signal);
      const page = await this.deps.metadata.listImages({ datasetIds: [datasetId], statuses: ["READY"] }, PAGE, after);
      if (maxImages !== undefined && page.totalCount > maxImages) {
        throw bad(
          `Dataset '${dataset}' has ${page.totalCount} images READY for this model; a request trains on at most ${maxImages}; use the CLI (gloria classifier train)`,
          "dataset",
        );
      }
      out.push(...page.items.map((i) => ({ id: i.id, labels: i.labels, findings: i.findings })));
      if (!page.hasNextPage) return out;
      after = page.endCursor;
    }
  }

  async #exampleImages(examples: ReadonlyArray<{ imageId: string; classes: readonly string[] }>, maxImages: number | undefined): Promise<Annotated[]> {
    if (maxImages !== undefined && examples.length > maxImages) throw bad(`A request trains on at most ${maxImages} examples; use the CLI`, "examples");
    const ids = examples.map((e) => e.imageId.toLowerCase());
    if (new Set(ids).size !== ids.length) throw bad("An image is listed twice among the examples", "examples");
    const records = await this.deps.metadata.getImages(ids);
    const missing = ids.filter((_, i) => records[i]?.status !== "READY");
    if (missing.length > 0) throw bad(`Not READY for this model (or unknown): ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}`, "examples");
    return examples.map((e, i) => ({ id: ids[i]!, labels: {}, findings: e.classes.map((c) => ({ class: c.trim() })) }));
  }

  /** The stored (unit) embeddings of these images, read in pages; ids without one are absent. */
  async #vectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < ids.length; i += PAGE) {
      for (const [id, v] of await this.deps.images.vectors(ids.slice(i, i + PAGE))) out.set(id, v);
    }
    return out;
  }
}

/** Whether a stored image meets a ranking filter's conditions (the cohort ids are applied by the scan). */
function matchesFilter(image: ImageRecord, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  const names = new Set(image.findings.map((f) => f.class));
  if (filter.datasetIds && !filter.datasetIds.includes(image.datasetId)) return false;
  if (filter.studyIds && (!image.studyId || !filter.studyIds.includes(image.studyId))) return false;
  if (filter.viewPositions && (!image.viewPosition || !filter.viewPositions.includes(image.viewPosition))) return false;
  if (filter.findings && !filter.findings.some((f) => names.has(f))) return false;
  if (filter.findingsAll && !filter.findingsAll.every((f) => names.has(f))) return false;
  if (filter.findingsNone && filter.findingsNone.some((f) => names.has(f))) return false;
  return true;
}

// The evaluation use case behind GraphQL: a manifest inside the allowed roots, evaluated with the
// loaded model, taking the stored features of images already ingested for it (the same file bytes)
// and encoding the rest, with the linear-probe curve when a training manifest (also inside the roots)
// is named; every run is kept and can be read back or compared.
import type { GloriaModel } from "../../model/gloria.model.ts";
import type { ImageFeatures, SlicingMode } from "../../model/model.port.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import type { LocalFeatureStore } from "../../stores/local-features/local-feature-store.port.ts";
import type { MetadataStore } from "../../stores/metadata/metadata-store.port.ts";
import type { VectorCollection } from "../../stores/vector/vector-store.port.ts";
import { AppError } from "../../errors/app-error.ts";
import { checkFirst, EVALUATION_LIMITS } from "../limits.ts";
import { SourceFiles } from "../source-files.ts";
import { evaluateManifest } from "./evaluate.ts";
import {
  compareEvaluations,
  EVALUATION_ID_PATTERN,
  listEvaluations,
  loadEvaluation,
  saveEvaluation,
  type Comparison,
  type EvaluationRecord,
} from "./evaluation.records.ts";

export interface EvaluateInput {
  manifest: string;
  limit?: number | null;
  mode?: SlicingMode | null;
  normalization?: ZeroShotNormalization | null;
  rerankCandidates?: number | null;
  seed?: number | null;
  bootstrapIterations?: number | null;
  /** Take stored features for images already ingested for the model (default true). */
  useStoredFeatures?: boolean | null;
  /** A training manifest inside the roots: adds the linear-probe curve (evaluation.linear-probe.ts). */
  trainManifest?: string | null;
  /** Use only the first N training rows (at most EVALUATION_LIMITS.trainRows, the default). */
  trainLimit?: number | null;
}

export type ComparedEvaluations = Comparison & { records: { a: EvaluationRecord; b: EvaluationRecord } };

export interface EvaluationServiceDeps {
  model: GloriaModel;
  metadata: MetadataStore;
  images: VectorCollection;
  localFeatures: LocalFeatureStore;
  /** Where runs are kept (GLORIA_DATA_DIR/evaluations). */
  recordsDir: string;
  /** Manifests and their rows' images are read only inside these roots (INGEST_ROOTS). */
  roots: readonly string[];
  /** Largest image file a row may name (MAX_UPLOAD_BYTES; default 50 MiB). */
  maxFileBytes?: number;
  /** Decodes a row's image off the main thread (the runtime's worker pool). */
  prepareImage?: (bytes: Uint8Array) => Promise<{ pixels: Float32Array }>;
}

export class EvaluationService {
  constructor(private readonly deps: EvaluationServiceDeps) {}

  async evaluate(input: EvaluateInput, signal?: AbortSignal): Promise<EvaluationRecord> {
    const limit = input.limit ?? EVALUATION_LIMITS.rows;
    if (limit < 1 || limit > EVALUATION_LIMITS.rows) throw new AppError("BAD_USER_INPUT", `limit must lie in 1..${EVALUATION_LIMITS.rows}; got ${limit}`);
    // rerankCandidates and bootstrapIterations: GraphQL applies the SDL's defaults; a caller that leaves
    // them out gets evaluateManifest's, the same numbers.
    const candidates = input.rerankCandidates ?? undefined;
    if (candidates !== undefined && (candidates < 1 || candidates > EVALUATION_LIMITS.rerankCandidates)) {
      throw new AppError("BAD_USER_INPUT", `rerankCandidates must lie in 1..${EVALUATION_LIMITS.rerankCandidates}; got ${candidates}`);
    }
    const iterations = input.bootstrapIterations ?? undefined;
    if (iterations !== undefined && (iterations < 0 || iterations > EVALUATION_LIMITS.bootstrapIterations)) {
      throw new AppError("BAD_USER_INPUT", `bootstrapIterations must lie in 0..${EVALUATION_LIMITS.bootstrapIterations}; got ${iterations}`);
    }
    const trainLimit = input.trainLimit ?? EVALUATION_LIMITS.trainRows;
    if (input.trainManifest == null && input.trainLimit != null) throw new AppError("BAD_USER_INPUT", "trainLimit needs a trainManifest");
    if (trainLimit < 1 || trainLimit > EVALUATION_LIMITS.trainRows) {
      throw new AppError("BAD_USER_INPUT", `trainLimit must lie in 1..${EVALUATION_LIMITS.trainRows}; got ${trainLimit}`);
    }
    const files = new SourceFiles(this.deps.roots, { maxBytes: this.deps.maxFileBytes ?? 50 * 1024 * 1024 });
    const manifest = files.confine(input.manifest, "The manifest");
    // Checked before the run starts, so a bad training manifest costs no encoding.
    const trainManifest = input.trainManifest == null ? undefined : files.confine(input.trainManifest, "The training manifest");
    const report = await evaluateManifest(this.deps.model, manifest, {
      files,
      prepareImage: this.deps.prepareImage,
      signal,
      limit,
      mode: input.mode ?? undefined,
      normalization: input.normalization ?? undefined,
      rerankCandidates: candidates,
      seed: input.seed ?? undefined,
      bootstrapIterations: iterations,
      storedFeatures: input.useStoredFeatures === false ? undefined : (hashes) => this.#stored(hashes),
      ...(trainManifest === undefined ? {} : { trainManifest, trainLimit }),
    });
    return saveEvaluation(this.deps.recordsDir, report);
  }

  async get(id: string): Promise<EvaluationRecord | null> {
    try {
      return await loadEvaluation(this.deps.recordsDir, checkedId(id));
    } catch (error) {
      if (error instanceof AppError && error.code === "NOT_FOUND") return null;
      throw error;
    }
  }

  list(first: number): Promise<EvaluationRecord[]> {
    checkFirst(first);
    return listEvaluations(this.deps.recordsDir, first);
  }

  /**
   * The score floor fitted by the newest kept run of this model that has one (text→image precision
   * at SUGGESTED_FLOOR_TARGET, global cosine), with its interval; null when no run has fitted one.
   */
  async suggestedMinScore(
    modelId: string,
  ): Promise<{ value: number; ci95: [number, number] | null; target: number; scoring: "GLOBAL"; evaluation: string } | null> {
    for (const record of await listEvaluations(this.deps.recordsDir, 100)) {
      const floor = record.model === modelId ? record.textToImage.suggestedMinScore : undefined;
      if (floor && floor.value !== null) return { value: floor.value, ci95: floor.ci95, target: floor.target, scoring: floor.scoring, evaluation: record.id };
    }
    return null;
  }

  /** Two kept runs side by side, with the records themselves (read once). */
  async compare(a: string, b: string): Promise<ComparedEvaluations> {
    const records = { a: await loadEvaluation(this.deps.recordsDir, checkedId(a)), b: await loadEvaluation(this.deps.recordsDir, checkedId(b)) };
    return { ...compareEvaluations(records.a, records.b), records };
  }

  /** Global vectors and region features of READY images with these content hashes. */
  async #stored(hashes: readonly string[]): Promise<Map<string, ImageFeatures>> {
    const { model, metadata, images, localFeatures } = this.deps;
    const ids = await metadata.readyImagesByHash(model.id, hashes);
    if (ids.size === 0) return new Map();
    const [vectors, regions] = await Promise.all([images.vectors([...ids.values()]), localFeatures.getImageRegions(model.id, [...ids.values()])]);
    const out = new Map<string, ImageFeatures>();
    for (const [hash, id] of ids) {
      const global = vectors.get(id);
      const local = regions.get(id)?.regions;
      if (global && local) out.set(hash, { global, local });
    }
    return out;
  }
}

/** Over GraphQL a run is named by its id only, never by a file path. */
function checkedId(id: string): string {
  if (!EVALUATION_ID_PATTERN.test(id)) throw new AppError("NOT_FOUND", `no evaluation ${id}`);
  return id;
}

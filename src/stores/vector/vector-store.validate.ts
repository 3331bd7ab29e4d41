// The vector store rules every adapter applies at its boundary: collection names, id and vector
// validation, L2 normalisation, k and filter checks, the filter predicate and the identity refusal.
// Pure: no I/O, no backend imports.
import { AppError } from "../../errors/app-error.ts";
import { MAX_SEARCH_K, type CollectionSpec, type VectorFilter, type VectorKind, type VectorPayload } from "./vector-store.port.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MODEL_ID = /^(.+)@([^@#]+)#([0-9a-f]+)$/i;
const KIND_SUFFIX: Record<VectorKind, string> = { image: "images", report: "reports" };

function sanitize(part: string): string {
  // Both Qdrant collection names and directory names accept these characters everywhere.
  return part.replace(/[^A-Za-z0-9.-]+/g, "_").slice(0, 64);
}

/**
 * The backend name of a (model, kind) collection, e.g. `gloria__gloria-phantom__1.0.0__0123456789ab__images`.
 * Characters outside [A-Za-z0-9.-] become "_", so two model ids can share a name; the identity
 * recorded in the collection tells them apart (see identityConflict).
 */
export function collectionName(spec: Pick<CollectionSpec, "modelId" | "kind">): string {
  const m = MODEL_ID.exec(spec.modelId);
  const parts = m ? [m[1], m[2], m[3].toLowerCase()] : [spec.modelId];
  return ["gloria", ...parts.map(sanitize), KIND_SUFFIX[spec.kind]].join("__");
}

export function checkSpec(spec: CollectionSpec): void {
  if (typeof spec.modelId !== "string" || spec.modelId.trim() === "") {
    throw new AppError("BAD_USER_INPUT", "A vector collection needs a model id");
  }
  if (!Number.isInteger(spec.dim) || spec.dim <= 0) {
    throw new AppError("BAD_USER_INPUT", `A vector collection's dim must be a positive integer (got ${spec.dim})`);
  }
  if (spec.kind !== "image" && spec.kind !== "report") {
    throw new AppError("BAD_USER_INPUT", `A vector collection's kind must be "image" or "report" (got ${String(spec.kind)})`);
  }
}

/** The refusal a store gives when a collection's recorded identity is not the loaded model's. */
export function identityConflict(name: string, stored: { modelId: string; dim: number }, wanted: CollectionSpec): AppError {
  return new AppError(
    "CONFLICT",
    `Vector collection ${name} was built for model ${stored.modelId} (dim ${stored.dim}); ` +
      `the loaded model is ${wanted.modelId} (dim ${wanted.dim}). Re-index with the loaded model or load the model it was built for.`,
    { expected: false, details: { collection: name, storedModelId: stored.modelId, storedDim: stored.dim, modelId: wanted.modelId, dim: wanted.dim } },
  );
}

/** Lower-cases a UUID, or throws BAD_USER_INPUT. */
export function checkId(id: string): string {
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new AppError("BAD_USER_INPUT", `A vector id must be a UUID (got ${JSON.stringify(String(id)).slice(0, 60)})`);
  }
  return id.toLowerCase();
}

/**
 * Checks that `vector` has length `dim`, finite values and a non-zero norm, and returns a new
 * L2-normalised float32 copy (the norm is taken in float64). Cosine similarity of normalised vectors
 * is their dot product, which is what both backends rank by.
 */
export function normalizedCopy(vector: Float32Array, dim: number, what: string): Float32Array {
  if (!(vector instanceof Float32Array)) throw new AppError("BAD_USER_INPUT", `${what} must be a Float32Array`);
  if (vector.length !== dim) {
    throw new AppError("BAD_USER_INPUT", `${what} has ${vector.length} values; the collection's dim is ${dim}`);
  }
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const v = vector[i];
    if (!Number.isFinite(v)) throw new AppError("BAD_USER_INPUT", `${what} holds a non-finite value at ${i}`);
    sum += v * v;
  }
  if (sum === 0) throw new AppError("BAD_USER_INPUT", `${what} is all zeros, so it has no direction to compare`);
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = vector[i] * inv;
  return out;
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K) {
    throw new AppError("BAD_USER_INPUT", `k must be an integer from 1 to ${MAX_SEARCH_K} (got ${k})`);
  }
}

const FILTER_FIELDS = ["datasetIds", "studyIds", "viewPositions", "findingsAny", "findingsAll", "findingsNone", "ids"] as const;

/** Throws BAD_USER_INPUT unless every present filter field is a list of strings. */
export function checkFilter(filter: VectorFilter | undefined): void {
  if (filter === undefined) return;
  if (filter === null || typeof filter !== "object") throw new AppError("BAD_USER_INPUT", "A vector filter must be an object");
  for (const key of Object.keys(filter)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(key)) {
      throw new AppError("BAD_USER_INPUT", `Unknown vector filter field ${key}`);
    }
    const list = filter[key as (typeof FILTER_FIELDS)[number]];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
      throw new AppError("BAD_USER_INPUT", `Vector filter field ${key} must be a list of strings`);
    }
  }
}

/** True when the filter can match nothing whatever is stored (an empty any-of list). */
export function filterIsEmpty(filter: VectorFilter | undefined): boolean {
  if (!filter) return false;
  return [filter.datasetIds, filter.studyIds, filter.viewPositions, filter.findingsAny, filter.ids].some((l) => l !== undefined && l.length === 0);
}

/** True when the filter constrains anything at all (an all-of or none-of over no findings does not). */
export function filterIsActive(filter: VectorFilter | undefined): boolean {
  if (!filter) return false;
  return (
    filter.datasetIds !== undefined ||
    filter.studyIds !== undefined ||
    filter.viewPositions !== undefined ||
    filter.findingsAny !== undefined ||
    filter.ids !== undefined ||
    (filter.findingsAll !== undefined && filter.findingsAll.length > 0) ||
    (filter.findingsNone !== undefined && filter.findingsNone.length > 0)
  );
}

/**
 * The filter as a predicate over payloads (the port's semantics, for stores that filter themselves).
 * `ids` is not a payload field: each store tests it on its own keys.
 */
export function filterPredicate(filter: VectorFilter | undefined): (payload: VectorPayload) => boolean {
  if (!filterIsActive(filter)) return () => true;
  const f = filter as VectorFilter;
  const datasets = f.datasetIds && new Set(f.datasetIds);
  const studies = f.studyIds && new Set(f.studyIds);
  const views = f.viewPositions && new Set(f.viewPositions);
  const any = f.findingsAny && new Set(f.findingsAny);
  const all = f.findingsAll && f.findingsAll.length > 0 ? [...new Set(f.findingsAll)] : undefined;
  const none = f.findingsNone && f.findingsNone.length > 0 ? new Set(f.findingsNone) : undefined;
  return (p) => {
    if (datasets && !datasets.has(p.datasetId)) return false;
    if (studies && (p.studyId == null || !studies.has(p.studyId))) return false;
    if (views && (p.viewPosition == null || !views.has(p.viewPosition))) return false;
    if (any && !p.findings.some((x) => any.has(x))) return false;
    if (all && !all.every((x) => p.findings.includes(x))) return false;
    if (none && p.findings.some((x) => none.has(x))) return false;
    return true;
  };
}

/** Checks a payload's shape and returns a plain copy (no extra fields, findings de-duplicated). */
export function checkPayload(payload: VectorPayload, id: string): VectorPayload {
  const bad = (why: string) => new AppError("BAD_USER_INPUT", `Payload of ${id}: ${why}`);
  if (payload === null || typeof payload !== "object") throw bad("missing");
  if (typeof payload.datasetId !== "string" || payload.datasetId === "") throw bad("datasetId must be a non-empty string");
  if (payload.studyId != null && typeof payload.studyId !== "string") throw bad("studyId must be a string");
  if (payload.viewPosition != null && typeof payload.viewPosition !== "string") throw bad("viewPosition must be a string");
  if (!Array.isArray(payload.findings) || payload.findings.some((x) => typeof x !== "string")) {
    throw bad("findings must be a list of strings");
  }
  return {
    datasetId: payload.datasetId,
    studyId: payload.studyId ?? null,
    viewPosition: payload.viewPosition ?? null,
    findings: [...new Set(payload.findings)],
  };
}

/** Orders hits by score descending, then id ascending: the port's documented order. */
export function compareHits(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Keeps the last record of each id, in first-seen order. */
export function lastWins<T extends { id: string }>(records: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()];
}

// The vector store port: global embeddings (gloria-numerics §4.1) kept per (model, kind) collection, with
// filtered cosine top-k. Types and contracts only; the usearch and Qdrant adapters implement them.
import type { ReadinessProbe } from "../readiness.ts";

/** What a collection holds: image global embeddings or report (sentence) global embeddings. */
export type VectorKind = "image" | "report";

/**
 * The embedding identity a collection is built for (STYLE: embedding identity is data). A store never
 * serves a collection whose recorded identity differs from the one asked for.
 */
export interface CollectionSpec {
  /** The model id, `name@version#checksum[0:12]` (docs/model-contract.md). */
  modelId: string;
  /** Vector length D (768 for GLoRIA), a positive integer. */
  dim: number;
  kind: VectorKind;
}

/** The fields a search can filter on, stored beside each vector. Values match as exact strings. */
export interface VectorPayload {
  datasetId: string;
  studyId?: string | null;
  viewPosition?: string | null;
  /** Finding class names present in the item (e.g. "Pleural Effusion"); may be empty. */
  findings: readonly string[];
}

export interface VectorRecord {
  /** The image or report id: a UUID (lower or upper case; stored and returned lower-case). */
  id: string;
  /** Length D, finite, not all zero. Need not be normalised: the store L2-normalises it. */
  vector: Float32Array;
  payload: VectorPayload;
}

/**
 * A conjunction of constraints; an absent field constrains nothing. A present list is "any of" for
 * datasetIds, studyIds and viewPositions, so an empty list matches nothing. `findingsAny` keeps items
 * with at least one of the findings (empty: nothing); `findingsAll` keeps items with every one of
 * them (empty: everything); `findingsNone` keeps items with none of them (empty: everything).
 */
export interface VectorFilter {
  datasetIds?: readonly string[];
  studyIds?: readonly string[];
  viewPositions?: readonly string[];
  findingsAny?: readonly string[];
  findingsAll?: readonly string[];
  findingsNone?: readonly string[];
  /**
   * Only these items (any of the ids; unknown ones ignored, an empty list matches nothing): how a
   * filter the payload cannot answer (labels, ingestion dates) reaches the store, resolved to ids
   * by the catalogue first.
   */
  ids?: readonly string[];
}

export interface VectorHit {
  id: string;
  /** Cosine similarity of the stored vector and the query, in [−1, 1] (gloria-numerics §4.1). */
  score: number;
}

/** The largest k a search accepts; first-stage candidate lists are far shorter (DESIGN: N = 100). */
export const MAX_SEARCH_K = 10_000;

/**
 * One (model, kind) collection. Distance is cosine: every stored vector and every query is
 * L2-normalised by the store, so GLoRIA's un-normalised embeddings (gloria-numerics §1, §3.5) go in as
 * they come out of the encoders.
 *
 * Errors: BAD_USER_INPUT for a vector of the wrong length, with a NaN/±Inf or of zero norm, an id
 * that is not a UUID, a malformed filter, or k outside 1..MAX_SEARCH_K; STORE_UNAVAILABLE when the
 * backing service or files fail, and once the store is closed.
 */
export interface VectorCollection {
  readonly spec: Readonly<CollectionSpec>;
  /** The backend's collection name (see collectionName()). */
  readonly name: string;
  /**
   * Inserts or replaces items by id (a replaced item takes the new vector and payload). Within one
   * call, the last record of a repeated id wins; across calls, writes (upserts and deletes) take
   * effect in call order even when not awaited one by one. Durable and visible once it resolves;
   * all or nothing when a record is invalid.
   */
  upsert(records: readonly VectorRecord[]): Promise<void>;
  /** Removes the ids that are present; unknown ids are ignored. */
  delete(ids: readonly string[]): Promise<void>;
  /**
   * The k stored items most cosine-similar to `query` among those matching `filter`: at most k hits
   * (fewer when fewer match), ordered by score descending, equal scores by id ascending. Unfiltered
   * searches are approximate (HNSW; recall@10 ≥ 0.99 on clustered data). Filtered ones are exact
   * in the embedded store while the filter matches at most its exact-search limit (default 10,000
   * items), and graph searches like unfiltered ones above it; Qdrant's planner decides likewise.
   */
  search(query: Float32Array, k: number, filter?: VectorFilter): Promise<VectorHit[]>;
  /** How many stored items match `filter` (all of them without one). Exact. */
  count(filter?: VectorFilter): Promise<number>;
  /** Which of `ids` are stored (for reconciling the metadata's `vector_written` flags). */
  has(ids: readonly string[]): Promise<Set<string>>;
  /**
   * The stored vectors of `ids`, as stored: L2-normalised (cosine-equivalent to what was written),
   * length D. Unknown ids are absent from the map.
   */
  vectors(ids: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Every stored id, in pages of up to `pageSize` (default 1,000), in no particular order. */
  ids(pageSize?: number): AsyncIterable<string[]>;
  /**
   * Resolves once every write issued before it is durable. Cheap: each write is durable when it
   * resolves, so this only waits for writes still in flight (the embedded store folds its journal
   * into a snapshot on its own, and on close).
   */
  flush(): Promise<void>;
}

/**
 * Holds the collections of one backend. `open` creates a missing collection, and refuses (AppError
 * CONFLICT, not expected, with both identities in the message) one whose recorded model id or dim
 * differs from `spec`, e.g. a collection written by another build of the model under the same name.
 * Refusals are remembered and reported by `probe`, so /readyz says why the store will not serve.
 */
export interface VectorStore {
  readonly backend: "usearch" | "qdrant";
  open(spec: CollectionSpec): Promise<VectorCollection>;
  /** Readiness: the backend answers and no collection was refused. Never throws. */
  readonly probe: ReadinessProbe;
  /** Waits for writes in flight and closes every open collection; later calls on them fail. Safe to call twice. */
  close(): Promise<void>;
}

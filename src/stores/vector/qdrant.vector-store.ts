// The VectorStore on a Qdrant server (REST, @qdrant/js-client-rest 1.18): one cosine collection per
// (model, kind), payload indexes for the filters, the embedding identity in the collection metadata
// and in every point. The only module that imports the Qdrant client; vendor errors stop here.
import pLimit from "p-limit";
import { QdrantClient } from "@qdrant/js-client-rest";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { ProbeResult, ReadinessProbe } from "../readiness.ts";
import type { CollectionSpec, VectorCollection, VectorFilter, VectorHit, VectorPayload, VectorRecord, VectorStore } from "./vector-store.port.ts";
import {
  checkFilter,
  checkId,
  checkK,
  checkPayload,
  checkSpec,
  collectionName,
  compareHits,
  filterIsActive,
  filterIsEmpty,
  identityConflict,
  lastWins,
  normalizedCopy,
} from "./vector-store.validate.ts";

export interface QdrantVectorStoreOptions {
  /** QDRANT_URL, e.g. http://localhost:6333. */
  url: string;
  /** QDRANT_API_KEY, sent as the api-key header. */
  apiKey?: string;
  logger: Logger;
  /**
   * "int8": Qdrant keeps int8 scalar-quantised copies in RAM (a quarter of the memory) and rescoring
   * with the original vectors keeps the ranking. Applies to collections this store creates.
   */
  quantization?: "none" | "int8";
  /** Points per upsert request (default 256). */
  upsertBatchSize?: number;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
}

/** Payload keys in Qdrant; each filterable one has a keyword index. */
const KEY = { model: "model_id", dataset: "dataset_id", study: "study_id", view: "view_position", findings: "findings" } as const;
const INDEXED = [KEY.dataset, KEY.study, KEY.view, KEY.findings];
const METADATA_KEY = "gloria_search";
const PAGE = 1_000;

type QdrantCondition = { key: string; match: { any: string[] } | { value: string } } | { has_id: string[] };
export interface QdrantFilter {
  must: QdrantCondition[];
  must_not?: QdrantCondition[];
}

/** The port's filter as a Qdrant filter: `match.any` for any-of lists, one `match.value` per all-of finding, `must_not` for none-of. */
export function toQdrantFilter(filter: VectorFilter | undefined): QdrantFilter | undefined {
  if (!filterIsActive(filter)) return undefined;
  const f = filter as VectorFilter;
  const must: QdrantCondition[] = [];
  const any = (key: string, values: readonly string[] | undefined) => {
    if (values !== undefined) must.push({ key, match: { any: [...new Set(values)] } });
  };
  any(KEY.dataset, f.datasetIds);
  any(KEY.study, f.studyIds);
  any(KEY.view, f.viewPositions);
  any(KEY.findings, f.findingsAny);
  for (const finding of new Set(f.findingsAll ?? [])) must.push({ key: KEY.findings, match: { value: finding } });
  if (f.ids !== undefined) must.push({ has_id: [...new Set(f.ids.map((id) => id.toLowerCase()))] });
  if (f.findingsNone?.length) return { must, must_not: [{ key: KEY.findings, match: { any: [...new Set(f.findingsNone)] } }] };
  return { must };
}

/** Qdrant point payload: nulls are left out, so `match` never meets them. */
export function toQdrantPayload(modelId: string, p: VectorPayload): Record<string, unknown> {
  const payload: Record<string, unknown> = { [KEY.model]: modelId, [KEY.dataset]: p.datasetId, [KEY.findings]: [...p.findings] };
  if (p.studyId != null) payload[KEY.study] = p.studyId;
  if (p.viewPosition != null) payload[KEY.view] = p.viewPosition;
  return payload;
}

/** Translates whatever the client threw into STORE_UNAVAILABLE, naming the server and the operation. */
export function qdrantFault(url: string, what: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as { name?: string; status?: number; data?: { status?: { error?: string } }; cause?: { code?: string; message?: string }; message?: string };
  let why: string;
  if (typeof e?.status === "number") why = `HTTP ${e.status}${e.data?.status?.error ? `: ${e.data.status.error}` : ""}`;
  else if (e?.name === "QdrantClientTimeoutError") why = "no answer in time";
  // fetch() reports network failures as "fetch failed" with the socket error as its cause.
  else if (e?.cause?.code || e?.cause?.message) why = `unreachable (${e.cause.code ?? e.cause.message})`;
  else why = e?.message ?? String(error);
  return new AppError("STORE_UNAVAILABLE", `Qdrant at ${url} failed to ${what}: ${why}`, { cause: error, expected: false });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface StoredIdentity {
  modelId: string | undefined;
  dim: number | undefined;
  distance: string | undefined;
  kind: string | undefined;
}

class QdrantCollection implements VectorCollection {
  readonly spec: Readonly<CollectionSpec>;
  readonly name: string;
  closed = false;
  /** Writes go one at a time, so concurrent calls apply in call order. */
  /** Writes, one at a time in the order given (a failed one does not stop the next). */
  private readonly writes = pLimit(1);

  constructor(
    private readonly client: QdrantClient,
    private readonly url: string,
    spec: CollectionSpec,
    private readonly options: { quantization: "none" | "int8"; upsertBatchSize: number },
  ) {
    this.spec = Object.freeze({ ...spec });
    this.name = collectionName(spec);
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    if (this.closed) throw new AppError("STORE_UNAVAILABLE", `Vector collection ${this.name} is closed`, { expected: false });
    try {
      return await request();
    } catch (error) {
      throw qdrantFault(this.url, `${what} in ${this.name}`, error);
    }
  }

  /** Creates the collection when missing, checks its identity, and adds any missing payload index. */
  async prepare(): Promise<void> {
    const { exists } = await this.call("check the collection", () => this.client.collectionExists(this.name));
    if (!exists) await this.create();
    const info = await this.call("read the collection", () => this.client.getCollection(this.name));
    const stored = await this.storedIdentity(info as unknown as CollectionInfoLike);
    if (stored.distance !== undefined && stored.distance !== "Cosine") {
      throw new AppError("CONFLICT", `Qdrant collection ${this.name} uses ${stored.distance} distance; gloria-search needs Cosine`, { expected: false });
    }
    const kindDiffers = stored.kind !== undefined && stored.kind !== this.spec.kind;
    if ((stored.modelId !== undefined && stored.modelId !== this.spec.modelId) || stored.dim !== this.spec.dim || kindDiffers) {
      throw identityConflict(this.name, { modelId: stored.modelId ?? "(unrecorded)", dim: stored.dim ?? 0 }, this.spec);
    }
    const schema = (info as unknown as CollectionInfoLike).payload_schema ?? {};
    for (const field of INDEXED) {
      if (schema[field] === undefined) {
        await this.call(`index payload field ${field}`, () =>
          this.client.createPayloadIndex(this.name, { field_name: field, field_schema: "keyword", wait: true }),
        );
      }
    }
  }

  private async create(): Promise<void> {
    try {
      // The client's createCollection drops `metadata`; its typed REST call sends the whole body.
      await this.client.api().createCollection({
        collection_name: this.name,
        vectors: { size: this.spec.dim, distance: "Cosine" },
        metadata: { [METADATA_KEY]: { modelId: this.spec.modelId, dim: this.spec.dim, kind: this.spec.kind } },
        ...(this.options.quantization === "int8" ? { quantization_config: { scalar: { type: "int8", always_ram: true } } } : {}),
      });
    } catch (error) {
      // Another process created it first; the identity check that follows decides.
      if ((error as { status?: number }).status === 409) return;
      throw qdrantFault(this.url, `create collection ${this.name}`, error);
    }
  }

  /** The identity recorded in the collection metadata, else in one of its points (older servers drop metadata). */
  private async storedIdentity(info: CollectionInfoLike): Promise<StoredIdentity> {
    const vectors = info.config?.params?.vectors as { size?: number; distance?: string } | undefined;
    const single = vectors && typeof vectors.size === "number" ? vectors : undefined;
    const recorded = info.config?.metadata?.[METADATA_KEY] as { modelId?: string; kind?: string } | undefined;
    let modelId = recorded?.modelId;
    if (modelId === undefined) {
      const page = await this.call("read a point", () => this.client.scroll(this.name, { limit: 1, with_payload: [KEY.model], with_vector: false }));
      modelId = page.points[0]?.payload?.[KEY.model] as string | undefined;
    }
    return { modelId, dim: single?.size, distance: single?.distance, kind: recorded?.kind };
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    if (!Array.isArray(records)) throw new AppError("BAD_USER_INPUT", "upsert takes a list of records");
    const points = lastWins(
      records.map((r) => {
        const id = checkId(r?.id);
        return {
          id,
          vector: Array.from(normalizedCopy(r.vector, this.spec.dim, `Vector of ${id}`)),
          payload: toQdrantPayload(this.spec.modelId, checkPayload(r.payload, id)),
        };
      }),
    );
    await this.inTurn(async () => {
      for (const batch of chunks(points, this.options.upsertBatchSize)) {
        await this.call("upsert points", () => this.client.upsert(this.name, { wait: true, points: batch }));
      }
    });
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (!Array.isArray(ids)) throw new AppError("BAD_USER_INPUT", "delete takes a list of ids");
    const unique = [...new Set(ids.map(checkId))];
    await this.inTurn(async () => {
      for (const batch of chunks(unique, PAGE)) {
        await this.call("delete points", () => this.client.delete(this.name, { wait: true, points: batch }));
      }
    });
  }

  private inTurn(task: () => Promise<void>): Promise<void> {
    return this.writes(task);
  }

  async search(query: Float32Array, k: number, filter?: VectorFilter): Promise<VectorHit[]> {
    checkK(k);
    checkFilter(filter);
    const q = Array.from(normalizedCopy(query, this.spec.dim, "The query vector"));
    if (filterIsEmpty(filter)) return [];
    const qfilter = toQdrantFilter(filter);
    const params = {
      ...(this.options.quantization === "int8" ? { quantization: { rescore: true, oversampling: 2 } } : {}),
      // ACORN keeps recall up under restrictive combined filters (Qdrant ≥ 1.16).
      ...(qfilter ? { acorn: { enable: true } } : {}),
    };
    const response = await this.call("search", () =>
      this.client.query(this.name, { query: q, limit: k, filter: qfilter, with_payload: false, with_vector: false, params }),
    );
    return response.points.map((p) => ({ id: String(p.id), score: Math.max(-1, Math.min(1, p.score)) })).sort(compareHits);
  }

  async count(filter?: VectorFilter): Promise<number> {
    checkFilter(filter);
    if (filterIsEmpty(filter)) return 0;
    const result = await this.call("count points", () => this.client.count(this.name, { filter: toQdrantFilter(filter), exact: true }));
    return result.count;
  }

  async has(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const batch of chunks([...new Set(ids.map(checkId))], PAGE)) {
      const points = await this.call("retrieve points", () => this.client.retrieve(this.name, { ids: batch, with_payload: false, with_vector: false }));
      for (const p of points) found.add(String(p.id));
    }
    return found;
  }

  async vectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const batch of chunks([...new Set(ids.map(checkId))], PAGE)) {
      const points = await this.call("retrieve vectors", () => this.client.retrieve(this.name, { ids: batch, with_payload: false, with_vector: true }));
      for (const p of points) {
        // Collections of this store hold one unnamed vector per point.
        if (Array.isArray(p.vector)) out.set(String(p.id), Float32Array.from(p.vector as number[]));
      }
    }
    return out;
  }

  async *ids(pageSize = PAGE): AsyncIterable<string[]> {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new AppError("BAD_USER_INPUT", "pageSize must be a positive integer");
    let offset: string | number | undefined;
    for (;;) {
      const page = await this.call("list points", () => this.client.scroll(this.name, { limit: pageSize, offset, with_payload: false, with_vector: false }));
      if (page.points.length > 0) yield page.points.map((p) => String(p.id));
      const next = page.next_page_offset;
      if (next === null || next === undefined || typeof next === "object") return;
      offset = next;
    }
  }

  /** Upserts and deletes wait for Qdrant to apply them (`wait: true`); this waits for those in flight. */
  async flush(): Promise<void> {
    await this.inTurn(async () => undefined);
  }
}

interface CollectionInfoLike {
  config?: { params?: { vectors?: unknown }; metadata?: Record<string, unknown> | null };
  payload_schema?: Record<string, unknown>;
}

/** VectorStore on a Qdrant server; durability, sharding and replication are Qdrant's. */
export class QdrantVectorStore implements VectorStore {
  readonly backend = "qdrant" as const;
  readonly probe: ReadinessProbe;
  private readonly client: QdrantClient;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly settings: { quantization: "none" | "int8"; upsertBatchSize: number };
  private readonly collections = new Map<string, { spec: CollectionSpec; collection: Promise<QdrantCollection> }>();
  private readonly refusals = new Map<string, string>();
  private closed = false;

  constructor(options: QdrantVectorStoreOptions) {
    this.url = options.url;
    this.logger = options.logger;
    this.client = new QdrantClient({ url: options.url, apiKey: options.apiKey, timeout: options.timeoutMs ?? 30_000, checkCompatibility: false });
    this.settings = { quantization: options.quantization ?? "none", upsertBatchSize: options.upsertBatchSize ?? 256 };
    this.probe = { name: "vectors", check: () => this.check() };
  }

  async open(spec: CollectionSpec): Promise<VectorCollection> {
    if (this.closed) throw new AppError("STORE_UNAVAILABLE", "The vector store is closed", { expected: false });
    checkSpec(spec);
    const name = collectionName(spec);
    const existing = this.collections.get(name);
    if (existing) {
      if (existing.spec.modelId !== spec.modelId || existing.spec.dim !== spec.dim) throw identityConflict(name, existing.spec, spec);
      return existing.collection;
    }
    const collection = new QdrantCollection(this.client, this.url, spec, this.settings);
    const ready = collection.prepare().then(() => collection);
    this.collections.set(name, { spec: { ...spec }, collection: ready });
    try {
      await ready;
      this.refusals.delete(name);
      this.logger.info({ collection: name, url: this.url }, "vector collection opened");
      return collection;
    } catch (error) {
      this.collections.delete(name);
      if (error instanceof AppError && error.code === "CONFLICT") this.refusals.set(name, error.message);
      throw error;
    }
  }

  private async check(): Promise<ProbeResult> {
    if (this.closed) return { ok: false, detail: "vector store closed" };
    if (this.refusals.size > 0) return { ok: false, detail: [...this.refusals.values()].join(" ") };
    try {
      const info = await this.client.versionInfo();
      return { ok: true, detail: `qdrant ${info.version} at ${this.url}` };
    } catch (error) {
      return { ok: false, detail: qdrantFault(this.url, "answer", error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { collection } of this.collections.values()) {
      await collection.then(
        (c) => (c.closed = true),
        () => undefined,
      );
    }
    this.collections.clear();
  }
}

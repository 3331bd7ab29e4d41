// The embedded VectorStore: one usearch HNSW index (cosine) per (model, kind) under
// <dataDir>/vectors/, served memory-mapped, with ids, payloads and the normalised vectors kept beside
// it for filtering and exact search. The only module that imports usearch; it knows nothing of
// GraphQL or the metadata database.
import pLimit from "p-limit";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { ProbeResult, ReadinessProbe } from "../readiness.ts";
import {
  COLLECTION_FORMAT,
  acquireWriteLock,
  appendJournal,
  commitHeader,
  decodeRecords,
  encodeRecords,
  files,
  openFile,
  readHeader,
  readJournal,
  removeOtherGenerations,
  storeFault,
  syncFile,
  truncateJournal,
  writeDurably,
  type CollectionHeader,
  type JournalEntry,
  type JournalUpsert,
  type OpenFile,
  type RecordRow,
} from "./usearch.collection-files.ts";
import { makeDirDurably } from "../durable-files.ts";
import { ItemKeys } from "./usearch.item-keys.ts";
import { SegmentedVectors, type Segment } from "./usearch.segments.ts";
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
  filterPredicate,
  identityConflict,
  lastWins,
  normalizedCopy,
} from "./vector-store.validate.ts";

// usearch's ESM entry finds its native binary from a stack trace, which fails when the TypeScript is
// run through a loader (tsx); its CommonJS entry uses __dirname and works everywhere.
const { Index, MetricKind, ScalarKind, exactSearch } = createRequire(import.meta.url)("usearch") as typeof import("usearch");
type Index = import("usearch").Index;

export interface UsearchVectorStoreOptions {
  /** GLORIA_DATA_DIR; collections live in <dataDir>/vectors/<collection name>/. */
  dataDir: string;
  logger: Logger;
  /**
   * A filtered search whose filter matches at most this many items (by the store's estimate)
   * compares the query with each of them (exact top-k); above it, the HNSW graph is searched for
   * enough neighbours that k of them pass the filter (approximate, like an unfiltered search).
   * Default 10,000.
   */
  exactSearchLimit?: number;
  /** Fold the journal into a new snapshot once it passes this many bytes (or a quarter of the vectors' size, if more). Default 64 MiB. */
  journalLimitBytes?: number;
  /** HNSW build/search parameters (usearch's M, ef_construction, ef_search). */
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** How journal files are opened for writing; tests pass one whose writes fail part-way (a full disk). */
  openFile?: OpenFile;
}

/** Filtered sets up to this size are searched exactly unless configured otherwise. */
export const DEFAULT_EXACT_SEARCH_LIMIT = 10_000;

// ef_search 128 rather than usearch's 64: recall@10 on tight clusters of 768-d vectors rose from
// 0.98 to ≥ 0.99 in bench/vector.bench.ts at 100k.
const DEFAULTS = {
  exactSearchLimit: DEFAULT_EXACT_SEARCH_LIMIT,
  journalLimitBytes: 64 * 1024 * 1024,
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 128,
  openFile,
};

/** Rows read or written at a time when the vectors file is loaded or snapshotted. */
const VECTOR_CHUNK_ROWS = 4096;

function hnswConfig(dim: number, o: typeof DEFAULTS) {
  return {
    dimensions: dim,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: o.connectivity,
    expansion_add: o.expansionAdd,
    expansion_search: o.expansionSearch,
    multi: false,
  };
}

/** usearch reports cosine distance 1 − cos; the port speaks cosine similarity in [−1, 1]. */
function scoreOf(distance: number): number {
  return Math.max(-1, Math.min(1, 1 - distance));
}

/** Reads `length` bytes at `position` into `target` at `offset`, however many calls that takes. */
function readFully(fd: number, target: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, target, offset + done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new Error(`vector file ended ${length - done} bytes early`);
    done += n;
  }
}

/** Wraps a usearch/file-system failure as STORE_UNAVAILABLE, keeping AppErrors as they are. */
function fault(what: string, error: unknown): AppError {
  return error instanceof AppError ? error : storeFault(what, error);
}

class UsearchCollection implements VectorCollection {
  readonly spec: Readonly<CollectionSpec>;
  readonly name: string;
  private readonly dir: string;
  private readonly options: typeof DEFAULTS;
  private readonly logger: Logger;

  private generation = 0;
  private index: Index;
  /** Viewed: the HNSW index is memory-mapped, read-only; loaded: an in-memory, writable copy. */
  private mode: "viewed" | "loaded" = "loaded";
  /**
   * The normalised vectors, grouped by dataset. Kept in memory in both modes: exact filtered searches
   * scan them in place, far faster than reading them from disk.
   */
  private vectorRows: SegmentedVectors;
  /** Reused buffer for the rows an exact search gathers from several places. */
  private scratch = new Float32Array(0);
  /** Ids, payloads and key sets by key, and the filter planning over them. */
  private readonly items = new ItemKeys((datasetId) => this.vectorRows.segment(datasetId));
  /** Size of the journal of writes since the last snapshot. */
  private journalBytes = 0;
  private releaseLock: (() => void) | undefined;
  /** Writes and snapshots, one at a time in the order given (a failed one does not stop the next). */
  private readonly writes = pLimit(1);
  private closed = false;

  private constructor(spec: CollectionSpec, dir: string, options: typeof DEFAULTS, logger: Logger) {
    this.spec = Object.freeze({ ...spec });
    this.name = path.basename(dir);
    this.dir = dir;
    this.options = options;
    this.logger = logger;
    this.index = new Index(hnswConfig(spec.dim, options));
    this.vectorRows = new SegmentedVectors(spec.dim);
  }

  /** Opens (or creates) the collection in `dir`, refusing one built for another identity. */
  static async open(spec: CollectionSpec, dir: string, options: typeof DEFAULTS, logger: Logger): Promise<UsearchCollection> {
    const collection = new UsearchCollection(spec, dir, options, logger);
    try {
      await makeDirDurably(dir);
      const header = readHeader(dir);
      if (header === undefined) {
        collection.lockForWriting();
        await collection.writeSnapshot();
      } else {
        if (header.modelId !== spec.modelId || header.dim !== spec.dim || header.kind !== spec.kind) {
          throw identityConflict(collection.name, header, spec);
        }
        collection.tryLockForWriting();
        await collection.loadSnapshot(header);
      }
      return collection;
    } catch (error) {
      collection.dispose();
      // The path and the cause go to the log; the error names the collection only.
      logger.warn({ collection: collection.name, dir, err: error }, "vector collection cannot be opened");
      throw fault(`Cannot open vector collection ${collection.name}`, error);
    }
  }

  private async loadSnapshot(header: CollectionHeader): Promise<void> {
    const g = header.generation;
    // Only the writer may clean up: another process's unfinished snapshot is not ours to remove.
    const owner = this.releaseLock !== undefined;
    const removed = owner ? removeOtherGenerations(this.dir, g) : [];
    if (removed.length > 0) this.logger.warn({ collection: this.name, removed }, "removed files of an unfinished vector snapshot");
    this.generation = g;
    this.items.slots = header.slots;
    const rows = decodeRecords(files.records(this.dir, g));
    for (const [key, id, datasetId, studyId, viewPosition, findings] of rows) {
      this.items.idOf[key] = id;
      this.items.setPayload(key, { datasetId, studyId, viewPosition, findings });
      this.items.keyOf.set(id, key);
    }
    for (let key = 0; key < this.items.slots; key++) if (this.items.idOf[key] === undefined) this.items.freeKeys.push(key);
    this.readVectors(files.vectors(this.dir, g));
    const indexFile = files.index(this.dir, g);
    try {
      this.index.view(indexFile);
    } catch (error) {
      throw storeFault(`Cannot memory-map the index of vector collection ${this.name}`, error);
    }
    if (this.index.dimensions() !== this.spec.dim || this.index.size() !== this.items.keyOf.size) {
      throw storeFault(
        `The index of vector collection ${this.name} (dim ${this.index.dimensions()}, ${this.index.size()} vectors) ` +
          `does not match its records (dim ${this.spec.dim}, ${this.items.keyOf.size} items)`,
      );
    }
    this.mode = "viewed";
    await this.replayJournal(0);
  }

  /**
   * Applies the journal's intact entries from byte `from` on. A torn last line (a write a crash or a
   * full disk cut short, whose call never returned) is dropped and, by the writer, cut from the file
   * so the next append starts on a clean line. Only the writer may cut: the line may be another
   * process's write in progress.
   */
  private async replayJournal(from: number): Promise<void> {
    const journalFile = files.journal(this.dir, this.generation);
    const { entries, tornTail, validBytes, size } = readJournal(journalFile, this.spec.dim, from);
    if (entries.length > 0) {
      // Replaying needs a writable index; the journal itself stays until the next snapshot folds it.
      this.loadIntoMemory();
      for (const entry of entries) this.apply(entry);
    }
    this.journalBytes = validBytes;
    if (tornTail && this.releaseLock !== undefined) {
      this.logger.warn(
        { collection: this.name, journal: journalFile, droppedBytes: size - validBytes },
        "cut a vector write that a crash or a full disk left unfinished",
      );
      await truncateJournal(journalFile, validBytes);
    }
  }

  /** Reads the snapshot's vectors file (rows in key order) into the dataset segments. */
  private readVectors(vectorsFile: string): void {
    const dim = this.spec.dim;
    const expectedBytes = this.items.slots * dim * 4;
    const size = fs.statSync(vectorsFile).size;
    if (size !== expectedBytes) {
      throw storeFault(`The vectors of vector collection ${this.name} hold ${size} bytes; its header promises ${expectedBytes}`, new Error(vectorsFile));
    }
    const rowsByDataset = new Map<string, number>();
    for (const [datasetId, keys] of this.items.keySets.dataset) rowsByDataset.set(datasetId, keys.size);
    this.vectorRows.reserve(rowsByDataset);
    const chunk = new Float32Array(VECTOR_CHUNK_ROWS * dim);
    const fd = fs.openSync(vectorsFile, "r");
    try {
      for (let first = 0; first < this.items.slots; first += VECTOR_CHUNK_ROWS) {
        const rows = Math.min(VECTOR_CHUNK_ROWS, this.items.slots - first);
        try {
          readFully(fd, new Uint8Array(chunk.buffer, 0, rows * dim * 4), 0, rows * dim * 4, first * dim * 4);
        } catch (error) {
          throw storeFault(`Cannot read the vectors of vector collection ${this.name}`, new Error(vectorsFile, { cause: error }));
        }
        for (let i = 0; i < rows; i++) {
          const payload = this.items.payloadOf[first + i];
          if (payload !== undefined) this.vectorRows.put(first + i, payload.datasetId, chunk.subarray(i * dim, (i + 1) * dim));
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The vectors file's bytes (rows in key order, zeros for free keys), a chunk at a time. */
  private *vectorFileChunks(): Generator<Uint8Array> {
    const dim = this.spec.dim;
    const chunk = new Float32Array(VECTOR_CHUNK_ROWS * dim);
    for (let first = 0; first < this.items.slots; first += VECTOR_CHUNK_ROWS) {
      const rows = Math.min(VECTOR_CHUNK_ROWS, this.items.slots - first);
      this.vectorRows.copyKeyRange(first, rows, chunk);
      yield new Uint8Array(chunk.buffer, 0, rows * dim * 4);
    }
  }

  /** Switches from the memory-mapped index to an in-memory, writable copy. */
  private loadIntoMemory(): void {
    if (this.mode === "loaded") return;
    const index = new Index(hnswConfig(this.spec.dim, this.options));
    index.load(files.index(this.dir, this.generation));
    this.index = index;
    this.mode = "loaded";
  }

  private lockForWriting(): void {
    this.releaseLock ??= acquireWriteLock(this.dir);
  }

  /** Takes the writer lock when it is free; otherwise the collection serves read-only. */
  private tryLockForWriting(): void {
    try {
      this.lockForWriting();
    } catch (error) {
      this.logger.warn({ collection: this.name, reason: (error as Error).message }, "vector collection opened read-only");
    }
  }

  /**
   * Takes the writer lock if this process has not got it yet. A collection opened read-only (another
   * process was writing) first reads what that writer added since, so it never appends behind a
   * journal it has not read; if the writer has since folded its journal into a new snapshot, this
   * copy is stale and refuses to write.
   */
  private async ensureWritable(): Promise<void> {
    if (this.releaseLock === undefined) {
      this.lockForWriting();
      try {
        if (readHeader(this.dir)?.generation !== this.generation) {
          throw storeFault(`Vector collection ${this.name} was rewritten by another process since it was opened here; reopen it to write`);
        }
        await this.replayJournal(this.journalBytes);
      } catch (error) {
        this.unlock();
        throw error;
      }
    }
    this.loadIntoMemory();
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError("STORE_UNAVAILABLE", `Vector collection ${this.name} is closed`, { expected: false });
  }

  /** Serialises writes and snapshots; searches read the in-memory state between them. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.writes(task);
  }

  private apply(entry: JournalEntry): void {
    if (entry.op === "delete") {
      for (const id of entry.ids) {
        const key = this.items.keyOf.get(id);
        if (key === undefined) continue;
        this.index.remove(BigInt(key));
        this.items.keyOf.delete(id);
        this.items.idOf[key] = undefined;
        this.items.setPayload(key, undefined);
        this.vectorRows.remove(key);
        this.items.freeKeys.push(key);
      }
      return;
    }
    const dim = this.spec.dim;
    const keys = new BigUint64Array(entry.items.length);
    const matrix = new Float32Array(entry.items.length * dim);
    entry.items.forEach((item, i) => {
      let key = this.items.keyOf.get(item.id);
      if (key !== undefined) {
        // An overwrite keeps the key: usearch accepts a removed key again.
        this.index.remove(BigInt(key));
      } else {
        key = this.items.freeKeys.pop() ?? this.items.slots++;
        this.items.keyOf.set(item.id, key);
        this.items.idOf[key] = item.id;
      }
      this.items.setPayload(key, item.payload);
      this.vectorRows.put(key, item.payload.datasetId, item.vector);
      keys[i] = BigInt(key);
      matrix.set(item.vector, i * dim);
    });
    // One thread: usearch's parallel insert, on a busy machine, left graphs whose filtered searches
    // missed up to 6% of the true top-10 (tests/integration/stores); a single thread never did.
    this.index.add(keys, matrix, 1);
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(records)) throw new AppError("BAD_USER_INPUT", "upsert takes a list of records");
    const items: JournalUpsert[] = lastWins(
      records.map((r) => {
        const id = checkId(r?.id);
        return { id, vector: normalizedCopy(r.vector, this.spec.dim, `Vector of ${id}`), payload: checkPayload(r.payload, id) };
      }),
    );
    if (items.length === 0) return;
    await this.write({ op: "upsert", items });
  }

  async delete(ids: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(ids)) throw new AppError("BAD_USER_INPUT", "delete takes a list of ids");
    const unique = [...new Set(ids.map(checkId))];
    if (unique.length === 0) return;
    await this.write({ op: "delete", ids: unique });
  }

  private write(request: JournalEntry): Promise<void> {
    return this.exclusive(async () => {
      this.assertOpen();
      // Decided in turn, so a delete queued behind an upsert of the same id sees it.
      const entry: JournalEntry = request.op === "delete" ? { op: "delete", ids: request.ids.filter((id) => this.items.keyOf.has(id)) } : request;
      if (entry.op === "delete" && entry.ids.length === 0) return;
      try {
        await this.ensureWritable();
        // Durable first, then visible: a crash after the append replays the entry on open. A failed
        // append leaves the journal at journalBytes, where the next one starts.
        this.journalBytes = await appendJournal(files.journal(this.dir, this.generation), entry, this.journalBytes, this.options.openFile);
        this.apply(entry);
        // Folding costs a full snapshot, so the journal may grow with the collection (a quarter of
        // its vectors' size): writes stay linear overall and a replay at open stays short.
        const snapshotBytes = this.items.slots * this.spec.dim * 4;
        if (this.journalBytes > Math.max(this.options.journalLimitBytes, snapshotBytes / 4)) await this.writeSnapshot();
      } catch (error) {
        throw fault(`Cannot write vector collection ${this.name}`, error);
      }
    });
  }

  async search(query: Float32Array, k: number, filter?: VectorFilter): Promise<VectorHit[]> {
    this.assertOpen();
    checkK(k);
    checkFilter(filter);
    const q = normalizedCopy(query, this.spec.dim, "The query vector");
    const live = this.items.keyOf.size;
    if (live === 0 || filterIsEmpty(filter)) return [];
    try {
      if (!filterIsActive(filter)) {
        const hits = this.hnsw(q, Math.min(k, live));
        // A graph thinned by removals can leave nodes unreachable; small sets are then scanned.
        if (hits.length < Math.min(k, live) && live <= this.options.exactSearchLimit) return this.scan([...this.vectorRows.all()], q, k);
        return hits.sort(compareHits).slice(0, k);
      }
      const f = filter as VectorFilter;
      const payloadAccepts = filterPredicate(f);
      const idKeys = f.ids !== undefined ? this.items.idKeys(f.ids) : undefined;
      const accept = (payload: VectorPayload, key: number) => payloadAccepts(payload) && (idKeys === undefined || idKeys.has(key));
      const plan = this.items.plan(f);
      if (plan.estimate > this.options.exactSearchLimit) {
        const hits = this.overFetch(q, k, plan.estimate, accept);
        if (hits !== undefined) return hits;
      }
      // Exact top-k of the filtered set: a filter on datasets alone is their segments, scanned in
      // place; any other is gathered from its smallest key set.
      if (plan.datasetsOnly) return this.scan(plan.segments, q, k);
      const matching = this.items.matchingKeys(f, plan);
      return matching.length === 0 ? [] : this.exact(q, k, matching);
    } catch (error) {
      throw fault(`Vector search failed in ${this.name}`, error);
    }
  }

  /**
   * The search breadth (ef) for the collection's size: the configured ef up to 100k vectors, then
   * growing as size^0.75 (at most 1,024), since a fixed ef finds less of the true top-k as the
   * graph grows (recall@10 on clustered 768-d vectors at ef 128: 0.997 at 100k, 0.97 at 300k,
   * 0.82 at 1M; at 300k, ef 256 gave 0.995 and 512 gave 0.999). usearch searches with
   * max(ef, neighbours asked for), so asking for this many neighbours sets it per query.
   */
  private breadth(): number {
    const base = this.options.expansionSearch;
    const grown = Math.round(base * Math.pow(this.items.keyOf.size / 100_000, 0.75));
    return Math.max(base, Math.min(Math.max(base, 1_024), grown));
  }

  private hnsw(q: Float32Array, wanted: number): VectorHit[] {
    const found = this.index.search(q, Math.min(this.items.keyOf.size, Math.max(wanted, this.breadth())), 1);
    const hits: VectorHit[] = [];
    for (let i = 0; i < found.keys.length && hits.length < wanted; i++) {
      const id = this.items.idOf[Number(found.keys[i])];
      if (id !== undefined) hits.push({ id, score: scoreOf(found.distances[i]) });
    }
    return hits;
  }

  /**
   * Searches the HNSW graph for enough neighbours that k of them pass the filter, about three times
   * the number the estimated share predicts, growing the list twice if that falls short. Undefined when
   * it still does (the estimate was far off): the caller then searches exactly.
   */
  private overFetch(q: Float32Array, k: number, estimate: number, accept: (p: VectorPayload, key: number) => boolean): VectorHit[] | undefined {
    const live = this.items.keyOf.size;
    // Three times the predicted need: an estimate taken from independent fields can be optimistic.
    let wanted = Math.min(live, Math.max(4 * k, this.breadth(), Math.ceil((3 * k * live) / estimate)));
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = this.index.search(q, wanted, 1);
      const hits: VectorHit[] = [];
      for (let i = 0; i < found.keys.length && hits.length < k; i++) {
        const key = Number(found.keys[i]);
        const payload = this.items.payloadOf[key];
        if (payload !== undefined && accept(payload, key)) hits.push({ id: this.items.idOf[key] as string, score: scoreOf(found.distances[i]) });
      }
      if (hits.length >= k || wanted >= live) return hits.sort(compareHits);
      wanted = Math.min(live, wanted * 4);
    }
    return undefined;
  }

  /** Exact top-k over whole segments, compared in place: each segment's top-k, merged. */
  private scan(segments: Segment[], q: Float32Array, k: number): VectorHit[] {
    const dim = this.spec.dim;
    const scores: number[] = [];
    const keys: number[] = [];
    for (const segment of segments) {
      if (segment.size === 0) continue;
      const found = exactSearch(segment.matrix.subarray(0, segment.size * dim), q, dim, Math.min(k, segment.size), MetricKind.IP, 1);
      for (let i = 0; i < found.keys.length; i++) {
        scores.push(scoreOf(found.distances[i]));
        keys.push(segment.keys[Number(found.keys[i])] as number);
      }
    }
    const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
    // Candidates tied with the k-th by score stay in, so the id order of equal scores decides.
    const cut = order.length > k ? (scores[order[k - 1] as number] as number) : -Infinity;
    const hits = order
      .filter((i, rank) => rank < k || scores[i] === cut)
      .map((i) => ({ id: this.items.idOf[keys[i] as number] as string, score: scores[i] as number }));
    return hits.sort(compareHits).slice(0, k);
  }

  /** Exact top-k of the given keys: their rows are gathered into one matrix and compared. */
  private exact(q: Float32Array, k: number, keys: number[]): VectorHit[] {
    const dim = this.spec.dim;
    if (this.scratch.length < keys.length * dim) this.scratch = new Float32Array(keys.length * dim);
    keys.forEach((key, i) => this.scratch.set(this.vectorRows.row(key) as Float32Array, i * dim));
    const found = exactSearch(this.scratch.subarray(0, keys.length * dim), q, dim, Math.min(k, keys.length), MetricKind.IP, 1);
    const hits: VectorHit[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      hits.push({ id: this.items.idOf[keys[Number(found.keys[i])] as number] as string, score: scoreOf(found.distances[i]) });
    }
    return hits.sort(compareHits);
  }

  async count(filter?: VectorFilter): Promise<number> {
    this.assertOpen();
    checkFilter(filter);
    if (filterIsEmpty(filter)) return 0;
    if (!filterIsActive(filter)) return this.items.keyOf.size;
    return this.items.matchingKeys(filter as VectorFilter).length;
  }

  async has(ids: readonly string[]): Promise<Set<string>> {
    this.assertOpen();
    return new Set(ids.map(checkId).filter((id) => this.items.keyOf.has(id)));
  }

  async *ids(pageSize = 1_000): AsyncIterable<string[]> {
    this.assertOpen();
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new AppError("BAD_USER_INPUT", "pageSize must be a positive integer");
    const all = [...this.items.keyOf.keys()];
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize);
  }

  async vectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    this.assertOpen();
    const out = new Map<string, Float32Array>();
    for (const id of new Set(ids.map(checkId))) {
      const key = this.items.keyOf.get(id);
      const row = key === undefined ? undefined : this.vectorRows.row(key);
      if (row !== undefined) out.set(id, row.slice());
    }
    return out;
  }

  /** Every write is journalled and fsynced before it resolves; this waits for those in flight. */
  async flush(): Promise<void> {
    this.assertOpen();
    await this.exclusive(async () => undefined);
  }

  /**
   * Writes snapshot g+1 beside snapshot g, fsyncs it, then commits it by renaming the header; only
   * then are g's files removed. A crash at any point leaves either snapshot g (+ its journal) or
   * g+1 as the one the header names.
   */
  private async writeSnapshot(): Promise<void> {
    if (this.releaseLock === undefined) return; // a reader replaying another process's journal
    const g = this.generation + 1;
    const dim = this.spec.dim;
    try {
      const indexFile = files.index(this.dir, g);
      this.index.save(indexFile);
      syncFile(indexFile);
      await writeDurably(files.vectors(this.dir, g), this.vectorFileChunks());
      const rows: RecordRow[] = [];
      for (const [id, key] of this.items.keyOf) {
        const p = this.items.payloadOf[key] as VectorPayload;
        rows.push([key, id, p.datasetId, p.studyId ?? null, p.viewPosition ?? null, [...p.findings]]);
      }
      await writeDurably(files.records(this.dir, g), encodeRecords(rows));
      // commitHeader fsyncs the directory before the switch, so these new files are named durably.
      const header: CollectionHeader = {
        format: COLLECTION_FORMAT,
        name: this.name,
        modelId: this.spec.modelId,
        dim,
        kind: this.spec.kind,
        metric: "cos",
        generation: g,
        slots: this.items.slots,
        live: this.items.keyOf.size,
        savedAt: new Date().toISOString(),
      };
      await commitHeader(this.dir, header);
    } catch (error) {
      throw fault(`Cannot write a snapshot of vector collection ${this.name}`, error);
    }
    this.generation = g;
    this.journalBytes = 0;
    removeOtherGenerations(this.dir, g);
  }

  /** Flushes, then releases the index, the snapshot file and the writer lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      if (this.journalBytes > 0) await this.writeSnapshot();
    }).finally(() => {
      this.closed = true;
      this.dispose();
    });
  }

  private unlock(): void {
    this.releaseLock?.();
    this.releaseLock = undefined;
  }

  private dispose(): void {
    this.unlock();
    this.vectorRows = new SegmentedVectors(this.spec.dim);
    this.scratch = new Float32Array(0);
  }

  describe(): string {
    return `${this.name}: ${this.items.keyOf.size} vectors (${this.mode})`;
  }
}

/**
 * VectorStore on usearch files under `<dataDir>/vectors`. Writes are journalled (fsynced before
 * they resolve) and folded into a new snapshot when the journal grows large, and on `close()`.
 */
export class UsearchVectorStore implements VectorStore {
  readonly backend = "usearch" as const;
  readonly probe: ReadinessProbe;
  private readonly root: string;
  private readonly options: typeof DEFAULTS;
  private readonly logger: Logger;
  private readonly collections = new Map<string, { spec: CollectionSpec; collection: Promise<UsearchCollection> }>();
  private readonly refusals = new Map<string, string>();
  private closed = false;

  constructor(options: UsearchVectorStoreOptions) {
    this.root = path.join(path.resolve(options.dataDir), "vectors");
    this.logger = options.logger;
    const { dataDir: _d, logger: _l, ...tuning } = options;
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)) };
    this.probe = { name: "vectors", check: () => this.check() };
  }

  async open(spec: CollectionSpec): Promise<VectorCollection> {
    if (this.closed) throw new AppError("STORE_UNAVAILABLE", "The vector store is closed", { expected: false });
    checkSpec(spec);
    const name = collectionName(spec);
    const existing = this.collections.get(name);
    if (existing) {
      const s = existing.spec;
      if (s.modelId !== spec.modelId || s.dim !== spec.dim) throw identityConflict(name, s, spec);
      return existing.collection;
    }
    const collection = UsearchCollection.open(spec, path.join(this.root, name), this.options, this.logger);
    this.collections.set(name, { spec: { ...spec }, collection });
    try {
      const opened = await collection;
      this.refusals.delete(name);
      this.logger.info({ collection: opened.describe() }, "vector collection opened");
      return opened;
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
      await fs.promises.mkdir(this.root, { recursive: true });
      await fs.promises.access(this.root, fs.constants.W_OK);
    } catch (error) {
      return { ok: false, detail: `vector directory ${this.root} is not writable: ${(error as Error).message}` };
    }
    const open = await Promise.all(
      [...this.collections.values()].map((c) =>
        c.collection.then(
          (x) => x.describe(),
          () => "",
        ),
      ),
    );
    return { ok: true, detail: `usearch at ${this.root}${open.length ? `; ${open.filter(Boolean).join("; ")}` : ""}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.collections.values()];
    this.collections.clear();
    const results = await Promise.allSettled(all.map(async (c) => (await c.collection).close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw fault("Cannot close the vector store", failed.reason);
  }
}

// One folder of local feature records on disk (one model, one kind): an append-only data file and
// an index journal per generation, and a header naming the live generation. Knows bytes and
// offsets, not what the records mean: the file store encodes and decodes them.
//
// <dir>/collection.json    header; renamed into place last, so it always names a complete generation
// <dir>/data-<g>.bin       records, back to back, never rewritten (a replaced record becomes garbage)
// <dir>/index-<g>.jsonl    one line per write call: "<bytes> <crc32> <json>\n", fsynced before it returns;
//                          json is {"p":[[id, offset, length, meta], …]} (put) or {"d":[id, …]} (delete)
import pLimit from "p-limit";
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import { AppError } from "../../errors/app-error.ts";
import { fsyncDir, makeDirDurably } from "../durable-files.ts";

export const FEATURE_COLLECTION_FORMAT = "gloria-search/local-features@1";

export interface FeatureCollectionHeader {
  format: typeof FEATURE_COLLECTION_FORMAT;
  modelId: string;
  /** e.g. "regions-f16"; also the folder's name. */
  kind: string;
  encoding: "float16" | "int8";
  generation: number;
  savedAt: string;
}

export interface Entry<M> {
  offset: number;
  length: number;
  meta: M;
}

type PutRow<M> = [id: string, offset: number, length: number, meta: M];
type IndexOp<M> = { p: PutRow<M>[] } | { d: string[] };

export interface CompactionPolicy {
  /** Compact when garbage exceeds this share of the data file… */
  garbageRatio: number;
  /** …and at least this many bytes. */
  minGarbageBytes: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { garbageRatio: 0.25, minGarbageBytes: 64 * 1024 * 1024 };

const files = {
  header: (dir: string) => path.join(dir, "collection.json"),
  data: (dir: string, g: number) => path.join(dir, `data-${g}.bin`),
  index: (dir: string, g: number) => path.join(dir, `index-${g}.jsonl`),
};
const GENERATION_FILE = /^(data|index)-(\d+)\.(bin|jsonl)$/;
/** Rows per index line in a compacted generation's index. */
const SNAPSHOT_ROWS_PER_LINE = 1000;

/** Clients see "local feature store"; the path and the system error stay in `cause` for the logs. */
export function storeFault(message: string, cause?: unknown): AppError {
  return cause instanceof AppError ? cause : new AppError("STORE_UNAVAILABLE", message, { cause, expected: false });
}

/** Re-exported for the store that opens collections; the vector store shares the helper. */
export { makeDirDurably };

const ioFault = (cause: unknown) => storeFault("The local feature store cannot read or write its files", cause);

async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.promises.open(file, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function readHeader(dir: string): FeatureCollectionHeader | undefined {
  let text: string;
  try {
    text = fs.readFileSync(files.header(dir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioFault(error);
  }
  let header: FeatureCollectionHeader;
  try {
    header = JSON.parse(text) as FeatureCollectionHeader;
  } catch (error) {
    throw storeFault("The local feature store's header is not valid JSON", error);
  }
  if (header.format !== FEATURE_COLLECTION_FORMAT) {
    throw storeFault(`The local feature store has format ${String(header.format)}; this build reads ${FEATURE_COLLECTION_FORMAT}`);
  }
  return header;
}

/** The header goes to a temp file, is fsynced, then renamed over the old one: the switch is atomic. */
async function commitHeader(dir: string, header: FeatureCollectionHeader): Promise<void> {
  const tmp = `${files.header(dir)}.tmp`;
  await writeFileDurably(tmp, `${JSON.stringify(header, null, 2)}\n`);
  await fs.promises.rename(tmp, files.header(dir));
  await fsyncDir(dir);
}

export function encodeIndexLine<M>(op: IndexOp<M>): Buffer {
  const json = JSON.stringify(op);
  const body = Buffer.from(json);
  return Buffer.from(`${body.length} ${crc32(body).toString(16).padStart(8, "0")} ${json}\n`);
}

function decodeIndexLine<M>(line: Buffer): IndexOp<M> | undefined {
  const text = line.toString("utf8");
  const m = /^(\d+) ([0-9a-f]{8}) /.exec(text);
  if (!m) return undefined;
  const body = line.subarray(m[0].length);
  if (body.length !== Number(m[1]) || crc32(body).toString(16).padStart(8, "0") !== m[2]) return undefined;
  try {
    const op = JSON.parse(body.toString("utf8")) as IndexOp<M>;
    return ("p" in op && Array.isArray(op.p)) || ("d" in op && Array.isArray(op.d)) ? op : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses index lines from `bytes`. A line cut short or failing its length or checksum ends the
 * intact part; when no intact line follows, it is a write a crash (or a full disk) cut short, whose
 * call never returned, and `validBytes` is where to cut. An intact line after a bad one is damage
 * in the middle of the journal, which is refused rather than guessed around.
 */
export function parseIndex<M>(bytes: Buffer): { ops: IndexOp<M>[]; validBytes: number; tornTail: boolean } {
  const ops: IndexOp<M>[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    const op = nl < 0 ? undefined : decodeIndexLine<M>(bytes.subarray(pos, nl));
    if (!op) {
      for (let rest = nl < 0 ? -1 : nl + 1; rest >= 0 && rest < bytes.length;) {
        const next = bytes.indexOf(0x0a, rest);
        if (next < 0) break;
        if (decodeIndexLine(bytes.subarray(rest, next))) throw storeFault("The local feature store's index is damaged before its last entry");
        rest = next + 1;
      }
      return { ops, validBytes: pos, tornTail: true };
    }
    ops.push(op);
    pos = nl + 1;
  }
  return { ops, validBytes: pos, tornTail: false };
}

/** One generation as open in this process: its data handle and the entries it serves. */
class Generation<M> {
  readers = 0;
  retired = false;
  constructor(
    readonly number: number,
    readonly data: fs.promises.FileHandle,
    readonly entries: Map<string, Entry<M>>,
    /** Bytes of the data file (the writer appends here). */
    public dataSize: number,
    /** Intact bytes of the index file read so far. */
    public indexBytes: number,
    public liveBytes: number,
  ) {}

  retire(): void {
    this.retired = true;
    if (this.readers === 0) void this.data.close().catch(() => undefined);
  }
}

export interface FeatureCollectionSpec {
  modelId: string;
  kind: string;
  encoding: "float16" | "int8";
}

export interface OpenReport {
  /** Bytes of a torn index tail that were cut off. */
  tornBytes: number;
  /** Entries whose record lies past the end of the data file (left out). */
  pastEnd: string[];
}

export class FeatureCollection<M> {
  private current: Generation<M> | undefined;
  private index: fs.promises.FileHandle | undefined;
  /** Writes and compactions, one at a time. */
  /** Writes, refreshes and compactions, one at a time in the order given (a failed one does not stop the next). */
  private readonly queue = pLimit(1);
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly spec: FeatureCollectionSpec,
    readonly writable: boolean,
    private readonly policy: CompactionPolicy,
  ) {}

  /**
   * Opens the collection in `dir`. A writer (which must hold the folder's lock) creates what is
   * missing, cuts a torn index tail, removes files of other generations (a compaction a crash cut
   * short) and compacts when garbage exceeds the policy. A reader creates nothing and follows the
   * writer's appends at each read.
   */
  static async open<M>(
    dir: string,
    spec: FeatureCollectionSpec,
    options: { writable: boolean; policy?: CompactionPolicy },
  ): Promise<{ collection: FeatureCollection<M>; report: OpenReport }> {
    const collection = new FeatureCollection<M>(dir, spec, options.writable, options.policy ?? DEFAULT_COMPACTION);
    try {
      const report = await collection.load();
      if (options.writable && collection.garbageExceeded()) await collection.compact();
      return { collection, report };
    } catch (error) {
      await collection.close().catch(() => undefined);
      throw ioFault(error);
    }
  }

  private checkHeader(header: FeatureCollectionHeader): void {
    const { modelId, kind, encoding } = this.spec;
    if (header.modelId !== modelId || header.kind !== kind || header.encoding !== encoding) {
      throw storeFault(
        `The local feature store's ${kind} folder holds ${header.kind} (${header.encoding}) features of ${header.modelId}, not ${kind} (${encoding}) of ${modelId}`,
      );
    }
  }

  /** Reads the header and the live generation's index; the writer first makes what is missing. */
  private async load(): Promise<OpenReport> {
    const report: OpenReport = { tornBytes: 0, pastEnd: [] };
    let header = readHeader(this.dir);
    const fresh = !header;
    if (!header) {
      if (!this.writable) return report;
      await makeDirDurably(this.dir);
      header = { format: FEATURE_COLLECTION_FORMAT, ...this.spec, generation: 0, savedAt: new Date().toISOString() };
    }
    this.checkHeader(header);
    const g = header.generation;
    if (this.writable) {
      for (const name of await fs.promises.readdir(this.dir)) {
        const m = GENERATION_FILE.exec(name);
        if ((m && Number(m[2]) !== g) || name === "collection.json.tmp") await fs.promises.rm(path.join(this.dir, name), { force: true });
      }
      let created = false;
      for (const file of [files.data(this.dir, g), files.index(this.dir, g)]) {
        if (!fs.existsSync(file)) {
          await (await fs.promises.open(file, "a")).close();
          created = true;
        }
      }
      if (created) await fsyncDir(this.dir);
      // The header comes last, so a reader that finds it finds the files it names.
      if (fresh) await commitHeader(this.dir, header);
    }
    const data = await fs.promises.open(files.data(this.dir, g), this.writable ? "r+" : "r");
    const gen = new Generation<M>(g, data, new Map(), (await data.stat()).size, 0, 0);
    this.current = gen;
    const indexFile = files.index(this.dir, g);
    const bytes = await fs.promises.readFile(indexFile);
    const parsed = parseIndex<M>(bytes);
    if (parsed.tornTail && this.writable) {
      // Cut back to the last intact entry, so the next append is not stranded behind a torn line.
      report.tornBytes = bytes.length - parsed.validBytes;
      await fs.promises.truncate(indexFile, parsed.validBytes);
      const handle = await fs.promises.open(indexFile, "r+");
      await handle.sync().finally(() => handle.close());
    }
    this.apply(gen, parsed.ops, report);
    gen.indexBytes = parsed.validBytes;
    if (this.writable) this.index = await fs.promises.open(indexFile, "a");
    return report;
  }

  /** Applies index ops; a record the data file does not fully hold is left out (its bytes were lost). */
  private apply(gen: Generation<M>, ops: IndexOp<M>[], report?: OpenReport): void {
    for (const op of ops) {
      if ("p" in op) {
        for (const [id, offset, length, meta] of op.p) {
          this.drop(gen, id);
          if (offset + length > gen.dataSize) {
            report?.pastEnd.push(id);
            continue;
          }
          gen.entries.set(id, { offset, length, meta });
          gen.liveBytes += length;
        }
      } else {
        for (const id of op.d) this.drop(gen, id);
      }
    }
  }

  private drop(gen: Generation<M>, id: string): void {
    const old = gen.entries.get(id);
    if (!old) return;
    gen.entries.delete(id);
    gen.liveBytes -= old.length;
  }

  /** A reader catches up with the writer: new index lines, or a new generation after a compaction. */
  private async refresh(): Promise<void> {
    if (this.writable || this.closed) return;
    // One at a time: two reads must not apply the same new lines twice.
    await this.serialize(() => this.refreshNow());
  }

  private async refreshNow(): Promise<void> {
    if (this.closed) return;
    const gen = this.current;
    let size: number | undefined;
    if (gen) {
      try {
        size = (await fs.promises.stat(files.index(this.dir, gen.number))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw ioFault(error);
      }
    }
    if (!gen || size === undefined) {
      const header = readHeader(this.dir);
      if (!header || header.generation === gen?.number) return;
      this.current = undefined;
      gen?.retire();
      await this.load();
      return;
    }
    if (size <= gen.indexBytes) return;
    const tail = Buffer.alloc(size - gen.indexBytes);
    const handle = await fs.promises.open(files.index(this.dir, gen.number), "r");
    try {
      await handle.read(tail, 0, tail.length, gen.indexBytes);
    } finally {
      await handle.close();
    }
    // A line still being written is not intact yet; it is read at a later refresh.
    const parsed = parseIndex<M>(tail);
    gen.dataSize = (await gen.data.stat()).size;
    this.apply(gen, parsed.ops);
    gen.indexBytes += parsed.validBytes;
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    return this.queue(work);
  }

  private writer(): Generation<M> {
    if (this.closed) throw storeFault("The local feature store is closed");
    if (!this.writable || !this.current || !this.index) throw storeFault("The local feature store is open read-only in this process");
    return this.current;
  }

  /**
   * Appends records and their index line. Resolves only after both are fsynced, so a write that
   * returned survives a crash. A failure leaves the index as it was (a partly written line is cut).
   */
  append(records: readonly { id: string; bytes: Uint8Array; meta: M }[]): Promise<void> {
    return this.serialize(async () => {
      const gen = this.writer();
      if (records.length === 0) return;
      const total = records.reduce((n, r) => n + r.bytes.length, 0);
      const rows: PutRow<M>[] = [];
      let offset = gen.dataSize;
      for (const r of records) {
        rows.push([r.id, offset, r.bytes.length, r.meta]);
        offset += r.bytes.length;
      }
      const line = encodeIndexLine({ p: rows });
      try {
        const joined = Buffer.concat(
          records.map((r) => r.bytes),
          total,
        );
        for (let done = 0; done < total;) done += (await gen.data.write(joined, done, total - done, gen.dataSize + done)).bytesWritten;
        await gen.data.datasync();
        await this.appendIndex(gen, line);
      } catch (error) {
        throw ioFault(error);
      }
      gen.dataSize += total;
      this.apply(gen, [{ p: rows }]);
    });
  }

  private async appendIndex(gen: Generation<M>, line: Buffer): Promise<void> {
    const index = this.index as fs.promises.FileHandle;
    try {
      for (let done = 0; done < line.length;) done += (await index.write(line, done, line.length - done)).bytesWritten;
      await index.datasync();
    } catch (error) {
      await index.truncate(gen.indexBytes).catch(() => undefined);
      throw error;
    }
    gen.indexBytes += line.length;
  }

  /** Records a deletion (ids this collection does not hold are ignored); compacts when garbage grew past the policy. */
  remove(ids: readonly string[]): Promise<void> {
    return this.serialize(async () => {
      const gen = this.writer();
      const held = ids.filter((id) => gen.entries.has(id));
      if (held.length === 0) return;
      try {
        await this.appendIndex(gen, encodeIndexLine<M>({ d: held }));
      } catch (error) {
        throw ioFault(error);
      }
      this.apply(gen, [{ d: held }]);
      if (this.garbageExceeded()) await this.compactNow();
    });
  }

  private garbageExceeded(): boolean {
    const gen = this.current;
    if (!gen) return false;
    const garbage = gen.dataSize - gen.liveBytes;
    return garbage > 0 && garbage >= this.policy.minGarbageBytes && garbage > this.policy.garbageRatio * gen.dataSize;
  }

  /**
   * Writes the live records into generation g + 1 (data and a snapshot index, fsynced), switches to
   * it by renaming the header, then removes generation g. A crash before the rename leaves g whole
   * (the next writer removes the partial g + 1); after it, g + 1 is whole.
   */
  compact(): Promise<void> {
    return this.serialize(() => this.compactNow());
  }

  private async compactNow(): Promise<void> {
    const old = this.writer();
    const g = old.number + 1;
    try {
      const dataFile = files.data(this.dir, g);
      const indexFile = files.index(this.dir, g);
      await fs.promises.rm(dataFile, { force: true });
      await fs.promises.rm(indexFile, { force: true });
      const live = [...old.entries].sort((a, b) => a[1].offset - b[1].offset);
      const rows: PutRow<M>[] = [];
      const out = await fs.promises.open(dataFile, "w+");
      let offset = 0;
      let switched = false;
      try {
        let buffer = Buffer.alloc(0);
        for (const [id, e] of live) {
          if (buffer.length < e.length) buffer = Buffer.alloc(e.length);
          const { bytesRead } = await old.data.read(buffer, 0, e.length, e.offset);
          if (bytesRead !== e.length) throw new Error(`record of ${id} is cut short`);
          for (let done = 0; done < e.length;) done += (await out.write(buffer, done, e.length - done, offset + done)).bytesWritten;
          rows.push([id, offset, e.length, e.meta]);
          offset += e.length;
        }
        await out.sync();
        const lines: Buffer[] = [];
        for (let i = 0; i < rows.length; i += SNAPSHOT_ROWS_PER_LINE) lines.push(encodeIndexLine({ p: rows.slice(i, i + SNAPSHOT_ROWS_PER_LINE) }));
        await writeFileDurably(indexFile, Buffer.concat(lines));
        await fsyncDir(this.dir);
        const nextIndex = await fs.promises.open(indexFile, "a");
        try {
          await commitHeader(this.dir, { format: FEATURE_COLLECTION_FORMAT, ...this.spec, generation: g, savedAt: new Date().toISOString() });
        } catch (error) {
          await nextIndex.close();
          throw error;
        }
        const next = new Generation<M>(g, out, new Map(), offset, 0, 0);
        this.apply(next, rows.length ? [{ p: rows }] : []);
        next.indexBytes = lines.reduce((n, l) => n + l.length, 0);
        const oldIndex = this.index;
        this.index = nextIndex;
        this.current = next;
        switched = true;
        old.retire();
        await oldIndex?.close();
      } finally {
        if (!switched) await out.close();
      }
      await fs.promises.rm(files.data(this.dir, old.number), { force: true });
      await fs.promises.rm(files.index(this.dir, old.number), { force: true });
    } catch (error) {
      throw ioFault(error);
    }
  }

  /**
   * Runs `read` over the entries of `ids` (misses dropped, in the order asked) and a positional
   * reader of the same generation, which stays open until `read` is done even if a compaction
   * switches generations meanwhile.
   */
  async read<T>(
    ids: readonly string[],
    read: (found: { id: string; entry: Entry<M> }[], readAt: (position: number, into: Uint8Array) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw storeFault("The local feature store is closed");
    try {
      await this.refresh();
    } catch (error) {
      throw ioFault(error);
    }
    const gen = this.current;
    const found: { id: string; entry: Entry<M> }[] = [];
    if (gen) {
      for (const id of ids) {
        const entry = gen.entries.get(id);
        if (entry) found.push({ id, entry });
      }
    }
    if (!gen || found.length === 0) return read([], async () => undefined);
    gen.readers++;
    try {
      return await read(found, async (position, into) => {
        const { bytesRead } = await gen.data.read(into, 0, into.length, position).catch((error: unknown) => {
          throw ioFault(error);
        });
        if (bytesRead !== into.length) throw storeFault("The local feature store's data file is shorter than its index says");
      });
    } finally {
      gen.readers--;
      if (gen.retired && gen.readers === 0) void gen.data.close().catch(() => undefined);
    }
  }

  /** The ids among these that have a record. */
  async holding(ids: readonly string[]): Promise<string[]> {
    await this.refresh().catch((error: unknown) => {
      throw ioFault(error);
    });
    const entries = this.current?.entries;
    return entries ? ids.filter((id) => entries.has(id)) : [];
  }

  async size(): Promise<number> {
    await this.refresh().catch((error: unknown) => {
      throw ioFault(error);
    });
    return this.current?.entries.size ?? 0;
  }

  /** What the data file holds and how much of it is live (for tests, stats and the docs' numbers). */
  usage(): { generation: number; dataBytes: number; liveBytes: number } {
    const gen = this.current;
    return { generation: gen?.number ?? -1, dataBytes: gen?.dataSize ?? 0, liveBytes: gen?.liveBytes ?? 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Whatever was queued before the close runs first.
    await this.serialize(async () => undefined);
    this.closed = true;
    await this.index?.close().catch(() => undefined);
    this.index = undefined;
    this.current?.retire();
    this.current = undefined;
  }
}

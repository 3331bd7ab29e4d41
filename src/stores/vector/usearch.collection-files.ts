// The on-disk layout of one embedded vector collection: the header that commits a snapshot, the
// snapshot's record file, the write journal and the writer lock. Knows files, not HNSW: the usearch
// adapter owns the index itself.
//
// <dir>/collection.json      header; renamed into place last, so it always names a complete snapshot
// <dir>/index-<g>.usearch    HNSW graph of snapshot g (usearch's own format, memory-mapped to serve)
// <dir>/vectors-<g>.f32      normalised vectors of snapshot g, row `key` at byte key·dim·4 (LE)
// <dir>/records-<g>.json     id and payload of every live key of snapshot g
// <dir>/journal-<g>.jsonl    writes made after snapshot g, one line per call, fsynced before it returns
// <dir>/write.lock           pid of the process allowed to write
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import type { VectorKind, VectorPayload } from "./vector-store.port.ts";
import { acquireFolderLock } from "../folder-lock.ts";

export const COLLECTION_FORMAT = "gloria-search/usearch-collection@1";

export interface CollectionHeader {
  format: typeof COLLECTION_FORMAT;
  name: string;
  modelId: string;
  dim: number;
  kind: VectorKind;
  metric: "cos";
  generation: number;
  /** Keys 0..slots−1 have a row in the vectors file; live ones appear in the records file. */
  slots: number;
  live: number;
  savedAt: string;
}

/** One live item of a snapshot: its usearch key, id and payload. */
export type RecordRow = [key: number, id: string, datasetId: string, studyId: string | null, viewPosition: string | null, findings: string[]];

export interface JournalUpsert {
  id: string;
  payload: VectorPayload;
  /** Already normalised. */
  vector: Float32Array;
}

export type JournalEntry = { op: "upsert"; items: JournalUpsert[] } | { op: "delete"; ids: string[] };

export const files = {
  header: (dir: string) => path.join(dir, "collection.json"),
  index: (dir: string, g: number) => path.join(dir, `index-${g}.usearch`),
  vectors: (dir: string, g: number) => path.join(dir, `vectors-${g}.f32`),
  records: (dir: string, g: number) => path.join(dir, `records-${g}.json`),
  journal: (dir: string, g: number) => path.join(dir, `journal-${g}.jsonl`),
};

const GENERATION_FILE = /^(index|vectors|records|journal)-(\d+)\.(usearch|f32|json|jsonl)$/;

export function storeFault(message: string, cause?: unknown): AppError {
  return new AppError("STORE_UNAVAILABLE", message, { cause, expected: false });
}

export function readHeader(dir: string): CollectionHeader | undefined {
  let text: string;
  try {
    text = fs.readFileSync(files.header(dir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storeFault(`Cannot read vector collection header in ${dir}`, error);
  }
  let header: CollectionHeader;
  try {
    header = JSON.parse(text) as CollectionHeader;
  } catch (error) {
    throw storeFault(`Vector collection header ${files.header(dir)} is not valid JSON`, error);
  }
  if (header.format !== COLLECTION_FORMAT) {
    throw storeFault(`Vector collection ${dir} has format ${String(header.format)}; this build reads ${COLLECTION_FORMAT}`);
  }
  return header;
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes bytes (at once, or chunk by chunk) to a file and fsyncs it. */
export async function writeDurably(file: string, data: string | Uint8Array | Iterable<Uint8Array>): Promise<void> {
  const handle = await fs.promises.open(file, "w");
  try {
    if (typeof data === "string" || data instanceof Uint8Array) await handle.writeFile(data);
    else {
      for (const chunk of data) {
        for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done)).bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a file someone else wrote (usearch's save). */
export function syncFile(file: string): void {
  fsyncPath(file);
}

/** Commits a snapshot: the header goes to a temp file, is fsynced, then renamed over the old one. */
export async function commitHeader(dir: string, header: CollectionHeader): Promise<void> {
  const tmp = `${files.header(dir)}.tmp`;
  await writeDurably(tmp, `${JSON.stringify(header, null, 2)}\n`);
  await fs.promises.rename(tmp, files.header(dir));
  fsyncPath(dir);
}

/** Removes every generation file other than those of `keep`, and a stale header temp file. */
export function removeOtherGenerations(dir: string, keep: number): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = GENERATION_FILE.exec(name);
    const stale = (m && Number(m[2]) !== keep) || name === "collection.json.tmp";
    if (stale) {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

export function encodeRecords(rows: RecordRow[]): string {
  return `{"rows":[\n${rows.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`;
}

export function decodeRecords(file: string): RecordRow[] {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { rows: RecordRow[] }).rows;
  } catch (error) {
    throw storeFault(`Vector collection records ${file} are missing or unreadable`, error);
  }
}

function vectorToBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

function vectorFromBase64(s: string, dim: number): Float32Array {
  const bytes = Buffer.from(s, "base64");
  if (bytes.length !== dim * 4) throw new Error(`journal vector has ${bytes.length} bytes, expected ${dim * 4}`);
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeJournalEntry(entry: JournalEntry): string {
  const body =
    entry.op === "upsert"
      ? { u: entry.items.map((i) => [i.id, i.payload.datasetId, i.payload.studyId ?? null, i.payload.viewPosition ?? null, i.payload.findings, vectorToBase64(i.vector)]) }
      : { d: entry.ids };
  return `${JSON.stringify(body)}\n`;
}

/**
 * Reads a journal. A last line without its newline, or one that does not parse, is a write that was
 * cut short by a crash: its call never returned, so it is dropped (and reported as `tornTail`).
 * `validBytes` is where the intact entries end.
 */
export function readJournal(file: string, dim: number): { entries: JournalEntry[]; tornTail: boolean; validBytes: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], tornTail: false, validBytes: 0 };
    throw storeFault(`Cannot read vector collection journal ${file}`, error);
  }
  const lines = text.split("\n");
  const last = lines.pop();
  let tornTail = last !== undefined && last !== "";
  const entries: JournalEntry[] = [];
  let validBytes = 0;
  for (let i = 0; i < lines.length; i++) {
    try {
      const body = JSON.parse(lines[i]) as { u?: [string, string, string | null, string | null, string[], string][]; d?: string[] };
      if (body.u) {
        entries.push({
          op: "upsert",
          items: body.u.map(([id, datasetId, studyId, viewPosition, findings, v]) => ({
            id,
            payload: { datasetId, studyId, viewPosition, findings },
            vector: vectorFromBase64(v, dim),
          })),
        });
      } else if (body.d) {
        entries.push({ op: "delete", ids: body.d });
      } else {
        throw new Error("neither an upsert nor a delete");
      }
    } catch (error) {
      if (i === lines.length - 1) {
        tornTail = true;
        break;
      }
      throw storeFault(`Vector collection journal ${file} is corrupt at line ${i + 1}`, error);
    }
    validBytes += Buffer.byteLength(lines[i]) + 1;
  }
  return { entries, tornTail, validBytes };
}

/** Appends to a journal and fsyncs it, so the write survives a crash once this resolves. */
export async function appendJournal(file: string, entry: JournalEntry): Promise<number> {
  const line = encodeJournalEntry(entry);
  const handle = await fs.promises.open(file, "a");
  try {
    await handle.write(line);
    await handle.datasync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** Cuts a journal back to its intact entries (after a torn tail was dropped). */
export function truncateJournal(file: string, validBytes: number): void {
  fs.truncateSync(file, validBytes);
}

/**
 * Takes the collection's writer lock (folder-lock.ts), so two processes never write one collection.
 * Throws STORE_UNAVAILABLE saying who holds it when it cannot be taken.
 */
export function acquireWriteLock(dir: string): () => void {
  const lock = acquireFolderLock(dir);
  if (!lock.ok) throw storeFault(`Vector collection ${dir} cannot be opened for writing: ${lock.reason}`);
  return lock.release;
}

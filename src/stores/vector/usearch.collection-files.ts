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
//
// Every file created or renamed here is fsynced into its directory (durable-files.ts). Errors name the
// collection, never a path: paths go into the error's cause, which is logged and not shown.
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import type { VectorKind, VectorPayload } from "./vector-store.port.ts";
import { fsyncDir } from "../durable-files.ts";
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

/** A cause for the log: what went wrong where, with the file's path. */
function atFile(file: string, what: string, cause?: unknown): Error {
  return new Error(`${file}: ${what}`, cause === undefined ? undefined : { cause });
}

/** The collection's name (its folder's), for messages. */
const nameOf = (dir: string) => path.basename(dir);

export function readHeader(dir: string): CollectionHeader | undefined {
  const file = files.header(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storeFault(`Cannot read the header of vector collection ${nameOf(dir)}`, error);
  }
  let header: CollectionHeader;
  try {
    header = JSON.parse(text) as CollectionHeader;
  } catch (error) {
    throw storeFault(`The header of vector collection ${nameOf(dir)} is not valid JSON`, atFile(file, "not valid JSON", error));
  }
  if (header.format !== COLLECTION_FORMAT) {
    throw storeFault(`Vector collection ${nameOf(dir)} has format ${String(header.format)}; this build reads ${COLLECTION_FORMAT}`);
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
        for (let done = 0; done < chunk.length;) done += (await handle.write(chunk, done)).bytesWritten;
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

/**
 * Commits a snapshot: the header goes to a temp file, is fsynced, then renamed over the old one. The
 * directory is fsynced before the rename (so the snapshot files the header names are there after a
 * crash) and after it (so the switch itself is).
 */
export async function commitHeader(dir: string, header: CollectionHeader): Promise<void> {
  const tmp = `${files.header(dir)}.tmp`;
  await writeDurably(tmp, `${JSON.stringify(header, null, 2)}\n`);
  await fsyncDir(dir);
  await fs.promises.rename(tmp, files.header(dir));
  await fsyncDir(dir);
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
    throw storeFault(`The records of vector collection ${nameOf(path.dirname(file))} are missing or unreadable`, atFile(file, "records unreadable", error));
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
      ? {
          u: entry.items.map((i) => [
            i.id,
            i.payload.datasetId,
            i.payload.studyId ?? null,
            i.payload.viewPosition ?? null,
            i.payload.findings,
            vectorToBase64(i.vector),
          ]),
        }
      : { d: entry.ids };
  return `${JSON.stringify(body)}\n`;
}

function decodeJournalLine(line: string, dim: number): JournalEntry {
  const body = JSON.parse(line) as { u?: [string, string, string | null, string | null, string[], string][]; d?: string[] };
  if (body.u) {
    return {
      op: "upsert",
      items: body.u.map(([id, datasetId, studyId, viewPosition, findings, v]) => ({
        id,
        payload: { datasetId, studyId, viewPosition, findings },
        vector: vectorFromBase64(v, dim),
      })),
    };
  }
  if (body.d) return { op: "delete", ids: body.d };
  throw new Error("neither an upsert nor a delete");
}

export interface JournalRead {
  entries: JournalEntry[];
  /** The last line was cut short (a write that a crash or a full disk stopped): it is not in `entries`. */
  tornTail: boolean;
  /** Where the intact entries end, from the start of the file. */
  validBytes: number;
  /** The file's size as read. */
  size: number;
}

/**
 * Reads a journal from byte `from` (the start of a line). A last line without its newline, or one
 * that does not parse, is a write that was cut short (a crash, a full disk): its call never
 * returned, so it is dropped and reported as `tornTail`. A damaged line followed by others is
 * refused (STORE_UNAVAILABLE naming the collection): acknowledged writes follow it, and guessing
 * around it could lose or invent them.
 */
export function readJournal(file: string, dim: number, from = 0): JournalRead {
  const name = nameOf(path.dirname(file));
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && from === 0) return { entries: [], tornTail: false, validBytes: 0, size: 0 };
    throw storeFault(`Cannot read the journal of vector collection ${name}`, error);
  }
  if (bytes.length < from) {
    throw storeFault(
      `The journal of vector collection ${name} is shorter than what was read from it`,
      atFile(file, `${bytes.length} bytes, expected at least ${from}`),
    );
  }
  const lines = bytes.subarray(from).toString("utf8").split("\n");
  const last = lines.pop();
  let tornTail = last !== undefined && last !== "";
  const entries: JournalEntry[] = [];
  let validBytes = from;
  for (let i = 0; i < lines.length; i++) {
    try {
      entries.push(decodeJournalLine(lines[i]!, dim));
    } catch (error) {
      if (i === lines.length - 1 && !tornTail) {
        tornTail = true;
        break;
      }
      throw storeFault(
        `The journal of vector collection ${name} is corrupt before its last write`,
        atFile(file, `line at byte ${validBytes} is damaged`, error),
      );
    }
    validBytes += Buffer.byteLength(lines[i]!) + 1;
  }
  return { entries, tornTail, validBytes, size: bytes.length };
}

/** How the store opens its journal for writing (a seam: tests pass a file system that fails). */
export type OpenFile = (file: string, flags: "r+" | "wx") => Promise<fs.promises.FileHandle>;

export const openFile: OpenFile = (file, flags) => fs.promises.open(file, flags);

/**
 * Appends an entry at `validBytes` (where the journal's intact entries end) and fsyncs it, so the
 * write survives a crash once this resolves; returns the journal's new length. A new journal is
 * fsynced into its directory. Bytes past `validBytes` (what a failed write could not cut) are cut
 * first. A write that fails part-way (a full disk) is cut back, so the journal is as it was before
 * the call and the next append does not land behind a partial line.
 */
export async function appendJournal(file: string, entry: JournalEntry, validBytes: number, open: OpenFile = openFile): Promise<number> {
  const line = Buffer.from(encodeJournalEntry(entry));
  let handle: fs.promises.FileHandle;
  try {
    handle = await open(file, "r+");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || validBytes !== 0) throw error;
    handle = await open(file, "wx");
    await fsyncDir(path.dirname(file));
  }
  try {
    const size = (await handle.stat()).size;
    if (size < validBytes) throw atFile(file, `journal holds ${size} bytes, ${validBytes} were written`);
    if (size > validBytes) await handle.truncate(validBytes);
    try {
      for (let done = 0; done < line.length;) {
        done += (await handle.write(line, done, line.length - done, validBytes + done)).bytesWritten;
      }
      await handle.datasync();
    } catch (error) {
      // Cut the partial line; should this fail too, the next append cuts it (above).
      await handle
        .truncate(validBytes)
        .then(() => handle.datasync())
        .catch(() => undefined);
      throw error;
    }
    return validBytes + line.length;
  } finally {
    await handle.close();
  }
}

/** Cuts a journal back to its intact entries (after a torn tail was dropped), durably. */
export async function truncateJournal(file: string, validBytes: number): Promise<void> {
  const handle = await fs.promises.open(file, "r+");
  try {
    await handle.truncate(validBytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Takes the collection's writer lock (folder-lock.ts), so two processes never write one collection.
 * Throws STORE_UNAVAILABLE saying who holds it when it cannot be taken.
 */
export function acquireWriteLock(dir: string): () => void {
  const lock = acquireFolderLock(dir);
  if (!lock.ok) throw storeFault(`Vector collection ${nameOf(dir)} cannot be opened for writing: ${lock.reason}`);
  return lock.release;
}

// The read side of re-ranking at collection size: N items' region features (generated, not encoded)
// written to a local feature store, then the K candidates of a query read as one packed block, from
// a cold page cache (dropped before each read, when this process may) and a warm one. The embedded
// file store always; the Postgres server's store too when --database-url names one. Part of
// `npm run bench -- rerank` (bench/rerank.bench.ts); docs/storage.md records the runs.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../src/db/scratch-database.ts";
import { openDatabase } from "../src/stores/database.ts";
import { FileLocalFeatureStore, type LocalFeaturePrecision } from "../src/stores/local-features/file.local-feature-store.ts";
import type { ImageRegionFeatures, Keyed, LocalFeatureStore } from "../src/stores/local-features/local-feature-store.port.ts";
import { PostgresLocalFeatureStore } from "../src/stores/local-features/postgres.local-feature-store.ts";
import { silentLogger } from "../src/logging/logger.ts";
import { round3, summarize } from "./server.harness.ts";

export interface StorageOptions {
  items: number;
  k: number;
  dim: number;
  grid: readonly [number, number];
  warmReads: number;
  coldReads: number;
  precisions: LocalFeaturePrecision[];
  /** A Postgres server to measure its store on (a scratch database is made and dropped). */
  databaseUrl?: string;
  /** Items for the Postgres store (writing them is slow: every one is a 0.5 MB row at full size). */
  postgresItems: number;
  log: (message: string) => void;
  /** Distinct [D, M] feature blocks cycled through the items: the bytes do not change what a read costs. */
  pool: readonly Float32Array[];
  /** Seeds the candidates each read draws. */
  random: (seed: number) => () => number;
}

const MODEL_ID = "gloria-bench@1.0.0#000000000000";
const WRITE_BATCH = 32;

function uuid(i: number): string {
  const hex = i.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

/** Drops the kernel's page cache so the next reads come from the disk; false when not allowed. */
function dropPageCache(): boolean {
  try {
    execFileSync("sync");
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return true;
  } catch {
    return false;
  }
}

async function fill(store: LocalFeatureStore, items: number, opts: StorageOptions, label: string): Promise<number> {
  const { pool } = opts;
  const started = performance.now();
  for (let first = 0; first < items; first += WRITE_BATCH) {
    const batch: Keyed<ImageRegionFeatures>[] = [];
    for (let i = first; i < Math.min(items, first + WRITE_BATCH); i++)
      batch.push({ id: uuid(i), features: { dim: opts.dim, grid: opts.grid, regions: pool[i % pool.length]! } });
    await store.putImageRegions(MODEL_ID, batch);
    if ((first / WRITE_BATCH) % 100 === 0) opts.log(`${label}: wrote ${first + batch.length}/${items}`);
  }
  return (performance.now() - started) / 1000;
}

/** K distinct random ids of the N, as a query's candidates would be. */
function candidates(random: () => number, items: number, k: number): string[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(k, items)) picked.add(Math.floor(random() * items));
  return [...picked].map(uuid);
}

async function readTimes(store: LocalFeatureStore, items: number, opts: StorageOptions, cold: boolean, reads: number, seed: number) {
  const random = opts.random(seed);
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < reads; r++) {
    const ids = candidates(random, items, opts.k);
    if (cold && !dropPageCache()) return null;
    const t0 = performance.now();
    const block = await store.getImageRegionBlock(MODEL_ID, ids);
    times.push(performance.now() - t0);
    if (block.ids.length !== ids.length) throw new Error(`read ${block.ids.length} of ${ids.length} candidates`);
    bytes = block.data.byteLength + (block.scales?.byteLength ?? 0);
    block.release?.();
  }
  const ms = summarize(times);
  return { ...ms, blockBytes: bytes, megabytesPerSecondAtP50: round3(bytes / 1e6 / (ms.p50 / 1000)) };
}

/** Every item read once, so the warm reads find the page cache full. */
async function warmAll(store: LocalFeatureStore, items: number, k: number): Promise<void> {
  for (let first = 0; first < items; first += k) {
    (
      await store.getImageRegionBlock(
        MODEL_ID,
        Array.from({ length: Math.min(k, items - first) }, (_, i) => uuid(first + i)),
      )
    ).release?.();
  }
}

function folderBytes(dir: string): number {
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}

async function measure(store: LocalFeatureStore, items: number, opts: StorageOptions) {
  const cold = await readTimes(store, items, opts, true, opts.coldReads, 3);
  await warmAll(store, items, opts.k);
  const warm = await readTimes(store, items, opts, false, opts.warmReads, 5);
  return { coldMs: cold ?? { skipped: "the page cache cannot be dropped by this process (needs root)" }, warmMs: warm };
}

export async function storageBench(opts: StorageOptions): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const precision of opts.precisions) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-rerank-storage-"));
    const store = new FileLocalFeatureStore({ dataDir, precision, access: "write" });
    try {
      opts.log(`file store (${precision}): writing ${opts.items} items`);
      const writeSeconds = await fill(store, opts.items, opts, `files/${precision}`);
      await store.compact(MODEL_ID);
      const bytes = folderBytes(path.join(dataDir, "local-features"));
      out[`files-${precision}`] = {
        items: opts.items,
        writeSeconds: round3(writeSeconds),
        fileBytes: bytes,
        bytesPerImage: Math.round(bytes / opts.items),
        ...(await measure(store, opts.items, opts)),
      };
    } finally {
      await store.close?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (opts.databaseUrl) out.postgres = await postgresBench(opts);
  return out;
}

async function postgresBench(opts: StorageOptions): Promise<Record<string, unknown>> {
  const scratch = await createScratchDatabase(opts.databaseUrl!, "gloria_rerank_bench");
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), logger: silentLogger(), migrate: true });
  try {
    const p = database.prisma;
    const [h, w] = opts.grid;
    await p.model.create({
      data: { id: MODEL_ID, name: "gloria-bench", version: "1.0.0", checksum: "000000000000", dim: opts.dim, gridH: h, gridW: w, manifest: {} },
    });
    const dataset = await p.dataset.create({ data: { name: "bench" } });
    const items = Math.min(opts.items, opts.postgresItems);
    for (let first = 0; first < items; first += 1000) {
      await p.image.createMany({
        data: Array.from({ length: Math.min(1000, items - first) }, (_, i) => ({
          id: uuid(first + i),
          datasetId: dataset.id,
          contentHash: `h${first + i}`,
          byteSize: 1n,
          format: "png",
        })),
      });
    }
    const store = new PostgresLocalFeatureStore(p, database.pool);
    opts.log(`Postgres store: writing ${items} items`);
    const writeSeconds = await fill(store, items, opts, "postgres");
    const rows = await p.$queryRawUnsafe<Array<{ bytes: bigint }>>("SELECT pg_total_relation_size('image_region_features') AS bytes");
    const bytes = Number(rows[0]!.bytes);
    // The server's own buffers survive a dropped page cache; a cold read here is cold for the OS only.
    return { items, writeSeconds: round3(writeSeconds), tableBytes: bytes, bytesPerImage: Math.round(bytes / items), ...(await measure(store, items, opts)) };
  } finally {
    await database.close();
    await scratch.drop();
  }
}

// A disk that fills while the embedded stores fold their writes into new files: the vector store's
// snapshot (on close, and when its journal passes the limit in the middle of a write) and the local
// feature files' compaction. Each fails with STORE_UNAVAILABLE, and once the disk has room the store
// reopens with every write that was acknowledged, as it was written.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/logger.ts";
import { FileLocalFeatureStore } from "../../src/stores/local-features/file.local-feature-store.ts";
import { UsearchVectorStore } from "../../src/stores/vector/usearch.vector-store.ts";
import type { VectorCollection, VectorRecord } from "../../src/stores/vector/vector-store.port.ts";
import { expectAppError } from "../helpers/expect-app-error.ts";
import { requires } from "../helpers/requirements.ts";
import { mountTmpfs, TMPFS, tmpfsWorks, type Tmpfs } from "../helpers/tmpfs.ts";

const BIG = 64 * 1024 * 1024;
const DIM = 256;
const SPEC = { modelId: "fault-test@1.0.0#0123456789ab", dim: DIM, kind: "image" as const };

/** Deterministic pseudo-random vectors (xorshift), so a failure repeats. */
function vectors(count: number, seed: number): VectorRecord[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    vector: Float32Array.from({ length: DIM }, next),
    payload: { datasetId: `d${i % 3}`, findings: i % 2 ? ["Edema"] : [] },
  }));
}

function normalised(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Every record is stored with its vector (as the store keeps it: L2-normalised). */
async function expectHolds(collection: VectorCollection, records: readonly VectorRecord[]): Promise<void> {
  const stored = await collection.vectors(records.map((r) => r.id));
  expect(stored.size).toBe(records.length);
  for (const r of records) {
    const want = normalised(r.vector);
    const got = stored.get(r.id)!;
    expect(Math.max(...got.map((x, i) => Math.abs(x - want[i]!)))).toBeLessThan(1e-6);
  }
}

/** Leaves `room` bytes free on the disk, whatever it holds now. */
function leaveRoom(disk: Tmpfs, room: number): void {
  disk.resize(BIG - disk.free() + room);
}

describe.runIf(requires(tmpfsWorks(), TMPFS))("a full disk during a snapshot or a compaction", () => {
  let disk: Tmpfs;
  beforeEach(() => {
    disk = mountTmpfs(BIG);
  });
  afterEach(() => disk.unmount());

  const open = (journalLimitBytes?: number) => new UsearchVectorStore({ dataDir: disk.dir, logger: silentLogger(), journalLimitBytes });

  it("vector store: a snapshot on close fails cleanly and the store reopens with every acknowledged vector", async () => {
    const records = vectors(1_500, 1);
    const store = open();
    const collection = await store.open(SPEC);
    for (let i = 0; i < records.length; i += 100) await collection.upsert(records.slice(i, i + 100));
    const deleted = records.slice(0, 50);
    await collection.delete(deleted.map((r) => r.id));
    const kept = records.slice(50);

    // The journal is on disk; the snapshot that close() writes (index, vectors, records) is not.
    leaveRoom(disk, 64 * 1024);
    await expectAppError(store.close(), "STORE_UNAVAILABLE");

    disk.resize(BIG);
    const reopened = open();
    try {
      const again = await reopened.open(SPEC);
      expect(await again.count()).toBe(kept.length);
      expect((await again.has(deleted.map((r) => r.id))).size).toBe(0);
      await expectHolds(again, kept);
      // The store still writes, and the search finds what it holds.
      const extra = vectors(1, 9);
      await again.upsert(extra);
      expect((await again.search(extra[0]!.vector, 1))[0]!.id).toBe(extra[0]!.id);
    } finally {
      await reopened.close();
    }
    // Closed with room, the snapshot is written: a third open finds everything again.
    const third = open();
    try {
      expect(await (await third.open(SPEC)).count()).toBe(kept.length + 1);
    } finally {
      await third.close();
    }
  });

  it("vector store: a snapshot that a write triggers fails that write; every acknowledged write survives", async () => {
    const base = vectors(1_500, 2);
    const first = open();
    await (await first.open(SPEC)).upsert(base);
    await first.close();

    // A limit of one byte: the journal is folded once it passes a quarter of the vectors' size
    // (384 KB here), which the room left allows, while the snapshot itself (over 1.5 MB) does not fit.
    const store = open(1);
    const collection = await store.open(SPEC);
    leaveRoom(disk, 640 * 1024);
    const acknowledged: VectorRecord[] = [];
    let refused: unknown;
    for (let seed = 100; seed < 1_000 && refused === undefined; seed++) {
      const batch = vectors(10, seed);
      try {
        await collection.upsert(batch);
        acknowledged.push(...batch);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeDefined();
    await expectAppError(Promise.reject(refused), "STORE_UNAVAILABLE");
    expect(acknowledged.length).toBeGreaterThan(0);
    // It was the snapshot that failed, not the journal line (which had room).
    expect((refused as Error).message).toMatch(/snapshot/);
    // Still serving reads of everything acknowledged.
    await expectHolds(collection, [...base, ...acknowledged]);

    // With room again, writes succeed (and fold the journal); nothing acknowledged is lost.
    disk.resize(BIG);
    const later = vectors(10, 5_000);
    await collection.upsert(later);
    await store.close();
    const reopened = open();
    try {
      await expectHolds(await reopened.open(SPEC), [...base, ...acknowledged, ...later]);
    } finally {
      await reopened.close();
    }
  });

  it("local feature files: a compaction fails cleanly and the store reopens with every live record", async () => {
    const modelId = SPEC.modelId;
    const grid = [8, 8] as const;
    const policy = { garbageRatio: 10, minGarbageBytes: Number.MAX_SAFE_INTEGER }; // compact only when asked
    const store = new FileLocalFeatureStore({ dataDir: disk.dir, precision: "float16", compaction: policy, logger: silentLogger() });
    const items = vectors(200, 3).map((r) => ({
      id: r.id,
      features: { dim: 64, grid, regions: Float32Array.from({ length: 64 * 64 }, (_, i) => r.vector[i % DIM]!) },
    }));
    for (let i = 0; i < items.length; i += 20) await store.putImageRegions(modelId, items.slice(i, i + 20));
    const [gone, live] = [items.slice(0, 120).map((i) => i.id), items.slice(120).map((i) => i.id)];
    await store.delete(modelId, { imageIds: gone });
    const before = await store.getImageRegions(modelId, live);
    expect(before.size).toBe(live.length);

    leaveRoom(disk, 16 * 1024);
    await expectAppError(store.compact(modelId), "STORE_UNAVAILABLE");
    // Reads go on from the old generation meanwhile.
    expect((await store.getImageRegions(modelId, live)).size).toBe(live.length);
    await store.close();

    disk.resize(BIG);
    const reopened = new FileLocalFeatureStore({ dataDir: disk.dir, precision: "float16", compaction: policy, logger: silentLogger() });
    try {
      expect(await reopened.count(modelId)).toEqual({ images: live.length, reports: 0 });
      expect((await reopened.getImageRegions(modelId, gone)).size).toBe(0);
      const after = await reopened.getImageRegions(modelId, live);
      for (const id of live) expect(after.get(id)!.regions).toEqual(before.get(id)!.regions);
      // With room, the compaction goes through and keeps the same records.
      await reopened.compact(modelId);
      expect(await reopened.count(modelId)).toEqual({ images: live.length, reports: 0 });
    } finally {
      await reopened.close();
    }
  });
});

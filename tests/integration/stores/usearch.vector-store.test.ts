// The VectorStore contract against the embedded usearch store, plus what only it has: the on-disk
// snapshot and journal (crash safety), memory-mapped serving, and the over-fetching filtered path.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import type { OpenFile } from "../../../src/stores/vector/usearch.collection-files.ts";
import { UsearchVectorStore } from "../../../src/stores/vector/usearch.vector-store.ts";
import { collectionName } from "../../../src/stores/vector/vector-store.validate.ts";
import { bruteForce, clusteredSet } from "../../contract/clustered-vectors.ts";
import { describeVectorStoreContract } from "../../contract/vector-store.contract.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-usearch-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A file system that fills up on demand: once armed, the next journal write puts half its bytes on
 * disk and fails with ENOSPC, as a write to a full disk does; `failTruncate` makes the cut that
 * undoes it fail as well.
 */
function fillingDisk() {
  const state = { armed: false, failTruncate: false };
  const openFile: OpenFile = async (file, flags) => {
    const handle = await fs.promises.open(file, flags);
    return new Proxy(handle, {
      get(target, prop) {
        if (prop === "write" && state.armed) {
          return async (buffer: Buffer, offset: number, length: number, position: number) => {
            state.armed = false;
            await target.write(buffer, offset, Math.floor(length / 2), position);
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          };
        }
        if (prop === "truncate" && state.failTruncate) {
          return async () => {
            state.failTruncate = false;
            throw Object.assign(new Error("EIO: i/o error, ftruncate"), { code: "EIO" });
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return { openFile, state };
}

describeVectorStoreContract("usearch", async () => {
  const dataDir = tempDir();
  return {
    create: async () => new UsearchVectorStore({ dataDir, logger: silentLogger() }),
    cleanup: async () => undefined,
  };
});

describe("UsearchVectorStore on disk", () => {
  const modelId = "disk-test@1.0.0#0123456789ab";
  const spec = { modelId, dim: 16, kind: "report" as const };
  const set = clusteredSet({ count: 300, dim: 16, seed: 3 });
  const open = (dataDir: string, options: Partial<ConstructorParameters<typeof UsearchVectorStore>[0]> = {}) =>
    new UsearchVectorStore({ dataDir, logger: silentLogger(), ...options });
  const collectionDir = (dataDir: string) => path.join(dataDir, "vectors", collectionName(spec));

  it("keeps every completed write of a process killed before it flushed", () => {
    const dataDir = tempDir();
    const child = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "usearch-crash.child.ts"), dataDir, modelId], {
      cwd: path.resolve(import.meta.dirname, "../../.."),
      encoding: "utf8",
    });
    expect(child.signal).toBe("SIGKILL");
    // The lock of the dead writer is still there; a new process takes it over.
    expect(fs.existsSync(path.join(collectionDir(dataDir), "write.lock"))).toBe(true);
    return (async () => {
      const store = open(dataDir);
      const c = await store.open(spec);
      expect(await c.count()).toBe(290);
      expect(await c.has([set.items[0].id, set.items[10].id])).toEqual(new Set([set.items[10].id]));
      const query = set.queries[0];
      expect((await c.search(query, 5, { findingsAny: ["Edema"] })).map((h) => h.id)).toEqual(
        bruteForce(set.items.slice(10), query, { findingsAny: ["Edema"] })
          .slice(0, 5)
          .map((h) => h.id),
      );
      await c.upsert(set.items.slice(0, 1));
      await store.close();
      // Closing folded the journal into a new snapshot; only that snapshot's files remain.
      const names = fs.readdirSync(collectionDir(dataDir)).sort();
      expect(names).toEqual(["collection.json", "index-2.usearch", "records-2.json", "vectors-2.f32"]);
      const again = open(dataDir);
      expect(await (await again.open(spec)).count()).toBe(291);
      await again.close();
    })();
  });

  it("drops a journal line cut short by a crash, and keeps the writes before it", async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    await (await first.open(spec)).upsert(set.items.slice(0, 50));
    await first.close();
    const store = open(dataDir);
    const c = await store.open(spec);
    await c.upsert(set.items.slice(50, 60));
    const journal = path.join(collectionDir(dataDir), "journal-2.jsonl");
    // Simulate a crash (the store is dropped unclosed): a half-written line, a lock whose process is gone.
    fs.appendFileSync(journal, '{"u":[["0000');
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const reopened = open(dataDir);
    const c2 = await reopened.open(spec);
    expect(await c2.count()).toBe(60);
    expect(fs.readFileSync(journal, "utf8").endsWith("\n")).toBe(true);
    await c2.upsert(set.items.slice(60, 70));
    await reopened.close();
    const third = open(dataDir);
    const c3 = await third.open(spec);
    expect(await c3.count()).toBe(70);
    // A last line whose bytes did not all reach the disk, though its newline did.
    await c3.upsert(set.items.slice(70, 75));
    const journal3 = path.join(collectionDir(dataDir), "journal-3.jsonl");
    fs.appendFileSync(journal3, '{"u":[["\u0000\u0000\u0000\n');
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const fourth = open(dataDir);
    const c4 = await fourth.open(spec);
    expect(await c4.count()).toBe(75);
    await c4.upsert(set.items.slice(75, 80));
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const fifth = open(dataDir);
    expect(await (await fifth.open(spec)).count()).toBe(80);
    await fifth.close();
  });

  it("undoes a write that a full disk cut short, reports it, and keeps the writes before and after", async () => {
    const dataDir = tempDir();
    const disk = fillingDisk();
    const store = open(dataDir, { openFile: disk.openFile });
    const c = await store.open(spec);
    await c.upsert(set.items.slice(0, 20));
    const journal = path.join(collectionDir(dataDir), "journal-1.jsonl");
    const before = fs.readFileSync(journal);
    disk.state.armed = true;
    const error = await c.upsert(set.items.slice(20, 25)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("STORE_UNAVAILABLE");
    expect((error as AppError).message).not.toContain(dataDir);
    // The journal is as it was before the failed write, and the failed items are not served.
    expect(fs.readFileSync(journal).equals(before)).toBe(true);
    expect(await c.has(set.items.slice(19, 21).map((i) => i.id))).toEqual(new Set([set.items[19].id]));
    await c.upsert(set.items.slice(25, 30));
    await c.delete([set.items[0].id]);
    expect(await c.count()).toBe(24);
    // A crash now (no close): every acknowledged write comes back, the failed one does not.
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const reopened = open(dataDir);
    const c2 = await reopened.open(spec);
    expect(await c2.count()).toBe(24);
    expect(await c2.has(set.items.slice(0, 30).map((i) => i.id))).toEqual(new Set([...set.items.slice(1, 20), ...set.items.slice(25, 30)].map((i) => i.id)));
    await reopened.close();
  });

  it("cuts the remains of a failed write before the next one when undoing it failed too", async () => {
    const dataDir = tempDir();
    const disk = fillingDisk();
    const store = open(dataDir, { openFile: disk.openFile });
    const c = await store.open(spec);
    await c.upsert(set.items.slice(0, 10));
    const journal = path.join(collectionDir(dataDir), "journal-1.jsonl");
    const length = fs.statSync(journal).size;
    disk.state.armed = true;
    disk.state.failTruncate = true;
    await expect(c.upsert(set.items.slice(10, 20))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(fs.statSync(journal).size).toBeGreaterThan(length);
    await c.upsert(set.items.slice(20, 25));
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const reopened = open(dataDir);
    const c2 = await reopened.open(spec);
    expect(await c2.count()).toBe(15);
    expect(await c2.has([set.items[15].id, set.items[22].id])).toEqual(new Set([set.items[22].id]));
    await reopened.close();
  });

  it("refuses a journal damaged before its last write, naming the collection and not its files", async () => {
    const dataDir = tempDir();
    const store = open(dataDir);
    const c = await store.open(spec);
    await c.upsert(set.items.slice(0, 10));
    await c.upsert(set.items.slice(10, 20));
    const journal = path.join(collectionDir(dataDir), "journal-1.jsonl");
    const [first, second] = fs.readFileSync(journal, "utf8").split("\n");
    fs.writeFileSync(journal, `${first}\n{"u":[["00\u0000\n${second}\n`);
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const error = await open(dataDir)
      .open(spec)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("STORE_UNAVAILABLE");
    expect((error as AppError).message).toContain(collectionName(spec));
    expect((error as AppError).message).not.toContain(dataDir);
    // Nothing was cut: the damaged journal is left for an operator to look at.
    expect(fs.readFileSync(journal, "utf8")).toBe(`${first}\n{"u":[["00\u0000\n${second}\n`);
  });

  it("catches up with a writer that is gone before writing, and keeps its writes and its own", async () => {
    const dataDir = tempDir();
    const writer = open(dataDir);
    const w = await writer.open(spec);
    await w.upsert(set.items.slice(0, 10));
    // A second process (here, a second store in this one) opens the collection read-only.
    const reader = open(dataDir);
    const r = await reader.open(spec);
    expect(await r.count()).toBe(10);
    // The writer writes more, then dies in the middle of a write: a torn line, its lock left behind.
    await w.upsert(set.items.slice(10, 15));
    const journal = path.join(collectionDir(dataDir), "journal-1.jsonl");
    fs.appendFileSync(journal, '{"u":[["0000');
    fs.rmSync(path.join(collectionDir(dataDir), "write.lock"));
    await r.upsert(set.items.slice(15, 18));
    expect(await r.count()).toBe(18);
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `999999999 ${os.hostname()}\n`);
    const reopened = open(dataDir);
    const c = await reopened.open(spec);
    expect(await c.count()).toBe(18);
    await reopened.close();
  });

  it("fsyncs a new journal, snapshot and collection folder into their directory", async () => {
    const dataDir = tempDir();
    const events: string[] = [];
    const realOpen = fs.promises.open.bind(fs.promises);
    const spy = vi.spyOn(fs.promises, "open").mockImplementation(async (file, flags, mode) => {
      const handle = await realOpen(file, flags, mode);
      const name = path.relative(dataDir, String(file)) || ".";
      if (flags === "wx" || flags === "w") events.push(`create ${name}`);
      if (flags === "r" && fs.statSync(file).isDirectory()) {
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          events.push(`fsync ${name}/`);
          return sync();
        };
      }
      return handle;
    });
    try {
      const store = open(dataDir);
      const c = await store.open(spec);
      await c.upsert(set.items.slice(0, 5));
      await store.close();
    } finally {
      spy.mockRestore();
    }
    const dir = path.relative(dataDir, collectionDir(dataDir));
    // The collection's folder is named durably in its parent before anything is written in it.
    expect(events.indexOf(`fsync ${path.dirname(dir)}/`)).toBeGreaterThanOrEqual(0);
    expect(events.indexOf(`fsync ${path.dirname(dir)}/`)).toBeLessThan(events.indexOf(`create ${dir}/collection.json.tmp`));
    // The first write's journal is fsynced into the folder before the write returns.
    const journal = events.indexOf(`create ${dir}/journal-1.jsonl`);
    expect(journal).toBeGreaterThanOrEqual(0);
    expect(events[journal + 1]).toBe(`fsync ${dir}/`);
    // Each snapshot's files are named durably before the header that names them is switched in.
    const vectors = events.indexOf(`create ${dir}/vectors-2.f32`);
    const header = events.indexOf(`create ${dir}/collection.json.tmp`, vectors);
    expect(vectors).toBeGreaterThan(journal);
    expect(events.slice(header + 1)).toEqual([`fsync ${dir}/`, `fsync ${dir}/`]);
  });

  it("serves the committed snapshot when a newer one was left unfinished", async () => {
    const dataDir = tempDir();
    const store = open(dataDir);
    const c = await store.open(spec);
    await c.upsert(set.items.slice(0, 40));
    await store.close();
    const dir = collectionDir(dataDir);
    // A crash while writing snapshot 3: its files exist but the header still names snapshot 2.
    fs.writeFileSync(path.join(dir, "index-3.usearch"), "partial");
    fs.writeFileSync(path.join(dir, "vectors-3.f32"), "partial");
    fs.writeFileSync(path.join(dir, "collection.json.tmp"), "{");
    const reopened = open(dataDir);
    const c2 = await reopened.open(spec);
    expect(await c2.count()).toBe(40);
    expect((await c2.search(set.items[7].vector, 1))[0].id).toBe(set.items[7].id);
    expect(fs.readdirSync(dir).sort()).toEqual(["collection.json", "index-2.usearch", "records-2.json", "vectors-2.f32", "write.lock"]);
    await reopened.close();
  });

  it("serves a reopened collection memory-mapped until its first write", async () => {
    const dataDir = tempDir();
    const store = open(dataDir);
    await (await store.open(spec)).upsert(set.items.slice(0, 100));
    await store.close();
    const reopened = open(dataDir);
    const c = await reopened.open(spec);
    expect((await reopened.probe.check()).detail).toContain("100 vectors (viewed)");
    const query = set.queries[1];
    expect((await c.search(query, 7, { viewPositions: ["PA"] })).map((h) => h.id)).toEqual(
      bruteForce(set.items.slice(0, 100), query, { viewPositions: ["PA"] })
        .slice(0, 7)
        .map((h) => h.id),
    );
    await c.delete([set.items[0].id]);
    expect((await reopened.probe.check()).detail).toContain("99 vectors (loaded)");
    await reopened.close();
  });

  it("folds a journal that grows past its limit into a new snapshot", async () => {
    const dataDir = tempDir();
    const store = open(dataDir, { journalLimitBytes: 10_000 });
    const c = await store.open(spec);
    for (let i = 0; i < 100; i += 10) await c.upsert(set.items.slice(i, i + 10));
    const names = fs.readdirSync(collectionDir(dataDir));
    const generation = Math.max(...names.filter((n) => n.startsWith("index-")).map((n) => Number(n.slice(6, -8))));
    expect(generation).toBeGreaterThan(2);
    expect(fs.statSync(path.join(collectionDir(dataDir), `vectors-${generation}.f32`)).size).toBeGreaterThan(0);
    // Reopened without a close (as after a crash), it holds every write.
    fs.rmSync(path.join(collectionDir(dataDir), "write.lock"));
    const reopened = open(dataDir);
    expect(await (await reopened.open(spec)).count()).toBe(100);
    await reopened.close();
  });

  it("lets one writer at a time write a collection", async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    const c1 = await first.open(spec);
    await c1.upsert(set.items.slice(0, 5));
    const second = open(dataDir);
    const c2 = await second.open(spec);
    expect(await c2.count()).toBe(5);
    const error = await c2.upsert(set.items.slice(5, 6)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("STORE_UNAVAILABLE");
    await second.close();
    await first.close();
  });

  it("takes over a lock naming this process's pid that an earlier process with the same pid left", async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    await (await first.open(spec)).upsert(set.items.slice(0, 5));
    await first.close();
    // A container restarted as PID 1 finds its own pid in the lock its previous life left behind.
    fs.writeFileSync(path.join(collectionDir(dataDir), "write.lock"), `${process.pid} ${os.hostname()}\n`);
    const restarted = open(dataDir);
    const c = await restarted.open(spec);
    await c.upsert(set.items.slice(5, 10));
    expect(await c.count()).toBe(10);
    await restarted.close();
  });

  it("reports an unreadable collection as STORE_UNAVAILABLE", async () => {
    const dataDir = tempDir();
    const store = open(dataDir);
    await (await store.open(spec)).upsert(set.items.slice(0, 5));
    await store.close();
    fs.writeFileSync(path.join(collectionDir(dataDir), "records-2.json"), "{ not json");
    const error = await open(dataDir)
      .open(spec)
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe("STORE_UNAVAILABLE");
  });

  it("answers filtered searches from the graph when the filtered set is above the exact-search limit", async () => {
    const dataDir = tempDir();
    const big = clusteredSet({ count: 5_000, dim: 32, seed: 21 });
    const store = open(dataDir, { exactSearchLimit: 0 });
    const c = await store.open({ modelId, dim: 32, kind: "image" });
    await c.upsert(big.items);
    const filters = [
      { datasetIds: big.datasetIds.slice(5) }, // about 70%
      { datasetIds: [big.datasetIds[3]] }, // about 7%
      { findingsAll: ["Atelectasis", "Cardiomegaly"], viewPositions: ["AP"] }, // about 0.7%
    ];
    for (const filter of filters) {
      let found = 0;
      let wanted = 0;
      for (const query of big.queries) {
        const truth = bruteForce(big.items, query, filter).slice(0, 10);
        const hits = await c.search(query, 10, filter);
        expect(hits).toHaveLength(truth.length);
        const ids = new Set(truth.map((t) => t.id));
        found += hits.filter((h) => ids.has(h.id)).length;
        wanted += truth.length;
      }
      expect(found / wanted).toBeGreaterThanOrEqual(0.99);
    }
    await store.close();
  });

  it("stays exact per dataset through items moved between datasets, deletions and a restart", async () => {
    const dataDir = tempDir();
    const data = clusteredSet({ count: 1_500, dim: 16, datasets: 6, seed: 33 });
    const items = data.items.map((item) => ({ ...item, payload: { ...item.payload } }));
    let store = open(dataDir);
    let c = await store.open(spec);
    await c.upsert(items);
    // Every third item of the first dataset moves to the last one; every fifth item of the second goes.
    const [first, second, last] = [data.datasetIds[0], data.datasetIds[1], data.datasetIds[5]];
    const moved = items.filter((item) => item.payload.datasetId === first).filter((_, i) => i % 3 === 0);
    for (const item of moved) item.payload.datasetId = last;
    await c.upsert(moved);
    const gone = new Set(
      items
        .filter((item) => item.payload.datasetId === second)
        .filter((_, i) => i % 5 === 0)
        .map((item) => item.id),
    );
    await c.delete([...gone]);
    const current = items.filter((item) => !gone.has(item.id));
    const check = async () => {
      for (const datasetIds of [[first], [second], [last], [first, last], data.datasetIds]) {
        expect(await c.count({ datasetIds })).toBe(current.filter((item) => datasetIds.includes(item.payload.datasetId)).length);
        for (const query of data.queries.slice(0, 10)) {
          const hits = await c.search(query, 20, { datasetIds });
          expect(hits.map((h) => h.id)).toEqual(
            bruteForce(current, query, { datasetIds })
              .slice(0, 20)
              .map((h) => h.id),
          );
        }
      }
    };
    await check();
    await store.close();
    store = open(dataDir);
    c = await store.open(spec);
    await check();
    await store.close();
  });

  it("answers exactly when views and findings go together and a filter's estimate is far off", async () => {
    const dataDir = tempDir();
    const data = clusteredSet({ count: 2_000, dim: 16, seed: 34 });
    // Half the items are AP and half have Edema, but only three AP items have it: the store's
    // estimate (a quarter of the items) is far above the three that match.
    const items = data.items.map((item, i) => ({
      ...item,
      payload: { ...item.payload, viewPosition: i % 2 === 0 ? "AP" : "PA", findings: i % 2 === 1 || i < 6 ? ["Edema"] : [] },
    }));
    const store = open(dataDir, { exactSearchLimit: 100 });
    const c = await store.open(spec);
    await c.upsert(items);
    const filter = { viewPositions: ["AP"], findingsAll: ["Edema"] };
    for (const query of data.queries.slice(0, 5)) {
      const hits = await c.search(query, 10, filter);
      expect(hits.map((h) => h.id)).toEqual(bruteForce(items, query, filter).map((h) => h.id));
      expect(hits).toHaveLength(3);
    }
    await store.close();
  });
});

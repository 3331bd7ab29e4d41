// The file local feature store on real files: restarts, torn journal tails, a data file cut short,
// SIGKILL in the middle of a stream of writes, compaction (and a crash during one), the writer lock,
// and a second, read-only process following the writer.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileLocalFeatureStore, modelFolderName, type FileLocalFeatureStoreOptions } from "../../../src/stores/local-features/file.local-feature-store.ts";
import { exactRegions, exactWords } from "../../contract/local-feature-store.contract.ts";
import type { RegionBlock } from "../../../src/stores/local-features/local-feature-store.port.ts";
import { expectAppError } from "../../helpers/expect-app-error.ts";

const MODEL = "gloria-phantom@1.0.0#abcdef012345";
const id = (i: number) => `${i.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
/** Bytes of one float16 region record of the contract's shape [16, 3×4]. */
const RECORD = 16 * 12 * 2;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lf-files-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(dataDir: string, options: Partial<FileLocalFeatureStoreOptions> = {}): FileLocalFeatureStore {
  const store = new FileLocalFeatureStore({ dataDir, precision: "float16", access: "write", ...options });
  cleanups.push(() => store.close());
  return store;
}

const regionsDir = (dataDir: string, kind = "regions-f16") => path.join(dataDir, "local-features", modelFolderName(MODEL), kind);

async function putImages(store: FileLocalFeatureStore, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await store.putImageRegions(MODEL, [{ id: id(i), features: exactRegions(i) }]);
}

async function expectImages(store: FileLocalFeatureStore, items: number[]): Promise<void> {
  const got = await store.getImageRegions(MODEL, items.map(id));
  expect(got.size).toBe(items.length);
  for (const i of items) expect(got.get(id(i))).toEqual(exactRegions(i));
}

/** A block's data and shape, without its release function (a fresh closure per read). */
function withoutRelease(block: RegionBlock): Omit<RegionBlock, "release"> {
  const { release: _release, ...rest } = block;
  return rest;
}

describe("FileLocalFeatureStore on disk", () => {
  it("names model folders safely and distinctly", () => {
    expect(modelFolderName("gloria/../x@1#ab")).toMatch(/^gloria_.._x_1_ab-[0-9a-f]{12}$/);
    expect(modelFolderName("a/b")).not.toBe(modelFolderName("a_b"));
    expect(modelFolderName("..")).toMatch(/^model-[0-9a-f]{12}$/);
  });

  it("gives the same data after close and reopen, and keeps precision per folder", async () => {
    const dataDir = tempDir();
    const first = openStore(dataDir);
    await putImages(first, 0, 5);
    await first.putReportWords(MODEL, [{ id: id(9), features: exactWords(9, 4) }]);
    await first.delete(MODEL, { imageIds: [id(1)] });
    await first.close();
    const second = openStore(dataDir);
    await expectImages(second, [0, 2, 3, 4]);
    expect((await second.getReportWords(MODEL, [id(9)])).get(id(9))).toEqual(exactWords(9, 4));
    expect(await second.count(MODEL)).toEqual({ images: 4, reports: 1 });
    await second.close();
    // int8 regions live in a folder of their own: the float16 one is never mixed with them.
    const int8 = openStore(dataDir, { precision: "int8" });
    expect(await int8.count(MODEL)).toEqual({ images: 0, reports: 1 });
    await int8.putImageRegions(MODEL, [{ id: id(0), features: exactRegions(0) }]);
    expect((await int8.getImageRegionBlock(MODEL, [id(0)])).encoding).toBe("int8");
    expect(fs.existsSync(regionsDir(dataDir, "regions-i8"))).toBe(true);
  });

  it("drops a torn journal tail, keeps what came before, and appends durably after it", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    await putImages(store, 0, 3);
    await store.close();
    const index = path.join(regionsDir(dataDir), "index-0.jsonl");
    // A crash in the middle of writing an entry: its first half is on disk, without its newline.
    const whole = fs.readFileSync(index);
    const lastStart = whole.lastIndexOf(0x0a, whole.length - 2) + 1;
    fs.truncateSync(index, lastStart + Math.floor((whole.length - lastStart) / 2));
    const reopened = openStore(dataDir);
    await expectImages(reopened, [0, 1]);
    expect((await reopened.getImageRegions(MODEL, [id(2)])).size).toBe(0);
    await putImages(reopened, 3, 4);
    await reopened.close();
    // Garbage after the intact entries (a full disk, a stray write): ignored and cut off too.
    fs.appendFileSync(index, '12 deadbeef {"p":[[\ngarbage without an end');
    const again = openStore(dataDir);
    await expectImages(again, [0, 1, 3]);
    await putImages(again, 4, 5);
    await again.close();
    await expectImages(openStore(dataDir), [0, 1, 3, 4]);
  });

  it("refuses to open an index damaged before its last intact entry", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    await putImages(store, 0, 3);
    await store.close();
    const index = path.join(regionsDir(dataDir), "index-0.jsonl");
    const bytes = fs.readFileSync(index);
    bytes[bytes.indexOf(0x0a) + 20] ^= 0x01;
    fs.writeFileSync(index, bytes);
    const error = await expectAppError(openStore(dataDir).count(MODEL), "STORE_UNAVAILABLE");
    expect(error.message).not.toContain(dataDir);
  });

  it("treats a record past the end of the data file as absent", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    await putImages(store, 0, 3);
    await store.close();
    fs.truncateSync(path.join(regionsDir(dataDir), "data-0.bin"), 2 * RECORD + 10);
    const reopened = openStore(dataDir);
    await expectImages(reopened, [0, 1]);
    expect((await reopened.getImageRegionBlock(MODEL, [id(2), id(0)])).ids).toEqual([id(0)]);
    expect(await reopened.count(MODEL)).toEqual({ images: 2, reports: 0 });
    // The next write goes after the bytes that are there and reads back after a restart.
    await putImages(reopened, 2, 3);
    await reopened.close();
    await expectImages(openStore(dataDir), [0, 1, 2]);
  });

  it("keeps every acknowledged write when the writer is killed with SIGKILL mid-stream", async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "file-local-features-crash.child.ts"), dataDir, MODEL], {
      cwd: path.resolve(import.meta.dirname, "../../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked: number[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let buffered = "";
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) acked.push(Number(line.split(" ")[1]));
      if (acked.length >= 60) child.kill("SIGKILL");
    });
    const signal = await exited;
    expect(signal, stderr).toBe("SIGKILL");
    expect(acked.length).toBeGreaterThanOrEqual(60);
    const store = openStore(dataDir);
    const images = acked.filter((i) => i % 3 !== 0);
    const reports = acked.filter((i) => i % 3 === 0);
    await expectImages(store, images);
    const words = await store.getReportWords(MODEL, reports.map(id));
    for (const i of reports) expect(words.get(id(i))).toEqual(exactWords(i, i % 11));
    const counts = await store.count(MODEL);
    // The write in flight at the kill may or may not have landed; nothing else.
    expect(counts.images + counts.reports - acked.length).toBeGreaterThanOrEqual(0);
    expect(counts.images + counts.reports - acked.length).toBeLessThanOrEqual(1);
  }, 60_000);

  it("compacts to the live bytes, bit for bit, and does so on its own after deletes past a quarter", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    await putImages(store, 0, 10);
    await store.putImageRegions(
      MODEL,
      [0, 1, 2].map((i) => ({ id: id(i), features: exactRegions(100 + i) })),
    );
    const live = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(id);
    const before = await store.getImageRegionBlock(MODEL, live);
    expect((await store.usage(MODEL)).regions).toMatchObject({ generation: 0, dataBytes: 13 * RECORD, liveBytes: 10 * RECORD });
    await store.compact(MODEL);
    expect((await store.usage(MODEL)).regions).toMatchObject({ generation: 1, dataBytes: 10 * RECORD, liveBytes: 10 * RECORD });
    expect(fs.statSync(path.join(regionsDir(dataDir), "data-1.bin")).size).toBe(10 * RECORD);
    expect(fs.existsSync(path.join(regionsDir(dataDir), "data-0.bin"))).toBe(false);
    expect(withoutRelease(await store.getImageRegionBlock(MODEL, live))).toEqual(withoutRelease(before));
    await store.close();
    const reopened = openStore(dataDir, { compaction: { garbageRatio: 0.25, minGarbageBytes: 0 } });
    expect(withoutRelease(await reopened.getImageRegionBlock(MODEL, live))).toEqual(withoutRelease(before));
    await reopened.delete(MODEL, { imageIds: [id(0), id(1)] });
    expect((await reopened.usage(MODEL)).regions.generation).toBe(1);
    await reopened.delete(MODEL, { imageIds: [id(2)] });
    expect((await reopened.usage(MODEL)).regions).toMatchObject({ generation: 2, dataBytes: 7 * RECORD });
    const rest = await reopened.getImageRegionBlock(MODEL, live);
    expect(rest.ids).toEqual(live.slice(3));
    expect(rest.data).toEqual((before.data as Uint16Array).slice(3 * (RECORD / 2)));
  });

  it("opens the old generation after a crash in the middle of a compaction, and the new one after a crash at its end", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    await putImages(store, 0, 4);
    await store.close();
    const dir = regionsDir(dataDir);
    // Cut short before the header switch: a partial next generation and an uncommitted header.
    fs.writeFileSync(path.join(dir, "data-1.bin"), Buffer.alloc(RECORD));
    fs.writeFileSync(path.join(dir, "index-1.jsonl"), '100 00000000 {"p":[[');
    fs.writeFileSync(path.join(dir, "collection.json.tmp"), '{"format":');
    const reopened = openStore(dataDir);
    await expectImages(reopened, [0, 1, 2, 3]);
    expect(fs.readdirSync(dir).sort()).toEqual(["collection.json", "data-0.bin", "index-0.jsonl"]);
    await reopened.compact(MODEL);
    await reopened.close();
    // Cut short after the switch, before the old generation was removed.
    fs.writeFileSync(path.join(dir, "data-0.bin"), "old");
    fs.writeFileSync(path.join(dir, "index-0.jsonl"), "old");
    const after = openStore(dataDir);
    await expectImages(after, [0, 1, 2, 3]);
    expect(fs.readdirSync(dir).sort()).toEqual(["collection.json", "data-1.bin", "index-1.jsonl"]);
  });
});

describe("FileLocalFeatureStore writer lock", () => {
  const lockFile = (dataDir: string) => path.join(dataDir, "local-features", modelFolderName(MODEL), "write.lock");

  it("refuses a second writer with STORE_UNAVAILABLE, and opens a second store read-only on request", async () => {
    const dataDir = tempDir();
    const writer = openStore(dataDir);
    await putImages(writer, 0, 1);
    const error = await expectAppError(openStore(dataDir).putImageRegions(MODEL, [{ id: id(5), features: exactRegions(5) }]), "STORE_UNAVAILABLE");
    expect(error.message).not.toContain(dataDir);
    const reader = openStore(dataDir, { access: "auto" });
    expect(await reader.writable(MODEL)).toBe(false);
    await expectImages(reader, [0]);
    await expectAppError(reader.putImageRegions(MODEL, [{ id: id(5), features: exactRegions(5) }]), "STORE_UNAVAILABLE");
    await expectAppError(reader.delete(MODEL, { imageIds: [id(0)] }), "STORE_UNAVAILABLE");
  });

  it("refuses a lock held by another live process on this host", async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.dirname(lockFile(dataDir)), { recursive: true });
    fs.writeFileSync(lockFile(dataDir), `${process.ppid} ${os.hostname()}\n`);
    const error = await expectAppError(openStore(dataDir).count(MODEL), "STORE_UNAVAILABLE");
    expect(error.message).toContain(`process ${process.ppid}`);
  });

  it("takes over a lock whose process is gone, and one with this pid that this process did not take", async () => {
    for (const pid of [spawnSync(process.execPath, ["-e", ""]).pid, process.pid]) {
      const dataDir = tempDir();
      fs.mkdirSync(path.dirname(lockFile(dataDir)), { recursive: true });
      fs.writeFileSync(lockFile(dataDir), `${pid} ${os.hostname()}\n`);
      const store = openStore(dataDir);
      expect(await store.writable(MODEL)).toBe(true);
      await putImages(store, 0, 1);
      expect(fs.readFileSync(lockFile(dataDir), "utf8")).toBe(`${process.pid} ${os.hostname()}\n`);
      await store.close();
      expect(fs.existsSync(lockFile(dataDir))).toBe(false);
    }
  });

  it("lets a read-only store follow the writer's appends, replacements, deletes and compactions", async () => {
    const dataDir = tempDir();
    const writer = openStore(dataDir);
    const reader = openStore(dataDir, { access: "read" });
    expect(await reader.count(MODEL)).toEqual({ images: 0, reports: 0 });
    await putImages(writer, 0, 2);
    await expectImages(reader, [0, 1]);
    await writer.putImageRegions(MODEL, [{ id: id(0), features: exactRegions(50) }]);
    expect((await reader.getImageRegions(MODEL, [id(0)])).get(id(0))).toEqual(exactRegions(50));
    await writer.delete(MODEL, { imageIds: [id(1)] });
    expect(await reader.count(MODEL)).toEqual({ images: 1, reports: 0 });
    await putImages(writer, 2, 4);
    await writer.compact(MODEL);
    await putImages(writer, 4, 5);
    await expectImages(reader, [2, 3, 4]);
    expect((await reader.getImageRegions(MODEL, [id(0)])).get(id(0))).toEqual(exactRegions(50));
    expect(fs.existsSync(lockFile(dataDir))).toBe(true);
    await reader.close();
    expect(fs.existsSync(lockFile(dataDir))).toBe(true);
  });
});

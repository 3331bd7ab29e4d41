// LocalFeatureStore in files under GLORIA_DATA_DIR (the default): per model, a folder with one
// collection per kind (regions-f16 or regions-i8, words-f16), each an append-only data file and an
// fsynced index journal (file.feature-collection.ts). Region reads go from the file straight into one
// packed block by positional reads. Knows no Postgres, no model runtime, no GraphQL.
// Layout and guarantees: docs/storage.md, "Local features on disk".
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { Logger } from "../../logging/logger.ts";
import { decodeFloat16, encodeFloat16 } from "./float16.codec.ts";
import { type CompactionPolicy, FeatureCollection, makeDirDurably, storeFault } from "./file.feature-collection.ts";
import { acquireFolderLock } from "../folder-lock.ts";
import { dequantizeRegions, quantizeRegions } from "./int8.codec.ts";
import type { ImageRegionFeatures, Keyed, LocalFeatureStore, RegionBlock, ReportWordFeatures } from "./local-feature-store.port.ts";
import { checkBatch, checkImageRegions, checkModelId, checkReportWords } from "./local-features.validate.ts";
import { BlockBuffers } from "./block-buffers.ts";
import { checkSameShape, emptyBlock, uniqueIds } from "./region-block.ts";

export type LocalFeaturePrecision = "float16" | "int8";

interface RegionMeta {
  dim: number;
  grid: [number, number];
}

interface WordMeta {
  dim: number;
  words: string[];
}

export interface FileLocalFeatureStoreOptions {
  /** GLORIA_DATA_DIR; features go under <dataDir>/local-features/. */
  dataDir: string;
  /** How region features are kept; word features are float16 always. */
  precision: LocalFeaturePrecision;
  /**
   * "write": take each model folder's writer lock or fail with STORE_UNAVAILABLE; "read": never
   * write; "auto" (default): write when the lock is free, else open read-only and log why.
   */
  access?: "auto" | "write" | "read";
  logger?: Logger;
  compaction?: CompactionPolicy;
}

/** A model id as a folder name: readable, filesystem-safe, and distinct for distinct ids (the hash). */
export function modelFolderName(modelId: string): string {
  const readable = modelId
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(0, 60);
  return `${readable || "model"}-${createHash("sha256").update(modelId).digest("hex").slice(0, 12)}`;
}

interface ModelFolder {
  dir: string;
  writable: boolean;
  /** Why this process does not write, when it does not. */
  readOnlyReason?: string;
  regions: FeatureCollection<RegionMeta>;
  words: FeatureCollection<WordMeta>;
  release?: () => void;
}

export class FileLocalFeatureStore implements LocalFeatureStore {
  readonly mode = "stored" as const;
  readonly precision: LocalFeaturePrecision;
  private readonly folders = new Map<string, Promise<ModelFolder>>();
  /** Memory of region blocks, reused across reads (block.release()). */
  readonly buffers = new BlockBuffers();
  private readonly root: string;

  constructor(private readonly options: FileLocalFeatureStoreOptions) {
    // Half bits and scales go between the files and typed arrays as they are: little-endian both.
    if (os.endianness() !== "LE") throw storeFault("The local feature store's files are little-endian; this machine is not");
    this.precision = options.precision;
    this.root = path.join(path.resolve(options.dataDir), "local-features");
  }

  /** The model's folder, opened once (the lock is taken here); call early to fail fast. */
  open(modelId: string): Promise<ModelFolder> {
    checkModelId(modelId);
    let folder = this.folders.get(modelId);
    if (!folder) {
      folder = this.openFolder(modelId);
      this.folders.set(modelId, folder);
      folder.catch(() => this.folders.delete(modelId));
    }
    return folder;
  }

  /** Whether this process may write the model's features (false when another process holds the lock). */
  async writable(modelId: string): Promise<boolean> {
    return (await this.open(modelId)).writable;
  }

  private async openFolder(modelId: string): Promise<ModelFolder> {
    const dir = path.join(this.root, modelFolderName(modelId));
    const access = this.options.access ?? "auto";
    let release: (() => void) | undefined;
    let readOnlyReason: string | undefined;
    if (access === "read") readOnlyReason = "it was opened read-only";
    else {
      await makeDirDurably(dir).catch((error: unknown) => {
        throw storeFault("Cannot create the local feature store's folder", error);
      });
      const lock = acquireFolderLock(dir);
      if (lock.ok) release = lock.release;
      else if (access === "write") throw storeFault(`The local feature store cannot be opened for writing: ${lock.reason}`);
      else {
        readOnlyReason = lock.reason;
        this.options.logger?.warn({ modelId, reason: lock.reason }, "local feature store opened read-only");
      }
    }
    const writable = release !== undefined;
    const policy = this.options.compaction;
    const regionKind = this.precision === "int8" ? "regions-i8" : "regions-f16";
    try {
      const regions = await FeatureCollection.open<RegionMeta>(
        path.join(dir, regionKind),
        { modelId, kind: regionKind, encoding: this.precision },
        { writable, policy },
      );
      const words = await FeatureCollection.open<WordMeta>(
        path.join(dir, "words-f16"),
        { modelId, kind: "words-f16", encoding: "float16" },
        { writable, policy },
      ).catch(async (error: unknown) => {
        await regions.collection.close();
        throw error;
      });
      for (const { report } of [regions, words]) {
        if (report.tornBytes > 0 || report.pastEnd.length > 0) {
          this.options.logger?.warn(
            { modelId, tornBytes: report.tornBytes, recordsPastEnd: report.pastEnd.length },
            "local feature store: a write cut short by a crash was dropped",
          );
        }
      }
      return { dir, writable, readOnlyReason, regions: regions.collection, words: words.collection, release };
    } catch (error) {
      release?.();
      throw error;
    }
  }

  private async writer(modelId: string): Promise<ModelFolder> {
    const folder = await this.open(modelId);
    if (!folder.writable) throw storeFault(`The local feature store is read-only in this process: ${folder.readOnlyReason ?? "no writer lock"}`);
    return folder;
  }

  /** One record: float16 halves [D, M], or int8 codes [D, M] followed by float32 scales [M]. */
  private encodeRegions(f: ImageRegionFeatures): Uint8Array {
    if (this.precision === "float16") return encodeFloat16(f.regions);
    const m = f.grid[0] * f.grid[1];
    const record = new Uint8Array(f.dim * m + 4 * m);
    const scales = new Float32Array(m);
    quantizeRegions(f.regions, f.dim, m, new Int8Array(record.buffer, 0, f.dim * m), scales);
    record.set(new Uint8Array(scales.buffer), f.dim * m);
    return record;
  }

  async putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkImageRegions);
    if (checked.length === 0) return;
    const folder = await this.writer(modelId);
    await folder.regions.append(
      checked.map(({ id, features: f }) => ({ id, bytes: this.encodeRegions(f), meta: { dim: f.dim, grid: [f.grid[0], f.grid[1]] } })),
    );
  }

  async getImageRegionBlock(modelId: string, imageIds: readonly string[]): Promise<RegionBlock> {
    checkModelId(modelId);
    const ids = uniqueIds(imageIds);
    if (ids.length === 0) return emptyBlock(this.precision);
    const folder = await this.open(modelId);
    return folder.regions.read(ids, async (found, readAt) => {
      if (found.length === 0) return emptyBlock(this.precision);
      checkSameShape(
        found.map((f) => f.id),
        found.map((f) => f.entry.meta),
      );
      const { dim, grid } = found[0].entry.meta;
      const m = grid[0] * grid[1];
      const size = dim * m;
      const k = found.length;
      // Codes (or half bits) first, then the int8 scales, in one pooled buffer.
      const codeBytes = this.precision === "float16" ? k * size * 2 : k * size;
      // Scales start on a 4-byte boundary (a Float32Array view needs one).
      const scalesAt = Math.ceil(codeBytes / 4) * 4;
      const buffer = this.buffers.take(this.precision === "int8" ? scalesAt + k * m * 4 : codeBytes);
      const release = once(() => this.buffers.give(buffer));
      const ids = found.map((f) => f.id);
      try {
        if (this.precision === "float16") {
          const data = new Uint16Array(buffer, 0, k * size);
          const bytes = new Uint8Array(buffer, 0, codeBytes);
          await Promise.all(found.map((f, i) => readAt(f.entry.offset, bytes.subarray(i * size * 2, (i + 1) * size * 2))));
          return { ids, dim, grid: [grid[0], grid[1]], encoding: "float16", data, release };
        }
        const data = new Int8Array(buffer, 0, k * size);
        const scales = new Float32Array(buffer, scalesAt, k * m);
        const codes = new Uint8Array(buffer, 0, codeBytes);
        const scaleBytes = new Uint8Array(buffer, scalesAt, k * m * 4);
        await Promise.all(
          found.flatMap((f, i) => [
            readAt(f.entry.offset, codes.subarray(i * size, (i + 1) * size)),
            readAt(f.entry.offset + size, scaleBytes.subarray(i * m * 4, (i + 1) * m * 4)),
          ]),
        );
        return { ids, dim, grid: [grid[0], grid[1]], encoding: "int8", data, scales, release };
      } catch (error) {
        release();
        throw error;
      }
    });
  }

  async getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>> {
    const block = await this.getImageRegionBlock(modelId, imageIds);
    const { dim, grid } = block;
    const m = grid[0] * grid[1];
    const size = dim * m;
    const out = new Map<string, ImageRegionFeatures>();
    block.ids.forEach((id, k) => {
      const regions =
        block.encoding === "float16"
          ? decodeFloat16(new Uint8Array(block.data.buffer, k * size * 2, size * 2))
          : dequantizeRegions(
              (block.data as Int8Array).subarray(k * size, (k + 1) * size),
              (block.scales as Float32Array).subarray(k * m, (k + 1) * m),
              dim,
              m,
            );
      out.set(id, { dim, grid: [grid[0], grid[1]], regions });
    });
    block.release?.();
    return out;
  }

  async putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkReportWords);
    if (checked.length === 0) return;
    const folder = await this.writer(modelId);
    await folder.words.append(checked.map(({ id, features: f }) => ({ id, bytes: encodeFloat16(f.slots), meta: { dim: f.dim, words: [...f.words] } })));
  }

  async getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>> {
    checkModelId(modelId);
    const ids = uniqueIds(reportIds);
    if (ids.length === 0) return new Map();
    const folder = await this.open(modelId);
    return folder.words.read(ids, async (found, readAt) => {
      const total = found.reduce((n, f) => n + f.entry.length, 0);
      const bytes = new Uint8Array(total);
      const starts: number[] = [];
      let at = 0;
      for (const f of found) {
        starts.push(at);
        at += f.entry.length;
      }
      await Promise.all(found.map((f, i) => readAt(f.entry.offset, bytes.subarray(starts[i], starts[i] + f.entry.length))));
      return new Map(
        found.map((f, i) => [
          f.id,
          { dim: f.entry.meta.dim, words: f.entry.meta.words, slots: decodeFloat16(bytes.subarray(starts[i], starts[i] + f.entry.length)) },
        ]),
      );
    });
  }

  async delete(modelId: string, ids: { imageIds?: readonly string[]; reportIds?: readonly string[] }): Promise<void> {
    checkModelId(modelId);
    const imageIds = uniqueIds(ids.imageIds ?? []);
    const reportIds = uniqueIds(ids.reportIds ?? []);
    if (imageIds.length === 0 && reportIds.length === 0) return;
    const folder = await this.writer(modelId);
    await folder.regions.remove(imageIds);
    await folder.words.remove(reportIds);
  }

  async count(modelId: string): Promise<{ images: number; reports: number }> {
    const folder = await this.open(modelId);
    const [images, reports] = await Promise.all([folder.regions.size(), folder.words.size()]);
    return { images, reports };
  }

  /** Which of these ids have features (for the migration, which skips what is already here). */
  async holds(modelId: string, kind: "images" | "reports", ids: readonly string[]): Promise<Set<string>> {
    const folder = await this.open(modelId);
    return new Set(await (kind === "images" ? folder.regions : folder.words).holding(uniqueIds(ids)));
  }

  /** Rewrites the model's collections without their garbage (also done on its own, see the policy). */
  async compact(modelId: string): Promise<void> {
    const folder = await this.writer(modelId);
    await folder.regions.compact();
    await folder.words.compact();
  }

  /** Data file sizes and live bytes, per kind (for tests and `gloria stats`-like reports). */
  async usage(modelId: string) {
    const folder = await this.open(modelId);
    return { regions: folder.regions.usage(), words: folder.words.usage() };
  }

  async close(): Promise<void> {
    const folders = [...this.folders.values()];
    this.folders.clear();
    for (const pending of folders) {
      const folder = await pending.catch(() => undefined);
      if (!folder) continue;
      await folder.regions.close();
      await folder.words.close();
      folder.release?.();
    }
  }
}

/** A function that does its work on the first call only. */
function once(work: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    work();
  };
}

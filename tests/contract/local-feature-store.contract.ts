// The one behaviour suite every stored LocalFeatureStore passes (files in float16 and int8, Postgres
// embedded and on a server, the in-memory fake): round trips, the packed region block, replacement,
// deletion, counts, per-model isolation, words of varying length and bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFloat16 } from "../../src/stores/local-features/float16.codec.ts";
import { dequantizeRegions } from "../../src/stores/local-features/int8.codec.ts";
import type { ImageRegionFeatures, LocalFeatureStore, RegionBlock, ReportWordFeatures } from "../../src/stores/local-features/local-feature-store.port.ts";
import { seededRandom } from "./clustered-vectors.ts";
import { expectAppError } from "../helpers/expect-app-error.ts";

export interface LocalFeatureStoreHarness {
  store: LocalFeatureStore;
  /** Two model ids the store accepts writes for. */
  models: [string, string];
  /** At least 6 image ids and 4 report ids the store accepts writes for (under both models). */
  imageIds: string[];
  reportIds: string[];
  /** How regions come back: float16 (exact for halves) or int8 (within half a step of each region's scale). */
  regionPrecision: "float16" | "int8";
  cleanup(): Promise<void>;
}

const D = 16;
const GRID: [number, number] = [3, 4];
const M = GRID[0] * GRID[1];

/** Values on a 1/64 grid in [−8, 8): exactly representable in float16. */
export function exactRegions(seed: number): ImageRegionFeatures {
  const random = seededRandom(seed);
  return { dim: D, grid: GRID, regions: Float32Array.from({ length: D * M }, () => Math.floor(random() * 1024 - 512) / 64) };
}

export function exactWords(seed: number, n: number): ReportWordFeatures {
  const random = seededRandom(seed);
  return {
    dim: D,
    words: Array.from({ length: n }, (_, i) => `word${i}-${seed}`),
    slots: Float32Array.from({ length: (n + 2) * D }, () => Math.floor(random() * 2048 - 1024) / 128),
  };
}

/** Float16: equal. Int8: each value within half a step of its region vector's scale (max|x| / 127). */
export function expectRegionsClose(got: ImageRegionFeatures | undefined, want: ImageRegionFeatures, precision: "float16" | "int8"): void {
  expect(got).toBeDefined();
  expect(got?.dim).toBe(want.dim);
  expect([...(got?.grid ?? [])]).toEqual([...want.grid]);
  if (precision === "float16") {
    expect(got?.regions).toEqual(want.regions);
    return;
  }
  const m = want.grid[0] * want.grid[1];
  for (let r = 0; r < m; r++) {
    let max = 0;
    for (let d = 0; d < want.dim; d++) max = Math.max(max, Math.abs(want.regions[d * m + r]));
    const step = max / 127;
    for (let d = 0; d < want.dim; d++) {
      const i = d * m + r;
      expect(Math.abs((got as ImageRegionFeatures).regions[i] - want.regions[i])).toBeLessThanOrEqual(step / 2 + step * 1e-6);
    }
  }
}

/** The block's item k as float32, decoded from its own encoding. */
function blockItem(block: RegionBlock, k: number): Float32Array {
  const size = block.dim * block.grid[0] * block.grid[1];
  if (block.encoding === "float16") return decodeFloat16(new Uint8Array(block.data.buffer, block.data.byteOffset + k * size * 2, size * 2));
  const m = block.grid[0] * block.grid[1];
  return dequantizeRegions(
    (block.data as Int8Array).subarray(k * size, (k + 1) * size),
    (block.scales as Float32Array).subarray(k * m, (k + 1) * m),
    block.dim,
    m,
  );
}

export function describeLocalFeatureStoreContract(name: string, setup: () => Promise<LocalFeatureStoreHarness>): void {
  describe(`LocalFeatureStore contract: ${name}`, () => {
    let h: LocalFeatureStoreHarness;
    let store: LocalFeatureStore;
    let model: string;
    let other: string;
    let img: string[];
    let rep: string[];

    beforeAll(async () => {
      h = await setup();
      ({ store } = h);
      [model, other] = h.models;
      img = h.imageIds;
      rep = h.reportIds;
    });
    afterAll(async () => h?.cleanup());

    it("round-trips region features in one batched read, per model", async () => {
      await store.putImageRegions(
        model,
        img.slice(0, 3).map((id, i) => ({ id, features: exactRegions(i) })),
      );
      await store.putImageRegions(other, [{ id: img[0], features: exactRegions(99) }]);
      const got = await store.getImageRegions(model, [img[2], img[0].toUpperCase(), img[3], img[0]]);
      expect([...got.keys()].sort()).toEqual([img[0], img[2]].sort());
      expectRegionsClose(got.get(img[0]), exactRegions(0), h.regionPrecision);
      expectRegionsClose(got.get(img[2]), exactRegions(2), h.regionPrecision);
      expectRegionsClose((await store.getImageRegions(other, [img[0]])).get(img[0]), exactRegions(99), h.regionPrecision);
      expect(await store.count(model)).toEqual({ images: 3, reports: 0 });
      expect(await store.count(other)).toEqual({ images: 1, reports: 0 });
    });

    it("packs a region block in request order, without misses or duplicates, with the same values as getImageRegions", async () => {
      const block = await store.getImageRegionBlock(model, [img[2], img[5], img[0].toUpperCase(), img[2], img[1]]);
      expect(block.ids).toEqual([img[2], img[0], img[1]]);
      expect(block.dim).toBe(D);
      expect([...block.grid]).toEqual(GRID);
      expect(block.encoding).toBe(h.regionPrecision);
      expect(block.data.length).toBe(3 * D * M);
      if (block.encoding === "float16") expect(block.data).toBeInstanceOf(Uint16Array);
      else {
        expect(block.data).toBeInstanceOf(Int8Array);
        expect(block.scales?.length).toBe(3 * M);
      }
      const each = await store.getImageRegions(model, block.ids);
      block.ids.forEach((id, k) => expect(blockItem(block, k)).toEqual(each.get(id)?.regions));
      if (block.encoding === "float16") expect(blockItem(block, 1)).toEqual(exactRegions(0).regions);
    });

    it("keeps a held block's values while others are read, and serves correct values from released memory", async () => {
      const first = await store.getImageRegionBlock(model, [img[0], img[1], img[2]]);
      const copy = blockItem(first, 0).slice();
      const second = await store.getImageRegionBlock(model, [img[2], img[1], img[0]]);
      expect(blockItem(first, 0)).toEqual(copy);
      expect(blockItem(second, 2)).toEqual(copy);
      first.release?.();
      second.release?.();
      first.release?.(); // twice is harmless
      // A smaller read after a larger one's memory was handed back sees only its own values.
      const third = await store.getImageRegionBlock(model, [img[1]]);
      expect(third.data.length).toBe(D * M);
      expect(blockItem(third, 0)).toEqual((await store.getImageRegions(model, [img[1]])).get(img[1])?.regions);
      const fourth = await store.getImageRegionBlock(model, [img[0], img[1], img[2]]);
      expect(blockItem(fourth, 0)).toEqual(copy);
      third.release?.();
      fourth.release?.();
    });

    it("gives an empty block when no id has features, and for no ids", async () => {
      for (const ids of [[img[5]], []]) {
        const block = await store.getImageRegionBlock(model, ids);
        expect(block.ids).toEqual([]);
        expect(block.data.length).toBe(0);
      }
    });

    it("keeps arbitrary float32 values to the store's precision", async () => {
      const random = seededRandom(5);
      const features: ImageRegionFeatures = { dim: D, grid: GRID, regions: Float32Array.from({ length: D * M }, () => (random() - 0.5) * 40) };
      await store.putImageRegions(model, [{ id: img[3], features }]);
      const back = (await store.getImageRegions(model, [img[3]])).get(img[3]) as ImageRegionFeatures;
      if (h.regionPrecision === "int8") expectRegionsClose(back, features, "int8");
      else {
        for (let i = 0; i < features.regions.length; i++) {
          expect(Math.abs(back.regions[i] - features.regions[i])).toBeLessThanOrEqual(Math.abs(features.regions[i]) * 2 ** -11 + 2 ** -25);
        }
      }
    });

    it("replaces features on a second write", async () => {
      await store.putImageRegions(model, [{ id: img[1], features: exactRegions(42) }]);
      expectRegionsClose((await store.getImageRegions(model, [img[1]])).get(img[1]), exactRegions(42), h.regionPrecision);
      expect((await store.count(model)).images).toBe(4);
    });

    it("stores report word slots of varying lengths with their words, a report without words included", async () => {
      await store.putReportWords(model, [
        { id: rep[0], features: exactWords(1, 5) },
        { id: rep[1], features: exactWords(2, 0) },
        { id: rep[2], features: exactWords(3, 17) },
      ]);
      await store.putReportWords(other, [{ id: rep[0], features: exactWords(9, 2) }]);
      const got = await store.getReportWords(model, [...rep, rep[0]]);
      expect(got.get(rep[0])).toEqual(exactWords(1, 5));
      expect(got.get(rep[1])).toEqual(exactWords(2, 0));
      expect(got.get(rep[2])).toEqual(exactWords(3, 17));
      expect(got.has(rep[3])).toBe(false);
      expect((await store.getReportWords(other, [rep[0]])).get(rep[0])).toEqual(exactWords(9, 2));
      await store.putReportWords(model, [{ id: rep[2], features: exactWords(4, 1) }]);
      expect((await store.getReportWords(model, [rep[2]])).get(rep[2])).toEqual(exactWords(4, 1));
      expect(await store.count(model)).toEqual({ images: 4, reports: 3 });
    });

    it("refuses malformed input with BAD_USER_INPUT and writes nothing of the batch", async () => {
      const before = await store.count(model);
      const tooBig = exactRegions(3);
      tooBig.regions[7] = 70_000;
      for (const features of [tooBig, { ...exactRegions(3), grid: [3, 5] as [number, number] }]) {
        await expectAppError(
          store.putImageRegions(model, [
            { id: img[4], features: exactRegions(1) },
            { id: img[0], features },
          ]),
          "BAD_USER_INPUT",
        );
      }
      await expectAppError(store.putReportWords(model, [{ id: rep[3], features: { ...exactWords(1, 3), words: ["only", "two"] } }]), "BAD_USER_INPUT");
      await expectAppError(store.putImageRegions(model, [{ id: "image-1", features: exactRegions(1) }]), "BAD_USER_INPUT");
      await expectAppError(store.getImageRegions(model, ["not-a-uuid"]), "BAD_USER_INPUT");
      await expectAppError(store.getImageRegionBlock(model, ["not-a-uuid"]), "BAD_USER_INPUT");
      await expectAppError(store.getReportWords("", [rep[0]]), "BAD_USER_INPUT");
      expect(await store.count(model)).toEqual(before);
      expect((await store.getImageRegions(model, [img[4]])).size).toBe(0);
    });

    it("deletes features by item for one model, ignoring unknown ids", async () => {
      await store.delete(model, { imageIds: [img[2], img[5]], reportIds: [rep[1], rep[3]] });
      expect((await store.getImageRegions(model, [img[2]])).size).toBe(0);
      expect((await store.getImageRegionBlock(model, [img[2], img[0]])).ids).toEqual([img[0]]);
      expect((await store.getReportWords(model, [rep[1]])).size).toBe(0);
      expect(await store.count(model)).toEqual({ images: 3, reports: 2 });
      expect(await store.count(other)).toEqual({ images: 1, reports: 1 });
      await store.delete(model, {});
      await store.delete(model, { imageIds: [img[2]] });
      expect(await store.count(model)).toEqual({ images: 3, reports: 2 });
      // A deleted item can be written again.
      await store.putImageRegions(model, [{ id: img[2], features: exactRegions(77) }]);
      expectRegionsClose((await store.getImageRegions(model, [img[2]])).get(img[2]), exactRegions(77), h.regionPrecision);
    });
  });
}

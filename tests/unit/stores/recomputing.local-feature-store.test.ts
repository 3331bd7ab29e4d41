// Local features recomputed on demand: the recompute callback is asked once per read for exactly
// the missing items, nothing is kept without a backing store, and with one only misses recompute.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import type { ImageRegionFeatures, Keyed, LocalFeatureStore, ReportWordFeatures } from "../../../src/stores/local-features/local-feature-store.port.ts";
import { RecomputingLocalFeatureStore, type LocalFeatureRecompute } from "../../../src/stores/local-features/recomputing.local-feature-store.ts";
import { packFloat16Block } from "../../../src/stores/local-features/region-block.ts";

const ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"];
const MODEL = "m@1#000000000000";

const regions = (v: number): ImageRegionFeatures => ({ dim: 2, grid: [1, 1], regions: new Float32Array([v, -v]) });
const wordsOf = (w: string): ReportWordFeatures => ({ dim: 1, words: [w], slots: new Float32Array([0, 1, 2]) });

/** A callback that recomputes every id except the third, and records what it was asked. */
function fakeRecompute() {
  const calls: { kind: string; modelId: string; ids: string[] }[] = [];
  const recompute: LocalFeatureRecompute = {
    async imageRegions(modelId, wanted) {
      calls.push({ kind: "image", modelId, ids: [...wanted] });
      return new Map(wanted.filter((id) => id !== ids[2]).map((id) => [id, regions(ids.indexOf(id) + 1)]));
    },
    async reportWords(modelId, wanted) {
      calls.push({ kind: "report", modelId, ids: [...wanted] });
      return new Map(wanted.map((id) => [id, wordsOf(`w${ids.indexOf(id)}`)]));
    },
  };
  return { recompute, calls };
}

/** An in-memory LocalFeatureStore standing in for Postgres. */
function memoryStore(): LocalFeatureStore & { images: Map<string, ImageRegionFeatures> } {
  const images = new Map<string, ImageRegionFeatures>();
  const reports = new Map<string, ReportWordFeatures>();
  const put =
    <T>(m: Map<string, T>) =>
    async (_model: string, items: readonly Keyed<T>[]) =>
      void items.forEach((i) => m.set(i.id, i.features));
  const get =
    <T>(m: Map<string, T>) =>
    async (_model: string, wanted: readonly string[]) =>
      new Map(wanted.filter((id) => m.has(id)).map((id) => [id, m.get(id) as T]));
  return {
    mode: "stored",
    images,
    putImageRegions: put(images),
    getImageRegions: get(images),
    getImageRegionBlock: async (_model, wanted) => packFloat16Block(wanted, images),
    putReportWords: put(reports),
    getReportWords: get(reports),
    async delete(_m, { imageIds = [], reportIds = [] }) {
      imageIds.forEach((id) => images.delete(id));
      reportIds.forEach((id) => reports.delete(id));
    },
    async count() {
      return { images: images.size, reports: reports.size };
    },
  };
}

describe("RecomputingLocalFeatureStore without a backing store", () => {
  it("recomputes every read in one batched call and leaves out what cannot be recomputed", async () => {
    const { recompute, calls } = fakeRecompute();
    const store = new RecomputingLocalFeatureStore(recompute);
    expect(store.mode).toBe("recomputed");
    const got = await store.getImageRegions(MODEL, [ids[0], ids[1].toUpperCase(), ids[2], ids[0]]);
    expect(calls).toEqual([{ kind: "image", modelId: MODEL, ids: [ids[0], ids[1], ids[2]] }]);
    expect(got).toEqual(
      new Map([
        [ids[0], regions(1)],
        [ids[1], regions(2)],
      ]),
    );
    await store.getImageRegions(MODEL, [ids[0]]);
    expect(calls).toHaveLength(2);
    expect((await store.getReportWords(MODEL, [ids[1]])).get(ids[1])).toEqual(wordsOf("w1"));
  });

  it("keeps nothing: writes are accepted and counts stay zero", async () => {
    const { recompute, calls } = fakeRecompute();
    const store = new RecomputingLocalFeatureStore(recompute);
    await store.putImageRegions(MODEL, [{ id: ids[0], features: regions(9) }]);
    await store.delete(MODEL, { imageIds: [ids[0]] });
    expect(await store.count(MODEL)).toEqual({ images: 0, reports: 0 });
    expect((await store.getImageRegions(MODEL, [ids[0]])).get(ids[0])).toEqual(regions(1));
    expect(calls).toHaveLength(1);
  });

  it("asks nothing for an empty read and refuses ids that are not UUIDs", async () => {
    const { recompute, calls } = fakeRecompute();
    const store = new RecomputingLocalFeatureStore(recompute);
    expect(await store.getImageRegions(MODEL, [])).toEqual(new Map());
    await expect(store.getImageRegions(MODEL, ["image-1"])).rejects.toBeInstanceOf(AppError);
    expect(calls).toEqual([]);
  });

  it("passes the recompute callback's refusal through", async () => {
    const store = new RecomputingLocalFeatureStore({
      imageRegions: async () => {
        throw new AppError("MODEL_UNAVAILABLE", "model m@1 is not loaded");
      },
      reportWords: async () => new Map(),
    });
    await expect(store.getImageRegions(MODEL, [ids[0]])).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
  });
});

describe("RecomputingLocalFeatureStore over a backing store", () => {
  it("reads stored features first, recomputes only the misses, and keeps what it recomputed", async () => {
    const { recompute, calls } = fakeRecompute();
    const backing = memoryStore();
    await backing.putImageRegions(MODEL, [{ id: ids[1], features: regions(20) }]);
    const store = new RecomputingLocalFeatureStore(recompute, backing);
    expect(store.mode).toBe("cached");
    const got = await store.getImageRegions(MODEL, ids);
    expect(calls).toEqual([{ kind: "image", modelId: MODEL, ids: [ids[0], ids[2]] }]);
    expect(got).toEqual(
      new Map([
        [ids[1], regions(20)],
        [ids[0], regions(1)],
      ]),
    );
    expect([...backing.images.keys()].sort()).toEqual([ids[0], ids[1]].sort());
    await store.getImageRegions(MODEL, [ids[0], ids[1]]);
    expect(calls).toHaveLength(1);
    expect(await store.count(MODEL)).toEqual({ images: 2, reports: 0 });
  });
});

describe("RecomputingLocalFeatureStore region blocks", () => {
  it("packs recomputed features as float16 in request order, dropping misses and duplicates", async () => {
    const { recompute } = fakeRecompute();
    const store = new RecomputingLocalFeatureStore(recompute);
    const block = await store.getImageRegionBlock(MODEL, [ids[2], ids[1], ids[0], ids[1]]);
    // 0x4000 = 2, 0xc000 = −2, 0x3c00 = 1, 0xbc00 = −1 in float16.
    expect(block).toEqual({ ids: [ids[1], ids[0]], dim: 2, grid: [1, 1], encoding: "float16", data: new Uint16Array([0x4000, 0xc000, 0x3c00, 0xbc00]) });
  });

  it("serves the backing store's block when it holds every id, and recomputes the rest otherwise", async () => {
    const { recompute, calls } = fakeRecompute();
    const backing = memoryStore();
    await backing.putImageRegions(MODEL, [{ id: ids[1], features: regions(4) }]);
    const store = new RecomputingLocalFeatureStore(recompute, backing);
    expect((await store.getImageRegionBlock(MODEL, [ids[1]])).data).toEqual(new Uint16Array([0x4400, 0xc400]));
    expect(calls).toEqual([]);
    const block = await store.getImageRegionBlock(MODEL, [ids[0], ids[1]]);
    expect(block.ids).toEqual([ids[0], ids[1]]);
    expect(block.data).toEqual(new Uint16Array([0x3c00, 0xbc00, 0x4400, 0xc400]));
    expect(calls).toEqual([{ kind: "image", modelId: MODEL, ids: [ids[0]] }]);
  });
});

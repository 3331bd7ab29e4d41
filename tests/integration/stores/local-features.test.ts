// The Postgres local feature store on the migrated database, through the Prisma models of
// migrations/1764288000001_local-features.sql (so schema.prisma and the SQL cannot drift): float16
// round trips, batched reads, replacement, deletion, foreign keys and the blob-size checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import type { Database } from "../../../src/stores/database.ts";
import type { ImageRegionFeatures, ReportWordFeatures } from "../../../src/stores/local-features/local-feature-store.port.ts";
import { createLocalFeatureStore } from "../../../src/stores/local-features/local-feature-store.factory.ts";
import { PostgresLocalFeatureStore } from "../../../src/stores/local-features/postgres.local-feature-store.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";
import { openTestDatabase } from "../../helpers/test-database.ts";

const MODEL = "gloria-phantom@1.0.0#abcdef012345";
const OTHER_MODEL = "gloria-phantom@2.0.0#fedcba987654";
const D = 16;
const GRID: [number, number] = [3, 4];

/** Values on a 1/64 grid in [−8, 8): exactly representable in float16, so they read back unchanged. */
function exactRegions(seed: number): ImageRegionFeatures {
  const random = seededRandom(seed);
  return { dim: D, grid: GRID, regions: Float32Array.from({ length: D * 12 }, () => Math.floor(random() * 1024 - 512) / 64) };
}

function words(seed: number, n: number): ReportWordFeatures {
  const random = seededRandom(seed);
  return {
    dim: D,
    words: Array.from({ length: n }, (_, i) => `word${i}`),
    slots: Float32Array.from({ length: (n + 2) * D }, () => Math.floor(random() * 2048 - 1024) / 128),
  };
}

describe("PostgresLocalFeatureStore", () => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let store: PostgresLocalFeatureStore;
  let images: string[];
  let reports: string[];

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
    const p = db.prisma;
    for (const [id, version] of [
      [MODEL, "1.0.0"],
      [OTHER_MODEL, "2.0.0"],
    ]) {
      await p.model.create({ data: { id, name: "gloria-phantom", version, checksum: id.split("#")[1], dim: D, gridH: 3, gridW: 4, manifest: {} } });
    }
    const dataset = await p.dataset.create({ data: { name: "features" } });
    images = [];
    for (let i = 0; i < 5; i++)
      images.push((await p.image.create({ data: { datasetId: dataset.id, contentHash: `img${i}`, byteSize: 1n, format: "png" } })).id);
    reports = [];
    for (let i = 0; i < 3; i++) reports.push((await p.report.create({ data: { datasetId: dataset.id, contentHash: `rep${i}`, text: `report ${i}` } })).id);
    store = new PostgresLocalFeatureStore(db.prisma, db.pool);
  });
  afterAll(async () => cleanup());

  it("maps both tables to Prisma models with every column", async () => {
    const p = db.prisma;
    const regions = await p.imageRegionFeature.create({
      data: { modelId: MODEL, imageId: images[4], dim: 1, gridH: 1, gridW: 2, regions: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) },
    });
    expect(regions).toMatchObject({ modelId: MODEL, imageId: images[4], dim: 1, gridH: 1, gridW: 2 });
    expect(regions.createdAt).toBeInstanceOf(Date);
    const slots = await p.reportWordFeature.create({
      data: { modelId: MODEL, reportId: reports[2], dim: 1, words: ["effusion"], slots: new Uint8Array([0, 0x3c, 0, 0x3c, 0, 0x3c]) },
    });
    expect(slots).toMatchObject({ words: ["effusion"], dim: 1 });
    // Read through the store: 0x3c00 is 1.0 and 0xc000 is −2.0 in float16 (little-endian).
    expect((await store.getImageRegions(MODEL, [images[4]])).get(images[4])).toEqual({ dim: 1, grid: [1, 2], regions: new Float32Array([1, -2]) });
    expect((await store.getReportWords(MODEL, [reports[2]])).get(reports[2])?.slots).toEqual(new Float32Array([1, 1, 1]));
    await store.delete(MODEL, { imageIds: [images[4]], reportIds: [reports[2]] });
  });

  it("refuses a blob whose size does not match its shape (SQL CHECK)", async () => {
    await expect(
      db.prisma.imageRegionFeature.create({ data: { modelId: MODEL, imageId: images[4], dim: 2, gridH: 1, gridW: 1, regions: new Uint8Array(2) } }),
    ).rejects.toThrow();
    await expect(
      db.prisma.reportWordFeature.create({ data: { modelId: MODEL, reportId: reports[2], dim: 1, words: ["a", "b"], slots: new Uint8Array(6) } }),
    ).rejects.toThrow();
  });

  it("stores region features and reads them back in one batch, per model", async () => {
    await store.putImageRegions(
      MODEL,
      images.slice(0, 3).map((id, i) => ({ id, features: exactRegions(i) })),
    );
    await store.putImageRegions(OTHER_MODEL, [{ id: images[0], features: exactRegions(99) }]);
    const got = await store.getImageRegions(MODEL, [images[2], images[0].toUpperCase(), images[3], images[0]]);
    expect([...got.keys()].sort()).toEqual([images[0], images[2]].sort());
    expect(got.get(images[0])).toEqual(exactRegions(0));
    expect(got.get(images[2])).toEqual(exactRegions(2));
    expect((await store.getImageRegions(OTHER_MODEL, [images[0]])).get(images[0])).toEqual(exactRegions(99));
    expect(await store.count(MODEL)).toEqual({ images: 3, reports: 0 });
  });

  it("keeps arbitrary float32 values to float16 precision", async () => {
    const random = seededRandom(5);
    const regions = Float32Array.from({ length: D * 12 }, () => (random() - 0.5) * 40);
    await store.putImageRegions(MODEL, [{ id: images[3], features: { dim: D, grid: GRID, regions } }]);
    const back = (await store.getImageRegions(MODEL, [images[3]])).get(images[3])?.regions as Float32Array;
    for (let i = 0; i < regions.length; i++) {
      // Round to nearest: the error is at most half a unit in the last place, 2^−11 relative.
      expect(Math.abs(back[i] - regions[i])).toBeLessThanOrEqual(Math.abs(regions[i]) * 2 ** -11 + 2 ** -25);
    }
  });

  it("replaces features on a second write", async () => {
    await store.putImageRegions(MODEL, [{ id: images[1], features: exactRegions(42) }]);
    expect((await store.getImageRegions(MODEL, [images[1]])).get(images[1])).toEqual(exactRegions(42));
    expect((await store.count(MODEL)).images).toBe(4);
  });

  it("stores report word slots with their words, including a report with no words", async () => {
    await store.putReportWords(MODEL, [
      { id: reports[0], features: words(1, 5) },
      { id: reports[1], features: words(2, 0) },
    ]);
    const got = await store.getReportWords(MODEL, reports);
    expect(got.get(reports[0])).toEqual(words(1, 5));
    expect(got.get(reports[1])).toEqual(words(2, 0));
    expect(got.has(reports[2])).toBe(false);
  });

  it("refuses features for an item or model the metadata lacks", async () => {
    const unknownImage = "00000000-0000-4000-8000-000000000000";
    const error = await store.putImageRegions(MODEL, [{ id: unknownImage, features: exactRegions(1) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("NOT_FOUND");
    const noModel = await store.putReportWords("nobody@0#000000000000", [{ id: reports[0], features: words(1, 1) }]).catch((e: unknown) => e);
    expect((noModel as AppError).code).toBe("NOT_FOUND");
  });

  it("refuses malformed features with BAD_USER_INPUT and writes nothing of the batch", async () => {
    const before = await store.count(MODEL);
    const tooBig = exactRegions(3);
    tooBig.regions[7] = 70_000;
    for (const features of [tooBig, { ...exactRegions(3), grid: [3, 5] as [number, number] }]) {
      const error = await store
        .putImageRegions(MODEL, [
          { id: images[4], features: exactRegions(1) },
          { id: images[0], features },
        ])
        .catch((e: unknown) => e);
      expect((error as AppError).code).toBe("BAD_USER_INPUT");
    }
    const shortSlots = { ...words(1, 3), words: ["only", "two"] };
    expect(((await store.putReportWords(MODEL, [{ id: reports[2], features: shortSlots }]).catch((e: unknown) => e)) as AppError).code).toBe("BAD_USER_INPUT");
    expect(((await store.getImageRegions(MODEL, ["not-a-uuid"]).catch((e: unknown) => e)) as AppError).code).toBe("BAD_USER_INPUT");
    expect(await store.count(MODEL)).toEqual(before);
  });

  it("deletes features by item, and with their image when the image goes", async () => {
    await store.delete(MODEL, { imageIds: [images[2]], reportIds: [reports[1]] });
    expect((await store.getImageRegions(MODEL, [images[2]])).size).toBe(0);
    expect((await store.getReportWords(MODEL, [reports[1]])).size).toBe(0);
    await db.prisma.image.delete({ where: { id: images[0] } });
    expect((await store.getImageRegions(MODEL, [images[0]])).size).toBe(0);
    expect((await store.getImageRegions(OTHER_MODEL, [images[0]])).size).toBe(0);
    expect(await store.count(MODEL)).toEqual({ images: 2, reports: 1 });
  });

  it("in cached mode, recomputes only what is not stored and keeps it", async () => {
    const asked: string[][] = [];
    const cached = createLocalFeatureStore({
      mode: "cached",
      prisma: db.prisma,
      pool: db.pool,
      recompute: {
        imageRegions: async (_m, ids) => {
          asked.push([...ids]);
          return new Map(ids.map((id) => [id, exactRegions(7)]));
        },
        reportWords: async () => new Map(),
      },
    });
    const got = await cached.getImageRegions(MODEL, [images[1], images[4]]);
    expect(asked).toEqual([[images[4]]]);
    expect(got.get(images[1])).toEqual(exactRegions(42));
    expect(got.get(images[4])).toEqual(exactRegions(7));
    expect((await store.getImageRegions(MODEL, [images[4]])).get(images[4])).toEqual(exactRegions(7));
    await cached.getImageRegions(MODEL, [images[4]]);
    expect(asked).toHaveLength(1);
  });
});

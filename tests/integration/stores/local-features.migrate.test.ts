// Moving local features from Postgres into the file store: in parts (a run stopped by --limit,
// then a rerun), skipping what an interrupted run already made durable, bit for bit, and leaving
// the Postgres tables empty. Also the `gloria migrate-features` command on an empty store.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/main.ts";
import type { Database } from "../../../src/stores/database.ts";
import { FileLocalFeatureStore } from "../../../src/stores/local-features/file.local-feature-store.ts";
import type { ImageRegionFeatures } from "../../../src/stores/local-features/local-feature-store.port.ts";
import { migrateLocalFeatures } from "../../../src/stores/local-features/local-features.migrate.ts";
import { PostgresLocalFeatureStore } from "../../../src/stores/local-features/postgres.local-feature-store.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";
import { exactWords } from "../../contract/local-feature-store.contract.ts";
import { openTestDatabase } from "../../helpers/test-database.ts";

const MODEL = "gloria-phantom@1.0.0#abcdef012345";

/** Arbitrary values (not all halves), so the test sees whether any re-encoding changes a bit. */
function regions(seed: number): ImageRegionFeatures {
  const random = seededRandom(seed);
  return { dim: 16, grid: [3, 4], regions: Float32Array.from({ length: 16 * 12 }, () => (random() - 0.5) * 30) };
}

describe("migrateLocalFeatures (Postgres → files)", () => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let images: string[];
  let reports: string[];

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lf-migrate-"));
    const p = db.prisma;
    await p.model.create({
      data: { id: MODEL, name: "gloria-phantom", version: "1.0.0", checksum: "abcdef012345", dim: 16, gridH: 3, gridW: 4, manifest: {} },
    });
    const dataset = await p.dataset.create({ data: { name: "migrate" } });
    images = [];
    for (let i = 0; i < 7; i++)
      images.push((await p.image.create({ data: { datasetId: dataset.id, contentHash: `img${i}`, byteSize: 1n, format: "png" } })).id);
    reports = [];
    for (let i = 0; i < 4; i++) reports.push((await p.report.create({ data: { datasetId: dataset.id, contentHash: `rep${i}`, text: `report ${i}` } })).id);
  });
  afterAll(async () => {
    await cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("moves every feature bit for bit, resumably, and empties the Postgres tables", async () => {
    const source = new PostgresLocalFeatureStore(db.prisma, db.pool);
    await source.putImageRegions(
      MODEL,
      images.map((id, i) => ({ id, features: regions(i) })),
    );
    await source.putReportWords(
      MODEL,
      reports.map((id, i) => ({ id, features: exactWords(i, i * 3) })),
    );
    const before = await source.getImageRegionBlock(MODEL, images);
    const words = await source.getReportWords(MODEL, reports);

    // An earlier run that was cut short after the file store had made images[2] durable.
    const target = new FileLocalFeatureStore({ dataDir, precision: "float16", access: "write" });
    await target.putImageRegions(MODEL, [
      { id: images[2], features: (await source.getImageRegions(MODEL, [images[2]])).get(images[2]) as ImageRegionFeatures },
    ]);

    const first = await migrateLocalFeatures({ source, target, modelId: MODEL, batch: 2, limit: 5 });
    expect(first.moved.images + first.skipped.images).toBe(5);
    expect(first.remaining).toEqual({ images: 2, reports: 4 });
    await target.close();

    // A new process resumes where the first stopped.
    const resumed = new FileLocalFeatureStore({ dataDir, precision: "float16", access: "write" });
    const second = await migrateLocalFeatures({ source, target: resumed, modelId: MODEL, batch: 3 });
    expect(second.remaining).toEqual({ images: 0, reports: 0 });
    expect(first.moved.images + second.moved.images).toBe(6);
    expect(first.skipped.images + second.skipped.images).toBe(1);
    expect(second.moved.reports).toBe(4);
    expect(await source.count(MODEL)).toEqual({ images: 0, reports: 0 });

    const after = await resumed.getImageRegionBlock(MODEL, images);
    expect(after.ids).toEqual(before.ids);
    expect(after.data).toEqual(before.data);
    expect(await resumed.getReportWords(MODEL, reports)).toEqual(words);
    expect(await resumed.count(MODEL)).toEqual({ images: 7, reports: 4 });

    // Idempotent: a third run finds nothing to do.
    expect(await migrateLocalFeatures({ source, target: resumed, modelId: MODEL, batch: 3 })).toEqual({
      moved: { images: 0, reports: 0 },
      skipped: { images: 0, reports: 0 },
      remaining: { images: 0, reports: 0 },
    });
    await resumed.close();
  });
});

describe("gloria migrate-features", () => {
  it("refuses directions other than Postgres to files", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "gloria", "migrate-features", "--from", "files", "--to", "postgres"])).toBe(1);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain("BAD_USER_INPUT");
    } finally {
      stderr.mockRestore();
    }
  });

  it("runs on an embedded database and prints a JSON summary", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lf-cli-"));
    const saved = { ...process.env };
    Object.assign(process.env, { GLORIA_DATA_DIR: dataDir, LOG_LEVEL: "silent", DATABASE_URL: "" });
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "gloria", "migrate-features", "--json", "--batch", "10"])).toBe(0);
      expect(JSON.parse(String(stdout.mock.calls.at(-1)?.[0]))).toEqual({
        moved: { images: 0, reports: 0 },
        skipped: { images: 0, reports: 0 },
        remaining: { images: 0, reports: 0 },
      });
    } finally {
      stdout.mockRestore();
      process.env = saved;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

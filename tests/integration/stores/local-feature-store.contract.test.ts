// Runs the LocalFeatureStore contract against the stored adapters: the file store (float16 and
// int8) in a temporary data dir, and Postgres on an embedded PGlite and, when TEST_DATABASE_URL is
// set, on the server.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../../../src/db/scratch-database.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { openDatabase, type Database } from "../../../src/stores/database.ts";
import { FileLocalFeatureStore, type LocalFeaturePrecision } from "../../../src/stores/local-features/file.local-feature-store.ts";
import { PostgresLocalFeatureStore } from "../../../src/stores/local-features/postgres.local-feature-store.ts";
import { seededRandom, seededUuid } from "../../contract/clustered-vectors.ts";
import { describeLocalFeatureStoreContract, type LocalFeatureStoreHarness } from "../../contract/local-feature-store.contract.ts";

const MODELS: [string, string] = ["gloria-phantom@1.0.0#abcdef012345", "gloria-phantom@2.0.0#fedcba987654"];

function fileHarness(precision: LocalFeaturePrecision) {
  return async (): Promise<LocalFeatureStoreHarness> => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lf-contract-"));
    const store = new FileLocalFeatureStore({ dataDir, precision, access: "write" });
    const random = seededRandom(precision === "int8" ? 2 : 1);
    return {
      store,
      models: MODELS,
      imageIds: Array.from({ length: 6 }, () => seededUuid(random)),
      reportIds: Array.from({ length: 4 }, () => seededUuid(random)),
      regionPrecision: precision,
      async cleanup() {
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
}

/** The metadata rows the Postgres adapter's foreign keys need: two models, 6 images, 4 reports. */
async function seedMetadata(db: Database): Promise<{ imageIds: string[]; reportIds: string[] }> {
  const p = db.prisma;
  for (const [id, version] of [
    [MODELS[0], "1.0.0"],
    [MODELS[1], "2.0.0"],
  ]) {
    await p.model.create({ data: { id, name: "gloria-phantom", version, checksum: id.split("#")[1], dim: 16, gridH: 3, gridW: 4, manifest: {} } });
  }
  const dataset = await p.dataset.create({ data: { name: "features" } });
  const imageIds: string[] = [];
  for (let i = 0; i < 6; i++)
    imageIds.push((await p.image.create({ data: { datasetId: dataset.id, contentHash: `img${i}`, byteSize: 1n, format: "png" } })).id);
  const reportIds: string[] = [];
  for (let i = 0; i < 4; i++) reportIds.push((await p.report.create({ data: { datasetId: dataset.id, contentHash: `rep${i}`, text: `report ${i}` } })).id);
  return { imageIds, reportIds };
}

function postgresHarness(serverUrl: string | undefined) {
  return async (): Promise<LocalFeatureStoreHarness> => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lf-contract-pg-"));
    const scratch = serverUrl ? await createScratchDatabase(serverUrl, "gloria_test") : undefined;
    const db = await openDatabase({ databaseUrl: scratch?.url, dataDir, logger: silentLogger() });
    const ids = await seedMetadata(db);
    return {
      store: new PostgresLocalFeatureStore(db.prisma, db.pool),
      models: MODELS,
      ...ids,
      regionPrecision: "float16",
      async cleanup() {
        await db.close();
        await scratch?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
}

describeLocalFeatureStoreContract("files (float16)", fileHarness("float16"));
describeLocalFeatureStoreContract("files (int8)", fileHarness("int8"));
describeLocalFeatureStoreContract("postgres (embedded PGlite)", postgresHarness(undefined));
if (process.env.TEST_DATABASE_URL) describeLocalFeatureStoreContract("postgres (server)", postgresHarness(process.env.TEST_DATABASE_URL));

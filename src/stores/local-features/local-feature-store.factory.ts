// Chooses how local features are had (docs/storage.md): kept in files under GLORIA_DATA_DIR (the
// default) or as float16 blobs in Postgres, and read "stored", "recomputed" on demand, or "cached"
// (stored, recomputed and kept when missing).
import type pg from "pg";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import { FileLocalFeatureStore, type LocalFeaturePrecision } from "./file.local-feature-store.ts";
import type { LocalFeatureStore } from "./local-feature-store.port.ts";
import { PostgresLocalFeatureStore } from "./postgres.local-feature-store.ts";
import { RecomputingLocalFeatureStore, type LocalFeatureRecompute } from "./recomputing.local-feature-store.ts";

export type LocalFeatureMode = LocalFeatureStore["mode"];

export interface LocalFeatureStoreOptions {
  mode: LocalFeatureMode;
  /** Where stored features live (LOCAL_FEATURE_STORE); unused when mode is "recomputed". */
  store?: "files" | "postgres";
  /** The file store's region precision (LOCAL_FEATURE_PRECISION); Postgres keeps float16. */
  precision?: LocalFeaturePrecision;
  /** GLORIA_DATA_DIR, for the file store. */
  dataDir?: string;
  prisma: PrismaClient;
  pool: pg.Pool;
  recompute?: LocalFeatureRecompute;
  logger?: Logger;
}

function storedFeatures(options: LocalFeatureStoreOptions): LocalFeatureStore {
  const { store = "postgres", precision = "float16", dataDir, prisma, pool, logger } = options;
  if (store === "postgres") {
    if (precision !== "float16") throw new AppError("BAD_USER_INPUT", "Postgres keeps local features as float16; int8 needs LOCAL_FEATURE_STORE=files");
    return new PostgresLocalFeatureStore(prisma, pool);
  }
  if (!dataDir) throw new AppError("INTERNAL_SERVER_ERROR", "The file local feature store needs a data dir", { expected: false });
  return new FileLocalFeatureStore({ dataDir, precision, logger });
}

export function createLocalFeatureStore(options: LocalFeatureStoreOptions): LocalFeatureStore {
  const { mode, recompute } = options;
  if (mode === "stored") return storedFeatures(options);
  if (!recompute) throw new AppError("INTERNAL_SERVER_ERROR", `Local feature mode ${mode} needs a recompute callback`, { expected: false });
  return new RecomputingLocalFeatureStore(recompute, mode === "cached" ? storedFeatures(options) : undefined);
}

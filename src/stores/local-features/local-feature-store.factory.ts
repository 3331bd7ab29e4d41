// Chooses how local features are had (DESIGN: stored as float16 in Postgres by default, or
// recomputed on demand): "stored", "recomputed", or "cached" (stored, recomputed when missing).
import type pg from "pg";
import { AppError } from "../../errors/app-error.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import type { LocalFeatureStore } from "./local-feature-store.port.ts";
import { PostgresLocalFeatureStore } from "./postgres.local-feature-store.ts";
import { RecomputingLocalFeatureStore, type LocalFeatureRecompute } from "./recomputing.local-feature-store.ts";

export type LocalFeatureMode = LocalFeatureStore["mode"];

export function createLocalFeatureStore(options: { mode: LocalFeatureMode; prisma: PrismaClient; pool: pg.Pool; recompute?: LocalFeatureRecompute }): LocalFeatureStore {
  const { mode, prisma, pool, recompute } = options;
  if (mode === "stored") return new PostgresLocalFeatureStore(prisma, pool);
  if (!recompute) throw new AppError("INTERNAL_SERVER_ERROR", `Local feature mode ${mode} needs a recompute callback`, { expected: false });
  return new RecomputingLocalFeatureStore(recompute, mode === "cached" ? new PostgresLocalFeatureStore(prisma, pool) : undefined);
}

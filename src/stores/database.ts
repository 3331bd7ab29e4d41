// Opens the metadata database: the Postgres server of DATABASE_URL, or the embedded PGlite when it is
// unset. Migrates it, builds the Prisma client over it, and offers a readiness probe.
import type pg from "pg";
import { AppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import { migrate } from "../db/migrate.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../db/embedded-postgres.ts";
import type { ReadinessProbe } from "./readiness.ts";
import { createPrismaClient, type PrismaClient } from "./prisma/prisma.client.ts";

export interface Database {
  /** The URL other components (pg-boss, node-pg-migrate) connect to. */
  readonly url: string;
  readonly embedded: boolean;
  readonly prisma: PrismaClient;
  /** The pg pool under the Prisma client (see createPrismaClient). */
  readonly pool: pg.Pool;
  readonly probe: ReadinessProbe;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  logger: Logger;
  /** Apply pending migrations before returning (serve does; migrate runs them itself). */
  migrate?: boolean;
  onQuery?: (sql: string) => void;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  let embedded: EmbeddedPostgres | undefined;
  const url = options.databaseUrl ?? (embedded = await startEmbeddedPostgres(options.dataDir, logger)).url;
  try {
    if (options.migrate ?? true) await migrate(url, logger);
  } catch (error) {
    await embedded?.close();
    throw error;
  }
  // PGlite is a single connection behind a multiplexer that cannot interleave concurrent extended-
  // protocol queries, so the embedded database gets a pool of one (queries queue instead).
  const { prisma, pool } = createPrismaClient(url, { onQuery: options.onQuery, maxConnections: embedded ? 1 : 10 });
  return {
    url,
    embedded: embedded !== undefined,
    prisma,
    pool,
    probe: {
      name: "database",
      async check() {
        try {
          await prisma.$queryRaw`SELECT 1`;
          return { ok: true, detail: embedded ? "embedded PGlite" : "postgres" };
        } catch (error) {
          return { ok: false, detail: `database unreachable: ${(error as Error).message}` };
        }
      },
    },
    async close() {
      await prisma.$disconnect();
      if (!pool.ended) await pool.end();
      await embedded?.close();
    },
  };
}

/** Translates a thrown database error into STORE_UNAVAILABLE at an adapter boundary. */
export function storeUnavailable(error: unknown): AppError {
  return error instanceof AppError ? error : new AppError("STORE_UNAVAILABLE", "The metadata store is unavailable", { cause: error, expected: false });
}

// Applies the SQL migrations in migrations/ with node-pg-migrate. A blocking advisory lock makes
// concurrent starts wait for each other, and every pending migration runs in one transaction, so a
// failure leaves the schema exactly as it was.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runner } from "node-pg-migrate";
import { AppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));
const MIGRATIONS_TABLE = "gloria_migrations";
/** Arbitrary, fixed key for pg_advisory_lock: "gloria" in ASCII. */
const ADVISORY_LOCK_KEY = 0x676c6f726961;

export interface MigrationResult {
  applied: string[];
}

export async function migrate(databaseUrl: string, logger: Logger, dir: string = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new AppError("STORE_UNAVAILABLE", `Cannot connect to the database: ${(error as Error).message}`, { cause: error });
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
    const migrations = await runner({
      dbClient: client,
      dir,
      migrationsTable: MIGRATIONS_TABLE,
      direction: "up",
      singleTransaction: true,
      checkOrder: true,
      noLock: true,
      logger: {
        debug: () => undefined,
        info: (msg: string) => logger.debug({ migration: msg }, "migration"),
        warn: (msg: string) => logger.warn(msg),
        error: (msg: string) => logger.error(msg),
      },
    });
    const applied = migrations.map((m) => m.name);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    return { applied };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("STORE_UNAVAILABLE", `Database migration failed, nothing was applied: ${(error as Error).message}`, {
      cause: error,
      expected: false,
    });
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

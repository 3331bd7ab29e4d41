// A fresh, migrated database per test file: a new database on the real Postgres server when
// TEST_DATABASE_URL is set (CI), else an embedded PGlite in a temporary data dir.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../../src/db/scratch-database.ts";
import { openDatabase, type Database } from "../../src/stores/database.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { POSTGRES_SERVER, requires } from "./requirements.ts";

export interface TestDatabase {
  /** URL to give DATABASE_URL, or undefined in embedded mode (then use dataDir). */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Drops the database / removes the data dir. */
  cleanup(): Promise<void>;
}

/** Whether suites that need a Postgres server run (requirements.ts: CI always provides one). */
export function usingRealPostgres(): boolean {
  return requires(Boolean(process.env.TEST_DATABASE_URL), POSTGRES_SERVER);
}

/** Creates an empty database (not migrated). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-test-"));
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    return { databaseUrl: undefined, dataDir, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const scratch = await createScratchDatabase(admin, "gloria_test");
  return {
    databaseUrl: scratch.url,
    dataDir,
    async cleanup() {
      await scratch.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A migrated database with a Prisma client, closed and dropped by the returned cleanup. */
export async function openTestDatabase(): Promise<{ db: Database; cleanup(): Promise<void> }> {
  const test = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: test.databaseUrl, dataDir: test.dataDir, logger: silentLogger() });
  return {
    db,
    async cleanup() {
      await db.close();
      await test.cleanup();
    },
  };
}

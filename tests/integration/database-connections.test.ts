// A connection the Postgres server drops (a restart, an administrator's pg_terminate_backend) costs at
// most the query in flight: the process does not die of the client's error event, and the next query
// runs on a new connection. Needs a real server (TEST_DATABASE_URL); PGlite has no backends to end.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/stores/database.ts";
import { openTestDatabase, usingRealPostgres } from "../helpers/test-database.ts";

describe.skipIf(!usingRealPostgres())("database connections ended by the server", () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
  });
  afterAll(async () => cleanup());

  it("survives its idle connections being terminated, and reconnects for the next query", async () => {
    // Open several pooled connections, then leave them idle.
    await Promise.all(Array.from({ length: 4 }, () => db.pool.query("SELECT pg_sleep(0.05)")));
    expect(db.pool.idleCount).toBeGreaterThan(0);
    const database = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const ended = await admin.query(
        "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t",
        [database],
      );
      expect(ended.rows[0].n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await db.pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    expect(await db.prisma.image.count()).toBe(0);
  });
});

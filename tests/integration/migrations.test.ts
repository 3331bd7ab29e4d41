import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate } from "../../src/db/migrate.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

const EXPECTED_TABLES = [
  "api_keys",
  "datasets",
  "image_embeddings",
  "image_reports",
  "images",
  "ingest_job_errors",
  "ingest_jobs",
  "models",
  "report_embeddings",
  "reports",
  "studies",
];

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  let test: TestDatabase;
  let embedded: EmbeddedPostgres | undefined;
  let url: string;

  beforeAll(async () => {
    test = await createTestDatabase();
    embedded = test.databaseUrl ? undefined : await startEmbeddedPostgres(test.dataDir, silentLogger());
    url = test.databaseUrl ?? embedded!.url;
  });

  afterAll(async () => {
    await embedded?.close();
    await test.cleanup();
  });

  it("brings an empty database to the latest schema", async () => {
    expect(await tables(url)).toEqual([]);
    const { applied } = await migrate(url, silentLogger());
    const files = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.replace(/\.sql$/, ""));
    expect(applied).toEqual(files.sort());
    expect(await tables(url)).toEqual(expect.arrayContaining([...EXPECTED_TABLES, "gloria_migrations"]));
  });

  it("does nothing when run again", async () => {
    const before = await tables(url);
    expect((await migrate(url, silentLogger())).applied).toEqual([]);
    expect(await tables(url)).toEqual(before);
  });

  it("applies nothing of a batch when one migration fails", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-bad-migrations-"));
    for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    fs.writeFileSync(
      path.join(dir, "9999999999998_good.sql"),
      "-- Up Migration\nCREATE TABLE should_not_exist (id int);\n-- Down Migration\nDROP TABLE should_not_exist;\n",
    );
    fs.writeFileSync(path.join(dir, "9999999999999_bad.sql"), "-- Up Migration\nALTER TABLE no_such_table ADD COLUMN x int;\n-- Down Migration\n");
    const error = await migrate(url, silentLogger(), dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringContaining("nothing was applied") });
    expect(await tables(url)).not.toContain("should_not_exist");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("says clearly when the database cannot be reached", async () => {
    const error = await migrate("postgresql://postgres@127.0.0.1:1/none", silentLogger()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringContaining("Cannot connect to the database") });
  });
});

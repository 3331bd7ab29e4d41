// kill -9 in the middle of `gloria ingest`, then the same command again: the job finishes with every
// item in every store once — no duplicates, no orphans, nothing left PENDING.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime } from "../../../src/runtime.ts";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../../helpers/test-database.ts";

const COUNT = 60;
const MODEL = "tests/fixtures/models/tiny";

describe.runIf(usingRealPostgres())("ingestion after kill -9", () => {
  let db: TestDatabase;
  let phantoms: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-crash-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 3, split: "test" });
    env = { ...process.env, DATABASE_URL: db.databaseUrl, GLORIA_DATA_DIR: db.dataDir, GLORIA_MODEL_DIR: MODEL, LOG_LEVEL: "silent" };
  });
  afterAll(async () => {
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  /** Items the job has been through so far (its total grows batch by batch; "ingested" only at commit). */
  async function processedSoFar(): Promise<number> {
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>("SELECT coalesce(sum(total), 0) AS n FROM ingest_jobs");
      return Number(rows[0]!.n);
    } catch {
      return 0;
    } finally {
      await client.end();
    }
  }

  it("finishes the job on a re-run", async () => {
    const child = spawn(process.execPath, ["bin/gloria.mjs", "ingest", phantoms, "--json", "--batch-size", "4"], { env, stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 600 && (await processedSoFar()) < 8; i++) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGKILL");
    await exited;
    const before = await processedSoFar();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(COUNT);

    const rerun = spawnSync(process.execPath, ["bin/gloria.mjs", "ingest", phantoms, "--json"], { env, encoding: "utf8" });
    expect(rerun.status, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as { ingested: number; skipped: number; failed: number };
    expect(summary.failed).toBe(0);
    expect(summary.ingested + summary.skipped).toBe(COUNT);

    const runtime = await openRuntime(loadConfig({ DATABASE_URL: db.databaseUrl, GLORIA_DATA_DIR: db.dataDir, GLORIA_MODEL_DIR: MODEL }), silentLogger());
    try {
      const reports = await runtime.database.prisma.report.count();
      expect(await runtime.database.prisma.image.count()).toBe(COUNT);
      expect(await runtime.metadata.stats(runtime.model.id)).toEqual({ images: COUNT, reports, pending: 0, failed: 0 });
      expect(await runtime.collections.images.count()).toBe(COUNT);
      expect(await runtime.collections.reports.count()).toBe(reports);
      expect(await runtime.localFeatures.count(runtime.model.id)).toEqual({ images: COUNT, reports });
    } finally {
      await runtime.close();
    }
  });
});

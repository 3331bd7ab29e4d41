// `gloria reindex` as a researcher scripts it: a dataset ingested for one model is encoded for a
// second model loaded beside it (GLORIA_MODEL_DIRS); a second run finds nothing left; an unknown
// model or dataset exits non-zero naming what is wrong.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelId } from "../../../src/model/model.manifest.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";

const COUNT = 6;
const TINY = "tests/fixtures/models/tiny";

interface ReindexLine {
  jobId: string;
  dataset: string;
  model: string;
  status: string;
  total: number;
  ingested: number;
  failed: number;
}

describe("gloria reindex", () => {
  let db: TestDatabase;
  let base: string;
  let second: string;
  let secondId: string;
  let env: NodeJS.ProcessEnv;
  const gloria = (...args: string[]) => spawnSync(process.execPath, ["bin/gloria.mjs", ...args], { env, encoding: "utf8" });
  const lines = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ReindexLine);

  beforeAll(async () => {
    db = await createTestDatabase();
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-reindex-cli-"));
    await generatePhantoms({ out: path.join(base, "phantoms"), count: COUNT, seed: 31, split: "train" });
    // The same weights under a new version: another model id, as a retrained model would have.
    second = path.join(base, "tiny-v2");
    fs.cpSync(TINY, second, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(second, "manifest.json"), "utf8")) as { name: string; version: string; checksum: string };
    manifest.version = "2.0.0";
    fs.writeFileSync(path.join(second, "manifest.json"), JSON.stringify(manifest, null, 2));
    secondId = modelId(manifest);
    env = {
      ...process.env,
      GLORIA_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl ?? "",
      GLORIA_MODEL_DIR: "",
      GLORIA_MODEL_DIRS: TINY,
      INGEST_ROOTS: base,
      LOG_LEVEL: "silent",
    };
    const ingested = gloria("ingest", path.join(base, "phantoms"), "--dataset", "phantoms", "--json");
    expect(ingested.status, ingested.stderr).toBe(0);
    env.GLORIA_MODEL_DIRS = `${TINY},${second}`;
  });
  afterAll(async () => {
    await db.cleanup();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("encodes the dataset for the second model, then finds nothing left", () => {
    const first = gloria("reindex", "--model", secondId, "--dataset", "phantoms", "--json");
    expect(first.status, first.stderr).toBe(0);
    const [line] = lines(first.stdout);
    expect(line).toMatchObject({ dataset: "phantoms", model: secondId, status: "SUCCEEDED", failed: 0 });
    expect(line!.total).toBeGreaterThan(COUNT);
    expect(line!.ingested).toBe(line!.total);

    const again = gloria("reindex", "--model", secondId, "--dataset", "phantoms", "--json");
    expect(again.status, again.stderr).toBe(0);
    expect(lines(again.stdout)[0]).toMatchObject({ status: "SUCCEEDED", total: 0, ingested: 0 });
  });

  it("exits non-zero naming an unknown model or dataset", () => {
    const model = gloria("reindex", "--model", "nope@1#0", "--dataset", "phantoms");
    expect(model.status).not.toBe(0);
    expect(model.stderr).toMatch(/Model nope@1#0 is not loaded/);
    const dataset = gloria("reindex", "--model", secondId, "--dataset", "absent");
    expect(dataset.status).not.toBe(0);
    expect(dataset.stderr).toMatch(/No dataset named absent/);
  });
});

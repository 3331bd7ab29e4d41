// `gloria classifier` as a researcher scripts it, with the demo model: train on a dataset's stored
// labels (--json summary with validation figures), a second training as the next version, list,
// delete, and non-zero exits naming bad input (a fraction outside (0, 1], an
// unknown class) that leave nothing stored.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";

const MODEL = "models/gloria-phantom";
const COUNT = 120;

interface Summary {
  id: string;
  name: string;
  version: number;
  classes: string[];
  trainedOn: number;
  validation: {
    images: number;
    meanAuroc: { value: number; ci95: [number, number] };
    perClass: Array<{ className: string; positives: number; negatives: number }>;
  };
}

describe.runIf(fs.existsSync(path.join(MODEL, "manifest.json")))("gloria classifier", () => {
  let db: TestDatabase;
  let base: string;
  let env: NodeJS.ProcessEnv;
  const gloria = (...args: string[]) => spawnSync(process.execPath, ["bin/gloria.mjs", ...args], { env, encoding: "utf8" });
  const list = () => JSON.parse(gloria("classifier", "list", "--json").stdout) as Summary[];

  beforeAll(async () => {
    db = await createTestDatabase();
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-classifier-cli-"));
    await generatePhantoms({ out: path.join(base, "phantoms"), count: COUNT, seed: 41, split: "train" });
    env = {
      ...process.env,
      GLORIA_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl ?? "",
      GLORIA_MODEL_DIR: MODEL,
      GLORIA_MODEL_DIRS: "",
      INGEST_ROOTS: base,
      LOG_LEVEL: "silent",
    };
    const ingested = gloria("ingest", path.join(base, "phantoms"), "--dataset", "phantoms", "--json");
    expect(ingested.status, ingested.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await db.cleanup();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("trains, versions, lists and deletes", () => {
    const first = gloria("classifier", "train", "--dataset", "phantoms", "--name", "five", "--train-fraction", "0.5", "--seed", "2", "--json");
    expect(first.status, first.stderr).toBe(0);
    const head = JSON.parse(first.stdout) as Summary;
    expect(head).toMatchObject({ name: "five", version: 1, trainedOn: 48 });
    expect(head.validation.images).toBe(24);
    expect(head.validation.meanAuroc.value).toBeGreaterThan(0.8);
    const two = gloria("classifier", "train", "--dataset", "phantoms", "--name", "five", "--classes", "Edema,Pleural Effusion", "--json");
    expect(two.status, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({ version: 2, classes: ["Edema", "Pleural Effusion"], trainedOn: 96 });
    expect(list().map((h) => h.version)).toEqual([2, 1]);
    const deleted = gloria("classifier", "delete", head.id);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(list().map((h) => h.version)).toEqual([2]);
    expect(gloria("classifier", "delete", head.id).status).not.toBe(0);
  });

  it("exits non-zero naming bad input, storing nothing", () => {
    const before = list().length;
    for (const [args, says] of [
      [["--train-fraction", "0"], /trainFraction/],
      [["--train-fraction", "1.5"], /trainFraction/],
      [["--classes", "Fracture"], /Fracture/],
    ] as const) {
      const run = gloria("classifier", "train", "--dataset", "phantoms", "--name", "bad", ...args, "--json");
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(says);
    }
    expect(list()).toHaveLength(before);
  });
});

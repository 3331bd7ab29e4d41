// `gloria classifier` as a researcher scripts it, with the demo model: train on a dataset's stored
// labels (--json summary with validation figures), a second training as the next version, list,
// delete, a head file imported for the model's pooled features, and non-zero exits naming bad
// input (a fraction outside (0, 1], an unknown class, a head file of another width) that leave
// nothing stored.
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

  it("stats counts the stored pooled features; backfill-pooled finds none missing after an ingestion, and names an unknown dataset", () => {
    const stats = gloria("stats", "--json");
    expect(stats.status, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ images: COUNT, pooledFeatures: COUNT });
    const backfill = gloria("backfill-pooled", "--dataset", "phantoms", "--json");
    expect(backfill.status, backfill.stderr).toBe(0);
    expect(JSON.parse(backfill.stdout)).toMatchObject({ dataset: "phantoms", status: "SUCCEEDED", total: 0, failed: 0 });
    const unknown = gloria("backfill-pooled", "--dataset", "nope");
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/No dataset named nope/);
  });

  it("imports a head file for the model's pooled features, and refuses a file of another width", () => {
    const head = {
      format: "gloria-search/classifier-head@1",
      name: "finetuned",
      classes: ["Edema", "Pleural Effusion"],
      features: "POOLED",
      dim: 512,
      weights: [Array.from({ length: 512 }, (_, i) => Math.sin(i) / 10), Array.from({ length: 512 }, (_, i) => Math.cos(i) / 10)],
      biases: [-1, 0.5],
      source: { checkpoint: "finetuned.ckpt", checkpointSha256: "0".repeat(64), encoderMatchesModel: true },
    };
    const file = path.join(base, "head.json");
    fs.writeFileSync(file, JSON.stringify(head));
    const imported = gloria("classifier", "import", "--file", file, "--json");
    expect(imported.status, imported.stderr).toBe(0);
    const summary = JSON.parse(imported.stdout) as Summary & { features: string; training: { imported: unknown } };
    expect(summary).toMatchObject({ name: "finetuned", version: 1, classes: ["Edema", "Pleural Effusion"], features: "POOLED", trainedOn: 0 });
    expect(summary.training.imported).toEqual({ checkpoint: "finetuned.ckpt", checkpointSha256: "0".repeat(64), encoderMatchesModel: true });
    expect(list().map((h) => h.name)).toContain("finetuned");

    const before = list().length;
    fs.writeFileSync(file, JSON.stringify({ ...head, dim: 2048 }));
    const wrong = gloria("classifier", "import", "--file", file);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/2048 POOLED values/);
    fs.writeFileSync(file, "{ not json");
    expect(gloria("classifier", "import", "--file", file).stderr).toMatch(/not JSON/);
    expect(gloria("classifier", "import", "--file", path.join(base, "absent.json")).status).not.toBe(0);
    expect(list()).toHaveLength(before);
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

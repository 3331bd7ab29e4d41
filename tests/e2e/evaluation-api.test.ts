// The evaluate query over HTTP with the tiny model and a real Postgres: admin only, manifests only
// inside INGEST_ROOTS, stored features used for images already ingested (with the same figures as
// encoding them afresh, up to the float16 storage of region features), runs kept and compared.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

interface FigureOut {
  name: string;
  value: number | null;
  ci95: [number, number] | null;
}
interface EvaluationOut {
  id: string;
  model: string;
  settings: { seed: number; bootstrapIterations: number; manifestSha256: string; modelChecksum: string; codeVersion: string; mode: string };
  counts: { images: number; storedImages: number; rows: number };
  multiLabel: {
    mode: string;
    images: number;
    meanAuroc: FigureOut;
    perClass: Array<{ className: string; auroc: FigureOut; positives: number; negatives: number }>;
  } | null;
  figures: FigureOut[];
  figure: FigureOut | null;
  published: Array<{ metric: string; value: number | null; confidence: string }>;
  markdown: string;
  json: string;
}

const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

const EVALUATION_FIELDS = `id model settings { seed bootstrapIterations manifestSha256 modelChecksum codeVersion mode }
  counts { images storedImages rows } figures { name value ci95 }
  multiLabel { mode images meanAuroc { name value ci95 } perClass { className auroc { name value ci95 } positives negatives } } figure(name: "imageToText.GLOBAL.precisionAt5") { name value ci95 }
  published { metric value confidence } markdown json`;

describe("GraphQL evaluate", () => {
  let t: TestApp;
  let phantoms: string;
  let outside: string;
  let admin: Record<string, string>;
  let reader: Record<string, string>;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-eval-api-"));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-eval-outside-"));
    await generatePhantoms({ out: phantoms, count: 40, seed: 12, split: "test" });
    fs.copyFileSync(path.join(phantoms, "manifest.csv"), path.join(outside, "manifest.csv"));
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms });
    admin = { authorization: `Bearer ${(await t.app.services.auth.createKey("admin", ["admin"])).key}` };
    reader = { authorization: `Bearer ${(await t.app.services.auth.createKey("reader", ["read", "ingest"])).key}` };
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const evaluate = (input: Record<string, unknown>, headers = admin) =>
    t.graphql<{ evaluate: EvaluationOut }>(`query($input: EvaluateInput!) { evaluate(input: $input) { ${EVALUATION_FIELDS} } }`, { input }, headers);
  const byName = (e: EvaluationOut) => new Map(e.figures.map((f) => [f.name, f]));

  it("is for admins only", async () => {
    const res = await evaluate({ manifest: path.join(phantoms, "manifest.csv") }, reader);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await evaluate({ manifest: path.join(phantoms, "manifest.csv") }, {});
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses manifests outside INGEST_ROOTS and limits out of range, writing no run", async () => {
    const out = await evaluate({ manifest: path.join(outside, "manifest.csv") });
    expect(out.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    for (const input of [{ limit: 0 }, { limit: 5001 }, { rerankCandidates: 1001 }, { bootstrapIterations: 10_001 }, { bootstrapIterations: -1 }]) {
      const res = await evaluate({ manifest: path.join(phantoms, "manifest.csv"), ...input });
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe("BAD_USER_INPUT");
    }
    const listed = await t.graphql<{ evaluations: unknown[] }>("{ evaluations { id } }", undefined, admin);
    expect(listed.body.data?.evaluations).toEqual([]);
  });

  it("uses the stored features of ingested images and agrees with encoding them afresh", async () => {
    const manifest = path.join(phantoms, "manifest.csv");
    const before = await evaluate({ manifest, bootstrapIterations: 200 });
    expect(before.body.errors).toBeUndefined();
    const fresh = before.body.data!.evaluate;
    expect(fresh.counts.storedImages).toBe(0);
    expect(fresh.counts.images).toBeGreaterThan(15);

    const ingest = await t.graphql<{ ingest: { ingested: number } }>(
      `mutation($p: String!) { ingest(input: { dataset: "eval", path: $p }) { ingested } }`,
      { p: phantoms },
      admin,
    );
    expect(ingest.body.data?.ingest.ingested).toBe(40);
    const after = await evaluate({ manifest, bootstrapIterations: 200 });
    const stored = after.body.data!.evaluate;
    expect(stored.counts.storedImages).toBe(stored.counts.images);
    expect(stored.counts.images).toBe(fresh.counts.images);
    // Global vectors are kept exactly, so global-only retrieval is identical; re-ranked figures may
    // move a little because region features are kept as float16.
    const a = byName(fresh);
    const b = byName(stored);
    for (const name of ["textToImage.GLOBAL.precisionAt5", "imageToText.GLOBAL.precisionAt10", "zeroShot.GLOBAL.BATCH.accuracy"]) {
      expect(b.get(name)!.value, name).toBeCloseTo(a.get(name)!.value!, 6);
    }
    for (const name of ["textToImage.REFERENCE.precisionAt5", "zeroShot.REFERENCE.BATCH.accuracy", "imageToText.WORDS.precisionAt5"]) {
      expect(Math.abs(b.get(name)!.value! - a.get(name)!.value!), name).toBeLessThanOrEqual(0.1);
    }
    const withoutStores = await evaluate({ manifest, bootstrapIterations: 200, useStoredFeatures: false });
    expect(withoutStores.body.data!.evaluate.counts.storedImages).toBe(0);
  });

  it("returns every figure with its interval, the settings and the published figures, and keeps the run", async () => {
    const res = await evaluate({ manifest: path.join(phantoms, "manifest.csv"), limit: 30, seed: 9, bootstrapIterations: 300 });
    expect(res.body.errors).toBeUndefined();
    const e = res.body.data!.evaluate;
    expect(e.settings).toMatchObject({ seed: 9, bootstrapIterations: 300, mode: "REFERENCE" });
    expect(e.settings.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e.counts.rows).toBe(30);
    expect(e.figures.length).toBeGreaterThan(60);
    for (const f of e.figures) {
      if (f.value === null) continue;
      expect(f.ci95, f.name).not.toBeNull();
      expect(f.ci95![0], f.name).toBeLessThanOrEqual(f.value + 1e-12);
      expect(f.ci95![1], f.name).toBeGreaterThanOrEqual(f.value - 1e-12);
    }
    expect(e.figure).toEqual(byName(e).get("imageToText.GLOBAL.precisionAt5"));
    expect(e.published.find((p) => p.metric === "zeroShot.macroF1")).toMatchObject({ value: 0.67, confidence: "secondary" });
    expect(e.markdown).toContain("| measure | global only |");
    // Multi-label zero-shot over every row's image (the 30 rows, not only the single-finding ones),
    // each class's counts from the manifest, its figures also listed by name.
    const rows = parseCsvRecords(fs.readFileSync(path.join(phantoms, "manifest.csv"), "utf8")).slice(0, 30);
    expect(e.multiLabel).toMatchObject({ mode: "REFERENCE", images: 30 });
    expect(e.multiLabel!.perClass.map((c) => [c.className, c.positives, c.negatives])).toEqual(
      CLASSES.map((c) => [c, rows.filter((row) => row[c] === "1").length, rows.filter((row) => row[c] !== "1").length]),
    );
    for (const f of [e.multiLabel!.meanAuroc, ...e.multiLabel!.perClass.map((c) => c.auroc)]) expect(byName(e).get(f.name)).toEqual(f);
    expect(e.multiLabel!.meanAuroc.name).toBe("zeroShot.multiLabel.meanAuroc");
    expect(e.markdown).toContain("multi-label zero-shot (labelMode MULTI, REFERENCE columns, 30 images");
    expect(JSON.parse(e.json).format).toBe("gloria-search/evaluation@1");

    const again = await t.graphql<{ evaluation: EvaluationOut }>(`query($id: ID!) { evaluation(id: $id) { ${EVALUATION_FIELDS} } }`, { id: e.id }, admin);
    expect(again.body.data?.evaluation).toEqual(e);
    const missing = await t.graphql<{ evaluation: null }>('{ evaluation(id: "../../etc/passwd") { id } }', undefined, admin);
    expect(missing.body.data?.evaluation).toBeNull();
    const listed = await t.graphql<{ evaluations: Array<{ id: string }> }>("{ evaluations(first: 2) { id } }", undefined, admin);
    expect(listed.body.data?.evaluations[0]?.id).toBe(e.id);
    expect(listed.body.data?.evaluations).toHaveLength(2);
  });

  it("compares two runs: the settings that differ and each figure's change", async () => {
    const manifest = path.join(phantoms, "manifest.csv");
    const a = (await evaluate({ manifest, limit: 30, bootstrapIterations: 100 })).body.data!.evaluate;
    const b = (await evaluate({ manifest, limit: 30, bootstrapIterations: 100, seed: 4 })).body.data!.evaluate;
    const res = await t.graphql<{
      compareEvaluations: {
        a: { id: string };
        b: { id: string };
        differences: Array<{ field: string; a: string; b: string }>;
        figures: Array<{ name: string; delta: number | null }>;
        markdown: string;
      };
    }>(
      "query($a: ID!, $b: ID!) { compareEvaluations(a: $a, b: $b) { a { id } b { id } differences { field a b } figures { name delta } markdown } }",
      { a: a.id, b: b.id },
      admin,
    );
    expect(res.body.errors).toBeUndefined();
    const cmp = res.body.data!.compareEvaluations;
    expect([cmp.a.id, cmp.b.id]).toEqual([a.id, b.id]);
    expect(cmp.differences).toEqual([{ field: "seed", a: "0", b: "4" }]);
    // The seed moves the intervals, never the values.
    expect(cmp.figures.every((f) => f.delta === null || f.delta === 0)).toBe(true);
    expect(cmp.markdown).toContain("| seed | 0 | 4 |");
  });
});

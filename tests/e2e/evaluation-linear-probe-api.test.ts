// The evaluate query's linear probe over HTTP with the tiny model: a training manifest inside
// INGEST_ROOTS adds the curve at 1%, 10% and 100% of its rows, with the same figures `gloria eval
// --train-manifest` prints for the same manifests, seed and resamples; training manifests outside the
// roots, missing ones and training limits out of range are refused before any work, writing no run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEvalCommand } from "../../src/cli/commands/eval.commands.ts";
import { silentLogger } from "../../src/model/model.port.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import type { EvaluationRecord } from "../../src/services/evaluation/evaluation.records.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const TINY = "tests/fixtures/models/tiny";

interface FigureOut {
  name: string;
  value: number | null;
  ci95: [number, number] | null;
}
interface PointOut {
  fraction: number;
  trainedOn: number;
  meanAuroc: FigureOut;
  zeroShotMeanAuroc: FigureOut;
  perClass: Array<{ className: string; auroc: FigureOut; zeroShotAuroc: FigureOut; positives: number; negatives: number }>;
  untrained: string[];
}
interface ProbeOut {
  trainImages: number;
  trainLimit: number | null;
  trainFailures: number;
  features: string;
  l2: number;
  zeroShotMeanAuroc: FigureOut;
  points: PointOut[];
}
interface EvaluationOut {
  id: string;
  linearProbe: ProbeOut | null;
  figures: FigureOut[];
  multiLabel: { meanAuroc: FigureOut; perClass: Array<{ className: string; auroc: FigureOut }> } | null;
}

const FIGURE = "{ name value ci95 }";
const FIELDS = `id figures ${FIGURE} multiLabel { meanAuroc ${FIGURE} perClass { className auroc ${FIGURE} } }
  linearProbe { trainImages trainLimit trainFailures features l2 zeroShotMeanAuroc ${FIGURE}
    points { fraction trainedOn meanAuroc ${FIGURE} zeroShotMeanAuroc ${FIGURE} untrained
      perClass { className auroc ${FIGURE} zeroShotAuroc ${FIGURE} positives negatives } } }`;

describe("GraphQL evaluate with a training manifest", () => {
  let t: TestApp;
  let root: string;
  let outside: string;
  let dataDir: string;
  let admin: Record<string, string>;
  let test: string;
  let train: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-probe-api-"));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-probe-outside-"));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-probe-cli-"));
    await generatePhantoms({ out: path.join(root, "train"), count: 60, seed: 23, split: "train" });
    await generatePhantoms({ out: path.join(root, "test"), count: 30, seed: 23, split: "test" });
    test = path.join(root, "test", "manifest.csv");
    train = path.join(root, "train", "manifest.csv");
    fs.copyFileSync(train, path.join(outside, "manifest.csv"));
    t = await startTestApp({ GLORIA_MODEL_DIR: TINY, INGEST_ROOTS: root });
    admin = { authorization: `Bearer ${(await t.app.services.auth.createKey("admin", ["admin"])).key}` };
  });
  afterAll(async () => {
    await t?.stop();
    for (const dir of [root, outside, dataDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  const evaluate = (input: Record<string, unknown>) =>
    t.graphql<{ evaluate: EvaluationOut }>(`query($input: EvaluateInput!) { evaluate(input: $input) { ${FIELDS} } }`, { input }, admin);

  /** `gloria eval` as the command line runs it, in this process, printing JSON and keeping nothing. */
  async function gloriaEval(...argv: string[]): Promise<EvaluationRecord> {
    let out = "";
    const program = new Command().exitOverride();
    registerEvalCommand(program, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true, isTTY: false },
      config: () => ({ modelDir: TINY, dataDir, executionProvider: "cpu", onnxThreads: 2, batchSize: 16 }),
      createLogger: () => silentLogger,
    });
    await program.parseAsync(["node", "gloria", "eval", ...argv, "--no-save", "--json"]);
    return JSON.parse(out) as EvaluationRecord;
  }

  it("refuses training manifests outside the roots, missing ones and training limits out of range, writing no run", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ trainManifest: path.join(outside, "manifest.csv") }, "FORBIDDEN"],
      [{ trainManifest: "/etc/passwd" }, "FORBIDDEN"],
      [{ trainManifest: path.join(root, "train", "missing.csv") }, "NOT_FOUND"],
      [{ trainManifest: train, trainLimit: 0 }, "BAD_USER_INPUT"],
      [{ trainManifest: train, trainLimit: 4001 }, "BAD_USER_INPUT"],
      [{ trainLimit: 10 }, "BAD_USER_INPUT"],
    ];
    for (const [input, code] of cases) {
      const res = await evaluate({ manifest: test, bootstrapIterations: 0, ...input });
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe(code);
      // Nothing about the machine outside the roots is told.
      expect(res.body.errors?.[0]?.message).not.toContain(outside);
    }
    const listed = await t.graphql<{ evaluations: unknown[] }>("{ evaluations { id } }", undefined, admin);
    expect(listed.body.data?.evaluations).toEqual([]);
  });

  it("gives the curve at 1%, 10% and 100% with the CLI's figures, each inside its interval, zero-shot beside it", async () => {
    const res = await evaluate({ manifest: test, trainManifest: train, seed: 5, bootstrapIterations: 200 });
    expect(res.body.errors).toBeUndefined();
    const e = res.body.data!.evaluate;
    const probe = e.linearProbe!;
    expect(probe).toMatchObject({ trainImages: 60, trainLimit: 4000, trainFailures: 0, features: "GLOBAL" });
    expect(probe.l2).toBeGreaterThan(0);
    expect(probe.points.map((p) => [p.fraction, p.trainedOn])).toEqual([
      [0.01, 1],
      [0.1, 6],
      [1, 60],
    ]);

    const figures = new Map(e.figures.map((f) => [f.name, f]));
    const inside = (f: FigureOut) => {
      expect(f.value, f.name).not.toBeNull();
      expect(f.value!, f.name).toBeGreaterThanOrEqual(0);
      expect(f.value!, f.name).toBeLessThanOrEqual(1);
      expect(f.ci95, f.name).not.toBeNull();
      expect(f.ci95![0], f.name).toBeLessThanOrEqual(f.value! + 1e-12);
      expect(f.ci95![1], f.name).toBeGreaterThanOrEqual(f.value! - 1e-12);
      expect(f.ci95![0], f.name).toBeGreaterThanOrEqual(0);
      expect(f.ci95![1], f.name).toBeLessThanOrEqual(1);
    };
    expect(probe.zeroShotMeanAuroc).toEqual(e.multiLabel!.meanAuroc);
    for (const point of probe.points) {
      expect(point.meanAuroc.name).toBe(`linearProbe.${point.fraction}.meanAuroc`);
      inside(point.meanAuroc);
      expect(figures.get(point.meanAuroc.name)).toEqual(point.meanAuroc);
      expect(point.zeroShotMeanAuroc).toEqual(e.multiLabel!.meanAuroc);
      expect(point.perClass.map((c) => c.className)).toEqual(e.multiLabel!.perClass.map((c) => c.className));
      for (const c of point.perClass) {
        expect(c.positives + c.negatives).toBe(30);
        expect(c.zeroShotAuroc).toEqual(e.multiLabel!.perClass.find((z) => z.className === c.className)!.auroc);
        expect(figures.get(c.auroc.name)).toEqual(c.auroc);
        // A class the sample lacks a kind of gets no head: a constant probability, AUROC 0.5.
        if (point.untrained.includes(c.className)) expect(c.auroc.value).toBe(0.5);
        if (c.positives > 0 && c.negatives > 0) inside(c.auroc);
      }
    }
    // One training image has one kind of every label: nothing to fit at 1%.
    expect(probe.points[0]!.untrained).toHaveLength(probe.points[0]!.perClass.length);

    // The same manifests, seed and resamples through `gloria eval`: the same figures, to the last digit.
    const cli = (await gloriaEval("--manifest", test, "--train-manifest", train, "--seed", "5", "--bootstrap", "200")).linearProbe!;
    expect(cli.trainImages).toBe(probe.trainImages);
    expect(cli.trainLimit).toBeNull();
    for (const point of probe.points) {
      const mine = cli.points[String(point.fraction)]!;
      expect(point.trainedOn).toBe(mine.trainedOn);
      expect(point.untrained).toEqual(mine.untrained);
      expect({ value: point.meanAuroc.value, ci95: point.meanAuroc.ci95 }).toEqual(mine.meanAuroc);
      expect(
        point.perClass.map((c) => ({
          className: c.className,
          auroc: { value: c.auroc.value, ci95: c.auroc.ci95 },
          positives: c.positives,
          negatives: c.negatives,
        })),
      ).toEqual(mine.perClass);
    }
    expect({ value: probe.zeroShotMeanAuroc.value, ci95: probe.zeroShotMeanAuroc.ci95 }).toEqual(cli.zeroShot.meanAuroc);

    // Kept with the run and read back as it was returned.
    const again = await t.graphql<{ evaluation: EvaluationOut }>(`query($id: ID!) { evaluation(id: $id) { ${FIELDS} } }`, { id: e.id }, admin);
    expect(again.body.data?.evaluation).toEqual(e);
  });

  it("reads only the first trainLimit training rows, and a run without a training manifest has no curve", async () => {
    const limited = await evaluate({ manifest: test, trainManifest: train, trainLimit: 20, bootstrapIterations: 0 });
    expect(limited.body.errors).toBeUndefined();
    const probe = limited.body.data!.evaluate.linearProbe!;
    expect(probe).toMatchObject({ trainImages: 20, trainLimit: 20 });
    expect(probe.points.map((p) => p.trainedOn)).toEqual([1, 2, 20]);
    for (const point of probe.points) expect(point.meanAuroc.ci95).toBeNull();

    const plain = await evaluate({ manifest: test, bootstrapIterations: 0 });
    expect(plain.body.errors).toBeUndefined();
    expect(plain.body.data!.evaluate.linearProbe).toBeNull();
    expect(plain.body.data!.evaluate.figures.some((f) => f.name.startsWith("linearProbe."))).toBe(false);
  });
});

// The evaluate query's segmentation over HTTP with the demo model (it has a segmentation graph): on
// phantoms with masks, Evaluation.segmentation carries the same Dice figures, intervals, counts and
// names that `gloria eval --json` prints for the same manifest, seed and resamples.
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

const PHANTOM = path.resolve("models/gloria-phantom");
const hasSegmentation = fs.existsSync(path.join(PHANTOM, "segmentation.onnx"));

interface FigureOut {
  name: string;
  value: number | null;
  ci95: [number, number] | null;
}
interface SegmentationOut {
  size: number;
  threshold: number;
  images: number;
  failures: number;
  dice: FigureOut;
  positiveDice: FigureOut;
  perClass: Array<{ className: string; dice: FigureOut; positiveDice: FigureOut; images: number; positives: number }>;
}

const FIGURE = "{ name value ci95 }";
const FIELDS = `segmentation { size threshold images failures dice ${FIGURE} positiveDice ${FIGURE}
  perClass { className dice ${FIGURE} positiveDice ${FIGURE} images positives } }`;

describe.runIf(hasSegmentation)("GraphQL evaluate with masks and a segmenting model", () => {
  let t: TestApp;
  let root: string;
  let dataDir: string;
  let admin: Record<string, string>;
  let manifest: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-seg-api-"));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-seg-cli-"));
    manifest = (await generatePhantoms({ out: path.join(root, "test"), count: 24, seed: 29, split: "test" })).manifest;
    t = await startTestApp({ GLORIA_MODEL_DIR: PHANTOM, INGEST_ROOTS: root });
    admin = { authorization: `Bearer ${(await t.app.services.auth.createKey("admin", ["admin"])).key}` };
  }, 300_000);
  afterAll(async () => {
    await t?.stop();
    for (const dir of [root, dataDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `gloria eval` as the command line runs it, in this process, printing JSON and keeping nothing. */
  async function gloriaEval(...argv: string[]): Promise<EvaluationRecord> {
    let out = "";
    const program = new Command().exitOverride();
    registerEvalCommand(program, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true, isTTY: false },
      config: () => ({ modelDir: PHANTOM, dataDir, executionProvider: "cpu", onnxThreads: 2, batchSize: 16 }),
      createLogger: () => silentLogger,
    });
    await program.parseAsync(["node", "gloria", "eval", ...argv, "--no-save", "--json"]);
    return JSON.parse(out) as EvaluationRecord;
  }

  it("gives the CLI's Dice figures, intervals and counts under their names", async () => {
    const res = await t.graphql<{ evaluate: { segmentation: SegmentationOut | null } }>(
      `query($input: EvaluateInput!) { evaluate(input: $input) { ${FIELDS} } }`,
      { input: { manifest, seed: 4, bootstrapIterations: 100 } },
      admin,
    );
    expect(res.body.errors).toBeUndefined();
    const seg = res.body.data!.evaluate.segmentation!;
    expect(seg).not.toBeNull();
    expect(seg).toMatchObject({ size: 128, threshold: 0.5, images: 24, failures: 0 });
    expect(seg.dice.name).toBe("segmentation.dice");
    expect(seg.positiveDice.name).toBe("segmentation.positiveDice");

    const cli = (await gloriaEval("--manifest", manifest, "--seed", "4", "--bootstrap", "100")).segmentation!;
    expect(cli).toBeDefined();
    expect(seg.images).toBe(cli.images);
    const same = (a: FigureOut, b: { value: number | null; ci95: [number, number] | null }) => {
      expect(a.value).toBeCloseTo(b.value!, 10);
      expect(a.ci95![0]).toBeCloseTo(b.ci95![0], 10);
      expect(a.ci95![1]).toBeCloseTo(b.ci95![1], 10);
    };
    same(seg.dice, cli.dice);
    same(seg.positiveDice, cli.positiveDice);
    expect(seg.perClass.map((c) => c.className)).toEqual(cli.perClass.map((c) => c.className));
    seg.perClass.forEach((c, k) => {
      expect(c.dice.name).toBe(`segmentation.dice.${c.className}`);
      expect(c.images).toBe(24);
      expect(c.positives).toBe(cli.perClass[k]!.positives);
      same(c.dice, cli.perClass[k]!.dice);
      same(c.positiveDice, cli.perClass[k]!.positiveDice);
    });
  });
});

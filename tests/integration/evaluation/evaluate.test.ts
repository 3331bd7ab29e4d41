// `gloria eval` on generated phantoms with real ONNX Runtime. The tiny model has random weights, so
// these tests hold the harness to its contract (fields, ranges, counts that agree with the manifest,
// determinism, unreadable images listed, the CLI's JSON and table) rather than to any quality; the
// quality bars run against the trained phantom model when it is present.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEvalCommand } from "../../../src/cli/commands/eval.commands.ts";
import { AppError } from "../../../src/errors/app-error.ts";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { silentLogger } from "../../../src/model/model.port.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../../src/services/ingest/csv.parse.ts";
import { prepareImage } from "../../../src/model/image/image.prepare.ts";
import { evaluateManifest, type EvaluationReport } from "../../../src/services/evaluation/evaluate.ts";
import type { Figure } from "../../../src/services/evaluation/evaluation.figures.ts";
import { listEvaluations, type EvaluationRecord } from "../../../src/services/evaluation/evaluation.records.ts";

const TINY = path.resolve("tests/fixtures/models/tiny");
const PHANTOM_MODEL = path.resolve("models/gloria-phantom");
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

interface Expected {
  rows: number;
  perClass: Record<string, number>;
  lateralised: number;
  /** Single-finding images per "class/side" (a bilateral finding counts for both): the lateral queries' hits. */
  sided: Record<string, number>;
}

/** What the counts must be, read straight from the manifest's Findings column. */
async function expectedCounts(manifest: string): Promise<Expected> {
  const rows = parseCsvRecords(await readFile(manifest, "utf8"));
  const perClass = Object.fromEntries(CLASSES.map((c) => [c, 0]));
  let lateralised = 0;
  const sided: Record<string, number> = {};
  for (const row of rows) {
    const findings = JSON.parse(row.Findings) as Array<{ class: string; location: string | null }>;
    if (findings.length !== 1) continue;
    perClass[findings[0].class] += 1;
    const { class: name, location } = findings[0];
    if (location?.startsWith("left") || location?.startsWith("right")) lateralised += 1;
    for (const side of ["left", "right"]) {
      if (location?.startsWith(side) || location?.startsWith("bilateral")) sided[`${name}/${side}`] = (sided[`${name}/${side}`] ?? 0) + 1;
    }
  }
  return { rows: rows.length, perClass, lateralised, sided };
}

/** Every headline figure, which must each be a number in [0, 1]. */
function headline(r: EvaluationReport): Record<string, Figure> {
  return {
    "zeroShot.accuracy": r.zeroShot.accuracy,
    "zeroShot.macroF1": r.zeroShot.macroF1,
    "textToImage.precisionAt5": r.textToImage.precisionAt5,
    "textToImage.precisionAt10": r.textToImage.precisionAt10,
    "textToImage.GLOBAL.precisionAt5": r.textToImage.byScoring.GLOBAL.precisionAt5,
    "textToImage.WORDS.precisionAt10": r.textToImage.byScoring.WORDS.precisionAt10,
    "imageToText.precisionAt5": r.imageToText.precisionAt5,
    "imageToText.precisionAt10": r.imageToText.precisionAt10,
    "imageToText.precisionAt100": r.imageToText.precisionAt100,
    "imageToText.GLOBAL.precisionAt100": r.imageToText.byScoring.GLOBAL.precisionAt100,
    "attentionSide.accuracy": r.attentionSide.accuracy,
    "lateralRerank.GLOBAL.precisionAt10": r.lateralRerank.byScoring.GLOBAL.precisionAt10,
    "lateralRerank.REFERENCE.precisionAt10": r.lateralRerank.byScoring.REFERENCE.precisionAt10,
  };
}

function withoutTiming(r: EvaluationReport): Omit<EvaluationReport, "timingMs"> {
  const { timingMs: _timing, ...rest } = r;
  return rest;
}

describe("evaluateManifest with the tiny model", () => {
  let work: string;
  let manifest: string;
  let model: GloriaModel;
  let report: EvaluationReport;
  let expected: Expected;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "gloria-eval-"));
    const summary = await generatePhantoms({ out: path.join(work, "set"), count: 40, seed: 31, split: "test" });
    manifest = summary.manifest;
    expected = await expectedCounts(manifest);
    model = await GloriaModel.load(TINY, { intraOpNumThreads: 2 });
    report = await evaluateManifest(model, manifest);
  });
  afterAll(async () => {
    await model?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("records what a second run needs to give the same numbers", () => {
    expect(report.format).toBe("gloria-search/evaluation@1");
    expect(report.reproducibility).toMatchObject({
      modelId: model.id,
      modelChecksum: model.manifest.checksum,
      manifestSha256: report.manifest.sha256,
      promptSet: "gloria-chexpert-5x5@1",
      normalization: "BATCH",
      scoring: "REFERENCE",
      seed: 0,
      bootstrapIterations: 1000,
      rerankCandidates: 100,
      limit: null,
    });
    expect(report.reproducibility.codeVersion).toMatch(/^\d+\.\d+\.\d+(\+[0-9a-f]{12})?$/);
    expect(report.published.some((p) => p.metric === "imageToText.precisionAt100" && p.value === 0.5378)).toBe(true);
  });

  it("scores zero-shot in every scoring and normalisation, and its combined BATCH predictions are the API's", async () => {
    expect(report.zeroShot.variants.map((v) => `${v.scoring}/${v.normalization}`)).toEqual([
      "GLOBAL/NONE",
      "GLOBAL/BATCH",
      "REFERENCE/NONE",
      "REFERENCE/BATCH",
      "WORDS/NONE",
      "WORDS/BATCH",
    ]);
    const headlineVariant = report.zeroShot.variants.find((v) => v.scoring === "REFERENCE" && v.normalization === "BATCH")!;
    expect(headlineVariant.accuracy).toEqual(report.zeroShot.accuracy);
    // The same images through the classify path the API serves: the accuracy must agree.
    const rows = parseCsvRecords(await readFile(manifest, "utf8")).filter((r) => JSON.parse(r.Findings).length === 1);
    const features = await model.encodeImages(
      await Promise.all(
        rows.map(
          async (r) => (await prepareImage(new Uint8Array(await readFile(path.join(path.dirname(manifest), r.Path))), { resize: 256, crop: 224 })).pixels,
        ),
      ),
    );
    for (const mode of ["REFERENCE", "WORDS"] as const) {
      const api = await model.classify(features, { normalization: "BATCH", mode });
      const truth = rows.map((r) => JSON.parse(r.Findings)[0].class as string);
      const correct = api.images.filter((img, i) => img.predicted === truth[i]).length / rows.length;
      expect(report.zeroShot.variants.find((v) => v.scoring === mode && v.normalization === "BATCH")!.accuracy.value, mode).toBeCloseTo(correct, 12);
    }
    for (const v of report.zeroShot.variants) {
      for (const name of CLASSES) {
        const auroc = v.auroc[name];
        if (auroc.value !== null) expect(auroc.ci95![0]).toBeLessThanOrEqual(auroc.value);
      }
    }
  });

  it("keeps the values but moves the intervals with another seed, and drops them with no resamples", async () => {
    const other = await evaluateManifest(model, manifest, { seed: 5 });
    expect(other.zeroShot.accuracy.value).toBe(report.zeroShot.accuracy.value);
    expect(other.textToImage.precisionAt5.value).toBe(report.textToImage.precisionAt5.value);
    expect(other.textToImage.precisionAt5.ci95).not.toEqual(report.textToImage.precisionAt5.ci95);
    const none = await evaluateManifest(model, manifest, { bootstrapIterations: 0, limit: 10 });
    expect(none.zeroShot.accuracy.ci95).toBeNull();
    expect(none.reproducibility.bootstrapIterations).toBe(0);
    await expect(evaluateManifest(model, manifest, { bootstrapIterations: -1 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("reports every headline figure as a fraction in [0, 1] inside its 95% interval", () => {
    for (const [name, { value, ci95 }] of Object.entries(headline(report))) {
      expect(value, name).not.toBeNull();
      expect(value!, name).toBeGreaterThanOrEqual(0);
      expect(value!, name).toBeLessThanOrEqual(1);
      expect(ci95, name).not.toBeNull();
      expect(ci95![0], name).toBeLessThanOrEqual(value! + 1e-12);
      expect(ci95![1], name).toBeGreaterThanOrEqual(value! - 1e-12);
      expect(ci95![0], name).toBeGreaterThanOrEqual(0);
      expect(ci95![1], name).toBeLessThanOrEqual(1);
    }
    expect(report.model).toBe(model.id);
    expect(report.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.mode).toBe("REFERENCE");
    // The tiny model has no reference statistics, so zero-shot z-scores across the evaluated images.
    expect(report.zeroShot.normalization).toBe("BATCH");
    expect(report.zeroShot.promptSet).toBe("gloria-chexpert-5x5@1");
  });

  it("evaluates exactly the manifest's single-finding images", () => {
    const single = Object.values(expected.perClass).reduce((s, n) => s + n, 0);
    expect(report.counts).toEqual({
      rows: expected.rows,
      singleFinding: single,
      images: single,
      perClass: expected.perClass,
      reports: single,
      lateralised: expected.lateralised,
      storedImages: 0,
      imageFailures: 0,
    });
    expect(single).toBeGreaterThan(15);
    expect(expected.lateralised).toBeGreaterThan(0);
    expect(report.textToImage.queries).toBe(25);
    expect(report.imageToText.queries).toBe(single);
    expect(report.attentionSide.probed).toBe(expected.lateralised);
    expect(report.attentionSide.mode).toBe("WORDS");
    const support = Object.values(report.zeroShot.perClass).reduce((s, c) => s + c.support, 0);
    expect(support).toBe(single);
  });

  it("image→text P@100 over fewer than 100 reports is each class's share of the reports, re-ranked or not", () => {
    const n = report.counts.reports;
    const share = Object.values(report.counts.perClass).reduce((s, k) => s + k * (k / n), 0) / n;
    for (const scoring of ["GLOBAL", "REFERENCE", "WORDS"] as const) {
      expect(report.imageToText.byScoring[scoring].precisionAt100.value, scoring).toBeCloseTo(share, 10);
    }
  });

  it("counts the relevant images of each lateral query from the manifest", () => {
    const n = (key: string) => expected.sided[key] ?? 0;
    expect(report.lateralRerank.queries.map((q) => [q.text, q.relevant])).toEqual([
      ["left pleural effusion", n("Pleural Effusion/left")],
      ["right pleural effusion", n("Pleural Effusion/right")],
      ["consolidation in the left lung", n("Consolidation/left")],
      ["consolidation in the right lung", n("Consolidation/right")],
      ["atelectasis in the left lung", n("Atelectasis/left")],
      ["atelectasis in the right lung", n("Atelectasis/right")],
    ]);
  });

  it("gives the same numbers on a second run", async () => {
    const again = await evaluateManifest(model, manifest);
    expect(withoutTiming(again)).toEqual(withoutTiming(report));
  });

  it("honours --limit and lists unreadable images instead of failing", async () => {
    const broken = path.join(path.dirname(manifest), "broken.csv");
    const text = await readFile(manifest, "utf8");
    const firstSingle = parseCsvRecords(text).find((r) => JSON.parse(r.Findings).length === 1)!;
    await writeFile(broken, text.replace(firstSingle.Path, "images/missing.png"));
    const limited = await evaluateManifest(model, broken, { limit: 20, rerankCandidates: 5 });
    expect(limited.counts.rows).toBe(20);
    expect(limited.manifest.limit).toBe(20);
    expect(limited.rerankCandidates).toBe(5);
    expect(limited.counts.imageFailures).toBe(1);
    expect(limited.counts.images).toBe(limited.counts.singleFinding - 1);
    expect(limited.failures).toEqual([{ row: "images/missing.png", message: expect.any(String) }]);
  });

  it("refuses a bad limit and a missing manifest with typed errors", async () => {
    await expect(evaluateManifest(model, manifest, { limit: 0 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(evaluateManifest(model, path.join(work, "nope.csv"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  describe("the gloria eval command", () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), "gloria-eval-data-"));
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    async function gloria(...argv: string[]): Promise<string> {
      let out = "";
      const program = new Command().exitOverride();
      registerEvalCommand(program, {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => true, isTTY: false },
        config: () => ({ modelDir: TINY, dataDir, executionProvider: "cpu", onnxThreads: 2, batchSize: 16 }),
        createLogger: () => silentLogger,
      });
      await program.parseAsync(["node", "gloria", "eval", ...argv]);
      return out;
    }

    it("--json prints the report with its run id and keeps it under the data dir", async () => {
      const out = JSON.parse(await gloria("--manifest", manifest, "--limit", "20", "--json")) as EvaluationRecord;
      expect(out.model).toBe(model.id);
      expect(out.counts.rows).toBe(20);
      expect(out.id).toMatch(/^eval-\d{8}T\d{9}Z-[0-9a-f]{8}$/);
      const kept = JSON.parse(await readFile(path.join(dataDir, "evaluations", `${out.id}.json`), "utf8"));
      expect(kept).toEqual(out);
      expect((await listEvaluations(path.join(dataDir, "evaluations"))).map((r) => r.id)).toContain(out.id);
    });

    it("without --json prints Markdown tables with intervals and the published figures", async () => {
      const out = await gloria("--manifest", manifest, "--model", TINY, "--limit", "20", "--mode", "words", "--no-save");
      expect(out).toContain("| measure | global only | re-ranked, REFERENCE | re-ranked, WORDS |");
      expect(out).toMatch(/\| text→image P@5 \| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|/);
      expect(out).toMatch(/\| REFERENCE \| BATCH \| \d\.\d{3} \[/);
      expect(out).toContain("| GLoRIA imageToText.precisionAt100 on CheXpert 5×200 | 0.538 |");
      expect(out).toContain("headline mode WORDS");
      expect(out).not.toContain("evaluation eval-");
    });

    it("--compare sets two kept runs side by side with what differs", async () => {
      const a = JSON.parse(await gloria("--manifest", manifest, "--limit", "20", "--json")) as EvaluationRecord;
      const b = JSON.parse(await gloria("--manifest", manifest, "--limit", "20", "--seed", "3", "--rerank-candidates", "5", "--json")) as EvaluationRecord;
      const cmp = JSON.parse(await gloria("--compare", a.id, path.join(dataDir, "evaluations", `${b.id}.json`), "--json"));
      expect(cmp.a.id).toBe(a.id);
      expect(cmp.b.id).toBe(b.id);
      expect(cmp.differences.map((d: { field: string }) => d.field).sort()).toEqual(["rerankCandidates", "seed"]);
      const acc = cmp.figures.find((f: { name: string }) => f.name === "zeroShot.REFERENCE.BATCH.accuracy");
      const batch = (r: EvaluationRecord) => r.zeroShot.variants.find((v) => v.scoring === "REFERENCE" && v.normalization === "BATCH")!.accuracy.value!;
      expect(acc.delta).toBeCloseTo(batch(b) - batch(a), 12);
      const p5 = cmp.figures.find((f: { name: string }) => f.name === "textToImage.REFERENCE.precisionAt5");
      expect(p5.a).toEqual(a.textToImage.byScoring.REFERENCE.precisionAt5);
      expect(p5.b).toEqual(b.textToImage.byScoring.REFERENCE.precisionAt5);
      const table = await gloria("--compare", a.id, b.id);
      expect(table).toContain("| seed | 0 | 3 |");
      expect(table).toMatch(/\| attentionSide\.accuracy \| /);
    });

    it("rejects bad flags and unknown runs with typed errors", async () => {
      await expect(gloria("--manifest", manifest, "--limit", "x")).rejects.toBeInstanceOf(AppError);
      await expect(gloria("--manifest", manifest, "--normalization", "zscore")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(gloria("--manifest", manifest, "--bootstrap", "-3")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(gloria()).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(gloria("--compare", "eval-20260101T000000000Z-00000000")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(gloria("--compare", "eval-20260101T000000000Z-00000000", "eval-20260101T000000000Z-00000001")).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(gloria("--compare", manifest, manifest)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    });
  });
});

// The trained phantom model's quality bars, on 300 held-out phantoms (seed and split never trained on).
describe.runIf(existsSync(path.join(PHANTOM_MODEL, "manifest.json")))("evaluateManifest with the trained phantom model", () => {
  let work: string;
  let report: EvaluationReport;
  /** Each class's positive rows among all 300, read from the manifest's class columns. */
  let positives: Record<string, number>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "gloria-eval-phantom-"));
    const summary = await generatePhantoms({ out: path.join(work, "set"), count: 300, seed: 424242, split: "test" });
    const rows = parseCsvRecords(await readFile(summary.manifest, "utf8"));
    positives = Object.fromEntries(CLASSES.map((c) => [c, rows.filter((row) => row[c] === "1").length]));
    const model = await GloriaModel.load(PHANTOM_MODEL);
    try {
      report = await evaluateManifest(model, summary.manifest);
    } finally {
      await model.close();
    }
  }, 900_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("classifies zero-shot with accuracy ≥ 0.90", () => {
    expect(report.zeroShot.accuracy.value).toBeGreaterThanOrEqual(0.9);
  });

  it("retrieves images for the class prompts with Precision@5 ≥ 0.90", () => {
    expect(report.textToImage.precisionAt5.value).toBeGreaterThanOrEqual(0.9);
  });

  it("puts the attention for left/right on the correct half in ≥ 90% of lateralised images", () => {
    expect(report.attentionSide.probed).toBeGreaterThan(50);
    expect(report.attentionSide.accuracy.value).toBeGreaterThanOrEqual(0.9);
  });

  it("keeps or improves Precision@10 for lateralised queries when re-ranking", () => {
    const { GLOBAL, REFERENCE } = report.lateralRerank.byScoring;
    expect(REFERENCE.precisionAt10.value).toBeGreaterThanOrEqual(GLOBAL.precisionAt10.value!);
  });

  it("separates each class from the rest in multi-label zero-shot, over every image, with AUROC ≥ 0.85 inside its interval", () => {
    const multi = report.zeroShot.multiLabel!;
    expect(multi.images).toBe(300);
    expect(multi.scoring).toBe("REFERENCE");
    expect(multi.perClass.map((c) => c.className)).toEqual(CLASSES);
    for (const c of multi.perClass) {
      expect([c.positives, c.negatives], c.className).toEqual([positives[c.className], 300 - positives[c.className]!]);
      expect(c.positives, c.className).toBeGreaterThan(20);
      expect(c.auroc.value, c.className).toBeGreaterThanOrEqual(0.85);
      expect(c.auroc.ci95![0], c.className).toBeLessThanOrEqual(c.auroc.value!);
      expect(c.auroc.ci95![1], c.className).toBeGreaterThanOrEqual(c.auroc.value!);
      expect(c.auroc.ci95![1], c.className).toBeLessThanOrEqual(1);
    }
    const values = multi.perClass.map((c) => c.auroc.value!);
    expect(multi.meanAuroc.value).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
    expect(multi.meanAuroc.value).toBeGreaterThanOrEqual(0.9);
    expect(multi.meanAuroc.ci95![0]).toBeLessThanOrEqual(multi.meanAuroc.value!);
    expect(multi.meanAuroc.ci95![1]).toBeGreaterThanOrEqual(multi.meanAuroc.value!);
  });
});

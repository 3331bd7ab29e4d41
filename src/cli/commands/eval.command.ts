// `gloria eval`: evaluates a model folder on a labelled manifest (no stores) and prints the metrics
// as JSON (--json) or a Markdown table. Parses flags and prints; the work is evaluateManifest's.
import type { Command } from "commander";
import { loadConfig, type Config } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { createLogger } from "../../logging/logger.ts";
import { GloriaModel } from "../../model/gloria.model.ts";
import type { ModelLogger, SlicingMode } from "../../model/model.ports.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import { evaluateManifest, type EvaluationReport } from "../../services/evaluation/evaluate.ts";

export interface EvalCommandDeps {
  stdout: { write(chunk: string): unknown };
  /** Stage progress; written only when it is a terminal. */
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  /** Where the default model folder, execution provider, threads and batch size come from. */
  config(): Pick<Config, "modelDir" | "executionProvider" | "onnxThreads" | "batchSize">;
  /** Where the model's warnings go (stderr in the real CLI, so --json output stays clean). */
  createLogger(): ModelLogger;
}

interface EvalFlags {
  model?: string;
  manifest: string;
  limit?: string;
  mode: string;
  normalization?: string;
  rerankCandidates: string;
  json?: boolean;
}

const defaultDeps: EvalCommandDeps = {
  stdout: process.stdout,
  stderr: process.stderr,
  config: () => loadConfig(),
  createLogger: () => createLogger("warn"),
};

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 1) {
    throw new AppError("BAD_USER_INPUT", `${flag} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const upper = value.toUpperCase() as T;
  if (!allowed.includes(upper)) throw new AppError("BAD_USER_INPUT", `${flag} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  return upper;
}

export function registerEvalCommand(program: Command, deps: EvalCommandDeps = defaultDeps): void {
  program
    .command("eval")
    .description("evaluate a model on a labelled manifest: zero-shot accuracy/F1, retrieval Precision@K, attention laterality")
    .requiredOption("--manifest <csv>", "CheXpert-style manifest (Path, Report, class columns, optional Findings)")
    .option("--model <dir>", "model folder (default: GLORIA_MODEL_DIR)")
    .option("--limit <n>", "use only the first N rows of the manifest")
    .option("--mode <mode>", "word columns for scoring: REFERENCE (published) or WORDS", "REFERENCE")
    .option("--normalization <kind>", "zero-shot: NONE, BATCH or REFERENCE (default: REFERENCE when the model has statistics, else BATCH)")
    .option("--rerank-candidates <n>", "first-stage candidates re-scored by local similarity", "100")
    .option("--json", "print JSON")
    .action(async (flags: EvalFlags) => {
      const config = deps.config();
      const options = {
        limit: flags.limit === undefined ? undefined : positiveInteger(flags.limit, "--limit"),
        mode: oneOf<SlicingMode>(flags.mode, ["REFERENCE", "WORDS"], "--mode"),
        normalization:
          flags.normalization === undefined
            ? undefined
            : oneOf<ZeroShotNormalization>(flags.normalization, ["NONE", "BATCH", "REFERENCE"], "--normalization"),
        rerankCandidates: positiveInteger(flags.rerankCandidates, "--rerank-candidates"),
        batchSize: config.batchSize,
        onStage: deps.stderr.isTTY ? (stage: string) => deps.stderr.write(`eval: ${stage}…\n`) : undefined,
      };
      const model = await GloriaModel.load(flags.model ?? config.modelDir, {
        logger: deps.createLogger(),
        executionProvider: config.executionProvider,
        intraOpNumThreads: config.onnxThreads > 0 ? config.onnxThreads : undefined,
        batchSize: config.batchSize,
      });
      try {
        const report = await evaluateManifest(model, flags.manifest, options);
        deps.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : markdown(report));
      } finally {
        await model.close();
      }
    });
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : v.toFixed(3));

/** A short human summary: one table of the headline metrics, re-ranked beside global-only. */
export function markdown(r: EvaluationReport): string {
  const c = r.counts;
  const rows: Array<[string, number | null, number | null | undefined]> = [
    ["zero-shot accuracy", r.zeroShot.accuracy, undefined],
    ["zero-shot macro-F1", r.zeroShot.macroF1, undefined],
    ["text→image P@5", r.textToImage.precisionAt5, r.textToImage.global.precisionAt5],
    ["text→image P@10", r.textToImage.precisionAt10, r.textToImage.global.precisionAt10],
    ["image→text P@5", r.imageToText.precisionAt5, r.imageToText.global.precisionAt5],
    ["image→text P@10", r.imageToText.precisionAt10, r.imageToText.global.precisionAt10],
    ["image→text P@100", r.imageToText.precisionAt100, r.imageToText.global.precisionAt100],
    ["lateral text→image P@10", r.lateralRerank.rerankedPrecisionAt10, r.lateralRerank.globalPrecisionAt10],
    ["attention side accuracy", r.attentionSide.accuracy, undefined],
  ];
  const lines = [
    `model ${r.model} on ${r.manifest.path} (sha256 ${r.manifest.sha256.slice(0, 12)})`,
    `${c.rows} rows, ${c.images} single-finding images evaluated (${Object.entries(c.perClass)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ")}), ${c.reports} reports, ${c.lateralised} lateralised; mode ${r.mode}, zero-shot ${r.zeroShot.normalization}, re-rank top ${r.rerankCandidates}`,
    "",
    "| metric | global + local | global only |",
    "|---|---|---|",
    ...rows.map(([name, value, global]) => `| ${name} | ${fmt(value)} | ${global === undefined ? "" : fmt(global)} |`),
  ];
  if (c.imageFailures > 0) lines.push("", `${c.imageFailures} images could not be read; the first: ${r.failures.map((f) => f.row).join(", ")}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

// `gloria eval`: evaluates a model folder on a labelled manifest (no stores needed), keeps the run's
// record under GLORIA_DATA_DIR/evaluations and prints it as JSON (--json) or Markdown tables;
// `gloria eval --compare A B` sets two kept runs side by side. Parses flags and prints; the work is
// evaluateManifest's and the records module's.
import type { Command } from "commander";
import { loadConfig, type Config } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { createLogger } from "../../logging/logger.ts";
import { GloriaModel } from "../../model/gloria.model.ts";
import type { ModelLogger, SlicingMode } from "../../model/model.port.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import { evaluateManifest } from "../../services/evaluation/evaluate.ts";
import { comparisonMarkdown, evaluationMarkdown } from "../../services/evaluation/evaluation.markdown.ts";
import { compareEvaluations, evaluationsDir, loadEvaluation, saveEvaluation } from "../../services/evaluation/evaluation.records.ts";
import type { RegionEncoding } from "../../stores/local-features/region.codec.ts";

export interface EvalCommandDeps {
  stdout: { write(chunk: string): unknown };
  /** Stage progress; written only when it is a terminal. */
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  /** Where the default model folder, execution provider, threads and batch size come from. */
  config(): Pick<Config, "modelDir" | "dataDir" | "executionProvider" | "onnxThreads" | "batchSize">;
  /** Where the model's warnings go (stderr in the real CLI, so --json output stays clean). */
  createLogger(): ModelLogger;
}

interface EvalFlags {
  model?: string;
  manifest?: string;
  trainManifest?: string;
  compare?: string[];
  seed: string;
  bootstrap: string;
  save: boolean;
  limit?: string;
  mode: string;
  normalization?: string;
  rerankCandidates: string;
  regionEncoding: string;
  json?: boolean;
}

const defaultDeps: EvalCommandDeps = {
  stdout: process.stdout,
  stderr: process.stderr,
  config: () => loadConfig(),
  createLogger: () => createLogger("warn"),
};

function integerAtLeast(min: number, value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < min) {
    throw new AppError("BAD_USER_INPUT", `${flag} must be an integer ≥ ${min}; got ${JSON.stringify(value)}`);
  }
  return n;
}
const positiveInteger = (value: string, flag: string) => integerAtLeast(1, value, flag);

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const upper = value.toUpperCase() as T;
  if (!allowed.includes(upper)) throw new AppError("BAD_USER_INPUT", `${flag} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  return upper;
}

export function registerEvalCommand(program: Command, deps: EvalCommandDeps = defaultDeps): void {
  program
    .command("eval")
    .description("evaluate a model on a labelled manifest (zero-shot, retrieval Precision@K, attention laterality, 95% intervals), or compare two runs")
    .option("--manifest <csv>", "CheXpert-style manifest (Path, Report, class columns, optional Findings)")
    .option("--train-manifest <csv>", "a training manifest: adds the linear-probe curve (1%, 10%, 100% of its rows) beside zero-shot")
    .option("--compare <runs...>", "two kept runs (ids or JSON files) to set side by side")
    .option("--model <dir>", "model folder (default: GLORIA_MODEL_DIR)")
    .option("--limit <n>", "use only the first N rows of the manifest")
    .option("--mode <mode>", "headline word columns: REFERENCE (published) or WORDS; both are always measured", "REFERENCE")
    .option(
      "--normalization <kind>",
      "headline zero-shot normalisation: NONE, BATCH or REFERENCE (default: REFERENCE when the model has statistics, else BATCH)",
    )
    .option("--rerank-candidates <n>", "first-stage candidates re-scored by local similarity", "100")
    .option("--region-encoding <kind>", "score regions as a store of this encoding serves them: float32, float16 or int8", "float32")
    .option("--seed <n>", "seed of the bootstrap resampling", "0")
    .option("--bootstrap <n>", "bootstrap resamples per 95% interval (0: none)", "1000")
    .option("--no-save", "do not keep the run under GLORIA_DATA_DIR/evaluations")
    .option("--json", "print JSON")
    .action(async (flags: EvalFlags) => {
      const config = deps.config();
      const dir = evaluationsDir(config.dataDir);
      if (flags.compare !== undefined) {
        if (flags.manifest !== undefined) throw new AppError("BAD_USER_INPUT", "use either --manifest or --compare");
        if (flags.compare.length !== 2) throw new AppError("BAD_USER_INPUT", `--compare takes two runs; got ${flags.compare.length}`);
        const comparison = compareEvaluations(await loadEvaluation(dir, flags.compare[0]), await loadEvaluation(dir, flags.compare[1]));
        deps.stdout.write(flags.json ? `${JSON.stringify(comparison)}\n` : comparisonMarkdown(comparison));
        return;
      }
      if (flags.manifest === undefined) throw new AppError("BAD_USER_INPUT", "--manifest is required (or --compare A B)");
      const options = {
        limit: flags.limit === undefined ? undefined : positiveInteger(flags.limit, "--limit"),
        mode: oneOf<SlicingMode>(flags.mode, ["REFERENCE", "WORDS"], "--mode"),
        normalization:
          flags.normalization === undefined ? undefined : oneOf<ZeroShotNormalization>(flags.normalization, ["NONE", "BATCH", "REFERENCE"], "--normalization"),
        rerankCandidates: positiveInteger(flags.rerankCandidates, "--rerank-candidates"),
        regionEncoding: oneOf(flags.regionEncoding, ["FLOAT32", "FLOAT16", "INT8"], "--region-encoding").toLowerCase() as RegionEncoding,
        seed: integerAtLeast(0, flags.seed, "--seed"),
        bootstrapIterations: integerAtLeast(0, flags.bootstrap, "--bootstrap"),
        batchSize: config.batchSize,
        trainManifest: flags.trainManifest,
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
        const output = flags.save ? await saveEvaluation(dir, report) : report;
        deps.stdout.write(flags.json ? `${JSON.stringify(output)}\n` : evaluationMarkdown(output));
      } finally {
        await model.close();
      }
    });
}

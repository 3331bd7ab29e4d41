// `gloria classifier train|import|list|delete`: linear-probe heads on a loaded model's stored image
// features (docs/classifiers.md). Training here has no size bound; the GraphQL mutation has one.
import { readFile, stat } from "node:fs/promises";
import type { Command } from "commander";
import { loadConfig } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { createLogger } from "../../logging/logger.ts";
import { openRuntime, type Runtime } from "../../runtime.ts";
import { ClassifierService } from "../../services/classifier.service.ts";
import type { ClassifierFeatures, ClassifierRecord } from "../../stores/metadata/classifier-store.port.ts";
import { PrismaClassifierStore } from "../../stores/metadata/prisma.classifier-store.ts";

async function withClassifiers<T>(modelId: string | undefined, run: (service: ClassifierService, runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const runtime = await openRuntime(config, logger);
  try {
    const served = runtime.modelRuntime(modelId);
    const service = new ClassifierService({
      modelId: served.model.id,
      dim: served.modelInfo.dim,
      metadata: served.metadata,
      images: served.collections.images,
      store: new PrismaClassifierStore(runtime.database.prisma),
      pooled: served.pooled,
      pooledDim: served.model.manifest.embedding.pooledDim,
      encodeUpload: () => Promise.reject(new AppError("BAD_USER_INPUT", "The CLI classifies stored images only")),
    });
    return await run(service, runtime);
  } finally {
    await runtime.close();
  }
}

/** The training summary the CLI prints (docs/classifiers.md). */
export function trainingSummary(head: ClassifierRecord) {
  return {
    id: head.id,
    name: head.name,
    version: head.version,
    modelId: head.modelId,
    classes: head.classes,
    features: head.features,
    trainedOn: head.training.counts.trainedOn,
    training: head.training,
    validation: head.validation,
  };
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new AppError("BAD_USER_INPUT", `${flag} must be a number; got ${value}`);
  return n;
}

function features(value: string): ClassifierFeatures {
  const upper = value.toUpperCase();
  if (upper !== "GLOBAL" && upper !== "POOLED") throw new AppError("BAD_USER_INPUT", `--features must be global or pooled; got ${value}`);
  return upper;
}

/** Largest head file read: 64 classes of 2048 weights as JSON text are about 3 MB. */
const MAX_HEAD_FILE_BYTES = 16 * 1024 * 1024;

async function readHeadFile(file: string): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new AppError("BAD_USER_INPUT", `--file ${file} is not a regular file`);
    if (info.size > MAX_HEAD_FILE_BYTES)
      throw new AppError("BAD_USER_INPUT", `--file ${file} is larger than ${MAX_HEAD_FILE_BYTES} bytes; a head file is far smaller`);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("NOT_FOUND", `--file ${file} cannot be read`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_USER_INPUT", `--file ${file} is not JSON`);
  }
}

function percent(v: number | null): string {
  return v === null ? "n/a" : v.toFixed(3);
}

export function registerClassifierCommands(program: Command): void {
  const classifier = program.command("classifier").description("linear-probe classifiers on stored image embeddings");

  classifier
    .command("train")
    .description("train a head on a dataset's stored labels and findings; a new training of a name is its next version")
    .requiredOption("--dataset <name>", "the dataset whose READY images and labels to use")
    .requiredOption("--name <head>", "the head's name")
    .option("--classes <list>", "comma-separated classes (default: every class the labels name)")
    .option("--train-fraction <f>", "share of the training split fitted on, in (0, 1] (GLoRIA's --train_pct)", "1")
    .option("--features <kind>", "global (the stored global embedding) or pooled (the stored pooled trunk features, where the model has them)", "global")
    .option("--seed <n>", "seed of the split, the sample and the bootstrap", "0")
    .option("--l2 <lambda>", "L2 penalty of the weights")
    .option("--model <id>", "a loaded model's id (default: the first of GLORIA_MODEL_DIRS)")
    .option("--json", "print JSON")
    .action(
      async (flags: {
        dataset: string;
        name: string;
        classes?: string;
        trainFraction: string;
        features: string;
        seed: string;
        l2?: string;
        model?: string;
        json?: boolean;
      }) => {
        const input = {
          name: flags.name,
          dataset: flags.dataset,
          classes: flags.classes
            ?.split(",")
            .map((c) => c.trim())
            .filter(Boolean),
          trainFraction: number(flags.trainFraction, "--train-fraction"),
          features: features(flags.features),
          seed: number(flags.seed, "--seed"),
          l2: number(flags.l2, "--l2"),
        };
        const head = await withClassifiers(flags.model, (service) => service.train(input));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(trainingSummary(head))}\n`);
          return;
        }
        const v = head.validation;
        process.stdout.write(
          `${head.name} v${head.version} (${head.id}) on ${head.training.counts.trainedOn} images; validation mean AUROC ${percent(v.meanAuroc.value)} over ${v.images} images\n`,
        );
        for (const c of v.perClass)
          process.stdout.write(`  ${c.className}: AUROC ${percent(c.auroc.value)} (${c.positives} positive, ${c.negatives} negative)\n`);
      },
    );

  classifier
    .command("import")
    .description("store a head written by tools/export-gloria --classifier-checkpoint (a fine-tuned GLoRIA classifier) for a loaded model")
    .requiredOption("--file <head.json>", "the head file")
    .option("--name <head>", "the head's name (default: the name in the file)")
    .option("--model <id>", "a loaded model's id (default: the first of GLORIA_MODEL_DIRS)")
    .option("--json", "print JSON")
    .action(async (flags: { file: string; name?: string; model?: string; json?: boolean }) => {
      const json = await readHeadFile(flags.file);
      const head = await withClassifiers(flags.model, (service) => service.importHead(json, flags.name));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(trainingSummary(head))}\n`);
        return;
      }
      const from = head.training.imported;
      const encoder =
        from?.encoderMatchesModel === false
          ? "; its encoder was fine-tuned, so on this model's stored features it will not score as it did in training"
          : from?.encoderMatchesModel === true
            ? "; its encoder is this model's own"
            : "";
      process.stdout.write(`imported ${head.name} v${head.version} (${head.id}): ${head.classes.length} classes on ${head.features} features${encoder}\n`);
    });

  classifier
    .command("list")
    .description("the stored heads, newest first, of every model")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const heads = await withClassifiers(undefined, (service) => service.list({ allModels: true }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(heads.map(trainingSummary))}\n`);
        return;
      }
      for (const h of heads)
        process.stdout.write(`${h.id}  ${h.name} v${h.version}  ${h.modelId}  ${h.classes.join(", ")}  mean AUROC ${percent(h.validation.meanAuroc.value)}\n`);
    });

  classifier
    .command("delete <id>")
    .description("delete a stored head")
    .action(async (id: string) => {
      const deleted = await withClassifiers(undefined, (service) => service.delete(id));
      if (!deleted) throw new AppError("NOT_FOUND", `No classifier ${id}`);
      process.stdout.write(`deleted ${id}\n`);
    });
}

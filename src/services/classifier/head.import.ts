// Reading a classifier head written by `tools/export-gloria --classifier-checkpoint` (the reference
// code's fine-tuned classification model: Linear(pooled features → classes) on the image encoder).
// Pure: checks the file's shape and numbers against the model it is imported for, and returns what
// the store keeps. docs/classifiers.md, "Importing a fine-tuned head".
import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import type { ClassifierRecord, NewClassifier } from "../../stores/metadata/classifier-store.port.ts";

export const HEAD_FORMAT = "gloria-search/classifier-head@1";

const finite = z.number().refine(Number.isFinite, "expected a finite number");

const headFile = z.object({
  format: z.literal(HEAD_FORMAT),
  name: z.string().trim().min(1).optional(),
  classes: z.array(z.string().trim().min(1)).min(1).max(64),
  features: z.enum(["POOLED", "GLOBAL"]),
  dim: z.number().int().positive(),
  weights: z.array(z.array(finite)),
  biases: z.array(finite),
  source: z
    .object({
      checkpoint: z.string().optional(),
      checkpointSha256: z.string().optional(),
      encoderMatchesModel: z.boolean().nullable().optional(),
    })
    .passthrough()
    .optional(),
});

export interface ImportTarget {
  modelId: string;
  /** D of the global embedding. */
  dim: number;
  /** P of the pooled features; absent when the model has none. */
  pooledDim?: number;
}

function bad(message: string): AppError {
  return new AppError("BAD_USER_INPUT", message, { details: { field: "file" } });
}

/**
 * The head a file describes, for the target model. BAD_USER_INPUT for a file that is not a head,
 * a class listed twice, weights that are not classes × dim, or a width the model's features do not
 * have (a head exported for another architecture).
 */
export function parseHeadFile(json: unknown, target: ImportTarget, name?: string): NewClassifier {
  const parsed = headFile.safeParse(json);
  if (!parsed.success) {
    throw bad(`Not a classifier head file (${HEAD_FORMAT}): ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  const head = parsed.data;
  const classes = head.classes;
  if (new Set(classes).size !== classes.length) throw bad("A class is listed twice in the head file");
  const width = head.features === "POOLED" ? target.pooledDim : target.dim;
  if (width === undefined) throw bad(`Model ${target.modelId} has no pooled features for a POOLED head (docs/model-contract.md)`);
  if (head.dim !== width) throw bad(`The head reads ${head.dim} ${head.features} values; model ${target.modelId} gives ${width}`);
  if (head.weights.length !== classes.length || head.weights.some((row) => row.length !== head.dim) || head.biases.length !== classes.length) {
    throw bad(`The head's weights must be ${classes.length} rows of ${head.dim} values and its biases ${classes.length} values`);
  }
  const headName = (name ?? head.name ?? "").trim();
  if (!headName) throw bad("The head needs a name: the file has none; pass --name");
  const source = head.source ?? {};
  return {
    name: headName,
    modelId: target.modelId,
    classes,
    features: head.features,
    dim: head.dim,
    weights: head.weights.map((row) => Float32Array.from(row)),
    biases: Float32Array.from(head.biases),
    training: {
      seed: 0,
      trainFraction: 1,
      l2: 0,
      dataset: null,
      uncertain: "POSITIVE",
      counts: { labelled: 0, validation: 0, trainPool: 0, trainedOn: 0 },
      positives: {},
      imported: {
        checkpoint: source.checkpoint ?? null,
        checkpointSha256: source.checkpointSha256 ?? null,
        encoderMatchesModel: source.encoderMatchesModel ?? null,
      },
    },
    validation: {
      images: 0,
      meanAuroc: { value: null, ci95: null },
      perClass: classes.map((className) => ({ className, auroc: { value: null, ci95: null }, positives: 0, negatives: 0 })),
    },
  };
}

/** Whether a stored head came from a file rather than a training here. */
export function isImported(head: ClassifierRecord): boolean {
  return head.training.imported !== undefined;
}

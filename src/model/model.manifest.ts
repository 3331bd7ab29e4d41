// The model folder's manifest (docs/model-contract.md): its zod schema, the model id, and the
// checksum arithmetic. Pure: reading files and hashing them is the loader's job.
import { createHash } from "node:crypto";
import { z } from "zod";

export const MODEL_FORMAT = "gloria-search/model@1";

/** The files every model folder holds besides manifest.json. */
export const MODEL_FILES = ["image_encoder.onnx", "text_encoder.onnx", "local_similarity.onnx", "tokenizer.json", "vocab.txt"] as const;
/** Files a model folder may hold; each is listed (and hashed) in `files` when present. */
export const OPTIONAL_MODEL_FILES = ["segmentation.onnx"] as const;
export type ModelFile = (typeof MODEL_FILES)[number] | (typeof OPTIONAL_MODEL_FILES)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected a lower-case sha256 hex digest");
const positiveInt = z.number().int().positive();

const referenceStats = z.object({ mean: z.number(), std: z.number().positive() });

export const manifestSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' or '-'"),
    version: z.string().min(1),
    // Numeric precision of the encoders (docs/precision.md): fp16 is for CUDA, int8 for the CPU.
    precision: z.enum(["fp32", "fp16", "int8"]).default("fp32"),
    checksum: sha256Hex,
    files: z.object({
      ...(Object.fromEntries(MODEL_FILES.map((f) => [f, sha256Hex])) as Record<(typeof MODEL_FILES)[number], typeof sha256Hex>),
      "segmentation.onnx": sha256Hex.optional(),
    }),
    image: z.object({
      resize: positiveInt, // gloria-numerics §2.2: longer side after INTER_AREA resize
      crop: positiveInt, // §2.5: centre crop = encoder input size
      norm: z.literal("half"), // §2.7: x/255·2−1
      channels: z.literal(3), // §2.4: grey copied into 3 channels
    }),
    text: z.object({
      maxLength: z.number().int().min(3), // §3.2: 97 for GLoRIA
      lowercase: z.boolean(),
      specialIds: z.object({
        pad: z.number().int().nonnegative(),
        unk: z.number().int().nonnegative(),
        cls: z.number().int().nonnegative(),
        sep: z.number().int().nonnegative(),
      }),
      lastNLayers: positiveInt.optional(),
    }),
    embedding: z.object({
      dim: positiveInt,
      grid: z.tuple([positiveInt, positiveInt]),
      // Width of image_encoder.onnx's `pooled` output (GLoRIA's classifier input: 2048 for ResNet-50);
      // absent for folders whose graph has no such output.
      pooledDim: positiveInt.optional(),
    }),
    similarity: z.object({
      attentionTemperature: z.number().positive(), // temp1, §4.2
      localTemperature: z.number().positive(), // temp2, §4.2
      temp3: z.number().optional(), // recorded, unused at inference (§4)
      localAggregation: z.literal("max"), // §4.2: inference takes the max over words
    }),
    zeroShot: z.object({
      promptSet: z.string().min(1),
      reference: z.record(z.string(), referenceStats).nullable(),
    }),
    // The optional segmentation.onnx (docs/model-contract.md): the whole image stretched to size×size,
    // x/255·2−1, three channels → one logit map per class.
    segmentation: z
      .object({
        classes: z.array(z.string().min(1)).min(1).max(16),
        size: positiveInt,
        resize: z.literal("stretch"),
        norm: z.literal("half"),
      })
      .optional(),
    source: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((m) => (m.segmentation === undefined) === (m.files["segmentation.onnx"] === undefined), {
    message: "segmentation and files.segmentation.onnx go together: both or neither",
    path: ["segmentation"],
  });

export type ModelManifest = z.infer<typeof manifestSchema>;

/** Every problem in a manifest, one line each, so a user fixes them all at once. */
export function parseManifest(json: unknown): { ok: true; manifest: ModelManifest } | { ok: false; problems: string[] } {
  const result = manifestSchema.safeParse(json);
  if (result.success) return { ok: true, manifest: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
  };
}

/** sha256 of the sorted "file:sha256" lines, each ending in "\n": the checksum the manifest records. */
export function folderChecksum(files: Record<string, string>): string {
  const lines = Object.entries(files)
    .map(([file, digest]) => `${file}:${digest}\n`)
    .sort();
  return createHash("sha256").update(lines.join("")).digest("hex");
}

/** The model id every stored vector carries: name@version#checksum[0:12]. */
export function modelId(manifest: Pick<ModelManifest, "name" | "version" | "checksum">): string {
  return `${manifest.name}@${manifest.version}#${manifest.checksum.slice(0, 12)}`;
}

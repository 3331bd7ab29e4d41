// Opens a model folder (docs/model-contract.md): reads and validates manifest.json, verifies every
// file's sha256, checks the graphs' input/output names, creates the encoder sessions and finds the
// local-similarity kernels the runtime computes with. Every failure is an AppError MODEL_UNAVAILABLE
// that says which file is at fault.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../errors/app-error.ts";
import { folderChecksum, MODEL_FILES, OPTIONAL_MODEL_FILES, parseManifest, type ModelFile, type ModelManifest } from "./model.manifest.ts";
import type { ModelLogger } from "./model.port.ts";
import type { KernelOpener, RegionEncoding } from "./onnx.local-similarity.ts";
import { openOnnxGraph, type OnnxGraph, type OnnxSessionOptions } from "./onnx.runtime.ts";
import { parseVocab, WordPieceTokenizer } from "./text/text.tokenize.ts";

export interface LoadedModelFolder {
  dir: string;
  manifest: ModelManifest;
  tokenizer: WordPieceTokenizer;
  /** segmentation: the optional segmentation.onnx, open when the manifest lists it. */
  graphs: { image: OnnxGraph; text: OnnxGraph; segmentation: OnnxGraph | null };
  /**
   * Opens the local-similarity kernel for a region encoding with the encoders' session options (and
   * provider after any CUDA fallback). The model's own local_similarity.onnx is verified and its
   * inputs and outputs checked, but not kept open: the kernels compute the same thing faster.
   */
  openKernel: KernelOpener;
}

/**
 * The local-similarity kernels ship with the package, not with each model (they carry no weights;
 * the temperatures are an input): models/kernels/ at the package root, written by tools/make-kernels.
 */
export const KERNEL_DIR = fileURLToPath(new URL("../../models/kernels/", import.meta.url));
export const KERNEL_FILES: Record<RegionEncoding, string> = {
  float32: "local_similarity.f32.onnx",
  float16: "local_similarity.f16.onnx",
  int8: "local_similarity.i8.onnx",
};

const GRAPH_IO: Record<"image" | "text" | "local" | "segmentation", { file: ModelFile; inputs: string[]; outputs: string[] }> = {
  image: { file: "image_encoder.onnx", inputs: ["pixel_values"], outputs: ["global", "local"] },
  text: {
    file: "text_encoder.onnx",
    inputs: ["input_ids", "attention_mask", "token_type_ids"],
    outputs: ["token_embeddings"],
  },
  local: {
    file: "local_similarity.onnx",
    inputs: ["words", "word_mask", "regions"],
    outputs: ["scores", "word_cosines", "attention"],
  },
  segmentation: { file: "segmentation.onnx", inputs: ["pixel_values"], outputs: ["logits"] },
};

function unavailable(message: string, details?: Record<string, unknown>, cause?: unknown): AppError {
  return new AppError("MODEL_UNAVAILABLE", message, { details, cause });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, "manifest.json"), "utf8");
  } catch (error) {
    throw unavailable(`model folder ${dir} has no readable manifest.json`, { file: "manifest.json" }, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw unavailable(`manifest.json in ${dir} is not valid JSON`, { file: "manifest.json" }, error);
  }
  const parsed = parseManifest(json);
  if (!parsed.ok) {
    throw unavailable(`manifest.json in ${dir} is invalid: ${parsed.problems.join("; ")}`, {
      file: "manifest.json",
      problems: parsed.problems,
    });
  }
  return parsed.manifest;
}

/** Hashes every listed file and compares with the manifest; the first mismatch names its file. */
export async function verifyChecksums(dir: string, manifest: ModelManifest): Promise<void> {
  const listed = [...MODEL_FILES, ...OPTIONAL_MODEL_FILES.filter((f) => manifest.files[f] !== undefined)];
  for (const file of listed) {
    let actual: string;
    try {
      actual = await sha256File(join(dir, file));
    } catch (error) {
      throw unavailable(`model file ${file} is missing or unreadable in ${dir}`, { file }, error);
    }
    if (actual !== manifest.files[file]) {
      throw unavailable(`model file ${file} does not match its checksum in manifest.json`, {
        file,
        expected: manifest.files[file],
        actual,
      });
    }
  }
  if (folderChecksum(manifest.files) !== manifest.checksum) {
    throw unavailable("manifest.json's checksum does not match its file list", { file: "manifest.json" });
  }
}

function checkGraphIo(graph: OnnxGraph, role: keyof typeof GRAPH_IO, manifest: ModelManifest): void {
  const base = GRAPH_IO[role];
  // A manifest that states a pooled width promises the image graph's third output.
  const want = role === "image" && manifest.embedding.pooledDim !== undefined ? { ...base, outputs: [...base.outputs, "pooled"] } : base;
  const missing = [
    ...want.inputs.filter((n) => !graph.inputNames.includes(n)).map((n) => `input ${n}`),
    ...want.outputs.filter((n) => !graph.outputNames.includes(n)).map((n) => `output ${n}`),
  ];
  if (missing.length > 0) {
    throw unavailable(`${want.file} lacks ${missing.join(", ")}`, { file: want.file, missing });
  }
}

export interface LoadFolderOptions extends OnnxSessionOptions {
  /** Hash every file against the manifest before opening it (default true). */
  verifyChecksums?: boolean;
  /** Where the local-similarity kernels are (default KERNEL_DIR). */
  kernelDir?: string;
}

/** Each kernel's path and sha256 (the optimised-graph cache key); a missing one names its file. */
async function findKernels(dir: string): Promise<Record<RegionEncoding, { file: string; checksum: string }>> {
  const found = {} as Record<RegionEncoding, { file: string; checksum: string }>;
  for (const [encoding, name] of Object.entries(KERNEL_FILES) as [RegionEncoding, string][]) {
    const file = join(dir, name);
    try {
      found[encoding] = { file, checksum: await sha256File(file) };
    } catch (error) {
      throw unavailable(`local similarity kernel ${name} is missing or unreadable in ${dir} (tools/make-kernels writes it)`, { file: name }, error);
    }
  }
  return found;
}

export async function loadModelFolder(dir: string, options: LoadFolderOptions, logger: ModelLogger): Promise<LoadedModelFolder> {
  const manifest = await readManifest(dir);
  if (options.verifyChecksums ?? true) await verifyChecksums(dir, manifest);

  let tokenizer: WordPieceTokenizer;
  try {
    const tokenizerJson = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")) as object;
    const vocab = parseVocab(await readFile(join(dir, "vocab.txt"), "utf8"));
    tokenizer = new WordPieceTokenizer(tokenizerJson, vocab, manifest.text);
  } catch (error) {
    throw unavailable(`tokenizer.json/vocab.txt in ${dir} cannot be used: ${String(error)}`, { file: "tokenizer.json" }, error);
  }

  const kernels = await findKernels(options.kernelDir ?? KERNEL_DIR);

  const opened: OnnxGraph[] = [];
  // After one graph falls back to CPU the others go straight there: one warning, not three.
  let sessionOptions: OnnxSessionOptions = options;
  const open = async (role: keyof typeof GRAPH_IO): Promise<OnnxGraph> => {
    const file = GRAPH_IO[role].file;
    // The contract graph is only checked, never run: no optimised copy of it goes to the cache.
    const graphOptions = role === "local" ? { ...sessionOptions, cacheDir: undefined } : sessionOptions;
    let graph: OnnxGraph;
    try {
      graph = await openOnnxGraph(join(dir, file), manifest.files[file] ?? "", graphOptions, logger);
      sessionOptions = { ...sessionOptions, executionProvider: graph.provider };
    } catch (error) {
      throw unavailable(`onnxruntime cannot open ${file}`, { file }, error);
    }
    opened.push(graph);
    checkGraphIo(graph, role, manifest);
    return graph;
  };
  try {
    const image = await open("image");
    const text = await open("text");
    const local = await open("local");
    opened.pop();
    await local.release();
    const segmentation = manifest.segmentation !== undefined ? await open("segmentation") : null;
    const kernelOptions = sessionOptions;
    const openKernel: KernelOpener = async (encoding) => {
      const { file, checksum } = kernels[encoding];
      try {
        return await openOnnxGraph(file, checksum, kernelOptions, logger);
      } catch (error) {
        throw unavailable(`onnxruntime cannot open ${KERNEL_FILES[encoding]}`, { file }, error);
      }
    };
    logger.info({ model: manifest.name, provider: image.provider }, "model sessions created");
    return { dir, manifest, tokenizer, graphs: { image, text, segmentation }, openKernel };
  } catch (error) {
    await Promise.all(opened.map((g) => g.release()));
    throw error;
  }
}

// Reads a golden folder (tests/fixtures/golden/README.md): index.json plus little-endian .bin arrays
// written by tools/gloria_goldens from the Python reference.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FULL_SIZE_FIXTURE, requires } from "../../helpers/requirements.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

export interface GoldenText {
  id: string;
  raw: string;
  cleaned: string;
  charCount: number;
  referenceColumns: number;
  nWords: number;
  inputIds: number[];
  attentionMask: number[];
  tokens: string[];
  words: string[];
}

export type GoldenMode = "REFERENCE" | "WORDS";

export interface GoldenIndex {
  model: { dir: string; name: string; version: string; checksum: string; id: string };
  settings: { dim: number; grid: [number, number]; maxLength: number };
  tolerance: { absolute: number; relative: number };
  arrays: Record<string, { file: string; dtype: "float32" | "uint8"; shape: number[] }>;
  images: { id: string; index: number }[];
  texts: GoldenText[];
  similarity: Record<GoldenMode, { global: string; local: string; combined: string }>;
  attention: { image: string; text: string } & Record<GoldenMode, { columns: number; score: number; wordCosines: string; attention: string }>;
  zeroShot: { promptSet: string; classes: string[]; images: string[] } & Record<GoldenMode, { NONE: string; BATCH: string }>;
  tokenizerCases: { text: string; inputIds: number[]; attentionMask: number[] }[];
}

export interface Golden {
  dir: string;
  modelDir: string;
  index: GoldenIndex;
  float(name: string): { data: Float32Array; shape: number[] };
  bytes(name: string): { data: Uint8Array; shape: number[] };
}

/** The golden folders present in this checkout: the committed tiny one, the generated full-size one. */
export const GOLDEN_DIRS = {
  tiny: join(REPO_ROOT, "tests/fixtures/golden/tiny"),
  full: join(REPO_ROOT, "tests/fixtures/large/gloria-full/golden"),
};

/** Whether a golden folder is there; the full-size one is made by tools/make-goldens --full (requirements.ts). */
export function goldenExists(dir: string): boolean {
  const present = existsSync(join(dir, "index.json"));
  return dir === GOLDEN_DIRS.full ? requires(present, FULL_SIZE_FIXTURE) : present;
}

/** Whether a model fixture folder is there; the same rule for the generated full-size one. */
export function modelFixturePresent(dir: string): boolean {
  const present = existsSync(join(dir, "manifest.json"));
  return dir.startsWith(join(REPO_ROOT, "tests/fixtures/large")) ? requires(present, FULL_SIZE_FIXTURE) : present;
}

export function readGolden(dir: string): Golden {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as GoldenIndex;
  const raw = (name: string) => {
    const meta = index.arrays[name];
    if (!meta) throw new Error(`golden array ${name} is not in ${dir}`);
    const buf = readFileSync(join(dir, meta.file));
    return { buffer: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), meta };
  };
  return {
    dir,
    modelDir: resolve(REPO_ROOT, index.model.dir),
    index,
    float(name) {
      const { buffer, meta } = raw(name);
      return { data: new Float32Array(buffer), shape: meta.shape };
    },
    bytes(name) {
      const { buffer, meta } = raw(name);
      return { data: new Uint8Array(buffer), shape: meta.shape };
    },
  };
}

/** max |got − want| and whether it is within abs + rel · max |want| (the goldens' rule). */
export function closeness(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tolerance: { absolute: number; relative: number },
): { maxDiff: number; limit: number; ok: boolean } {
  let maxDiff = got.length === want.length ? 0 : Infinity;
  let maxRef = 0;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  const limit = tolerance.absolute + tolerance.relative * maxRef;
  return { maxDiff, limit, ok: maxDiff <= limit };
}

// The local-similarity kernels (models/kernels/, docs/model-contract.md "Kernels") against each model's
// own local_similarity.onnx on seeded random inputs: every broadcast direction, masks with zero
// columns and a fully masked row. Then the float16 and int8 kernels against the float32 kernel fed the
// same values widened, and a missing kernel refused at load. Tiny model always, full size when present.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import { KERNEL_DIR, KERNEL_FILES, readManifest, sha256File } from "../../../src/model/model.loader.ts";
import { silentLogger, type LocalSimilarityRequest, type LocalSimilarityResult } from "../../../src/model/model.port.ts";
import { OnnxLocalSimilarity } from "../../../src/model/onnx.local-similarity.ts";
import { openOnnxGraph, type OnnxGraph } from "../../../src/model/onnx.runtime.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";
import { modelFixturePresent, REPO_ROOT } from "./golden.helpers.ts";

const MODELS = [
  { name: "tiny", dir: join(REPO_ROOT, "tests/fixtures/models/tiny") },
  { name: "full-size", dir: join(REPO_ROOT, "tests/fixtures/large/gloria-full") },
].map((m) => ({ ...m, present: modelFixturePresent(m.dir) }));

/** The exact float32 value of IEEE half bits. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) [worst, at] = [diff, i];
  }
  expect(worst, `${what}: largest difference at ${at} (${actual[at]} vs ${expected[at]})`).toBeLessThanOrEqual(tolerance);
}

function expectSameResult(actual: LocalSimilarityResult, expected: LocalSimilarityResult, tolerance: number, what: string): void {
  expectClose(actual.scores, expected.scores, tolerance, `${what} scores`);
  expectClose(actual.wordCosines, expected.wordCosines, tolerance, `${what} word cosines`);
  expectClose(actual.attention!, expected.attention!, tolerance, `${what} attention`);
}

interface Case {
  label: string;
  kw: number;
  kr: number;
  length: number;
  /** Which mask entries are 0: (row, column) → masked. */
  masked: (row: number, column: number) => boolean;
}

const CASES: Case[] = [
  { label: "one column, one pair", kw: 1, kr: 1, length: 1, masked: () => false },
  { label: "text → 5 images, zero columns", kw: 1, kr: 5, length: 7, masked: (_, j) => j === 2 || j === 6 },
  { label: "image → 4 texts, padded columns and a fully masked text", kw: 4, kr: 1, length: 9, masked: (k, j) => k === 2 || j >= 9 - k * 2 },
  { label: "3 texts × 3 images pairwise", kw: 3, kr: 3, length: 13, masked: (k, j) => j % (k + 2) === 1 },
  { label: "text → 3 images, every column masked", kw: 1, kr: 3, length: 4, masked: () => true },
  { label: "text → 2 images, 96 columns", kw: 1, kr: 2, length: 96, masked: (_, j) => j > 80 },
];

describe.each(MODELS)("local similarity kernels: $name model", ({ dir, present }) => {
  let contract: OnnxGraph;
  let kernels: OnnxLocalSimilarity;
  /** The same kernels run two candidates at a time, as long candidate lists are. */
  let sliced: OnnxLocalSimilarity;
  let dim = 0;
  let regionsPerImage = 0;

  beforeAll(async () => {
    if (!present) return;
    const manifest = await readManifest(dir);
    dim = manifest.embedding.dim;
    regionsPerImage = manifest.embedding.grid[0] * manifest.embedding.grid[1];
    contract = await openOnnxGraph(join(dir, "local_similarity.onnx"), manifest.files["local_similarity.onnx"], {}, silentLogger);
    const openKernel = async (encoding: keyof typeof KERNEL_FILES) => {
      const file = join(KERNEL_DIR, KERNEL_FILES[encoding]);
      return openOnnxGraph(file, await sha256File(file), {}, silentLogger);
    };
    const shape = {
      dim,
      regions: regionsPerImage,
      temperatures: [manifest.similarity.attentionTemperature, manifest.similarity.localTemperature] as [number, number],
    };
    kernels = new OnnxLocalSimilarity(openKernel, shape);
    sliced = new OnnxLocalSimilarity(openKernel, shape, { candidatesPerRun: 2 });
  });
  afterAll(async () => {
    await contract?.release();
    await kernels?.release();
    await sliced?.release();
  });

  function request(c: Case, seed: number, regions: Float32Array): LocalSimilarityRequest {
    const random = seededRandom(seed);
    const words = Float32Array.from({ length: c.kw * dim * c.length }, () => (random() - 0.5) * 0.6);
    const wordMask = new Float32Array(c.kw * c.length);
    for (let k = 0; k < c.kw; k++) for (let j = 0; j < c.length; j++) wordMask[k * c.length + j] = c.masked(k, j) ? 0 : 1;
    // A zero column among the unmasked ones, as REFERENCE slicing produces (cosine 0 by the clamp).
    if (c.length > 3) for (let d = 0; d < dim; d++) words[d * c.length + 3] = 0;
    return { words, wordMask, wordBatch: c.kw, regions, regionBatch: c.kr, length: c.length, withAttention: true };
  }

  function randomRegions(c: Case, seed: number): Float32Array {
    const random = seededRandom(seed);
    return Float32Array.from({ length: c.kr * dim * regionsPerImage }, () => (random() - 0.5) * 0.6);
  }

  async function contractResult(r: LocalSimilarityRequest): Promise<LocalSimilarityResult> {
    const out = await contract.run({
      words: { type: "float32", data: r.words, dims: [r.wordBatch, dim, r.length] },
      word_mask: { type: "float32", data: r.wordMask, dims: [r.wordBatch, r.length] },
      regions: { type: "float32", data: r.regions as Float32Array, dims: [r.regionBatch, dim, regionsPerImage] },
    });
    return { scores: out.scores.data, wordCosines: out.word_cosines.data, attention: out.attention.data };
  }

  it.skipIf(!present).each(CASES.map((c, i) => ({ ...c, seed: 100 + i })))(
    "float32 kernel equals the model's local_similarity.onnx within 1e-5: $label",
    async (c) => {
      const r = request(c, c.seed, randomRegions(c, c.seed + 1));
      const expected = await contractResult(r);
      const actual = await kernels.compare(r);
      expectSameResult(actual, expected, 1e-5, c.label);
      for (let k = 0; k < Math.max(c.kw, c.kr); k++) {
        const row = c.kw === 1 ? 0 : k;
        if (Array.from({ length: c.length }, (_, j) => r.wordMask[row * c.length + j]).every((v) => v === 0)) {
          expect(actual.scores[k], "a pair with no unmasked column scores 0").toBe(0);
        }
      }
    },
  );

  it.skipIf(!present).each(CASES.map((c, i) => ({ ...c, seed: 400 + i })))("candidates run a slice at a time give the one-run results: $label", async (c) => {
    const r = request(c, c.seed, randomRegions(c, c.seed + 1));
    // The same arithmetic on fewer candidates: equal up to the summation order of the products.
    expectSameResult(await sliced.compare(r), await kernels.compare(r), 1e-5, c.label);
    const withoutMaps = await sliced.compare({ ...r, withAttention: false });
    expect(withoutMaps.attention).toBeUndefined();
    expectClose(withoutMaps.scores, (await kernels.compare(r)).scores, 1e-5, `${c.label} scores without maps`);
    const random = seededRandom(c.seed + 2);
    const q = Int8Array.from({ length: c.kr * dim * regionsPerImage }, () => Math.round((random() - 0.5) * 254));
    const scales = Float32Array.from({ length: c.kr * regionsPerImage }, () => 0.0005 + random() * 0.004);
    const int8 = { ...r, regions: { encoding: "int8" as const, data: q, scales } };
    expectSameResult(await sliced.compare(int8), await kernels.compare(int8), 1e-5, `${c.label} int8`);
  });

  it.skipIf(!present).each(CASES.map((c, i) => ({ ...c, seed: 200 + i })))(
    "float16 kernel fed half bits equals the float32 kernel fed their values within 1e-6: $label",
    async (c) => {
      const random = seededRandom(c.seed + 1);
      // Halves with exponents 2^-6 … 2^-1 (and both signs), the range stored region features span.
      const bits = Uint16Array.from({ length: c.kr * dim * regionsPerImage }, () => {
        const sign = random() < 0.5 ? 0x8000 : 0;
        const exponent = 9 + Math.floor(random() * 6);
        return sign | (exponent << 10) | Math.floor(random() * 1024);
      });
      const widened = Float32Array.from(bits, halfToFloat);
      const asHalf = await kernels.compare({ ...request(c, c.seed, widened), regions: { encoding: "float16", data: bits } });
      const asFloat = await kernels.compare(request(c, c.seed, widened));
      expectSameResult(asHalf, asFloat, 1e-6, c.label);
    },
  );

  it.skipIf(!present).each(CASES.map((c, i) => ({ ...c, seed: 300 + i })))(
    "int8 kernel with scales equals the float32 kernel fed the dequantised values within 1e-5: $label",
    async (c) => {
      const random = seededRandom(c.seed + 1);
      const q = Int8Array.from({ length: c.kr * dim * regionsPerImage }, () => Math.round((random() - 0.5) * 254));
      const scales = Float32Array.from({ length: c.kr * regionsPerImage }, () => 0.0005 + random() * 0.004);
      const dequantised = new Float32Array(q.length);
      for (let k = 0; k < c.kr; k++) {
        for (let d = 0; d < dim; d++) {
          for (let m = 0; m < regionsPerImage; m++) {
            const i = (k * dim + d) * regionsPerImage + m;
            dequantised[i] = q[i] * scales[k * regionsPerImage + m];
          }
        }
      }
      const asInt8 = await kernels.compare({ ...request(c, c.seed, dequantised), regions: { encoding: "int8", data: q, scales } });
      const asFloat = await kernels.compare(request(c, c.seed, dequantised));
      expectSameResult(asInt8, asFloat, 1e-5, c.label);
    },
  );

  it.skipIf(!present)("leaves the attention out unless asked, and refuses mis-sized region scales", async () => {
    const c = CASES[1];
    const r = request(c, 7, randomRegions(c, 8));
    const plain = await kernels.compare({ ...r, withAttention: false });
    expect(plain.attention).toBeUndefined();
    expect(plain.scores).toHaveLength(c.kr);
    const q = new Int8Array(c.kr * dim * regionsPerImage);
    await expect(kernels.compare({ ...r, regions: { encoding: "int8", data: q, scales: new Float32Array(3) } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: `region scales hold 3 values, expected ${c.kr}×${regionsPerImage}`,
    });
    await expect(kernels.compare({ ...r, regions: { encoding: "float16", data: new Uint16Array(5) } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: `regions hold 5 values, expected ${c.kr}×${dim}×${regionsPerImage}`,
    });
  });
});

describe.skipIf(!MODELS[0].present)("kernel files at load", () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), "gloria-kernels-"));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it("refuses to load a model when a kernel is missing, naming the file", async () => {
    const error = await GloriaModel.load(MODELS[0].dir, { kernelDir: empty }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "MODEL_UNAVAILABLE" });
    expect((error as AppError).message).toContain(KERNEL_FILES.float32);
  });
});

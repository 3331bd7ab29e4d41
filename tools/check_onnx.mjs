// Checks an exported model folder against its Python goldens with ONNX Runtime (node) and tokenizers.js.
// Usage: node tools/check_onnx.mjs <golden dir> — exits 1 when any comparison is out of tolerance.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const goldenDir = path.resolve(process.argv[2] ?? path.join(root, "tests/fixtures/golden/tiny"));
const index = JSON.parse(fs.readFileSync(path.join(goldenDir, "index.json"), "utf8"));
const modelDir = path.resolve(root, index.model.dir);
const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, "manifest.json"), "utf8"));

const TYPED = { float32: Float32Array, uint8: Uint8Array, int64: BigInt64Array };
function load(name) {
  const meta = index.arrays[name];
  const buf = fs.readFileSync(path.join(goldenDir, meta.file));
  const Ctor = TYPED[meta.dtype];
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return { data: new Ctor(copy), shape: meta.shape };
}

let failures = 0;
const tol = index.tolerance;
function compare(label, got, want, scale) {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const g = got[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    maxAbs = Math.max(maxAbs, Math.abs(g - w));
    maxRef = Math.max(maxRef, Math.abs(w));
  }
  if (got.length !== want.length) maxAbs = Infinity;
  const limit = tol.absolute + tol.relative * (scale ?? maxRef);
  const ok = maxAbs <= limit;
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${label}: max |diff| ${maxAbs.toExponential(2)} (limit ${limit.toExponential(2)}, max |ref| ${maxRef.toExponential(2)})`);
}

const session = (f) => ort.InferenceSession.create(path.join(modelDir, f), { intraOpNumThreads: 2 });
const [image, text, local] = await Promise.all([
  session("image_encoder.onnx"),
  session("text_encoder.onnx"),
  session("local_similarity.onnx"),
]);
const D = manifest.embedding.dim;
const M = manifest.embedding.grid[0] * manifest.embedding.grid[1];
const T = manifest.text.maxLength;

// Image encoder: pixel values from the stored uint8, in float32 steps as ToTensor + Normalize do.
const px = load("pixels_u8");
const pv = new Float32Array(px.data.length);
for (let i = 0; i < pv.length; i++) pv[i] = Math.fround(Math.fround(px.data[i] / 255) - 0.5) / 0.5;
const imgOut = await image.run({ pixel_values: new ort.Tensor("float32", pv, px.shape) });
compare("image global", imgOut.global.data, load("image_global").data);
compare("image local", imgOut.local.data, load("image_local").data);

// Text encoder over every golden text.
const N = index.texts.length;
const ids = new BigInt64Array(N * T);
const mask = new BigInt64Array(N * T);
index.texts.forEach((t, i) => {
  t.inputIds.forEach((v, j) => (ids[i * T + j] = BigInt(v)));
  t.attentionMask.forEach((v, j) => (mask[i * T + j] = BigInt(v)));
});
const txtOut = await text.run({
  input_ids: new ort.Tensor("int64", ids, [N, T]),
  attention_mask: new ort.Tensor("int64", mask, [N, T]),
  token_type_ids: new ort.Tensor("int64", new BigInt64Array(N * T), [N, T]),
});
compare("token embeddings", txtOut.token_embeddings.data, load("token_embeddings").data);

// Local similarity: all texts (Kw = N, masked columns filled with noise) against each image (Kr = 1).
const wordEmb = load("word_embeddings").data; // [N,D,T]
const regionsAll = load("image_local").data; // [B,D,h,w]
const B = index.images.length;
for (const mode of ["REFERENCE", "WORDS"]) {
  const cols = index.texts.map((t) => (mode === "REFERENCE" ? t.referenceColumns : t.nWords));
  const L = Math.max(1, ...cols);
  const words = new Float32Array(N * D * L);
  const wmask = new Float32Array(N * L);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < L; j++) {
      const on = j < cols[i];
      wmask[i * L + j] = on ? 1 : 0;
      for (let d = 0; d < D; d++) {
        words[(i * D + d) * L + j] = on ? wordEmb[(i * D + d) * T + 1 + j] : 37 * Math.sin(i + j + d);
      }
    }
  }
  const want = load(index.similarity[mode].local).data; // [B,N]
  const got = new Float32Array(B * N);
  for (let b = 0; b < B; b++) {
    const regions = regionsAll.slice(b * D * M, (b + 1) * D * M);
    const out = await local.run({
      words: new ort.Tensor("float32", words, [N, D, L]),
      word_mask: new ort.Tensor("float32", wmask, [N, L]),
      regions: new ort.Tensor("float32", regions, [1, D, M]),
    });
    got.set(out.scores.data, b * N);
  }
  compare(`local scores ${mode} (Kw=N, Kr=1)`, got, want, 5);

  // The attention pair: one text (Kw = 1) against every image (Kr = B).
  const pair = index.attention;
  const ti = index.texts.findIndex((t) => t.id === pair.text);
  const bi = index.images.find((im) => im.id === pair.image).index;
  const Lp = pair[mode].columns;
  const w1 = new Float32Array(D * Lp);
  for (let d = 0; d < D; d++) for (let j = 0; j < Lp; j++) w1[d * Lp + j] = wordEmb[(ti * D + d) * T + 1 + j];
  const out = await local.run({
    words: new ort.Tensor("float32", w1, [1, D, Lp]),
    word_mask: new ort.Tensor("float32", new Float32Array(Lp).fill(1), [1, Lp]),
    regions: new ort.Tensor("float32", regionsAll, [B, D, M]),
  });
  compare(`pair score ${mode} (Kw=1, Kr=B)`, [out.scores.data[bi]], [pair[mode].score], 5);
  compare(`pair word cosines ${mode}`, out.word_cosines.data.slice(bi * Lp, (bi + 1) * Lp), load(pair[mode].wordCosines).data, 1);
  compare(`pair attention ${mode}`, out.attention.data.slice(bi * Lp * M, (bi + 1) * Lp * M), load(pair[mode].attention).data, 1);
}

// Tokenizer: tokenizers.js with the exported tokenizer.json, truncated and padded as §3.2 says
// (tokenizers.js applies neither), against the Python reference ids.
const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8")), {});
const { pad, sep } = manifest.text.specialIds;
function encode(s) {
  let got = tok.encode(s).ids;
  if (got.length > T) got = [...got.slice(0, T - 1), sep];
  return [...got, ...new Array(T - got.length).fill(pad)];
}
let tokBad = 0;
const cases = [
  ...index.tokenizerCases.map((c) => [c.text, c.inputIds]),
  ...index.texts.map((t) => [t.cleaned, t.inputIds]),
];
for (const [s, want] of cases) {
  const got = encode(s);
  if (got.join(",") !== want.join(",")) {
    tokBad++;
    console.log(`FAIL tokenizer ${JSON.stringify(s).slice(0, 60)}: js ${got.slice(0, 12)} py ${want.slice(0, 12)}`);
  }
}
if (tokBad) failures++;
console.log(`${tokBad ? "FAIL" : "ok  "} tokenizer: ${cases.length - tokBad}/${cases.length} strings give the Python ids`);

console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);

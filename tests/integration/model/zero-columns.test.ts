// REFERENCE slicing's zero columns computed as one column of multiplicity Z: the same local scores and
// the same per-word attention maps as computing every column, for short and long texts, both slicing
// modes and every stored encoding. Tiny model always, full size when generated.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import type { RegionInput, SlicingMode, TextFeatures } from "../../../src/model/model.port.ts";
import { encodeFloat16 } from "../../../src/stores/local-features/float16.codec.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";
import { modelFixturePresent, REPO_ROOT } from "./golden.helpers.ts";

const MODELS = [
  { name: "tiny", dir: join(REPO_ROOT, "tests/fixtures/models/tiny") },
  { name: "full-size", dir: join(REPO_ROOT, "tests/fixtures/large/gloria-full") },
].map((m) => ({ ...m, present: modelFixturePresent(m.dir) }));

const TEXTS = [
  "left pleural effusion",
  "small left pleural effusion with adjacent atelectasis",
  "cardiomegaly",
  "there is a large right pleural effusion. the heart size is normal. no pneumothorax is seen. mild pulmonary edema is present in both lungs, unchanged from the prior study",
];
const K = 37;

describe.each(MODELS)("zero columns counted, not computed: $name model", ({ dir, present }) => {
  let model: GloriaModel;
  let texts: TextFeatures[];
  let regions: Float32Array;

  beforeAll(async () => {
    if (!present) return;
    model = await GloriaModel.load(dir);
    texts = await model.encodeTexts(TEXTS);
    const random = seededRandom(17);
    // Region features of the size the encoder gives (its outputs are not normalised).
    regions = Float32Array.from({ length: K * model.dim * model.grid[0] * model.grid[1] }, () => (random() - 0.5) * 3);
  });
  afterAll(async () => model?.close());

  it.skipIf(!present).each(["REFERENCE", "WORDS"] as SlicingMode[])("gives every column's scores and word maps in %s mode", async (mode) => {
    const half = encodeFloat16(regions);
    const inputs: RegionInput[] = [
      { encoding: "float32", data: regions },
      { encoding: "float16", data: new Uint16Array(half.buffer, half.byteOffset, half.byteLength / 2) },
    ];
    for (const text of texts) {
      for (const input of inputs) {
        const every = await model.scoreTextAgainstRegions(text, input, K, { mode, withAttention: true, everyColumn: true });
        const counted = await model.scoreTextAgainstRegions(text, input, K, { mode, withAttention: true });
        if (mode === "REFERENCE" && every.columns.filter((c) => c === "").length > 1) {
          expect(counted.columns.length, text.text).toBeLessThan(every.columns.length);
          expect(counted.columns.filter((c) => c === "")).toEqual([""]);
        }
        for (let k = 0; k < K; k++) expect(Math.abs(counted.local[k]! - every.local[k]!), `${text.text} #${k}`).toBeLessThan(1e-5);
        for (const k of [0, K - 1]) {
          const a = model.wordAttention(counted, k);
          const b = model.wordAttention(every, k).filter((w) => w.word !== "");
          expect(a.map((w) => w.word)).toEqual(b.map((w) => w.word));
          a.forEach((w, j) => {
            expect(Math.abs(w.cosine - b[j]!.cosine)).toBeLessThan(1e-5);
            expect(Math.max(...Array.from(w.map, (v, r) => Math.abs(v - b[j]!.map[r]!)))).toBeLessThan(1e-6);
          });
        }
      }
    }
  });

  it.skipIf(!present)("scores images against several texts the same way (report re-ranking, zero-shot)", async () => {
    const one = { global: new Float32Array(model.dim), local: regions.subarray(0, model.dim * model.grid[0] * model.grid[1]) };
    const counted = await model.scoreRegionsAgainstTexts({ encoding: "float32", data: one.local }, texts, { mode: "REFERENCE" });
    for (const [i, text] of texts.entries()) {
      const every = await model.scoreTextAgainstRegions(text, { encoding: "float32", data: one.local }, 1, { mode: "REFERENCE", everyColumn: true });
      expect(Math.abs(counted[i]! - every.local[0]!), text.text).toBeLessThan(1e-5);
    }
  });
});

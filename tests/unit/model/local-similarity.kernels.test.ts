// OnnxLocalSimilarity's side of the kernels, on a fake runtime: each region encoding goes to its own
// kernel as the very typed array the caller passed (no conversion), with the manifest's temperatures;
// each kernel opens once; the attention output is asked for only on request; a kernel that lacks an
// input is refused.
import { describe, expect, it } from "vitest";
import type { RegionInput } from "../../../src/model/model.port.ts";
import { OnnxLocalSimilarity, type RegionEncoding } from "../../../src/model/onnx.local-similarity.ts";
import type { Feed, FloatTensor, OnnxGraph } from "../../../src/model/onnx.runtime.ts";

const D = 4;
const M = 3;

interface Call {
  encoding: RegionEncoding;
  feeds: Record<string, Feed>;
  outputs: readonly string[] | undefined;
}

function fakeKernels(options: { inputs?: (encoding: RegionEncoding) => string[] } = {}) {
  const calls: Call[] = [];
  const opened: RegionEncoding[] = [];
  const released: RegionEncoding[] = [];
  const open = async (encoding: RegionEncoding): Promise<OnnxGraph> => {
    opened.push(encoding);
    const inputs = options.inputs?.(encoding) ?? ["words", "word_mask", "regions", ...(encoding === "int8" ? ["region_scales"] : []), "temperatures"];
    return {
      file: `local_similarity.${encoding}.onnx`,
      inputNames: inputs,
      outputNames: ["scores", "word_cosines", "attention"],
      inputTypes: {},
      provider: "cpu",
      async run(feeds, outputs) {
        calls.push({ encoding, feeds, outputs });
        const K = Math.max(feeds.words.dims[0], feeds.regions.dims[0]);
        const L = feeds.words.dims[2];
        const out: Record<string, FloatTensor> = {
          scores: { data: new Float32Array(K), dims: [K] },
          word_cosines: { data: new Float32Array(K * L), dims: [K, L] },
        };
        if (outputs?.includes("attention")) out.attention = { data: new Float32Array(K * L * M), dims: [K, L, M] };
        return out;
      },
      async release() {
        released.push(encoding);
      },
    };
  };
  return { open, calls, opened, released };
}

function request(regions: Float32Array | RegionInput, withAttention = false) {
  return { words: new Float32Array(D * 2), wordMask: Float32Array.of(1, 0), wordBatch: 1, regions, regionBatch: 2, length: 2, withAttention };
}

describe("OnnxLocalSimilarity on the kernels", () => {
  it("feeds each encoding's typed array to its own kernel as is, with the temperatures", async () => {
    const fake = fakeKernels();
    const local = new OnnxLocalSimilarity(fake.open, { dim: D, regions: M, temperatures: [4, 5] });
    const f32 = new Float32Array(2 * D * M);
    const f16 = new Uint16Array(2 * D * M);
    const q = new Int8Array(2 * D * M);
    const scales = new Float32Array(2 * M);
    await local.compare(request(f32));
    await local.compare(request({ encoding: "float16", data: f16 }));
    await local.compare(request({ encoding: "int8", data: q, scales }));
    await local.compare(request({ encoding: "float32", data: f32 }));

    expect(fake.opened).toEqual(["float32", "float16", "int8"]);
    const [a, b, c, d] = fake.calls;
    expect([a.encoding, b.encoding, c.encoding, d.encoding]).toEqual(["float32", "float16", "int8", "float32"]);
    expect(a.feeds.regions).toMatchObject({ type: "float32", dims: [2, D, M] });
    expect(a.feeds.regions.data).toBe(f32);
    expect(b.feeds.regions).toMatchObject({ type: "float16", dims: [2, D, M] });
    expect(b.feeds.regions.data).toBe(f16);
    expect(c.feeds.regions).toMatchObject({ type: "int8", dims: [2, D, M] });
    expect(c.feeds.regions.data).toBe(q);
    expect(c.feeds.region_scales).toMatchObject({ type: "float32", dims: [2, 1, M] });
    expect(c.feeds.region_scales.data).toBe(scales);
    expect(b.feeds.region_scales).toBeUndefined();
    for (const call of fake.calls) expect(Array.from(call.feeds.temperatures.data as Float32Array)).toEqual([4, 5]);
  });

  it("asks for the attention maps only when the caller wants them", async () => {
    const fake = fakeKernels();
    const local = new OnnxLocalSimilarity(fake.open, { dim: D, regions: M, temperatures: [4, 5] });
    const plain = await local.compare(request(new Float32Array(2 * D * M)));
    const withMaps = await local.compare(request(new Float32Array(2 * D * M), true));
    expect(fake.calls[0].outputs).toEqual(["scores", "word_cosines"]);
    expect(fake.calls[1].outputs).toEqual(["scores", "word_cosines", "attention"]);
    expect(plain.attention).toBeUndefined();
    expect(withMaps.attention).toHaveLength(2 * 2 * M);
  });

  it("refuses a kernel that lacks an input, and opens it again on the next call", async () => {
    let broken = true;
    const fake = fakeKernels({ inputs: () => (broken ? ["words", "word_mask", "regions"] : ["words", "word_mask", "regions", "temperatures"]) });
    const local = new OnnxLocalSimilarity(fake.open, { dim: D, regions: M, temperatures: [4, 5] });
    await expect(local.compare(request(new Float32Array(2 * D * M)))).rejects.toMatchObject({
      code: "MODEL_UNAVAILABLE",
      message: expect.stringContaining("lacks input temperatures") as unknown,
    });
    broken = false;
    await local.compare(request(new Float32Array(2 * D * M)));
    expect(fake.opened).toEqual(["float32", "float32"]);
  });

  it("releases every opened kernel and then refuses work", async () => {
    const fake = fakeKernels();
    const local = new OnnxLocalSimilarity(fake.open, { dim: D, regions: M, temperatures: [4, 5] });
    await local.compare(request({ encoding: "float16", data: new Uint16Array(2 * D * M) }));
    await local.release();
    expect(fake.released).toEqual(["float16"]);
    await expect(local.compare(request(new Float32Array(2 * D * M)))).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
  });
});

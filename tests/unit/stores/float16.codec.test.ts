// The float16 codec against numpy (tests/fixtures/float16/make_float16_fixture.py): every half
// decodes as numpy decodes it, and float32 values encode as numpy's astype(float16) does, including
// round-half-to-even at every midpoint, subnormals, overflow to Inf and NaN payloads.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeFloat16,
  encodeFloat16,
  float16BitsToFloat32,
  float32BitsToFloat16Bits,
  float32ToFloat16Bits,
} from "../../../src/stores/local-features/float16.codec.ts";

interface Fixture {
  decodeAll: { count: number; sha256OfFloat32Bits: string };
  encode: Record<"halves" | "midpoints" | "stride", { count: number; sha256OfFloat16Bits: string }>;
  named: Record<string, { float32Bits: number; float16Bits: number }>;
}

const fixture = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../fixtures/float16/float16.json"), "utf8")) as Fixture;

const sha256 = (bytes: ArrayBufferView) =>
  createHash("sha256")
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest("hex");
const fromBits = (bits: Uint32Array) => new Float32Array(bits.buffer.slice(0));

function allHalvesBlob(): Uint8Array {
  const blob = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) {
    blob[2 * h] = h & 0xff;
    blob[2 * h + 1] = h >>> 8;
  }
  return blob;
}

describe("float16 codec", () => {
  const decoded = decodeFloat16(allHalvesBlob());

  it("decodes all 65,536 half bit patterns exactly as numpy does", () => {
    expect(decoded.length).toBe(fixture.decodeAll.count);
    expect(sha256(new Uint32Array(decoded.buffer))).toBe(fixture.decodeAll.sha256OfFloat32Bits);
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x83ff)).toBe(-1023 * 2 ** -24);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it("encodes every half value, NaN payloads included, back to its own bits", () => {
    const encoded = encodeFloat16(decoded);
    expect(sha256(encoded)).toBe(fixture.encode.halves.sha256OfFloat16Bits);
    const mismatches: string[] = [];
    for (let h = 0; h < 65536; h++) if (encoded[2 * h] + (encoded[2 * h + 1] << 8) !== h) mismatches.push(h.toString(16));
    expect(mismatches).toEqual([]);
  });

  it("rounds every midpoint between neighbouring halves to even, and its float32 neighbours to nearest", () => {
    const bits = new Uint32Array(decoded.buffer);
    const triples: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const mid = new Float32Array([(decoded[h] + decoded[h + 1]) / 2]);
      const b = new Uint32Array(mid.buffer)[0];
      expect(Math.fround((decoded[h] + decoded[h + 1]) / 2)).toBe(mid[0]);
      triples.push(b - 1, b, b + 1);
    }
    expect(bits[0x3c00]).toBe(0x3f800000);
    const inputs = new Uint32Array([...triples, ...triples.map((b) => (b | 0x80000000) >>> 0)]);
    expect(inputs.length).toBe(fixture.encode.midpoints.count);
    expect(sha256(encodeFloat16(fromBits(inputs)))).toBe(fixture.encode.midpoints.sha256OfFloat16Bits);
  });

  it("encodes a stride through all float32 bit patterns (every exponent, Inf and NaN) as numpy does", () => {
    const inputs: number[] = [];
    for (let b = 0; b < 2 ** 32; b += 65521) inputs.push(b);
    expect(inputs.length).toBe(fixture.encode.stride.count);
    expect(sha256(encodeFloat16(fromBits(new Uint32Array(inputs))))).toBe(fixture.encode.stride.sha256OfFloat16Bits);
  });

  it.each(Object.entries(fixture.named))("encodes %s as numpy does", (_name, { float32Bits, float16Bits }) => {
    expect(float32BitsToFloat16Bits(float32Bits).toString(16)).toBe(float16Bits.toString(16));
    const value = fromBits(new Uint32Array([float32Bits]))[0];
    // A NaN's payload may not survive a JS number; its NaN-ness must.
    if (Number.isNaN(value)) expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(value)))).toBe(true);
    else expect(float32ToFloat16Bits(value).toString(16)).toBe(float16Bits.toString(16));
  });

  it("refuses a blob of odd length", () => {
    expect(() => decodeFloat16(new Uint8Array(3))).toThrow(RangeError);
  });
});

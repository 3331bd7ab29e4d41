// A model folder with a segmentation graph whose answer a test can work out by hand: the tiny model's
// folder plus a segmentation.onnx that is one 1×1 convolution, logit_c = Σ_k w[c][k]·x_k + b[c] on the
// three input channels (equal, so logit_c = (Σ_k w[c][k])·x + b[c]). The ONNX protobuf is written
// here field by field (onnx.proto3: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderChecksum } from "../../src/model/model.manifest.ts";

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Field `n` as a varint. */
const int = (n: number, value: number) => [...varint(n << 3), ...varint(value)];
/** Field `n` length-delimited (bytes, a string or a nested message). */
function bytes(n: number, payload: number[] | Uint8Array | string): number[] {
  const data = typeof payload === "string" ? [...Buffer.from(payload, "utf8")] : [...payload];
  return [...varint((n << 3) | 2), ...varint(data.length), ...data];
}

const FLOAT = 1;

function tensor(name: string, dims: number[], values: number[]): number[] {
  const raw = new Uint8Array(Float32Array.from(values).buffer);
  return [...dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...bytes(8, name), ...bytes(9, raw)];
}

/** A float tensor's value info with named (dynamic) or fixed dimensions. */
function valueInfo(name: string, dims: Array<number | string>): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === "number" ? int(1, d) : bytes(2, d)));
  const tensorType = [...int(1, FLOAT), ...bytes(2, shape)];
  return [...bytes(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** segmentation.onnx: pixel_values [B,3,S,S] → logits [B,C,S,S] by a 1×1 convolution with these weights and biases. */
export function conv1x1Segmentation(size: number, weights: number[][], biases: number[]): Uint8Array {
  const C = weights.length;
  const node = [...bytes(1, "pixel_values"), ...bytes(1, "W"), ...bytes(1, "B"), ...bytes(2, "logits"), ...bytes(3, "conv"), ...bytes(4, "Conv")];
  const graph = [
    ...bytes(1, node),
    ...bytes(2, "segmentation"),
    ...bytes(5, tensor("W", [C, 3, 1, 1], weights.flat())),
    ...bytes(5, tensor("B", [C], biases)),
    ...bytes(11, valueInfo("pixel_values", ["batch", 3, size, size])),
    ...bytes(12, valueInfo("logits", ["batch", C, size, size])),
  ];
  const model = [...int(1, 8), ...bytes(2, "gloria-search-tests"), ...bytes(7, graph), ...bytes(8, [...bytes(1, ""), ...int(2, 17)])];
  return Uint8Array.from(model);
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

export interface ConvSegmentation {
  classes: string[];
  size: number;
  weights: number[][];
  biases: number[];
}

/**
 * Copies the model folder `from` to `to` with this segmentation graph added: segmentation.onnx, the
 * manifest's `segmentation` and its file hash, a new checksum and name (so its id differs from the
 * original's). Returns `to`.
 */
export function writeSegmentationModel(from: string, to: string, seg: ConvSegmentation, name = "tiny-segmentation"): string {
  mkdirSync(to, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(from, "manifest.json"), "utf8")) as Record<string, unknown> & { files: Record<string, string> };
  for (const file of Object.keys(manifest.files)) copyFileSync(join(from, file), join(to, file));
  const graph = conv1x1Segmentation(seg.size, seg.weights, seg.biases);
  writeFileSync(join(to, "segmentation.onnx"), graph);
  manifest.files = { ...manifest.files, "segmentation.onnx": sha256(graph) };
  manifest.segmentation = { classes: seg.classes, size: seg.size, resize: "stretch", norm: "half" };
  manifest.name = name;
  manifest.checksum = folderChecksum(manifest.files);
  writeFileSync(join(to, "manifest.json"), JSON.stringify(manifest, null, 2));
  return to;
}

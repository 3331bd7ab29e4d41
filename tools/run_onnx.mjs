// Runs one ONNX graph with ONNX Runtime (node) on float32 inputs stored as raw little-endian files.
// Usage: node tools/run_onnx.mjs <request.json>, where the request is
//   {"model": path, "inputs": {name: {"file": path, "shape": [..]}}, "outputs": {name: path}}
// Each requested output is written as raw float32; its shape is printed as JSON on stdout.
import fs from "node:fs";
import * as ort from "onnxruntime-node";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const session = await ort.InferenceSession.create(req.model, { intraOpNumThreads: 1 });
const feeds = {};
for (const [name, { file, shape }] of Object.entries(req.inputs)) {
  const buf = fs.readFileSync(file);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  feeds[name] = new ort.Tensor("float32", data, shape);
}
const out = await session.run(feeds, Object.keys(req.outputs));
const shapes = {};
for (const [name, file] of Object.entries(req.outputs)) {
  const t = out[name];
  fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  shapes[name] = t.dims;
}
console.log(JSON.stringify(shapes));

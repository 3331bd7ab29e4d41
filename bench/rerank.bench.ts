// Re-ranking throughput: GLoRIA's local similarity of one text query against K = 10, 50, 200 candidate
// images in one local_similarity.onnx run (through GloriaModel), against the PyTorch reference's
// get_local_similarities path, for both slicing modes. Candidates are random region features (the
// cost does not depend on their values), packed as the reference receives them; the rate with
// per-image arrays (a copy into one buffer per call) is reported beside it. `run(args)` returns JSON.
import { pathToFileURL } from "node:url";
import { GloriaModel } from "../src/model/gloria.model.ts";
import type { ImageFeatures, SlicingMode } from "../src/model/model.ports.ts";
import { onnxRuntimeInfo } from "../src/model/onnx.runtime.ts";
import { packImageFeatures } from "../src/model/similarity/similarity.batch.ts";
import { bestSeconds, parseArgs, runTorch, timeRuns } from "./encode.bench.ts";

const QUERY = "small left pleural effusion with adjacent atelectasis";
const MODES: SlicingMode[] = ["REFERENCE", "WORDS"];

function randomCandidates(count: number, dim: number, regions: number, seed: number): ImageFeatures[] {
  let s = seed >>> 0;
  // Roughly unit-normal values (sum of uniforms), enough to exercise exp/softmax realistically.
  const next = () => {
    let v = 0;
    for (let i = 0; i < 4; i++) v += (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    return (v - 2) * Math.sqrt(3);
  };
  return Array.from({ length: count }, () => ({
    global: Float32Array.from({ length: dim }, next),
    local: Float32Array.from({ length: dim * regions }, next),
  }));
}

export async function run(argv: readonly string[] = []): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const ks = (args.values.get("ks") ?? "10,50,200").split(",").map(Number);
  const query = args.values.get("query") ?? QUERY;
  const model = await GloriaModel.load(args.model, { intraOpNumThreads: args.threads });
  const results: Record<string, Record<string, Record<string, number | null>>> = {};
  const columns: Record<string, number> = {};
  try {
    const [text] = await model.encodeTexts([query]);
    const pool = randomCandidates(Math.max(...ks), model.dim, model.grid[0] * model.grid[1], 7);
    for (const mode of MODES) {
      results[mode] = {};
      for (const k of ks) {
        const candidates = pool.slice(0, k);
        // Packed like the reference's [K, D, h, w] tensor (and like a feature store can fill it).
        const packed = packImageFeatures(candidates, model.dim, model.grid[0] * model.grid[1]);
        const first = await model.scoreTextAgainstImages(text, packed, { mode });
        columns[mode] = first.columns.length;
        const t = await timeRuns(() => model.scoreTextAgainstImages(text, packed, { mode }), args.seconds);
        const unpacked = await bestSeconds(() => model.scoreTextAgainstImages(text, candidates, { mode }), args.seconds / 2);
        results[mode][k] = {
          secondsPerRun: t.wall,
          candidatesPerSecond: k / t.wall,
          candidatesPerCpuSecond: k / t.cpu,
          candidatesPerSecondIncludingPacking: k / unpacked,
        };
      }
    }
  } finally {
    await model.close();
  }

  if (args.torch) {
    const torch = (await runTorch("rerank", args, ["--ks", ks.join(","), "--query", query])) as {
      modes: Record<string, Record<string, { candidatesPerSecond: number; candidatesPerCpuSecond: number }>>;
    };
    for (const mode of MODES) {
      for (const k of ks) {
        const r = results[mode][k];
        r.torchCandidatesPerSecond = torch.modes[mode][k].candidatesPerSecond;
        r.speedup = (r.candidatesPerSecond as number) / r.torchCandidatesPerSecond;
        r.speedupCpu = (r.candidatesPerCpuSecond as number) / torch.modes[mode][k].candidatesPerCpuSecond;
      }
    }
  }
  const at50 = MODES.map((m) => results[m]["50"]?.speedup ?? null);
  return {
    bench: "rerank",
    model: { id: model.id, dir: args.model },
    threads: args.threads,
    runtime: onnxRuntimeInfo(),
    query,
    columns,
    modes: results,
    target: {
      speedupAtK50: 5,
      met: at50.every((s) => s !== null) ? at50.every((s) => (s as number) >= 5) : null,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await run(process.argv.slice(2)))}\n`);
}

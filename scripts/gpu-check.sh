#!/usr/bin/env bash
# The GPU path in one go, on a machine with an NVIDIA GPU (docs/precision.md):
#   1. the image/text encoder benchmark of the full-size GLoRIA architecture on the CPU and on the
#      GPU side by side, float32 and int8 on the CPU, float32 and fp16 on CUDA, per batch size;
#   2. a check that GPU embeddings match the CPU ones (cosine ≥ 0.9999 for float32, ≥ 0.999 for fp16,
#      and every graph really on CUDA, no silent fallback);
#   3. the evaluation harness on 300 held-out phantoms with gloria-phantom float32 on the CPU and fp16
#      on CUDA, compared side by side (the accuracy cost of fp16).
# Results go to $OUT (default bench-results/gpu-check-<time>); exit status 0 only when step 2 passes.
#   bash scripts/gpu-check.sh [--quick]
set -uo pipefail
cd "$(dirname "$0")/.."

OUT="${OUT:-bench-results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}"
SECONDS_PER_POINT=3
BATCHES=1,4,16,32,64
if [ "${1:-}" = "--quick" ]; then SECONDS_PER_POINT=1; BATCHES=1,16,64; fi
say() { printf '== %s\n' "$*" | tee -a "$OUT/log.txt"; }

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi is missing or fails); nothing was measured" >&2
  exit 2
fi
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv"

[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
# onnxruntime-node ships the CUDA execution provider only on request (.npmrc skips it for CPU installs).
if ! ls node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
  say "fetching the CUDA execution provider of onnxruntime-node"
  (cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js) >>"$OUT/log.txt" 2>&1 \
    || say "could not fetch it (no network?): CUDA sessions will fall back to the CPU and step 2 will fail"
fi
[ -f tests/fixtures/large/gloria-full/manifest.json ] || tools/make-goldens --full >>"$OUT/log.txt" 2>&1 || exit 1

say "1. encoder benchmark, CPU and GPU side by side (full-size architecture, random weights)"
npm run --silent bench -- precision --json --provider cuda --model tests/fixtures/large/gloria-full \
  --seconds "$SECONDS_PER_POINT" --batches "$BATCHES" >"$OUT/precision.json" 2>>"$OUT/log.txt" || { say "the benchmark failed; see $OUT/log.txt"; exit 1; }

say "2. GPU embeddings against CPU ones"
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).results;
  const bars = { "fp32-cuda": 0.9999, "fp16-cuda": 0.999 };
  let ok = true;
  for (const [label, min] of Object.entries(bars)) {
    const v = r[label];
    const onGpu = Object.values(v.providers).every((p) => p === "cuda");
    const a = v.agreementWithFp32Cpu;
    const worst = Math.min(a.minGlobalCosine, a.minLocalCosine, a.minTextCosine);
    const pass = onGpu && worst >= min;
    ok &&= pass;
    console.log(`${pass ? "PASS" : "FAIL"} ${label}: providers ${JSON.stringify(v.providers)}, min cosine ${worst.toFixed(6)} (bar ${min}), max |Δglobal| ${a.maxAbsGlobal.toExponential(2)}, best batch ${v.bestBatch}: ${v.imagesPerSecond["batch" + v.bestBatch].toFixed(1)} img/s`);
  }
  const cpu = r["fp32-cpu"];
  console.log(`fp32-cpu best batch ${cpu.bestBatch}: ${cpu.imagesPerSecond["batch" + cpu.bestBatch].toFixed(1)} img/s; int8-cpu: ${r["int8-cpu"].imagesPerSecond["batch" + r["int8-cpu"].bestBatch].toFixed(1)} img/s`);
  process.exit(ok ? 0 : 1);
' "$OUT/precision.json" | tee "$OUT/agreement.txt"
agreement=${PIPESTATUS[0]}

say "3. evaluation harness: gloria-phantom float32 on the CPU vs fp16 on CUDA"
if [ -f models/gloria-phantom/manifest.json ]; then
  export GLORIA_DATA_DIR="$OUT/data"
  npx gloria phantoms --out "$OUT/phantoms" --count 300 --seed 424242 --split test >>"$OUT/log.txt" 2>&1
  tools/convert-precision --model models/gloria-phantom --precision fp16 --out "$OUT/gloria-phantom-fp16" >>"$OUT/log.txt" 2>&1
  a=$(EXECUTION_PROVIDER=cpu npx gloria eval --model models/gloria-phantom --manifest "$OUT/phantoms/manifest.csv" --json 2>>"$OUT/log.txt" | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
  b=$(EXECUTION_PROVIDER=cuda npx gloria eval --model "$OUT/gloria-phantom-fp16" --manifest "$OUT/phantoms/manifest.csv" --json 2>>"$OUT/log.txt" | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
  npx gloria eval --compare "$a" "$b" | tee "$OUT/eval-compare.md"
else
  say "models/gloria-phantom is missing; step 3 skipped"
fi

say "results in $OUT"
exit "$agreement"

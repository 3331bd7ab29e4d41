// The linear-probe fit against scikit-learn run live (tools/gloria_ref/linear_probe.py) on features
// and labels drawn here, beside the committed goldens that the unit test reads: weights, biases and
// probabilities agree. Skipped without Debian's python3-sklearn (CI installs it).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fitLogisticHeads, headProbability } from "../../src/services/classifier/logistic.fit.ts";
import { PYTHON, runsWithPython } from "../helpers/python.ts";

/** A small seeded generator for the inputs (not for anything compared). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const SCRIPT = `
import json, sys
import numpy as np
from gloria_ref.linear_probe import fit_heads, probabilities
data = json.load(sys.stdin)
x = np.array(data["features"], dtype=np.float64)
y = np.array(data["labels"], dtype=np.int64).T
w, b = fit_heads(x, y, data["l2"])
json.dump({"weights": w.tolist(), "biases": b.tolist(), "probabilities": probabilities(x, w, b).T.tolist()}, sys.stdout)
`;

describe.runIf(runsWithPython("sklearn", "numpy"))("linear-probe fit against scikit-learn (live)", () => {
  it("gives scikit-learn's heads on unit vectors with four classes", () => {
    const random = uniform(11);
    const n = 150;
    const d = 24;
    const features = Array.from({ length: n }, () => {
      const v = Array.from({ length: d }, () => random() * 2 - 1);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
    // Each class leans on a few coordinates, with noise: neither separable nor hopeless.
    const labels = [0, 1, 2, 3].map((k) => features.map((x) => (x[k]! + x[k + 4]! + (random() - 0.5) * 0.4 > 0 ? 1 : 0)));
    const l2 = 0.05;
    const result = spawnSync(PYTHON, ["-c", SCRIPT], { cwd: "tools", input: JSON.stringify({ features, labels, l2 }), encoding: "utf8", timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const reference = JSON.parse(result.stdout) as { weights: number[][]; biases: number[]; probabilities: number[][] };
    const heads = fitLogisticHeads(features, labels, l2);
    heads.forEach((head, k) => {
      const scale = Math.max(1, ...reference.weights[k]!.map(Math.abs));
      head.weights.forEach((w, j) => expect(Math.abs(w - reference.weights[k]![j]!) / scale).toBeLessThan(1e-6));
      expect(Math.abs(head.bias - reference.biases[k]!) / scale).toBeLessThan(1e-6);
      features.forEach((x, i) => expect(headProbability(head, x)).toBeCloseTo(reference.probabilities[k]![i]!, 7));
    });
  });
});

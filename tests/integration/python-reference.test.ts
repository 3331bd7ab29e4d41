// The Python reference and the phantom training code have their own pytest suites (tools/tests,
// tools/phantom/tests); they run here so `npm test` covers them. Skipped where Debian's torch is
// missing (CI installs it).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PYTHON, runsWithPython } from "../helpers/python.ts";

describe.runIf(runsWithPython("torch", "onnx", "cv2"))("Python reference (pytest)", () => {
  it("passes tools/tests and tools/phantom/tests", () => {
    const result = spawnSync(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tools/tests", "tools/phantom/tests"], {
      encoding: "utf8",
      timeout: 900_000,
    });
    const summary = result.stdout.trim().split("\n").at(-1) ?? "";
    expect(summary, result.stdout.slice(-3000) + result.stderr.slice(-2000)).toMatch(/\d+ passed/);
    expect(summary).not.toMatch(/failed|error/);
    expect(result.status).toBe(0);
  });
});

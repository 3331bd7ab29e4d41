// Whether Debian's Python (/usr/bin/python3) has the modules a test drives. A fresh machine has
// none of them, and those tests skip there; CI installs them and sets GLORIA_REQUIRE_PYTHON=1, so a
// test that would skip there runs and fails instead of vanishing from the count.
import { spawnSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

const known = new Map<string, boolean>();

export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(",");
  let has = known.get(key);
  if (has === undefined) {
    has = spawnSync(PYTHON, ["-c", `import ${key}`]).status === 0;
    known.set(key, has);
  }
  return has;
}

/** Run a Python-backed test when the modules are there, or when CI requires them (then it fails loudly). */
export function runsWithPython(...modules: string[]): boolean {
  return pythonHas(...modules) || process.env.GLORIA_REQUIRE_PYTHON === "1";
}

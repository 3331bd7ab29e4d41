// Whether Debian's Python (/usr/bin/python3) has the modules a test drives. A fresh machine has
// none of them, and those tests skip there with one line saying so; CI installs them and sets
// GLORIA_REQUIRE_ALL=1, so a test that would skip there runs and fails instead (requirements.ts).
import { spawnSync } from "node:child_process";
import { DEBIAN_PYTHON, requires } from "./requirements.ts";

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
  return requires(pythonHas(...modules), { what: `the Python modules ${modules.join(", ")}`, ...DEBIAN_PYTHON });
}

// A small tmpfs to fill up (fault-injection tests): mounted on a fresh folder, grown by remounting,
// unmounted at the end. Needs root (CI runs as root); `tmpfsWorks()` tries one, so a machine that
// cannot mount skips with one line instead of failing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Requirement } from "./requirements.ts";

export const TMPFS: Requirement = {
  what: "permission to mount a tmpfs (root)",
  how: "run the suite as root, as CI does (.ci/run)",
  ci: true,
};

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}` };
}

/** Whether a tmpfs can be mounted and unmounted here; tried once, synchronously (for describe-time gating). */
export function tmpfsWorks(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-tmpfs-probe-"));
  try {
    if (!run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).ok) return false;
    return run("umount", [dir]).ok;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Tmpfs {
  readonly dir: string;
  /** Grows (or shrinks) the filesystem in place; what it holds stays. */
  resize(bytes: number): void;
  /** Bytes still free. */
  free(): number;
  unmount(): void;
}

export function mountTmpfs(bytes: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-tmpfs-"));
  const mounted = run("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir]);
  if (!mounted.ok) throw new Error(`cannot mount a tmpfs on ${dir}: ${mounted.output}`);
  return {
    dir,
    resize(size) {
      const result = run("mount", ["-o", `remount,size=${size}`, dir]);
      if (!result.ok) throw new Error(`cannot resize the tmpfs on ${dir}: ${result.output}`);
    },
    free() {
      const s = fs.statfsSync(dir);
      return s.bavail * s.bsize;
    },
    unmount() {
      // Lazy, so a file some child process still holds open does not keep the test from ending.
      run("umount", ["-l", dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

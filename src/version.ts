// The package version, read once from package.json, and the code version an evaluation records.
import fs from "node:fs";
import path from "node:path";

export const VERSION: string = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

let cachedCodeVersion: string | undefined;

/**
 * "<package version>+<git commit[0:12]>" when the sources sit in a git checkout, with "-dirty"
 * never claimed (that needs git itself); "<package version>" alone otherwise. Read from .git without
 * running git, once per process.
 */
export function codeVersion(): string {
  cachedCodeVersion ??= ((commit) => (commit ? `${VERSION}+${commit.slice(0, 12)}` : VERSION))(gitCommit());
  return cachedCodeVersion;
}

function gitCommit(): string | null {
  try {
    const gitDir = path.join(path.dirname(new URL("../package.json", import.meta.url).pathname), ".git");
    const head = fs.readFileSync(path.join(gitDir, "HEAD"), "utf8").trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const loose = path.join(gitDir, ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, "utf8").trim();
    const packed = fs.readFileSync(path.join(gitDir, "packed-refs"), "utf8");
    return (
      packed
        .split("\n")
        .find((line) => line.endsWith(` ${ref}`))
        ?.split(" ")[0] ?? null
    );
  } catch {
    return null;
  }
}

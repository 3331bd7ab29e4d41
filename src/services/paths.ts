// Server-side paths a client names (ingestion sources, evaluation manifests) are accepted only
// inside the configured roots, after following symlinks.
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../errors/app-error.ts";

/** The real path of `target` when it lies inside one of `roots`; FORBIDDEN otherwise. */
export function pathInsideRoots(target: string, roots: readonly string[], what: string): string {
  const resolved = path.resolve(target);
  const real = fs.existsSync(resolved) ? fs.realpathSync(resolved) : resolved;
  const allowed = roots.some((root) => {
    const r = fs.existsSync(root) ? fs.realpathSync(root) : path.resolve(root);
    return real === r || real.startsWith(`${r}${path.sep}`);
  });
  if (!allowed) throw new AppError("FORBIDDEN", `${what} from ${target} is not allowed: it is outside INGEST_ROOTS`);
  return real;
}

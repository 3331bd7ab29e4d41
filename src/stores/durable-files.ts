// Making new names durable: fsync of a file makes its bytes durable, not its name; a file just
// created or renamed can vanish in a crash until its directory is fsynced too. Used by the embedded
// stores wherever they create or rename a file or a folder; knows nothing of their formats.
import fs from "node:fs";
import path from "node:path";

/** fsyncs a directory, so the files created, renamed or removed in it so far survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates a directory (and its parents) durably: each new level is fsynced into its parent. */
export async function makeDirDurably(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    await fs.promises.mkdir(d, { recursive: true });
    await fsyncDir(path.dirname(d));
  }
}

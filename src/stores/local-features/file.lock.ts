// The writer lock of one local-feature folder: a file holding "<pid> <host>", created exclusively.
// Same semantics as the vector collections' lock (usearch.collection-files.ts), with one addition: a
// lock naming this process's pid that this process did not take is stale (a container restarted as
// PID 1 finds its own pid in the lock it left), so it is taken over instead of locking the store out.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import { processAlive } from "../../errors/process-alive.ts";

export const LOCK_FILE = "write.lock";

/**
 * Lock files this process holds. Process-wide on purpose: the pid in a lock file cannot tell this
 * process from an earlier one that had the same pid, and only this process knows what it took.
 */
const heldByThisProcess = new Set<string>();

export type FolderLock = { ok: true; release(): void } | { ok: false; reason: string };

/**
 * Takes the folder's writer lock, or says who holds it. A lock left by a process that is gone (or by
 * an earlier process with our pid) is taken over. Throws STORE_UNAVAILABLE only for I/O failures.
 */
export function acquireFolderLock(dir: string): FolderLock {
  const file = path.resolve(dir, LOCK_FILE);
  const host = os.hostname();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid} ${host}\n`, { flag: "wx" });
      heldByThisProcess.add(file);
      return {
        ok: true,
        release: () => {
          heldByThisProcess.delete(file);
          fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new AppError("STORE_UNAVAILABLE", "Cannot lock the local feature store", { cause: error, expected: false });
      }
      let text = "";
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (readError) {
        if ((readError as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw new AppError("STORE_UNAVAILABLE", "Cannot read the local feature store's lock", { cause: readError, expected: false });
      }
      const [pidText, lockHost] = text.trim().split(" ");
      const pid = Number(pidText);
      if (heldByThisProcess.has(file)) return { ok: false, reason: "it is already open for writing in this process" };
      if (lockHost !== host) return { ok: false, reason: `it is locked by process ${pidText} on ${lockHost}; remove its ${LOCK_FILE} if that process is gone` };
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) return { ok: false, reason: `process ${pid} writes it` };
      fs.rmSync(file, { force: true });
    }
  }
  return { ok: false, reason: "its lock could not be taken" };
}

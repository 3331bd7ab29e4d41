// The writer lock of a folder (a vector collection, a model's local features, the embedded database's
// data dir): a file holding "<pid> <host>", created exclusively, so two processes never write one folder. A lock left by a
// process that is gone is taken over, and so is one naming this process's pid that this process did
// not take (a container restarted as PID 1 finds its own pid in the lock it left).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppError } from "../errors/app-error.ts";

export const LOCK_FILE = "write.lock";

/** Whether a process of this host is alive. EPERM means it exists but is someone else's: alive. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Lock files this process holds. Process-wide on purpose: the pid in a lock file cannot tell this
 * process from an earlier one that had the same pid, and only this process knows what it took.
 */
const heldByThisProcess = new Set<string>();

export type FolderLock = { ok: true; release(): void } | { ok: false; reason: string };

/**
 * Takes the folder's writer lock (the file `name` in it), or says who holds it. A lock left by a
 * process that is gone (or by an earlier process with our pid) is taken over; so is one naming no host,
 * as the embedded database wrote them before. Throws STORE_UNAVAILABLE only for I/O failures.
 */
export function acquireFolderLock(dir: string, name: string = LOCK_FILE): FolderLock {
  const file = path.resolve(dir, name);
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
        throw new AppError("STORE_UNAVAILABLE", "Cannot take a store's writer lock", { cause: error, expected: false });
      }
      let text = "";
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (readError) {
        if ((readError as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw new AppError("STORE_UNAVAILABLE", "Cannot read a store's writer lock", { cause: readError, expected: false });
      }
      const [pidText, lockHost] = text.trim().split(" ");
      const pid = Number(pidText);
      // Ours only while the file still names us: one rewritten since (a crashed writer's lock put back)
      // is judged like any other.
      if (heldByThisProcess.has(file) && pid === process.pid && lockHost === host)
        return { ok: false, reason: "it is already open for writing in this process" };
      if (lockHost !== undefined && lockHost !== host)
        return { ok: false, reason: `it is locked by process ${pidText} on ${lockHost}; remove its ${name} if that process is gone` };
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) return { ok: false, reason: `it is in use by process ${pid}` };
      fs.rmSync(file, { force: true });
    }
  }
  return { ok: false, reason: "its lock could not be taken" };
}

// The embedded default: PGlite keeps its files under the data dir and pglite-socket serves them on a
// loopback port, so Prisma, pg and node-pg-migrate speak ordinary Postgres wire protocol to it.
// A lock file stops a second process from opening the same data (PGlite is single-process).
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { AppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import { processAlive } from "../stores/folder-lock.ts";

export interface EmbeddedPostgres {
  /** postgres:// URL of the loopback server. */
  readonly url: string;
  close(): Promise<void>;
}

const LOCK_FILE = "gloria.lock";

/** Takes the data dir's lock, replacing a stale one left by a process that died. */
function acquireLock(dir: string): () => void {
  const lockPath = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(lockPath, "utf8").trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new AppError(
          "STORE_UNAVAILABLE",
          `The embedded database in ${dir} is in use by process ${holder}. Stop it, or set DATABASE_URL to share a Postgres server between processes.`,
          { expected: true },
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new AppError("STORE_UNAVAILABLE", `Could not lock the embedded database in ${dir}`);
}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, "pglite");
  fs.mkdirSync(dir, { recursive: true });
  const release = acquireLock(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir);
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 });
    await server.start();
    const address = server.getServerConn();
    const url = `postgresql://postgres:postgres@${address}/postgres?sslmode=disable`;
    logger.info({ dir, address }, "embedded Postgres (PGlite) started");
    const opened = db;
    return {
      url,
      async close() {
        await server.stop();
        await opened.close();
        release();
        logger.info({ dir }, "embedded Postgres stopped");
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    release();
    if (error instanceof AppError) throw error;
    throw new AppError("STORE_UNAVAILABLE", `Could not start the embedded database in ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

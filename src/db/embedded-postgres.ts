// The embedded default: PGlite keeps its files under the data dir and pglite-socket serves them on a
// Unix socket in a 0700 folder beside them, so Prisma, pg and node-pg-migrate speak ordinary Postgres
// wire protocol to it and no other local user can. PGlite accepts any password (trust only), so the
// socket folder's permissions are the access control (docs/decisions.md, "Embedded Postgres").
// A lock file (src/stores/folder-lock.ts) stops a second process from opening the same data (PGlite is
// single-process).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { AppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import { acquireFolderLock } from "../stores/folder-lock.ts";

export interface EmbeddedPostgres {
  /** postgres:// URL of the server: `?host=` names its socket folder (TCP loopback on Windows only). */
  readonly url: string;
  close(): Promise<void>;
}

const LOCK_FILE = "gloria.lock";
/** The socket's folder under the data dir; only this process's user may enter it. */
export const SOCKET_DIR = "pglite-socket";
/** The file name libpq and pg look for in a socket folder (port 5432). */
const SOCKET_FILE = ".s.PGSQL.5432";
/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

interface SocketPlace {
  dir: string;
  /** Removes the folder when it was made outside the data dir. */
  cleanup(): void;
}

/** A folder only this user can enter, made (or tightened) for the socket. */
function privateFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
    throw new AppError("STORE_UNAVAILABLE", `${dir} is not a folder owned by this user; remove it so the embedded database can make its socket folder`);
  }
  fs.chmodSync(dir, 0o700);
}

/**
 * Where the socket goes: the data dir's SOCKET_DIR, or a fresh 0700 folder under the temp dir when
 * that path is too long for a socket address.
 */
function socketPlace(dataDir: string, logger: Logger): SocketPlace {
  const dir = path.join(dataDir, SOCKET_DIR);
  if (path.join(dir, SOCKET_FILE).length <= MAX_SOCKET_PATH) {
    privateFolder(dir);
    // Left by a process that died; we hold the data dir's lock, so nobody else serves it.
    fs.rmSync(path.join(dir, SOCKET_FILE), { force: true });
    return { dir, cleanup: () => undefined };
  }
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-pg-"));
  fs.chmodSync(temp, 0o700);
  logger.warn({ dataDir, socketDir: temp }, "the data dir's path is too long for a socket address; the embedded database's socket is in a private temp folder");
  return { dir: temp, cleanup: () => fs.rmSync(temp, { recursive: true, force: true }) };
}

/** Takes the data dir's lock; a stale one, left by a process that died, is taken over. */
function acquireLock(dir: string): () => void {
  const lock = acquireFolderLock(dir, LOCK_FILE);
  if (!lock.ok) {
    throw new AppError(
      "CONFLICT",
      `The embedded database in ${dir} cannot be opened: ${lock.reason}. Stop that process, or set DATABASE_URL to share a Postgres server between processes.`,
      { expected: true },
    );
  }
  return lock.release;
}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, "pglite");
  fs.mkdirSync(dir, { recursive: true });
  const release = acquireLock(dataDir);
  let db: PGlite | undefined;
  let place: SocketPlace | undefined;
  try {
    db = await PGlite.create(dir);
    let url: string;
    let server: PGLiteSocketServer;
    if (process.platform === "win32") {
      // Node's socket paths are named pipes on Windows, which pg cannot reach: loopback TCP there.
      logger.warn("on Windows the embedded database is served on loopback TCP, open to every local user");
      server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 });
      await server.start();
      url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    } else {
      place = socketPlace(dataDir, logger);
      server = new PGLiteSocketServer({ db, path: path.join(place.dir, SOCKET_FILE), maxConnections: 16 });
      await server.start();
      url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(place.dir)}`;
    }
    const address = server.getServerConn();
    logger.info({ dir, address }, "embedded Postgres (PGlite) started");
    const opened = db;
    const openedPlace = place;
    return {
      url,
      async close() {
        await server.stop();
        await opened.close();
        openedPlace?.cleanup();
        release();
        logger.info({ dir }, "embedded Postgres stopped");
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    place?.cleanup();
    release();
    if (error instanceof AppError) throw error;
    throw new AppError("STORE_UNAVAILABLE", `Could not start the embedded database in ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

// The one module that imports the generated Prisma client. It builds a client over a pg pool
// (driver adapter) for a database URL; stores receive the client (and the pool), never the URL.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

export type { PrismaClient };
export * as Prisma from "../../generated/prisma/models.ts";
export { ItemStatus, JobStatus } from "../../generated/prisma/enums.ts";

export interface PrismaClientOptions {
  maxConnections?: number;
  /** Called once per SQL statement (tests count queries with it to catch N+1 patterns). */
  onQuery?: (sql: string) => void;
}

/**
 * The Prisma client over a pg pool, and the pool itself: the local feature store sends its large
 * float16 blobs through the pool directly, where they travel as binary parameters, rather than
 * through Prisma's query layer, which measured ten times the CPU per byte.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): { prisma: PrismaClient; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  // A connection the server drops (a restart, a terminated backend, a dropped database) emits
  // 'error' on its client; without a listener that error would end the process. The pool discards
  // such clients, and the next query, on a new connection, succeeds or fails as STORE_UNAVAILABLE.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  const adapter = new PrismaPg(pool);
  if (!options.onQuery) return { prisma: new PrismaClient({ adapter }), pool };
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  const onQuery = options.onQuery;
  client.$on("query", (event) => onQuery(event.query));
  return { prisma: client as unknown as PrismaClient, pool };
}

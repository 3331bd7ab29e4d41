// The one module that imports the generated Prisma client. It builds a client over a pg pool
// (driver adapter) for a database URL; stores receive the client, never the URL.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

export type { PrismaClient };
export * as Prisma from "../../generated/prisma/models.ts";
export { ItemStatus, JobStatus } from "../../generated/prisma/enums.ts";

export interface PrismaClientOptions {
  maxConnections?: number;
  /** Called once per SQL statement (tests count queries with it to catch N+1 patterns). */
  onQuery?: (sql: string) => void;
}

export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  const onQuery = options.onQuery;
  client.$on("query", (event) => onQuery(event.query));
  return client as unknown as PrismaClient;
}

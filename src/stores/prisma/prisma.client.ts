// The one module that imports the generated Prisma client. It builds a client over a pg pool
// (driver adapter) for a database URL; stores receive the client, never the URL.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

export type { PrismaClient };
export * as Prisma from "../../generated/prisma/models.ts";
export { ItemStatus, JobStatus } from "../../generated/prisma/enums.ts";

export function createPrismaClient(databaseUrl: string, options: { maxConnections?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}

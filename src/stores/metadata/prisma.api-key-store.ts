// ApiKeyStore over the api_keys table, through Prisma. Vendor errors become STORE_UNAVAILABLE.
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStore } from "./api-key-store.port.ts";

type Row = { id: string; name: string; prefix: string; scopes: string[]; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

function toRecord(row: Row): ApiKeyRecord {
  const scopes = row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
  return { id: row.id, name: row.name, prefix: row.prefix, scopes, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PrismaApiKeyStore implements ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { name: string; prefix: string; keyHash: string; scopes: ApiKeyScope[] }): Promise<ApiKeyRecord> {
    try {
      return toRecord(await this.prisma.apiKey.create({ data: input }));
    } catch (error) {
      if ((error as { code?: string }).code === "P2002") throw new AppError("CONFLICT", "An API key with this hash exists already");
      throw storeUnavailable(error);
    }
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    try {
      const row = await this.prisma.apiKey.findUnique({ where: { keyHash } });
      return row ? toRecord(row) : null;
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async list(): Promise<ApiKeyRecord[]> {
    try {
      return (await this.prisma.apiKey.findMany({ orderBy: { createdAt: "desc" } })).map(toRecord);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async revoke(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    try {
      const { count } = await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      return count === 1;
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } }).catch(() => undefined);
  }
}

// API keys against the real metadata store: only hashes are stored, scopes nest, revocation bites.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, hashKey, requireScope } from "../../src/services/auth.service.ts";
import type { Database } from "../../src/stores/database.ts";
import { PrismaApiKeyStore } from "../../src/stores/metadata/prisma.api-key-store.ts";
import { openTestDatabase } from "../helpers/test-database.ts";

describe("API keys", () => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let auth: AuthService;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
    auth = new AuthService(new PrismaApiKeyStore(db.prisma), true);
  });
  afterAll(async () => cleanup());

  it("stores a hash, never the key", async () => {
    const { key, record } = await auth.createKey("portal", ["read"]);
    expect(key).toMatch(/^gls_[\w-]{43}$/);
    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: record.id } });
    expect(row.keyHash).toBe(hashKey(key));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.prefix).toBe(key.slice(0, 12));
  });

  it("authenticates a key with its scopes, and nests them", async () => {
    const { key } = await auth.createKey("ingester", ["ingest"]);
    const principal = await auth.authenticate(`Bearer ${key}`);
    expect(principal).toMatchObject({ name: "ingester", scopes: ["ingest"] });
    expect(requireScope(principal, "read")).toBe(principal);
    expect(requireScope(principal, "ingest")).toBe(principal);
    expect(() => requireScope(principal, "admin")).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    expect(() => requireScope(null, "read")).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
  });

  it("refuses unknown, malformed and revoked keys", async () => {
    await expect(auth.authenticate("Bearer gls_not-a-key")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.authenticate("Basic abc")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const { key, record } = await auth.createKey("leaked", ["admin"]);
    await auth.revokeKey(record.id);
    await expect(auth.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(auth.revokeKey(record.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(auth.revokeKey("not-a-uuid")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("treats a missing header as anonymous, and auth off as admin", async () => {
    expect(await auth.authenticate(undefined)).toBeNull();
    const off = new AuthService(new PrismaApiKeyStore(db.prisma), false);
    expect(await off.authenticate(undefined)).toMatchObject({ scopes: ["admin"] });
  });

  it("rejects bad scopes and names", async () => {
    await expect(auth.createKey("x", ["root"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(auth.createKey("x", [])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(auth.createKey("  ", ["read"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("lists keys newest first without the keys", async () => {
    const keys = await auth.listKeys();
    expect(keys.map((k) => k.name)).toEqual(["leaked", "ingester", "portal"]);
    expect(keys[0]!.revokedAt).toBeInstanceOf(Date);
  });
});

// API-key authentication and authorisation. Keys are random, shown once, stored as SHA-256 hashes;
// scopes nest (admin ⊇ ingest ⊇ read). With auth off (loopback only) every caller is an admin.
import { createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors/app-error.ts";
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStore } from "../stores/metadata/api-key-store.port.ts";

const KEY_PREFIX = "gls_";
const SHOWN_PREFIX_LENGTH = 12;
/** Record a key's use at most this often, to keep reads from writing on every request. */
const TOUCH_INTERVAL_MS = 60_000;

const RANK: Record<ApiKeyScope, number> = { read: 1, ingest: 2, admin: 3 };

export interface Principal {
  /** The API key's id, or null when authentication is off. */
  keyId: string | null;
  name: string;
  scopes: ApiKeyScope[];
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function hasScope(principal: Principal, needed: ApiKeyScope): boolean {
  return principal.scopes.some((s) => RANK[s] >= RANK[needed]);
}

/** Throws UNAUTHENTICATED without a principal, FORBIDDEN without the scope. */
export function requireScope(principal: Principal | null, needed: ApiKeyScope): Principal {
  if (!principal) throw new AppError("UNAUTHENTICATED", "An API key is required: send Authorization: Bearer <key>");
  if (!hasScope(principal, needed)) throw new AppError("FORBIDDEN", `This API key lacks the '${needed}' scope`);
  return principal;
}

export function parseScopes(values: readonly string[]): ApiKeyScope[] {
  const bad = values.filter((v) => !(API_KEY_SCOPES as readonly string[]).includes(v));
  if (bad.length > 0 || values.length === 0) {
    throw new AppError("BAD_USER_INPUT", `Scopes must be some of ${API_KEY_SCOPES.join(", ")}${bad.length ? `; got ${bad.join(", ")}` : ""}`);
  }
  return [...new Set(values)] as ApiKeyScope[];
}

export class AuthService {
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly enabled: boolean,
  ) {}

  /**
   * Resolves an Authorization header to a principal: null when no key is given (the caller decides
   * whether that is allowed), UNAUTHENTICATED for a malformed, unknown or revoked key.
   */
  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (!this.enabled) return { keyId: null, name: "local (auth off)", scopes: ["admin"] };
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || !match[1]!.startsWith(KEY_PREFIX)) {
      throw new AppError("UNAUTHENTICATED", "Malformed Authorization header: expected 'Bearer gls_…'");
    }
    const record = await this.store.findByHash(hashKey(match[1]!));
    if (!record || record.revokedAt) throw new AppError("UNAUTHENTICATED", "Unknown or revoked API key");
    const now = Date.now();
    if (now - (this.lastTouched.get(record.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.lastTouched.set(record.id, now);
      void this.store.touch(record.id, new Date(now));
    }
    return { keyId: record.id, name: record.name, scopes: record.scopes };
  }

  /** Creates a key; the returned `key` is the only time it is ever visible. */
  async createKey(name: string, scopes: readonly string[]): Promise<{ key: string; record: ApiKeyRecord }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) throw new AppError("BAD_USER_INPUT", "A key needs a name of 1 to 200 characters");
    const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const record = await this.store.create({ name: trimmed, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), keyHash: hashKey(key), scopes: parseScopes(scopes) });
    return { key, record };
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  async revokeKey(id: string): Promise<void> {
    if (!(await this.store.revoke(id))) throw new AppError("NOT_FOUND", `No active API key with id ${id}`);
  }
}

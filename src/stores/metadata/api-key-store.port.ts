// Port for API keys. Only hashes are stored; the key itself is shown once, at creation.

export const API_KEY_SCOPES = ["read", "ingest", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The first characters of the key, safe to show so admins can tell keys apart. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ApiKeyStore {
  /** Stores a new key's hash. Throws CONFLICT if the hash exists (a random-key collision). */
  create(input: { name: string; prefix: string; keyHash: string; scopes: ApiKeyScope[] }): Promise<ApiKeyRecord>;
  /** The key with this hash, revoked or not; null when unknown. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** All keys, newest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when no such (unrevoked) key exists. */
  revoke(id: string): Promise<boolean>;
  /** Records a use; best effort. */
  touch(id: string, at: Date): Promise<void>;
}

// The API key the pages send, kept in this tab's session storage only (gone when the tab closes).
// With authentication off (the demo) no key is needed and none is sent.

const STORAGE_KEY = "gloria-search.apiKey";

export function storedKey(): string {
  return sessionStorage.getItem(STORAGE_KEY) ?? "";
}

export function storeKey(key: string): void {
  if (key.trim()) sessionStorage.setItem(STORAGE_KEY, key.trim());
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Headers for a GraphQL request: the key when one is stored, and the preflight header uploads need. */
export function requestHeaders(): Record<string, string> {
  const key = storedKey();
  return { "apollo-require-preflight": "true", ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

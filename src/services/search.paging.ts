// Pages of a ranking: a score floor, grouping by study, and opaque cursors. A search ranks a pool
// of candidates once; the floor drops what scores under it, grouping keeps each study's best hit
// (then up to perGroup − 1 more of its hits, right after it), and a page is `first` groups (a hit
// without a study is a group of its own) after the cursor's position. A cursor names a position in
// one query's ranking: it carries a fingerprint of the query, and another query's cursor is refused.
import { createHash } from "node:crypto";
import { AppError } from "../errors/app-error.ts";
import { LIMITS } from "./limits.ts";

export type GroupBy = "STUDY";

export interface PageOptions {
  first: number;
  /** The cursor of the last hit already seen; absent for the first page. */
  after?: string | null;
  /** Hits scoring under this are never returned (the hit's `score`: combined when re-ranked). */
  minScore?: number | null;
  groupBy?: GroupBy | null;
  /** Hits per group, the best first; 1 without groupBy. */
  perGroup: number;
}

/** A ranked hit as paging sees it: its score, and its group's key (a study id; null: alone). */
export interface Pageable {
  id: string;
  score: number;
  group: string | null;
}

export type Paged<T> = T & { rank: number; cursor: string; group: string | null };

const CURSOR_VERSION = 1;

/** A short digest of everything that decides a ranking; a cursor is valid only for the same one. */
export function queryFingerprint(query: unknown): string {
  return createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 16);
}

export function encodeCursor(position: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, p: position, q: fingerprint })).toString("base64url");
}

/** The position a cursor names, whatever query it came from; 0 when it cannot be read (for pricing only). */
export function cursorPosition(after: string | null | undefined): number {
  if (!after) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(after, "base64url").toString("utf8")) as { p?: unknown };
    return Number.isSafeInteger(parsed.p) && (parsed.p as number) > 0 ? (parsed.p as number) : 0;
  } catch {
    return 0;
  }
}

/** The position `after` names in the ranking `fingerprint` identifies; BAD_USER_INPUT for any other cursor. */
export function decodeCursor(after: string | null | undefined, fingerprint: string): number {
  if (after === undefined || after === null) return 0;
  const refuse = (why: string) => new AppError("BAD_USER_INPUT", `after: ${why}`, { details: { field: "after" } });
  let parsed: { v?: unknown; p?: unknown; q?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(after, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    throw refuse("not a cursor this server gave");
  }
  if (parsed === null || typeof parsed !== "object" || parsed.v !== CURSOR_VERSION || typeof parsed.q !== "string")
    throw refuse("not a cursor this server gave");
  if (!Number.isSafeInteger(parsed.p) || (parsed.p as number) < 1) throw refuse("not a cursor this server gave");
  if (parsed.q !== fingerprint) throw refuse("the cursor belongs to another query; page with the same arguments as the page it came from");
  return parsed.p as number;
}

/** Refuses a floor that is not a finite number, and perGroup outside 1..maxPerGroup (or above 1 without groupBy). */
export function checkPageOptions(options: PageOptions): void {
  if (options.minScore !== undefined && options.minScore !== null && !Number.isFinite(options.minScore)) {
    throw new AppError("BAD_USER_INPUT", "minScore must be a finite number", { details: { field: "minScore" } });
  }
  if (!Number.isInteger(options.perGroup) || options.perGroup < 1 || options.perGroup > LIMITS.maxPerGroup) {
    throw new AppError("BAD_USER_INPUT", `perGroup must be between 1 and ${LIMITS.maxPerGroup}`, { details: { field: "perGroup" } });
  }
  if (!options.groupBy && options.perGroup !== 1) {
    throw new AppError("BAD_USER_INPUT", "perGroup needs groupBy", { details: { field: "perGroup" } });
  }
}

/**
 * How many ranked candidates a page needs from the first stage: the hits up to the page's end, or,
 * when grouping, enough to fill that many groups (several hits of a study may rank together),
 * bounded by LIMITS.maxCandidates.
 */
export function poolSize(options: PageOptions, position: number): number {
  const depth = position + options.first;
  if (!options.groupBy) return Math.min(LIMITS.maxCandidates, depth);
  return Math.min(LIMITS.maxCandidates, Math.max(LIMITS.maxFirst, depth * options.perGroup * 4));
}

/**
 * One page of `ranked` (best first): hits under the floor dropped, grouped when asked, the groups
 * after `position`, `first` of them. Ranks number the hits of the whole grouped ranking from 1, so
 * they continue across pages; each hit's cursor resumes after its group.
 */
export function pageOf<T extends Pageable>(ranked: readonly T[], options: PageOptions, position: number, fingerprint: string): Array<Paged<T>> {
  const kept = options.minScore === undefined || options.minScore === null ? ranked : ranked.filter((h) => h.score >= options.minScore!);
  const groups: T[][] = [];
  if (options.groupBy) {
    const byKey = new Map<string, T[]>();
    for (const hit of kept) {
      const members = hit.group === null ? undefined : byKey.get(hit.group);
      if (members) {
        if (members.length < options.perGroup) members.push(hit);
        continue;
      }
      const group = [hit];
      groups.push(group);
      if (hit.group !== null) byKey.set(hit.group, group);
    }
  } else {
    for (const hit of kept) groups.push([hit]);
  }
  let rank = groups.slice(0, position).reduce((n, g) => n + g.length, 0);
  const page: Array<Paged<T>> = [];
  for (const [i, group] of groups.slice(position, position + options.first).entries()) {
    const cursor = encodeCursor(position + i + 1, fingerprint);
    for (const hit of group) page.push({ ...hit, rank: ++rank, cursor, group: options.groupBy ? hit.group : null });
  }
  return page;
}

// Pages of a ranking (src/services/search.paging.ts): pages concatenate to the ranking, the floor
// drops only what scores under it, grouping keeps each study's best hits together and once, and a
// cursor works only for the query it came from.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { checkPageOptions, cursorPosition, decodeCursor, pageOf, poolSize, queryFingerprint, type PageOptions } from "../../../src/services/search.paging.ts";

/** 30 hits, scores falling by 0.01 from 0.9; hit i belongs to study s(i mod 7), every fifth to none. */
const RANKING = Array.from({ length: 30 }, (_, i) => ({
  id: `h${String(i).padStart(2, "0")}`,
  score: 0.9 - i * 0.01,
  group: i % 5 === 4 ? null : `s${i % 7}`,
}));
const FP = queryFingerprint({ text: "pleural effusion" });

/** Walks every page of `options` from the start, following each page's last cursor. */
function walk(options: Omit<PageOptions, "after">) {
  const seen: Array<ReturnType<typeof pageOf<(typeof RANKING)[number]>>[number]> = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = pageOf(RANKING, { ...options, after }, decodeCursor(after, FP), FP);
    if (page.length === 0) break;
    seen.push(...page);
    after = page.at(-1)!.cursor;
  }
  return seen;
}

describe("pages of a ranking", () => {
  it("concatenate to the ranking, with ranks continuing and no repeats", () => {
    const hits = walk({ first: 4, perGroup: 1 });
    expect(hits.map((h) => h.id)).toEqual(RANKING.map((h) => h.id));
    expect(hits.map((h) => h.rank)).toEqual(RANKING.map((_, i) => i + 1));
  });

  it("drop exactly the hits under the floor", () => {
    const hits = walk({ first: 4, perGroup: 1, minScore: 0.75 });
    expect(hits.map((h) => h.id)).toEqual(RANKING.filter((h) => h.score >= 0.75).map((h) => h.id));
    expect(hits.every((h) => h.score >= 0.75)).toBe(true);
  });

  it("group by study: each study once, at its best hit, in ranking order; hits without a study stand alone", () => {
    const hits = walk({ first: 3, perGroup: 1, groupBy: "STUDY" });
    const expected: string[] = [];
    const studies = new Set<string>();
    for (const h of RANKING) {
      if (h.group === null) expected.push(h.id);
      else if (!studies.has(h.group)) {
        studies.add(h.group);
        expected.push(h.id);
      }
    }
    expect(hits.map((h) => h.id)).toEqual(expected);
    expect(hits.filter((h) => h.group !== null).map((h) => h.group)).toEqual([...studies]);
  });

  it("with perGroup, a study's hits follow its best one, at most perGroup of them, and a page counts groups", () => {
    const page = pageOf(RANKING, { first: 2, perGroup: 3, groupBy: "STUDY" }, 0, FP);
    // s0's best is h00; its next hits are h07 and h21 (h14 is a lone hit: 14 % 5 === 4).
    expect(page.map((h) => h.id)).toEqual(["h00", "h07", "h21", "h01", "h08", "h15"]);
    expect(new Set(page.map((h) => h.cursor)).size).toBe(2);
    const next = pageOf(RANKING, { first: 1, perGroup: 3, groupBy: "STUDY" }, decodeCursor(page.at(-1)!.cursor, FP), FP);
    expect(next[0]!.id).toBe("h02");
    expect(next[0]!.rank).toBe(7);
  });

  it("refuses another query's cursor, a forged one, and perGroup without groupBy or out of range", () => {
    const cursor = pageOf(RANKING, { first: 2, perGroup: 1 }, 0, FP)[1]!.cursor;
    expect(decodeCursor(cursor, FP)).toBe(2);
    expect(() => decodeCursor(cursor, queryFingerprint({ text: "cardiomegaly" }))).toThrow(/another query/);
    for (const bad of ["", "not-a-cursor", Buffer.from('{"v":1,"p":-3,"q":"x"}').toString("base64url"), Buffer.from("[1]").toString("base64url")]) {
      const error = (() => {
        try {
          decodeCursor(bad, FP);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("BAD_USER_INPUT");
    }
    expect(() => checkPageOptions({ first: 5, perGroup: 2 })).toThrow(/needs groupBy/);
    expect(() => checkPageOptions({ first: 5, perGroup: 11, groupBy: "STUDY" })).toThrow(/perGroup/);
    expect(() => checkPageOptions({ first: 5, perGroup: 1, minScore: Number.NaN })).toThrow(/minScore/);
    expect(cursorPosition("garbage")).toBe(0);
    expect(cursorPosition(cursor)).toBe(2);
  });

  it("needs a larger first-stage pool for deeper pages and for groups", () => {
    expect(poolSize({ first: 10, perGroup: 1 }, 0)).toBe(10);
    expect(poolSize({ first: 10, perGroup: 1 }, 50)).toBe(60);
    expect(poolSize({ first: 10, perGroup: 2, groupBy: "STUDY" }, 0)).toBeGreaterThanOrEqual(80);
    expect(poolSize({ first: 100, perGroup: 10, groupBy: "STUDY" }, 900)).toBe(1000);
  });
});

// Hybrid text → report search over HTTP on phantoms with the trained demo model, against the
// generator's manifest (each report's text and findings): quoted phrases find exactly the reports
// holding the phrase, `-word` keeps the word out of the whole result, RRF and WEIGHTED order hits as
// their formulas say from the ranks and scores each hit shows, filters and READY status hold on both
// sides, and a text the full text cannot match still gets vector hits. Runs on the embedded PGlite,
// and on the Postgres server when TEST_DATABASE_URL is set.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;
const COUNT = 120;
const OTHER = 8;

interface Hit {
  rank: number;
  score: number;
  vectorScore: number | null;
  vectorRank: number | null;
  textScore: number | null;
  textRank: number | null;
  report: { id: string; text: string; dataset: string };
}

const QUERY = `query($text: String!, $first: Int, $fusion: Fusion, $alpha: Float, $filter: ReportFilter, $model: ID) {
  searchReportsByText(text: $text, first: $first, fusion: $fusion, alpha: $alpha, filter: $filter, model: $model) {
    rank score vectorScore vectorRank textScore textRank report { id text dataset }
  }
}`;

describe.runIf(hasModel)("hybrid text → report search", () => {
  let t: TestApp;
  const roots: string[] = [];
  /** Each report's positive classes, by its text as the manifest gives it (trimmed). */
  const truth = new Map<string, string[]>();
  /** The texts of the small second dataset. */
  const otherTexts = new Set<string>();

  const generate = async (count: number, seed: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-hybrid-"));
    roots.push(dir);
    await generatePhantoms({ out: dir, count, seed, split: "test" });
    for (const row of parseCsvRecords(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), ["Report"])) {
      truth.set(
        row.Report!.trim(),
        CLASSES.filter((c) => row[c] === "1"),
      );
    }
    return dir;
  };

  beforeAll(async () => {
    const main = await generate(COUNT, 515);
    const before = new Set(truth.keys());
    const other = await generate(OTHER, 516);
    for (const text of truth.keys()) if (!before.has(text)) otherTexts.add(text);
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: roots.join(",") });
    for (const [dataset, dir, count] of [
      ["hybrid", main, COUNT],
      ["other", other, OTHER],
    ] as const) {
      const { body } = await t.graphql<{ ingest: { ingested: number } }>(
        "mutation($d: String!, $p: String!) { ingest(input: { dataset: $d, path: $p }) { ingested } }",
        { d: dataset, p: dir },
      );
      expect(body.data?.ingest.ingested).toBe(count);
    }
  });
  afterAll(async () => {
    await t?.stop();
    for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = async (variables: { text: string; first?: number; fusion?: string; alpha?: number; filter?: object }): Promise<Hit[]> => {
    const { body } = await t.graphql<{ searchReportsByText: Hit[] }>(QUERY, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const hits = body.data!.searchReportsByText;
    expect(hits.map((h) => h.rank)).toEqual(hits.map((_, i) => i + 1));
    return hits;
  };
  const findingsOf = (hit: Hit) => {
    const found = truth.get(hit.report.text.trim());
    expect(found, hit.report.text).toBeDefined();
    return found!;
  };
  /** The stored reports' texts (deduplicated as ingestion does, by text) that `test` accepts. */
  const expectedTexts = (test: (text: string) => boolean) => new Set([...truth.keys()].filter(test));
  const textHits = (hits: Hit[]) => hits.filter((h) => h.textRank !== null);

  it("finds with a quoted phrase exactly the reports that hold it, and more without the quotes", async () => {
    // WEIGHTED with alpha 0 puts every full-text hit first, so all of them fit in the page.
    const phrase = textHits(await search({ text: '"left pleural effusion"', first: 100, fusion: "WEIGHTED", alpha: 0 }));
    const holding = expectedTexts((text) => /\bleft pleural effusions?\b/i.test(text));
    expect(holding.size).toBeGreaterThan(3);
    expect(new Set(phrase.map((h) => h.report.text.trim()))).toEqual(holding);
    // Ranks are 1 + how many score higher: equal scores share one.
    expect(phrase.map((h) => h.textRank)).toEqual(phrase.map((h) => 1 + phrase.filter((o) => o.textScore! > h.textScore!).length));

    const words = textHits(await search({ text: "left pleural effusion", first: 100, fusion: "WEIGHTED", alpha: 0 }));
    const allWords = expectedTexts((text) => /\bleft\b/i.test(text) && /\bpleural\b/i.test(text) && /\beffusions?\b/i.test(text));
    expect(new Set(words.map((h) => h.report.text.trim()))).toEqual(allWords);
    expect(allWords.size).toBeGreaterThan(holding.size);
  });

  it("keeps a negated word out of the whole result, the vector side's hits included", async () => {
    const plain = await search({ text: "effusion", first: 50 });
    expect(plain.some((h) => /cardiomegal/i.test(h.report.text))).toBe(true);

    const hits = await search({ text: "effusion -cardiomegaly", first: 50 });
    expect(hits.length).toBe(50);
    for (const hit of hits) expect(hit.report.text).not.toMatch(/cardiomegal/i);
    for (const hit of textHits(hits)) expect(hit.report.text).toMatch(/effusion/i);
    expect(hits.some((h) => h.textRank === null)).toBe(true);
    // Every report with "effusion" and without "cardiomegaly" is a full-text hit.
    const alpha0 = textHits(await search({ text: "effusion -cardiomegaly", first: 100, fusion: "WEIGHTED", alpha: 0 }));
    expect(new Set(alpha0.map((h) => h.report.text.trim()))).toEqual(expectedTexts((text) => /\beffusions?\b/i.test(text) && !/cardiomegal/i.test(text)));
  });

  it("fuses both rankings by reciprocal rank: 1 / (60 + rank) summed over the sides", async () => {
    // Words of a few reports only, which the sentence embedding barely weighs, so each side brings
    // reports the other did not rank (50 candidates a side for 10 hits).
    const few = await search({ text: "stable or retrocardiac", first: 10 });
    expect(few.length).toBe(10);
    // Above the last hit's score, so that no tie broken by report ids decides what is looked at.
    const kept = few.filter((h) => h.score > few.at(-1)!.score);
    expect(kept.some((h) => h.vectorRank !== null && h.textRank !== null)).toBe(true);
    expect(kept.some((h) => h.vectorRank !== null && h.textRank === null)).toBe(true);
    expect(kept.some((h) => h.vectorRank === null && h.textRank !== null)).toBe(true);
    for (const hit of textHits(few)) expect(hit.report.text).toMatch(/\b(stable|retrocardiac)\b/i);
    for (const hits of [few, await search({ text: "moderate pulmonary edema", first: 40 })]) {
      // The best of each side is in.
      expect(hits.some((h) => h.vectorRank === 1)).toBe(true);
      expect(hits.some((h) => h.textRank === 1)).toBe(true);
      for (const hit of hits) {
        const expected = (hit.vectorRank ? 1 / (60 + hit.vectorRank) : 0) + (hit.textRank ? 1 / (60 + hit.textRank) : 0);
        expect(hit.score).toBeCloseTo(expected, 12);
        expect((hit.vectorRank === null) === (hit.vectorScore === null)).toBe(true);
        expect((hit.textRank === null) === (hit.textScore === null)).toBe(true);
      }
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
      // Each side's ranks follow its own scores.
      const byVector = hits.filter((h) => h.vectorRank !== null).sort((a, b) => a.vectorRank! - b.vectorRank!);
      for (let i = 1; i < byVector.length; i++) expect(byVector[i]!.vectorScore!).toBeLessThanOrEqual(byVector[i - 1]!.vectorScore!);
      const byText = textHits(hits).sort((a, b) => a.textRank! - b.textRank!);
      for (let i = 1; i < byText.length; i++) expect(byText[i]!.textScore!).toBeLessThanOrEqual(byText[i - 1]!.textScore!);
    }
  });

  it("blends normalised scores with WEIGHTED, within the filter", async () => {
    // The Edema reports are fewer than a page, so every candidate of each side is shown and the
    // normalisations can be recomputed from the hits.
    const edema = expectedTexts((text) => truth.get(text)!.includes("Edema"));
    expect(edema.size).toBeLessThan(60);
    const alpha = 0.3;
    const hits = await search({ text: "pulmonary edema", first: 100, fusion: "WEIGHTED", alpha, filter: { findings: ["Edema"] } });
    expect(new Set(hits.map((h) => h.report.text.trim()))).toEqual(edema);
    const cosines = hits.flatMap((h) => (h.vectorScore === null ? [] : [h.vectorScore]));
    const [min, max] = [Math.min(...cosines), Math.max(...cosines)];
    const best = Math.max(...hits.map((h) => h.textScore ?? 0));
    expect(best).toBeGreaterThan(0);
    for (const hit of hits) {
      const v = hit.vectorScore === null ? 0 : (hit.vectorScore - min) / (max - min);
      const x = hit.textScore === null ? 0 : hit.textScore / best;
      expect(hit.score).toBeCloseTo(alpha * v + (1 - alpha) * x, 6);
    }
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });

  it("honours datasets, findings and label filters on both sides", async () => {
    const other = await search({ text: "pleural effusion", first: 100, filter: { datasets: ["other"] } });
    // The vector side's 500 candidates cover the whole small dataset.
    expect(new Set(other.map((h) => h.report.text.trim()))).toEqual(otherTexts);
    expect(other.every((h) => h.report.dataset === "other")).toBe(true);

    // "no pleural effusion" matches the words, but no effusion report may come back.
    const none = await search({ text: "pleural effusion", first: 100, filter: { findingsNone: ["Pleural Effusion"] } });
    expect(textHits(none).length).toBeGreaterThan(0);
    for (const hit of none) expect(findingsOf(hit)).not.toContain("Pleural Effusion");

    const labelled = await search({ text: "heart size", first: 30, filter: { labels: [{ className: "Cardiomegaly", values: ["POSITIVE"] }] } });
    expect(labelled.length).toBeGreaterThan(0);
    for (const hit of labelled) expect(findingsOf(hit)).toContain("Cardiomegaly");
  });

  it("serves only reports READY for the loaded model", async () => {
    const before = await search({ text: "pleural effusion", first: 20 });
    const target = before.find((h) => h.vectorRank !== null && h.textRank !== null)!;
    expect(target).toBeDefined();
    const prisma = t.app.database.prisma;
    // As an interrupted ingestion leaves it: registered, not yet READY.
    await prisma.reportEmbedding.updateMany({ where: { reportId: target.report.id }, data: { status: "PENDING" } });
    try {
      const after = await search({ text: "pleural effusion", first: 100 });
      expect(after.map((h) => h.report.id)).not.toContain(target.report.id);
    } finally {
      await prisma.reportEmbedding.updateMany({ where: { reportId: target.report.id }, data: { status: "READY" } });
    }
    expect((await search({ text: "pleural effusion", first: 20 })).map((h) => h.report.id)).toContain(target.report.id);
  });

  it("still returns the vector side's hits when the full text matches nothing", async () => {
    for (const text of ["the", "zzyzx qwertyuiop"]) {
      const hits = await search({ text, first: 10 });
      expect(hits.length).toBe(10);
      expect(hits.every((h) => h.textRank === null)).toBe(true);
      expect(hits.map((h) => h.vectorRank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  });

  it("refuses bad input with BAD_USER_INPUT, and another model with NOT_FOUND", async () => {
    const refusal = async (variables: Record<string, unknown>, code = "BAD_USER_INPUT") => {
      const { body } = await t.graphql(QUERY, { text: "effusion", ...variables });
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe(code);
      return body.errors![0]!.message;
    };
    expect(await refusal({ text: "  \n " })).toMatch(/empty/);
    expect(await refusal({ text: "-cardiomegaly" })).toMatch(/negates every word/);
    expect(await refusal({ first: 0 })).toMatch(/first must be between 1 and 100/);
    expect(await refusal({ first: 101 })).toMatch(/first must be between 1 and 100/);
    expect(await refusal({ first: null })).toMatch(/first may be left out but not null/);
    expect(await refusal({ alpha: 1.5, fusion: "WEIGHTED" })).toMatch(/alpha must be between 0 and 1/);
    expect(await refusal({ alpha: null })).toMatch(/alpha may be left out but not null/);
    expect(await refusal({ fusion: null })).toMatch(/fusion may be left out but not null/);
    await refusal({ model: "other@1#000000000000" }, "NOT_FOUND");
  });
});

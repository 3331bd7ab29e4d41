// searchImages' `mustMention` over HTTP on phantoms with the trained demo model: only images linked
// to a report whose text matches the full-text query come back, checked against the generator's
// manifest (each image's report text, read with a regular expression, not with Postgres); negation,
// phrases and `or` follow web-search syntax; the condition meets label cohorts in one id list; a word
// no report holds gives no hits; an empty or stop-word-only query is a typed error. Runs on the
// embedded PGlite, and on the Postgres server when TEST_DATABASE_URL is set.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));
const COUNT = 80;

const SEARCH = `query($text: String!, $filter: ImageFilter) {
  searchImages(text: $text, first: 100, filter: $filter) { rank score image { sourcePath } }
}`;

describe.runIf(hasModel)("searchImages mustMention", () => {
  let t: TestApp;
  let dir: string;
  /** Each image's report text and Edema label (the manifest's), by file name. */
  const truth = new Map<string, { report: string; edema: string }>();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-mention-"));
    await generatePhantoms({ out: dir, count: COUNT, seed: 611, split: "test" });
    for (const row of parseCsvRecords(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), ["Path", "Report"])) {
      truth.set(path.basename(row.Path!), { report: row.Report!, edema: row.Edema ?? "" });
    }
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: dir });
    const { body } = await t.graphql<{ ingest: { ingested: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "mention", path: $p }) { ingested } }',
      { p: dir },
    );
    expect(body.data?.ingest.ingested).toBe(COUNT);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = async (filter: object, text = "pleural effusion") => {
    const { body } = await t.graphql<{ searchImages: Array<{ rank: number; image: { sourcePath: string } }> }>(SEARCH, { text, filter });
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data!.searchImages.map((h) => path.basename(h.image.sourcePath)).sort();
  };
  /** The images whose report `test` accepts, by the manifest. */
  const expected = (test: (report: string, edema: string) => boolean) =>
    [...truth.entries()]
      .filter(([, p]) => test(p.report, p.edema))
      .map(([name]) => name)
      .sort();
  const effusion = (report: string) => /\beffusions?\b/i.test(report);

  it("returns exactly the images whose reports mention the word", async () => {
    const want = expected(effusion);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(COUNT);
    expect(await search({ mustMention: "effusion" })).toEqual(want);
    // Stemmed as the reports' tsvector is: the plural finds the same reports.
    expect(await search({ mustMention: "effusions" })).toEqual(want);
  });

  it("follows web-search syntax: negation, phrases and or", async () => {
    const without = expected((r) => !effusion(r));
    expect(without.length).toBeGreaterThan(0);
    expect(await search({ mustMention: "-effusion" })).toEqual(without);

    const edemaNoEffusion = expected((r) => /\bedema\b/i.test(r) && !effusion(r));
    expect(edemaNoEffusion.length).toBeGreaterThan(0);
    expect(await search({ mustMention: "edema -effusion" }, "pulmonary edema")).toEqual(edemaNoEffusion);

    const phrase = expected((r) => /\bleft pleural effusions?\b/i.test(r));
    expect(phrase.length).toBeGreaterThan(0);
    expect(phrase.length).toBeLessThan(expected(effusion).length);
    expect(await search({ mustMention: '"left pleural effusion"' })).toEqual(phrase);

    const either = expected((r) => /\bcardiomegaly\b/i.test(r) || /\bpneumothorax\b/i.test(r));
    expect(either.length).toBeGreaterThan(expected((r) => /\bcardiomegaly\b/i.test(r)).length);
    expect(await search({ mustMention: "cardiomegaly or pneumothorax" })).toEqual(either);
  });

  it("meets the other cohort conditions, in searches and in the catalogue's listing", async () => {
    const filter = { mustMention: "effusion", labels: [{ className: "Edema", values: ["POSITIVE"] }] };
    const want = expected((r, edema) => effusion(r) && edema === "1");
    expect(want.length).toBeGreaterThan(0);
    expect(await search(filter)).toEqual(want);
    const { body } = await t.graphql<{ images: { totalCount: number } }>("query($f: ImageFilter) { images(first: 1, filter: $f) { totalCount } }", {
      f: filter,
    });
    expect(body.data?.images.totalCount).toBe(want.length);
  });

  it("gives no hits for a word no report holds", async () => {
    expect(expected((r) => /sarcoidosis/i.test(r))).toEqual([]);
    expect(await search({ mustMention: "sarcoidosis" })).toEqual([]);
  });

  it("refuses an empty or stop-word-only query with a typed error", async () => {
    for (const mustMention of ["", "   ", "the of and", '"" -']) {
      const { body } = await t.graphql(SEARCH, { text: "pleural effusion", filter: { mustMention } });
      expect(body.errors?.[0]?.extensions?.code, mustMention).toBe("BAD_USER_INPUT");
      expect((body.errors?.[0]?.extensions?.details as { field?: string } | undefined)?.field, mustMention).toBe("mustMention");
    }
  });
});

// Cohort filters over HTTP on phantoms, against the generator's manifest: "every one of these
// findings" and "none of these" select exactly the images the manifest says, in a search (served by
// the vector store's own filtering, not by trimming a fixed top-k) and in the catalogue's listing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 90;
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;

interface Filter {
  findings?: string[];
  findingsAll?: string[];
  findingsNone?: string[];
  viewPositions?: string[];
}

describe("cohort filters", () => {
  let t: TestApp;
  let phantoms: string;
  /** Each phantom's positive classes and view, by file name. */
  const truth = new Map<string, { findings: string[]; view: string }>();

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-cohorts-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 23, split: "train" });
    for (const row of parseCsvRecords(fs.readFileSync(path.join(phantoms, "manifest.csv"), "utf8"), ["Path"])) {
      truth.set(path.basename(row.Path!), { findings: CLASSES.filter((c) => row[c] === "1"), view: row.View! });
    }
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: phantoms });
    const { body } = await t.graphql<{ ingest: { ingested: number } }>('mutation($p: String!) { ingest(input: { dataset: "cohorts", path: $p }) { ingested } }', { p: phantoms });
    expect(body.data?.ingest.ingested).toBe(COUNT);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const expected = (filter: Filter) =>
    [...truth.entries()]
      .filter(([, p]) => {
        if (filter.findings && !p.findings.some((f) => filter.findings!.includes(f))) return false;
        if (filter.findingsAll && !filter.findingsAll.every((f) => p.findings.includes(f))) return false;
        if (filter.findingsNone && p.findings.some((f) => filter.findingsNone!.includes(f))) return false;
        if (filter.viewPositions && !filter.viewPositions.includes(p.view)) return false;
        return true;
      })
      .map(([name]) => name)
      .sort();

  const FILTERS: Filter[] = [
    { findingsAll: ["Pleural Effusion"] },
    { findingsAll: ["Pleural Effusion", "Cardiomegaly"] },
    { findingsNone: ["Pleural Effusion"] },
    { findingsNone: [...CLASSES] },
    { findings: ["Edema", "Atelectasis"], findingsNone: ["Cardiomegaly"] },
    { findingsAll: ["Consolidation"], findingsNone: ["Edema"], viewPositions: ["PA"] },
  ];

  it("a search returns exactly the manifest's cohort, however small, at any rank", async () => {
    for (const filter of FILTERS) {
      const want = expected(filter);
      const { body } = await t.graphql<{ searchImages: Array<{ image: { sourcePath: string } }> }>(
        'query($f: ImageFilter) { searchImages(text: "pleural effusion", first: 100, filter: $f) { image { sourcePath } } }',
        { f: filter },
      );
      expect(body.errors, JSON.stringify(filter)).toBeUndefined();
      expect(body.data!.searchImages.map((h) => path.basename(h.image.sourcePath)).sort(), JSON.stringify(filter)).toEqual(want);
    }
    // The cohorts are neither empty nor everything, so the comparisons above say something.
    expect(expected(FILTERS[1]!).length).toBeGreaterThan(0);
    expect(expected(FILTERS[3]!).length).toBeGreaterThan(0);
    expect(expected(FILTERS[2]!).length).toBeLessThan(COUNT);
  });

  it("the catalogue's listing counts and lists the same cohorts", async () => {
    for (const filter of FILTERS) {
      const { body } = await t.graphql<{ images: { totalCount: number; edges: Array<{ node: { sourcePath: string } }> } }>(
        "query($f: ImageFilter) { images(first: 100, filter: $f) { totalCount edges { node { sourcePath } } } }",
        { f: filter },
      );
      expect(body.errors, JSON.stringify(filter)).toBeUndefined();
      expect(body.data!.images.totalCount).toBe(expected(filter).length);
      expect(body.data!.images.edges.map((e) => path.basename(e.node.sourcePath)).sort()).toEqual(expected(filter));
    }
  });
});

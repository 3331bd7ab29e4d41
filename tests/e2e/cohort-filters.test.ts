// Cohort filters over HTTP on phantoms, against the generator's manifest: "every one of these
// findings", "none of these", CheXpert label values (positive, negative, uncertain, not mentioned;
// the manifest is edited so that all four occur) and ingestion dates select exactly the images the
// manifest says, in a search (served by the vector store's own filtering, not by trimming a fixed
// top-k) and in the catalogue's listing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 90;
const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;

type LabelValue = "POSITIVE" | "NEGATIVE" | "UNCERTAIN" | "NOT_MENTIONED";

interface Filter {
  labels?: Array<{ className: string; values: LabelValue[] }>;
  findings?: string[];
  findingsAll?: string[];
  findingsNone?: string[];
  viewPositions?: string[];
}

describe("cohort filters", () => {
  let t: TestApp;
  let phantoms: string;
  /** Each phantom's positive classes, view and labels (as the edited manifest gives them), by file name. */
  const truth = new Map<string, { findings: string[]; view: string; labels: Record<string, LabelValue> }>();
  let between: string;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-cohorts-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 23, split: "train" });
    // Every fifth row's Edema becomes uncertain (-1) and every seventh row's Cardiomegaly is left empty.
    const manifest = path.join(phantoms, "manifest.csv");
    const rows = parseCsvRecords(fs.readFileSync(manifest, "utf8"), ["Path"]);
    const columns = Object.keys(rows[0]!);
    // Findings come from the Findings column, which the edits leave alone.
    const findings = new Map(rows.map((row) => [row.Path!, CLASSES.filter((c) => row[c] === "1")]));
    rows.forEach((row, i) => {
      if (i % 5 === 0) row.Edema = "-1";
      if (i % 7 === 0) row.Cardiomegaly = "";
    });
    const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    fs.writeFileSync(manifest, [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c] ?? "")).join(","))].join("\n") + "\n");
    const named: Record<string, LabelValue> = { "1": "POSITIVE", "0": "NEGATIVE", "-1": "UNCERTAIN", "": "NOT_MENTIONED" };
    for (const row of rows) {
      truth.set(path.basename(row.Path!), {
        findings: findings.get(row.Path!)!,
        view: row.View!,
        labels: Object.fromEntries(CLASSES.map((c) => [c, named[row[c] ?? ""]!])),
      });
    }
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: phantoms });
    const { body } = await t.graphql<{ ingest: { ingested: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "cohorts", path: $p }) { ingested } }',
      { p: phantoms },
    );
    expect(body.data?.ingest.ingested).toBe(COUNT);
    // A later dataset, for the date filters.
    await new Promise((resolve) => setTimeout(resolve, 50));
    between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const later = path.join(phantoms, "later");
    await generatePhantoms({ out: later, count: 6, seed: 24, split: "test" });
    const second = await t.graphql<{ ingest: { ingested: number } }>('mutation($p: String!) { ingest(input: { dataset: "later", path: $p }) { ingested } }', {
      p: later,
    });
    expect(second.body.data?.ingest.ingested).toBe(6);
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
        if (filter.labels && !filter.labels.every((l) => l.values.includes(p.labels[l.className]!))) return false;
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
    { labels: [{ className: "Edema", values: ["UNCERTAIN"] }] },
    { labels: [{ className: "Cardiomegaly", values: ["NOT_MENTIONED"] }] },
    {
      labels: [
        { className: "Cardiomegaly", values: ["NEGATIVE", "NOT_MENTIONED"] },
        { className: "Pleural Effusion", values: ["POSITIVE"] },
      ],
    },
    { labels: [{ className: "Edema", values: ["POSITIVE", "UNCERTAIN"] }], findingsNone: ["Atelectasis"] },
  ];

  it("a search returns exactly the manifest's cohort, however small, at any rank", async () => {
    for (const filter of FILTERS) {
      const want = expected(filter);
      const { body } = await t.graphql<{ searchImages: Array<{ image: { sourcePath: string } }> }>(
        'query($f: ImageFilter) { searchImages(text: "pleural effusion", first: 100, filter: $f) { image { sourcePath } } }',
        { f: { ...filter, datasets: ["cohorts"] } },
      );
      expect(body.errors, JSON.stringify(filter)).toBeUndefined();
      expect(body.data!.searchImages.map((h) => path.basename(h.image.sourcePath)).sort(), JSON.stringify(filter)).toEqual(want);
    }
    // The cohorts are neither empty nor everything, so the comparisons above say something.
    expect(expected(FILTERS[1]!).length).toBeGreaterThan(0);
    expect(expected(FILTERS[3]!).length).toBeGreaterThan(0);
    expect(expected(FILTERS[2]!).length).toBeLessThan(COUNT);
    for (const labelFilter of FILTERS.slice(6)) expect(expected(labelFilter).length, JSON.stringify(labelFilter)).toBeGreaterThan(0);
  });

  it("gives each image its stored labels, all four kinds", async () => {
    const { body } = await t.graphql<{ images: { edges: Array<{ node: { sourcePath: string; labels: Array<{ className: string; value: LabelValue }> } }> } }>(
      '{ images(first: 100, filter: { datasets: ["cohorts"] }) { edges { node { sourcePath labels { className value } } } } }',
    );
    for (const { node } of body.data!.images.edges) {
      const want = truth.get(path.basename(node.sourcePath))!.labels;
      const got = Object.fromEntries(node.labels.map((l) => [l.className, l.value]));
      for (const c of CLASSES) expect(got[c] ?? "NOT_MENTIONED", `${node.sourcePath} ${c}`).toBe(want[c]);
    }
  });

  it("selects by ingestion date, in searches and listings", async () => {
    const datasetsOf = async (filter: Record<string, unknown>) => {
      const search = await t.graphql<{ searchImages: Array<{ image: { dataset: string } }> }>(
        'query($f: ImageFilter) { searchImages(text: "effusion", first: 100, filter: $f) { image { dataset } } }',
        { f: filter },
      );
      const listing = await t.graphql<{ images: { totalCount: number } }>("query($f: ImageFilter) { images(first: 1, filter: $f) { totalCount } }", {
        f: filter,
      });
      return {
        datasets: new Set(search.body.data!.searchImages.map((h) => h.image.dataset)),
        hits: search.body.data!.searchImages.length,
        total: listing.body.data!.images.totalCount,
      };
    };
    expect(await datasetsOf({ ingestedAfter: between })).toEqual({ datasets: new Set(["later"]), hits: 6, total: 6 });
    expect(await datasetsOf({ ingestedBefore: between })).toEqual({ datasets: new Set(["cohorts"]), hits: COUNT, total: COUNT });
    const bad = await t.graphql('{ images(first: 1, filter: { ingestedAfter: "yesterday" }) { totalCount } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("the catalogue's listing counts and lists the same cohorts", async () => {
    for (const filter of FILTERS) {
      const { body } = await t.graphql<{ images: { totalCount: number; edges: Array<{ node: { sourcePath: string } }> } }>(
        "query($f: ImageFilter) { images(first: 100, filter: $f) { totalCount edges { node { sourcePath } } } }",
        { f: { ...filter, datasets: ["cohorts"] } },
      );
      expect(body.errors, JSON.stringify(filter)).toBeUndefined();
      expect(body.data!.images.totalCount).toBe(expected(filter).length);
      expect(body.data!.images.edges.map((e) => path.basename(e.node.sourcePath)).sort()).toEqual(expected(filter));
    }
  });
});

// Example-based queries over HTTP with the trained demo model on phantoms whose manifest says each
// image's findings and their sides: negative examples (a right-sided effusion image, or the text
// "right pleural effusion" weighted −1) push right-sided effusions out of the top 10 for "pleural
// effusion", a positive example image brings images of its class, and one text of weight 1 is
// exactly the plain text search.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));

interface Hit {
  rank: number;
  score: number;
  globalScore: number;
  localScore: number | null;
  image: { id: string; findings: string[]; findingDetails: Array<{ className: string; location: string | null }> };
}
const HIT = "rank score globalScore localScore image { id findings findingDetails { className location } }";

const effusionOn = (side: string) => (hit: Hit) =>
  hit.image.findingDetails.some((f) => f.className === "Pleural Effusion" && (f.location ?? "").includes(side));

describe.runIf(hasModel)("example-based queries", () => {
  let t: TestApp;
  let phantoms: string;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-examples-"));
    await generatePhantoms({ out: phantoms, count: 200, seed: 77, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: phantoms });
    const { body } = await t.graphql<{ ingest: { ingested: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "examples", path: $p }) { ingested } }',
      { p: phantoms },
    );
    expect(body.data?.ingest.ingested).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  /** The operation for `args`, declaring $q only where it is used. */
  const operation = (args: string, selection: string) =>
    `query${args.includes("$q") ? "($q: ExampleQueryInput)" : ""} { searchImages(${args}) { ${selection} } }`;
  const search = async (args: string, variables?: Record<string, unknown>) => {
    const { body } = await t.graphql<{ searchImages: Hit[] }>(operation(args, HIT), variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data!.searchImages;
  };
  const refused = async (args: string, variables?: Record<string, unknown>) => {
    const { body } = await t.graphql(operation(args, "rank"), variables);
    return body.errors?.[0];
  };

  it("one text of weight 1 is exactly the plain text search, re-ranked or not", async () => {
    for (const rerank of ["", ", rerank: { candidates: 50 }"]) {
      const plain = await search(`text: "pleural effusion", first: 10${rerank}`);
      const example = await search(`query: $q, first: 10${rerank}`, { q: { texts: [{ text: "pleural effusion" }] } });
      expect(example.map((h) => [h.image.id, h.score])).toEqual(plain.map((h) => [h.image.id, h.score]));
    }
  });

  it("a negative example image of a right-sided effusion pushes right-sided effusions out of the top 10", async () => {
    const plain = await search('text: "pleural effusion", first: 10');
    expect(plain.filter(effusionOn("right")).length).toBeGreaterThan(0);
    const everything = await search('text: "pleural effusion", first: 100');
    const negative = everything.find(effusionOn("right"))!;
    for (const strategy of ["AVERAGE", "BEST_SCORE"]) {
      const hits = await search("query: $q, first: 10", { q: { texts: [{ text: "pleural effusion" }], negative: [{ id: negative.image.id }], strategy } });
      expect(hits.filter(effusionOn("right")), strategy).toHaveLength(0);
      expect(hits.some((h) => h.image.id === negative.image.id)).toBe(false);
    }
  });

  it("a negatively weighted text does the same, re-ranking positive minus negative local scores", async () => {
    const hits = await search("query: $q, first: 10, rerank: { candidates: 100 }", {
      q: { texts: [{ text: "pleural effusion" }, { text: "right pleural effusion", weight: -1 }] },
    });
    expect(hits.filter(effusionOn("right"))).toHaveLength(0);
    expect(hits.filter(effusionOn("left")).length).toBeGreaterThanOrEqual(5);
    for (const hit of hits) expect(hit.localScore).not.toBeNull();
  });

  it("a positive example image brings images of its class, never itself", async () => {
    const all = await search('text: "cardiomegaly", first: 100');
    const cardiomegalyRows = parseCsvRecords(fs.readFileSync(path.join(phantoms, "manifest.csv"), "utf8"), ["Path"]).filter(
      (row) => row.Cardiomegaly === "1",
    ).length;
    expect(cardiomegalyRows).toBeGreaterThan(0);
    const example = all.find((h) => h.image.findings.length === 1 && h.image.findings[0] === "Cardiomegaly")!;
    for (const strategy of ["AVERAGE", "BEST_SCORE"]) {
      const hits = await search("query: $q, first: 10", { q: { positive: [{ id: example.image.id }], strategy } });
      expect(hits).toHaveLength(10);
      expect(hits.some((h) => h.image.id === example.image.id)).toBe(false);
      // At least twice what ten images drawn at random from the collection would hold.
      const random = (10 * cardiomegalyRows) / 200;
      expect(hits.filter((h) => h.image.findings.includes("Cardiomegaly")).length, strategy).toBeGreaterThanOrEqual(Math.max(5, 2 * random));
      // Images alone are not re-ranked.
      for (const hit of hits) expect(hit.localScore).toBeNull();
    }
  });

  it("answers searchReports for an example query: positive minus negative images, re-ranked by their regions", async () => {
    const all = await search('text: "pleural effusion", first: 100');
    const left = all.find(effusionOn("left"))!;
    const right = all.find(effusionOn("right"))!;
    type ReportHit = { score: number; localScore: number | null; report: { text: string; findings: string[] } };
    const reports = async (q: Record<string, unknown>, rerank = true) => {
      const { body } = await t.graphql<{ searchReports: ReportHit[] }>(
        `query($q: ExampleQueryInput) { searchReports(query: $q, first: 5${rerank ? ", rerank: { candidates: 50 }" : ""}) { score localScore report { text findings } } }`,
        { q },
      );
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      return body.data!.searchReports;
    };
    const leftOnly = await reports({ positive: [{ id: left.image.id }], negative: [{ id: right.image.id }] });
    expect(leftOnly).toHaveLength(5);
    for (const hit of leftOnly) {
      expect(hit.report.findings).toContain("Pleural Effusion");
      expect(hit.report.text).toMatch(/left/);
      expect(hit.report.text).not.toMatch(/right (pleural )?effusion|right-sided/);
      expect(hit.localScore).not.toBeNull();
    }
    // One image as the only positive example is the plain image search.
    const { body } = await t.graphql<{ searchReports: ReportHit[] }>(
      `query($id: ID!) { searchReports(image: { id: $id }, first: 5, rerank: { candidates: 50 }) { score localScore report { text findings } } }`,
      { id: left.image.id },
    );
    expect((await reports({ positive: [{ id: left.image.id }] })).map((h) => h.score)).toEqual(body.data!.searchReports.map((h) => h.score));
    // Texts alone have no local score against a report: the first stage only, even when re-ranking is asked for.
    const textOnly = await reports({ texts: [{ text: "moderate cardiomegaly" }] });
    expect(textOnly).toHaveLength(5);
    for (const hit of textOnly) expect(hit.localScore).toBeNull();
  });

  it("refuses queries that are not one thing, or have no positive example", async () => {
    expect((await refused('text: "edema", query: $q', { q: { texts: [{ text: "edema" }] } }))?.message).toMatch(/exactly one of text and query/);
    expect((await refused("first: 3"))?.message).toMatch(/exactly one of text and query/);
    expect((await refused("query: $q", { q: { texts: [{ text: "edema", weight: 0 }] } }))?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await refused("query: $q", { q: { texts: [{ text: "edema", weight: -1 }] } }))?.message).toMatch(/positive example/);
    expect((await refused("query: $q", { q: { texts: Array.from({ length: 9 }, () => ({ text: "edema" })) } }))?.message).toMatch(/at most 8/);
    expect((await refused("query: $q", { q: { texts: [{ text: "  " }] } }))?.message).toMatch(/empty/);
    expect((await refused("query: $q", { q: { positive: [{ id: "00000000-0000-0000-0000-000000000000" }] } }))?.extensions?.code).toBe("NOT_FOUND");
  });
});

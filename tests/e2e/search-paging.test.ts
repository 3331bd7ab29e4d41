// Score floors, cursor paging and study grouping over HTTP on phantoms grouped into studies by the
// manifest's Study column (three images per study, every tenth image without one): the manifest is
// the ground truth of which hits share a study.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 60;
const TEXT = "small left pleural effusion";

interface Hit {
  rank: number;
  cursor: string;
  group: string | null;
  score: number;
  image: { id: string; studyId: string | null; sourcePath: string };
}
interface ReportHit {
  rank: number;
  cursor: string;
  group: string | null;
  score: number;
  report: { id: string; studyId: string | null };
}

const HIT = "rank cursor group score image { id studyId sourcePath }";

describe("score floors, paging and study grouping", () => {
  let t: TestApp;
  let phantoms: string;
  /** The manifest's study of each image, by its path under the phantoms folder. */
  const studyOf = new Map<string, string | null>();
  let key: string;
  const auth = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-paging-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 11, split: "train" });
    const manifest = path.join(phantoms, "manifest.csv");
    const [header, ...rows] = fs.readFileSync(manifest, "utf8").trimEnd().split("\n");
    const withStudies = rows.map((row, i) => {
      const study = i % 10 === 9 ? "" : `s${Math.floor(i / 3)}`;
      studyOf.set(row.split(",")[0]!, study || null);
      return `${row},${study}`;
    });
    fs.writeFileSync(manifest, [`${header},Study`, ...withStudies].join("\n") + "\n");
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms });
    key = (await t.app.services.auth.createKey("paging", ["admin"])).key;
    const { body } = await t.graphql<{ ingest: { ingested: number; failed: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "paging", path: $p }) { ingested failed } }',
      { p: manifest },
      auth(),
    );
    expect(body.data?.ingest).toMatchObject({ ingested: COUNT, failed: 0 });
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const searchFrom = async (args: string, after: string | null) => {
    const { body } = await t.graphql<{ searchImages: Hit[] }>(
      `query($after: String) { searchImages(text: "${TEXT}", ${args}, after: $after) { ${HIT} } }`,
      { after },
      auth(),
    );
    expect(body.errors).toBeUndefined();
    return body.data!.searchImages;
  };
  /** Every page of a search, following each page's last cursor. */
  const walk = async (args: string) => {
    const hits: Hit[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page = await searchFrom(args, after);
      if (page.length === 0) break;
      hits.push(...page);
      after = page.at(-1)!.cursor;
    }
    return hits;
  };
  const manifestStudy = (hit: Hit) => studyOf.get(`images/${path.basename(hit.image.sourcePath)}`);

  it("pages walk the same ranking as one long page, without repeats, ranks continuing", async () => {
    const whole = await searchFrom("first: 60", null);
    expect(whole).toHaveLength(COUNT);
    const paged = await walk("first: 7");
    expect(paged.map((h) => h.image.id)).toEqual(whole.map((h) => h.image.id));
    expect(paged.map((h) => h.rank)).toEqual(whole.map((_, i) => i + 1));
  });

  it("re-ranked pages walk the re-ranked candidates and end there", async () => {
    const rerank = "rerank: { candidates: 40 }";
    const whole = await searchFrom(`first: 40, ${rerank}`, null);
    const paged = await walk(`first: 9, ${rerank}`);
    expect(paged.map((h) => h.image.id)).toEqual(whole.map((h) => h.image.id));
    expect(paged).toHaveLength(40);
  });

  it("minScore never returns a lower score and keeps everything above it", async () => {
    const whole = await searchFrom("first: 60", null);
    const floor = whole[20]!.score;
    const floored = await walk(`first: 8, minScore: ${floor}`);
    expect(floored.every((h) => h.score >= floor)).toBe(true);
    expect(floored.map((h) => h.image.id)).toEqual(whole.filter((h) => h.score >= floor).map((h) => h.image.id));
  });

  it("groupBy STUDY returns each study once, at its best image, and lone images as their own groups", async () => {
    const whole = await searchFrom("first: 60", null);
    const expected: string[] = [];
    const seen = new Set<string>();
    for (const hit of whole) {
      const study = manifestStudy(hit);
      if (study && seen.has(study)) continue;
      if (study) seen.add(study);
      expected.push(hit.image.id);
    }
    const grouped = await walk("first: 6, groupBy: STUDY");
    expect(grouped.map((h) => h.image.id)).toEqual(expected);
    const studies = grouped.filter((h) => h.group !== null).map((h) => h.group);
    expect(new Set(studies).size).toBe(studies.length);
    for (const hit of grouped) expect(hit.group).toBe(hit.image.studyId);
  });

  it("perGroup puts a study's other images right after its best one", async () => {
    const page = await searchFrom("first: 5, groupBy: STUDY, perGroup: 3", null);
    const groups: Hit[][] = [];
    for (const hit of page) {
      if (groups.length && hit.group !== null && groups.at(-1)![0]!.group === hit.group) groups.at(-1)!.push(hit);
      else groups.push([hit]);
    }
    expect(groups).toHaveLength(5);
    for (const group of groups) {
      expect(group.length).toBeLessThanOrEqual(3);
      expect(new Set(group.map(manifestStudy)).size).toBe(1);
      // Scores fall within a group: its best hit leads.
      for (let i = 1; i < group.length; i++) expect(group[i]!.score).toBeLessThanOrEqual(group[i - 1]!.score);
      if (group[0]!.group !== null) expect(group).toHaveLength([...studyOf.values()].filter((s) => s === manifestStudy(group[0]!)).length);
    }
  });

  it("searchReports groups by study too", async () => {
    const image = (await searchFrom("first: 1", null))[0]!.image.id;
    const { body } = await t.graphql<{ searchReports: ReportHit[] }>(
      `query($id: ID!) { searchReports(image: { id: $id }, first: 10, groupBy: STUDY) { rank cursor group score report { id studyId } } }`,
      { id: image },
      auth(),
    );
    expect(body.errors).toBeUndefined();
    const studies = body.data!.searchReports.filter((h) => h.group !== null).map((h) => h.group);
    expect(studies.length).toBeGreaterThan(0);
    expect(new Set(studies).size).toBe(studies.length);
  });

  it("similarImages with excludeSameStudy leaves out the query's other views, and nothing else", async () => {
    const query = (await searchFrom("first: 60", null)).find((h) => manifestStudy(h) !== null)!;
    const similar = async (exclude: boolean) => {
      const { body } = await t.graphql<{ similarImages: Hit[] }>(
        `query($id: ID!) { similarImages(image: { id: $id }, first: 59, excludeSameStudy: ${exclude}) { ${HIT} } }`,
        { id: query.image.id },
        auth(),
      );
      expect(body.errors).toBeUndefined();
      return body.data!.similarImages;
    };
    const all = await similar(false);
    const excluded = await similar(true);
    expect(all.some((h) => manifestStudy(h) === manifestStudy(query))).toBe(true);
    expect(excluded.map((h) => h.image.id)).toEqual(all.filter((h) => manifestStudy(h) !== manifestStudy(query)).map((h) => h.image.id));
  });

  it("refuses another query's cursor, a made-up one, and perGroup without groupBy", async () => {
    const cursor = (await searchFrom("first: 2", null))[1]!.cursor;
    const other = await t.graphql(`query($after: String) { searchImages(text: "cardiomegaly", first: 2, after: $after) { rank } }`, { after: cursor }, auth());
    expect(other.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(other.body.errors?.[0]?.message).toMatch(/another query/);
    const changed = await t.graphql(
      `query($after: String) { searchImages(text: "${TEXT}", first: 2, minScore: 0.1, after: $after) { rank } }`,
      { after: cursor },
      auth(),
    );
    expect(changed.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const forged = await t.graphql(`{ searchImages(text: "${TEXT}", first: 2, after: "bm9wZQ") { rank } }`, undefined, auth());
    expect(forged.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const perGroup = await t.graphql(`{ searchImages(text: "${TEXT}", first: 2, perGroup: 3) { rank } }`, undefined, auth());
    expect(perGroup.body.errors?.[0]?.message).toMatch(/perGroup needs groupBy/);
    const nullGroup = await t.graphql(`{ searchImages(text: "${TEXT}", first: 2, groupBy: STUDY, perGroup: null) { rank } }`, undefined, auth());
    expect(nullGroup.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

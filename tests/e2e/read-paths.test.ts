// Every read path against the ground truth of the manifests, on both vector stores: two generated
// phantom datasets (with study ids added) are ingested over GraphQL, and each filter of `images`,
// `reports`, `searchImages`, `searchReports` and `similarImages` — datasets, studies, views,
// findings, their combinations and filters that match nothing — must return exactly the items the
// manifests say, cursor walks must see each item once (also while another ingestion runs), and a
// deleted image must vanish from all of them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";
import { startFakeQdrant, type FakeQdrant } from "../integration/stores/fake-qdrant.server.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

interface Row {
  dataset: string;
  /** The image's path relative to INGEST_ROOTS, as an administrator sees Image.sourcePath. */
  path: string;
  study: string;
  view: string;
  findings: Set<string>;
  report: string;
}

interface Filter {
  datasets?: string[];
  studies?: string[];
  viewPositions?: string[];
  findings?: string[];
}

const PER_DATASET = 28;
const STUDIES_PER_DATASET = 6;

/** Writes a phantom set with a Study column; drops rows whose report text repeats (reports dedupe by text). */
async function phantomSet(root: string, name: string, seed: number): Promise<Row[]> {
  const dir = path.join(root, name);
  await generatePhantoms({ out: dir, count: PER_DATASET, seed, split: "train" });
  const records = parseCsvRecords(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), ["Path"]);
  const seen = new Set<string>();
  const kept = records.filter((r) => !seen.has(r.Report!) && seen.add(r.Report!));
  const header = [...Object.keys(records[0]!), "Study"];
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const lines = kept.map((r, i) => header.map((h) => quote(h === "Study" ? `s-${name}-${i % STUDIES_PER_DATASET}` : r[h]!)).join(","));
  fs.writeFileSync(path.join(dir, "manifest.csv"), [header.join(","), ...lines, ""].join("\n"));
  return kept.map((r, i) => ({
    dataset: name,
    path: path.join(name, r.Path!),
    study: `s-${name}-${i % STUDIES_PER_DATASET}`,
    view: r.View!,
    findings: new Set((JSON.parse(r.Findings || "[]") as Array<{ class: string }>).map((f) => f.class)),
    report: r.Report!,
  }));
}

function matches(row: Row, filter: Filter, studyIds: Map<string, string>): boolean {
  if (filter.datasets && !filter.datasets.includes(row.dataset)) return false;
  if (filter.studies && !filter.studies.includes(studyIds.get(`${row.dataset}/${row.study}`)!)) return false;
  if (filter.viewPositions && !filter.viewPositions.includes(row.view)) return false;
  if (filter.findings && !filter.findings.some((f) => row.findings.has(f))) return false;
  return true;
}

describe.each(["usearch", "qdrant"] as const)("read paths against the manifests (%s)", (store) => {
  let t: TestApp;
  let qdrant: FakeQdrant | undefined;
  let root: string;
  let rows: Row[];
  /** "dataset/external study id" → the study's id in the API. */
  const studyIds = new Map<string, string>();
  /** Image path → image id. */
  const imageIds = new Map<string, string>();

  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const { body } = await t.graphql<T>(query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data!;
  };

  /** Walks `images` page by page; fails on a duplicate. */
  const walkImages = async (filter: Filter | undefined, first = 7, between?: (page: number) => Promise<void>) => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = -1;
    for (let page = 0; ; page++) {
      const data: {
        images: { totalCount: number; edges: Array<{ node: { sourcePath: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } = await gql(
        "query($f: ImageFilter, $first: Int, $after: String) { images(first: $first, after: $after, filter: $f) { totalCount edges { node { sourcePath } } pageInfo { hasNextPage endCursor } } }",
        { f: filter, first, after },
      );
      if (page === 0) total = data.images.totalCount;
      seen.push(...data.images.edges.map((e) => e.node.sourcePath));
      if (!data.images.pageInfo.hasNextPage) break;
      after = data.images.pageInfo.endCursor;
      await between?.(page);
    }
    expect(new Set(seen).size, "no image twice in one walk").toBe(seen.length);
    return { paths: new Set(seen), total };
  };

  const walkReports = async (filter: Filter | undefined) => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = -1;
    for (let page = 0; ; page++) {
      const data: { reports: { totalCount: number; edges: Array<{ node: { text: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
        await gql(
          "query($f: ReportFilter, $after: String) { reports(first: 9, after: $after, filter: $f) { totalCount edges { node { text } } pageInfo { hasNextPage endCursor } } }",
          { f: filter, after },
        );
      if (page === 0) total = data.reports.totalCount;
      seen.push(...data.reports.edges.map((e) => e.node.text));
      if (!data.reports.pageInfo.hasNextPage) break;
      after = data.reports.pageInfo.endCursor;
    }
    expect(new Set(seen).size, "no report twice in one walk").toBe(seen.length);
    return { texts: new Set(seen), total };
  };

  const truth = (filter: Filter) => rows.filter((r) => matches(r, filter, studyIds));

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), `gloria-read-paths-${store}-`));
    rows = [...(await phantomSet(root, "alpha", 31)), ...(await phantomSet(root, "beta", 32))];
    await generatePhantoms({ out: path.join(root, "gamma"), count: 12, seed: 33, split: "train" });
    if (store === "qdrant") qdrant = await startFakeQdrant();
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: root, ...(qdrant ? { QDRANT_URL: qdrant.url } : {}) });
    for (const dataset of ["alpha", "beta"]) {
      const data = await gql<{ ingest: { status: string; failed: number } }>("mutation($input: IngestInput!) { ingest(input: $input) { status failed } }", {
        input: { dataset, path: path.join(root, dataset) },
      });
      expect(data.ingest).toEqual({ status: "SUCCEEDED", failed: 0 });
    }
    const studies = await t.app.database.prisma.study.findMany({ select: { id: true, externalId: true, dataset: { select: { name: true } } } });
    for (const s of studies) studyIds.set(`${s.dataset.name}/${s.externalId}`, s.id);
    const images = await gql<{ images: { edges: Array<{ node: { id: string; sourcePath: string } }> } }>(
      "{ images(first: 100) { edges { node { id sourcePath } } } }",
    );
    for (const { node } of images.images.edges) imageIds.set(node.sourcePath, node.id);
    expect(imageIds.size).toBe(rows.length);
  });

  afterAll(async () => {
    await t?.stop();
    await qdrant?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** The filters every read path is checked with; built once the study ids are known. */
  const filters = (): Array<[string, Filter]> => {
    const alphaStudies = [...studyIds.entries()].filter(([k]) => k.startsWith("alpha/")).map(([, id]) => id);
    const betaStudy = studyIds.get("beta/s-beta-2")!;
    return [
      ["none", {}],
      ["one dataset", { datasets: ["alpha"] }],
      ["both datasets", { datasets: ["alpha", "beta"] }],
      ["an unknown dataset", { datasets: ["nowhere"] }],
      ["two studies", { studies: alphaStudies.slice(0, 2) }],
      ["a study of the other dataset with the first dataset", { datasets: ["alpha"], studies: [betaStudy] }],
      ["a view", { viewPositions: ["AP"] }],
      ["findings (any of)", { findings: ["Pleural Effusion", "Edema"] }],
      ["a finding nobody has", { findings: ["Pneumothorax"] }],
      ["dataset, view and finding", { datasets: ["beta"], viewPositions: ["PA"], findings: ["Cardiomegaly", "Consolidation", "Atelectasis"] }],
      ["study and finding", { studies: [betaStudy], findings: ["Pleural Effusion", "Cardiomegaly", "Edema", "Consolidation", "Atelectasis"] }],
    ];
  };

  it("lists exactly the images each filter names, with the right total, once each across pages", async () => {
    for (const [name, filter] of filters()) {
      const expected = new Set(truth(filter).map((r) => r.path));
      const { paths, total } = await walkImages(filter);
      expect([...paths].sort(), name).toEqual([...expected].sort());
      expect(total, name).toBe(expected.size);
    }
  });

  it("lists exactly the reports each filter names", async () => {
    for (const [name, filter] of filters()) {
      if (filter.viewPositions) continue; // reports have no view
      const expected = new Set(truth(filter).map((r) => r.report));
      const { texts, total } = await walkReports(filter);
      expect([...texts].sort(), name).toEqual([...expected].sort());
      expect(total, name).toBe(expected.size);
    }
  });

  it("searches images by text within exactly the filtered set", async () => {
    for (const [name, filter] of filters()) {
      const data = await gql<{ searchImages: Array<{ image: { sourcePath: string } }> }>(
        'query($f: ImageFilter) { searchImages(text: "pleural effusion", first: 100, filter: $f) { image { sourcePath } } }',
        { f: filter },
      );
      expect(data.searchImages.map((h) => h.image.sourcePath).sort(), name).toEqual(
        truth(filter)
          .map((r) => r.path)
          .sort(),
      );
    }
  });

  it("re-ranks within the filtered set too", async () => {
    const filter: Filter = { datasets: ["beta"], findings: ["Pleural Effusion", "Edema"] };
    const data = await gql<{ searchImages: Array<{ image: { sourcePath: string } }> }>(
      'query($f: ImageFilter) { searchImages(text: "left pleural effusion", first: 100, filter: $f, rerank: { candidates: 200 }) { image { sourcePath } } }',
      { f: filter },
    );
    expect(data.searchImages.map((h) => h.image.sourcePath).sort()).toEqual(
      truth(filter)
        .map((r) => r.path)
        .sort(),
    );
  });

  it("finds similar images within exactly the filtered set, never the query image itself", async () => {
    const query = rows.find((r) => r.dataset === "alpha")!;
    for (const [name, filter] of filters()) {
      const data = await gql<{ similarImages: Array<{ image: { sourcePath: string } }> }>(
        "query($id: ID!, $f: ImageFilter) { similarImages(image: { id: $id }, first: 100, filter: $f) { image { sourcePath } } }",
        { id: imageIds.get(query.path), f: filter },
      );
      const expected = truth(filter)
        .filter((r) => r.path !== query.path)
        .map((r) => r.path)
        .sort();
      expect(data.similarImages.map((h) => h.image.sourcePath).sort(), name).toEqual(expected);
    }
  });

  it("retrieves reports for an image within exactly the filtered set", async () => {
    const query = rows.find((r) => r.dataset === "beta")!;
    for (const [name, filter] of filters()) {
      if (filter.viewPositions) continue;
      const data = await gql<{ searchReports: Array<{ report: { text: string } }> }>(
        "query($id: ID!, $f: ReportFilter) { searchReports(image: { id: $id }, first: 100, filter: $f) { report { text } } }",
        { id: imageIds.get(query.path), f: filter },
      );
      expect(data.searchReports.map((h) => h.report.text).sort(), name).toEqual(
        truth(filter)
          .map((r) => r.report)
          .sort(),
      );
    }
  });

  it("keeps a cursor walk exact while another dataset is ingested between its pages", async () => {
    let ingested = false;
    const { paths } = await walkImages({ datasets: ["alpha"] }, 5, async (page) => {
      if (page !== 1 || ingested) return;
      ingested = true;
      const data = await gql<{ ingest: { status: string } }>("mutation($input: IngestInput!) { ingest(input: $input) { status } }", {
        input: { dataset: "gamma", path: path.join(root, "gamma") },
      });
      expect(data.ingest.status).toBe("SUCCEEDED");
    });
    expect(ingested).toBe(true);
    expect([...paths].sort()).toEqual(
      truth({ datasets: ["alpha"] })
        .map((r) => r.path)
        .sort(),
    );
  });

  it("forgets a deleted image in every listing and search", async () => {
    const victim = rows.find((r) => r.dataset === "beta" && r.findings.size > 0)!;
    const id = imageIds.get(victim.path)!;
    await gql("mutation($id: ID!) { deleteImage(id: $id) { deleted } }", { id });
    rows = rows.filter((r) => r !== victim);
    const filter: Filter = { datasets: ["beta"] };
    const expected = truth(filter)
      .map((r) => r.path)
      .sort();
    expect([...(await walkImages(filter)).paths].sort()).toEqual(expected);
    const search = await gql<{ searchImages: Array<{ image: { sourcePath: string } }> }>(
      'query($f: ImageFilter) { searchImages(text: "effusion", first: 100, filter: $f, rerank: { candidates: 100 }) { image { sourcePath } } }',
      { f: filter },
    );
    expect(search.searchImages.map((h) => h.image.sourcePath).sort()).toEqual(expected);
    const similar = await gql<{ similarImages: Array<{ image: { id: string } }> }>(
      "query($id: ID!) { similarImages(image: { id: $id }, first: 100) { image { id } } }",
      {
        id: imageIds.get(expected[0]!),
      },
    );
    expect(similar.similarImages.map((h) => h.image.id)).not.toContain(id);
    const gone = await t.graphql<{ image: unknown }>("query($id: ID!) { image(id: $id) { id } }", { id });
    expect(gone.body.data?.image).toBeNull();
  });
});

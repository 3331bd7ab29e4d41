// The GraphQL API over real HTTP with the real stack (tiny model, ONNX Runtime, usearch, Postgres):
// shapes, limits, error codes, scopes and the absence of N+1 queries. Ranking quality is asserted
// with the phantom model in tests/e2e/search-quality.test.ts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 30;

describe("GraphQL API", () => {
  let t: TestApp;
  let phantoms: string;
  let queries = 0;
  let readKey: string;
  let adminKey: string;
  const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-api-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 11, split: "train" });
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms }, { onQuery: () => queries++ });
    adminKey = (await t.app.services.auth.createKey("admin", ["admin"])).key;
    readKey = (await t.app.services.auth.createKey("reader", ["read"])).key;
    const { body } = await t.graphql<{ ingest: { status: string; ingested: number } }>(
      "mutation($input: IngestInput!) { ingest(input: $input) { status ingested failed } }",
      { input: { dataset: "phantoms", path: phantoms } },
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: COUNT });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("requires an API key for data, and the right scope", async () => {
    const anonymous = await t.graphql("{ models { id } }");
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const reader = await t.graphql('mutation { deleteImage(id: "00000000-0000-0000-0000-000000000000") { deleted } }', undefined, {
      authorization: `Bearer ${readKey}`,
    });
    expect(reader.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lists the loaded model", async () => {
    const { body } = await t.graphql<{ models: Array<{ id: string; dim: number; grid: number[]; precision: string; loaded: boolean }> }>(
      "{ models { id dim grid precision loaded } }",
      undefined,
      asAdmin(),
    );
    expect(body.data?.models).toEqual([
      { id: t.app.runtime!.model.id, dim: t.app.runtime!.model.dim, grid: [...t.app.runtime!.model.grid], precision: "fp32", loaded: true },
    ]);
  });

  it("pages through images with a total count and stable cursors", async () => {
    const q =
      "query($after: String) { images(first: 12, after: $after) { totalCount edges { cursor node { id dataset findings } } pageInfo { hasNextPage endCursor } } }";
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      type Page = {
        images: { totalCount: number; edges: Array<{ node: { id: string; dataset: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
      const response: { body: { data?: Page } } = await t.graphql<Page>(q, { after }, asAdmin());
      const body = response.body;
      expect(body.data?.images.totalCount).toBe(COUNT);
      for (const e of body.data!.images.edges) seen.add(e.node.id);
      pages++;
      if (!body.data!.images.pageInfo.hasNextPage) break;
      after = body.data!.images.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(COUNT);
  });

  it("searches images by text, re-ranked, with scores in their documented ranges", async () => {
    const { body } = await t.graphql<{
      searchImages: Array<{ rank: number; score: number; globalScore: number; localScore: number; image: { id: string; findings: string[] } }>;
    }>(
      '{ searchImages(text: "small left pleural effusion", first: 5, rerank: { candidates: 20 }) { rank score globalScore localScore image { id findings } } }',
      undefined,
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    const hits = body.data!.searchImages;
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const h of hits) {
      expect(h.globalScore).toBeGreaterThanOrEqual(-1);
      expect(h.globalScore).toBeLessThanOrEqual(1);
      expect(Math.abs(h.localScore)).toBeLessThanOrEqual(5);
      expect(h.score).toBeCloseTo((h.localScore + h.globalScore) / 2, 5);
    }
    expect([...hits].sort((a, b) => b.score - a.score).map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
  });

  it("re-ranked scores equal what the model computes for the same pair from the file", async () => {
    const { body } = await t.graphql<{ searchImages: Array<{ globalScore: number; localScore: number; image: { sourcePath: string } }> }>(
      '{ searchImages(text: "moderate cardiomegaly", first: 3, rerank: { candidates: 10, mode: REFERENCE }) { globalScore localScore image { sourcePath } } }',
      undefined,
      asAdmin(),
    );
    const runtime = t.app.runtime!;
    for (const hit of body.data!.searchImages) {
      // An administrator sees the path relative to the INGEST_ROOTS folder that holds it.
      expect(path.isAbsolute(hit.image.sourcePath)).toBe(false);
      const prepared = await runtime.prepareImage(new Uint8Array(fs.readFileSync(path.join(phantoms, hit.image.sourcePath))));
      const [features] = await runtime.model.encodeImages([prepared.pixels]);
      const direct = await runtime.model.scoreTextAgainstImages("moderate cardiomegaly", [features!], { mode: "REFERENCE" });
      expect(hit.globalScore).toBeCloseTo(direct.global[0]!, 5);
      // Stored local features are float16 (relative error ≤ 2^-11), so the local score agrees to ~1e-3.
      expect(Math.abs(hit.localScore - direct.local[0]!)).toBeLessThan(5e-3);
    }
  });

  it("lists images by finding with the count and items the stored findings say", async () => {
    type Listing = { images: { totalCount: number; edges: Array<{ node: { id: string; findings: string[] } }> } };
    const all = await t.graphql<Listing>("{ images(first: 100) { totalCount edges { node { id findings } } } }", undefined, asAdmin());
    const everything = all.body.data!.images.edges.map((e) => e.node);
    for (const findings of [["Cardiomegaly"], ["Edema", "Pleural Effusion"]]) {
      const expected = everything
        .filter((n) => n.findings.some((f) => findings.includes(f)))
        .map((n) => n.id)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(everything.length);
      const { body } = await t.graphql<Listing>(
        "query($f: [String!]) { images(first: 100, filter: { findings: $f }) { totalCount edges { node { id findings } } } }",
        { f: findings },
        asAdmin(),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.images.totalCount).toBe(expected.length);
      expect(body.data!.images.edges.map((e) => e.node.id).sort()).toEqual(expected);
    }
  });

  it("searches within a study, finding exactly the study's images", async () => {
    type Listing = { images: { edges: Array<{ node: { id: string; studyId: string | null } }> } };
    const all = (await t.graphql<Listing>("{ images(first: 100) { edges { node { id studyId } } } }", undefined, asAdmin())).body.data!.images.edges.map(
      (e) => e.node,
    );
    const studyId = all.find((n) => n.studyId)?.studyId;
    expect(studyId, "the phantoms carry study ids").toBeTruthy();
    const expected = all
      .filter((n) => n.studyId === studyId)
      .map((n) => n.id)
      .sort();
    const { body } = await t.graphql<{ searchImages: Array<{ image: { id: string; studyId: string } }> }>(
      'query($s: [ID!]) { searchImages(text: "pleural effusion", first: 100, filter: { studies: $s }) { image { id studyId } } }',
      { s: [studyId] },
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.searchImages.map((h) => h.image.id).sort()).toEqual(expected);
  });

  it("filters by finding and dataset", async () => {
    const { body } = await t.graphql<{ searchImages: Array<{ image: { findings: string[]; dataset: string } }> }>(
      '{ searchImages(text: "cardiomegaly", first: 10, filter: { findings: ["Cardiomegaly"], datasets: ["phantoms"] }) { image { findings dataset } } }',
      undefined,
      asAdmin(),
    );
    expect(body.data!.searchImages.length).toBeGreaterThan(0);
    for (const h of body.data!.searchImages) expect(h.image.findings).toContain("Cardiomegaly");
    const none = await t.graphql<{ searchImages: unknown[] }>('{ searchImages(text: "edema", filter: { datasets: ["nope"] }) { rank } }', undefined, asAdmin());
    expect(none.body.data?.searchImages).toEqual([]);
  });

  it("retrieves reports for a stored image and for an uploaded one", async () => {
    const imageId = (await t.app.runtime!.metadata.listImages({}, 1)).items[0]!.id;
    const byId = await t.graphql<{ searchReports: Array<{ rank: number; report: { text: string } }> }>(
      "query($id: ID!) { searchReports(image: { id: $id }, first: 3, rerank: { candidates: 10, mode: WORDS }) { rank score report { text } } }",
      { id: imageId },
      asAdmin(),
    );
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data!.searchReports).toHaveLength(3);
    const file = path.join(
      phantoms,
      "images",
      fs.readdirSync(path.join(phantoms, "images")).find((f) => f.endsWith(".png"))!,
    );
    const byUpload = await t.graphql<{ searchReports: unknown[] }>(
      "query($b: String!) { searchReports(image: { base64: $b }, first: 2) { rank } }",
      { b: fs.readFileSync(file).toString("base64") },
      asAdmin(),
    );
    expect(byUpload.body.data!.searchReports).toHaveLength(2);
  });

  it("accepts a multipart upload behind the CSRF preflight header, and refuses it without", async () => {
    const file = path.join(
      phantoms,
      "images",
      fs.readdirSync(path.join(phantoms, "images")).find((f) => f.endsWith(".png"))!,
    );
    const form = () => {
      const body = new FormData();
      body.append(
        "operations",
        JSON.stringify({ query: "query($f: Upload!) { similarImages(image: { upload: $f }, first: 3) { rank score } }", variables: { f: null } }),
      );
      body.append("map", JSON.stringify({ 0: ["variables.f"] }));
      body.append("0", new Blob([fs.readFileSync(file)], { type: "image/png" }), "x.png");
      return body;
    };
    const ok = await fetch(`${t.app.url}/graphql`, { method: "POST", headers: { ...asAdmin(), "apollo-require-preflight": "true" }, body: form() });
    const okBody = (await ok.json()) as { data?: { similarImages: Array<{ rank: number; score: number }> }; errors?: unknown };
    expect(okBody.errors).toBeUndefined();
    expect(okBody.data!.similarImages.map((h) => h.rank)).toEqual([1, 2, 3]);
    expect(okBody.data!.similarImages[0]!.score).toBeCloseTo(1, 4);
    const refused = await fetch(`${t.app.url}/graphql`, { method: "POST", headers: asAdmin(), body: form() });
    expect(refused.status).toBe(400);
  });

  it("classifies with the GLoRIA prompts and explains with attention maps", async () => {
    const imageId = (await t.app.runtime!.metadata.listImages({}, 1)).items[0]!.id;
    const { body } = await t.graphql<{ classify: Array<{ scores: Array<{ className: string }>; predicted: string; prompts: string }> }>(
      "query($id: ID!) { classify(images: [{ id: $id }], normalization: NONE) { scores { className score rawScore } predicted prompts } }",
      { id: imageId },
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.classify[0]!.scores.map((s) => s.className)).toEqual(["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]);
    const attention = await t.graphql<{ attention: { grid: number[]; words: Array<{ word: string; map: number[]; heatmap: string }> } }>(
      'query($id: ID!) { attention(image: { id: $id }, text: "large left pleural effusion") { grid localScore words { word weight map heatmap } } }',
      { id: imageId },
      asAdmin(),
    );
    expect(attention.body.errors).toBeUndefined();
    const words = attention.body.data!.attention.words;
    expect(words.map((w) => w.word)).toEqual(["large", "left", "pleural", "effusion"]);
    const [h, w] = attention.body.data!.attention.grid;
    for (const word of words) {
      expect(word.map).toHaveLength(h! * w!);
      expect(word.map.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(word.heatmap).toMatch(/^data:image\/png;base64,/);
    }
  });

  it("classifies with custom classes without naming a normalisation, saying which one it chose", async () => {
    const ids = (await t.app.runtime!.metadata.listImages({}, 2)).items.map((i) => ({ id: i.id }));
    const classes = [
      { name: "fluid", prompts: ["pleural effusion", "fluid in the pleural space"] },
      { name: "big heart", prompts: ["cardiomegaly"] },
    ];
    type Out = { classify: Array<{ scores: Array<{ className: string; score: number | null; rawScore: number }>; predicted: string; normalization: string }> };
    const query =
      "query($i: [ImageInput!]!, $c: [ClassPromptsInput!]) { classify(images: $i, classes: $c) { scores { className score rawScore } predicted normalization } }";
    const one = await t.graphql<Out>(query, { i: ids.slice(0, 1), c: classes }, asAdmin());
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data!.classify[0]).toMatchObject({ normalization: "NONE" });
    // NONE: the scores are the raw ones, and the prediction is their argmax.
    const scores = one.body.data!.classify[0]!.scores;
    for (const s of scores) expect(s.score).toBeCloseTo(s.rawScore, 6);
    expect(one.body.data!.classify[0]!.predicted).toBe([...scores].sort((a, b) => b.rawScore - a.rawScore)[0]!.className);
    const two = await t.graphql<Out>(query, { i: ids, c: classes }, asAdmin());
    expect(two.body.errors).toBeUndefined();
    expect(two.body.data!.classify.map((c) => c.normalization)).toEqual(["BATCH", "BATCH"]);
    // Asked for explicitly, REFERENCE still refuses classes it has no statistics for.
    const reference = await t.graphql(query.replace("classes: $c)", "classes: $c, normalization: REFERENCE)"), { i: ids, c: classes }, asAdmin());
    expect(reference.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("loads hits' linked reports without one query per hit", async () => {
    const query = '{ searchImages(text: "pleural effusion", first: 20) { image { id reports { id text } } } }';
    await t.graphql(query, undefined, asAdmin());
    queries = 0;
    await t.graphql(query, undefined, asAdmin());
    const twenty = queries;
    queries = 0;
    await t.graphql(query.replace("first: 20", "first: 2"), undefined, asAdmin());
    expect(twenty).toBe(queries);
  });

  it("gives typed errors for bad input", async () => {
    const cases: Array<[string, string]> = [
      ['{ searchImages(text: "x y", first: 101) { rank } }', "BAD_USER_INPUT"],
      ['{ searchImages(text: "x y", rerank: { candidates: 1001 }) { rank } }', "BAD_USER_INPUT"],
      // A defaulted argument sent as an explicit null gets no second, hidden default.
      ['{ searchImages(text: "x y", first: null) { rank } }', "BAD_USER_INPUT"],
      ['{ searchImages(text: "x y", rerank: { mode: null }) { rank } }', "BAD_USER_INPUT"],
      ["{ images(first: null) { totalCount } }", "BAD_USER_INPUT"],
      ['{ searchImages(text: "   ") { rank } }', "BAD_USER_INPUT"],
      ['{ searchReports(image: { id: "00000000-0000-0000-0000-000000000000" }) { rank } }', "NOT_FOUND"],
      ['{ searchReports(image: { base64: "bm90IGFuIGltYWdl" }) { rank } }', "UNSUPPORTED_MEDIA_TYPE"],
      ["{ searchReports(image: { }) { rank } }", "BAD_USER_INPUT"],
      ['{ searchImages(text: "x y", model: "other@1#abc") { rank } }', "NOT_FOUND"],
      ["{ classify(images: []) { predicted } }", "BAD_USER_INPUT"],
      ['{ image(id: "not-a-uuid") { id } }', ""],
    ];
    for (const [query, code] of cases) {
      const { body } = await t.graphql(query, undefined, asAdmin());
      if (code === "") expect(body, query).toMatchObject({ data: { image: null } });
      else expect(body.errors?.[0]?.extensions?.code, query).toBe(code);
    }
  });

  it("refuses queries that are too deep or use too many aliases", async () => {
    const deep = "{ images { edges { node { reports { images { reports { images { reports { images { id } } } } } } } } } }";
    expect((await t.graphql(deep, undefined, asAdmin())).body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/depth/i),
      extensions: { code: "BAD_USER_INPUT" },
    });
    const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: models { id }`).join(" ")} }`;
    expect((await t.graphql(aliases, undefined, asAdmin())).body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/alias/i),
      extensions: { code: "BAD_USER_INPUT" },
    });
  });

  it("refuses ingestion from outside the allowed roots", async () => {
    const { body } = await t.graphql('mutation { ingest(input: { dataset: "x", path: "/etc" }) { id } }', undefined, asAdmin());
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("creates and revokes API keys as an admin", async () => {
    const { body } = await t.graphql<{ createApiKey: { key: string; apiKey: { id: string; scopes: string[] } } }>(
      'mutation { createApiKey(input: { name: "portal", scopes: [READ] }) { key apiKey { id scopes prefix } } }',
      undefined,
      asAdmin(),
    );
    const created = body.data!.createApiKey;
    expect(created.apiKey.scopes).toEqual(["READ"]);
    expect((await t.graphql("{ models { id } }", undefined, { authorization: `Bearer ${created.key}` })).body.errors).toBeUndefined();
    await t.graphql("mutation($id: ID!) { revokeApiKey(id: $id) { deleted } }", { id: created.apiKey.id }, asAdmin());
    expect((await t.graphql("{ models { id } }", undefined, { authorization: `Bearer ${created.key}` })).status).toBe(401);
  });

  it("deletes an image from every store", async () => {
    const imageId = (await t.app.runtime!.metadata.listImages({}, 1)).items[0]!.id;
    const { body } = await t.graphql<{ deleteImage: { deleted: boolean } }>(
      "mutation($id: ID!) { deleteImage(id: $id) { id deleted } }",
      { id: imageId },
      asAdmin(),
    );
    expect(body.data?.deleteImage.deleted).toBe(true);
    expect((await t.graphql<{ image: null }>("query($id: ID!) { image(id: $id) { id } }", { id: imageId }, asAdmin())).body.data?.image).toBeNull();
    expect(await t.app.runtime!.collections.images.count()).toBe(COUNT - 1);
    const again = await t.graphql("mutation($id: ID!) { deleteImage(id: $id) { id } }", { id: imageId }, asAdmin());
    expect(again.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

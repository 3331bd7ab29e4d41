// What a user of the shipped demo model sees over HTTP: the right phantoms come first, re-ranking
// respects laterality, and "left" attends to the image's right (the patient's left). Runs when the
// trained gloria-phantom model is present.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLORIA_CHEXPERT_5X5 } from "../../src/model/zero-shot/zero-shot.prompts.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const hasModel = fs.existsSync(path.join(MODEL, "manifest.json"));

type Hit = { rank: number; image: { id: string; findings: string[]; findingDetails: Array<{ className: string; location: string | null }> } };

describe.runIf(hasModel)("search quality with gloria-phantom", () => {
  let t: TestApp;
  let phantoms: string;

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-quality-"));
    await generatePhantoms({ out: phantoms, count: 200, seed: 77, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "off", INGEST_ROOTS: phantoms });
    const { body } = await t.graphql<{ ingest: { ingested: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "quality", path: $p }) { ingested failed } }',
      { p: phantoms },
    );
    expect(body.data?.ingest.ingested).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const search = async (text: string, rerank: boolean) => {
    const { body } = await t.graphql<{ searchImages: Hit[] }>(
      `query($q: String!) { searchImages(text: $q, first: 10, rerank: { enabled: ${rerank}, candidates: 100 }) { rank image { id findings findingDetails { className location } } } }`,
      { q: text },
    );
    expect(body.errors).toBeUndefined();
    return body.data!.searchImages;
  };

  type ImagePage = { images: { edges: Array<{ node: { id: string; findings: string[] } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  /** Every stored image with its findings, walking the connection. */
  const allImages = async () => {
    const out: Array<{ id: string; findings: string[] }> = [];
    let after: string | null = null;
    do {
      const { body }: { body: { data?: ImagePage } } = await t.graphql<ImagePage>(
        "query($after: String) { images(first: 100, after: $after) { edges { node { id findings } } pageInfo { hasNextPage endCursor } } }",
        { after },
      );
      out.push(...body.data!.images.edges.map((e) => e.node));
      after = body.data!.images.pageInfo.hasNextPage ? body.data!.images.pageInfo.endCursor : null;
    } while (after);
    return out;
  };

  it("puts the query's class in the top 5 for every class prompt", async () => {
    const precisions: number[] = [];
    for (const { name, prompts } of GLORIA_CHEXPERT_5X5.classes) {
      for (const prompt of prompts) {
        const top = (await search(prompt, true)).slice(0, 5);
        const hits = top.filter((h) => h.image.findings.includes(name)).length;
        expect(hits, `${name}: "${prompt}"`).toBeGreaterThan(0);
        precisions.push(hits / 5);
      }
    }
    expect(precisions.reduce((a, b) => a + b, 0) / precisions.length).toBeGreaterThanOrEqual(0.9);
  });

  it("retrieves reports of the image's own finding for image-to-report search", async () => {
    const single = (await allImages()).filter((i) => i.findings.length === 1).slice(0, 30);
    expect(single.length).toBe(30);
    let same = 0;
    for (const image of single) {
      const { body } = await t.graphql<{ searchReports: Array<{ report: { findings: string[] } }> }>(
        "query($id: ID!) { searchReports(image: { id: $id }, first: 5, rerank: { candidates: 50 }) { report { findings } } }",
        { id: image.id },
      );
      expect(body.errors).toBeUndefined();
      same += body.data!.searchReports.filter((h) => h.report.findings.includes(image.findings[0])).length;
    }
    expect(same / (single.length * 5)).toBeGreaterThanOrEqual(0.8);
  });

  it("classifies the held-out phantoms zero-shot with accuracy ≥ 0.90", async () => {
    const single = (await allImages()).filter((i) => i.findings.length === 1);
    let correct = 0;
    for (let start = 0; start < single.length; start += 32) {
      const chunk = single.slice(start, start + 32);
      const { body } = await t.graphql<{ classify: Array<{ predicted: string }> }>(
        "query($images: [ImageInput!]!) { classify(images: $images, normalization: REFERENCE) { predicted } }",
        { images: chunk.map((i) => ({ id: i.id })) },
      );
      expect(body.errors).toBeUndefined();
      body.data!.classify.forEach((c, i) => (correct += c.predicted === chunk[i].findings[0] ? 1 : 0));
    }
    expect(single.length).toBeGreaterThan(80);
    expect(correct / single.length).toBeGreaterThanOrEqual(0.9);
  });

  it("ranks effusion phantoms first for 'large left pleural effusion'", async () => {
    const hits = await search("large left pleural effusion", true);
    expect(hits.slice(0, 5).every((h) => h.image.findings.includes("Pleural Effusion"))).toBe(true);
  });

  it("re-ranking keeps or improves the side-correct share in the top 10", async () => {
    const sideCorrect = (hits: Hit[], side: string) =>
      hits.filter((h) => h.image.findingDetails.some((f) => f.className === "Pleural Effusion" && (f.location ?? "").includes(side))).length;
    for (const side of ["left", "right"]) {
      const global = sideCorrect(await search(`${side} pleural effusion`, false), side);
      const reranked = sideCorrect(await search(`${side} pleural effusion`, true), side);
      expect(reranked).toBeGreaterThanOrEqual(global);
    }
  });

  it("puts the attention for 'left' on the image's right for a left effusion", async () => {
    const hits = await search("left pleural effusion", true);
    const target = hits.find((h) => h.image.findingDetails.some((f) => f.className === "Pleural Effusion" && f.location === "left"));
    expect(target).toBeDefined();
    const { body } = await t.graphql<{ attention: { grid: number[]; words: Array<{ word: string; map: number[] }> } }>(
      'query($id: ID!) { attention(image: { id: $id }, text: "left pleural effusion") { grid words { word map } } }',
      { id: target!.image.id },
    );
    const [h, w] = body.data!.attention.grid as [number, number];
    const map = body.data!.attention.words.find((x) => x.word === "left")!.map;
    let leftHalf = 0;
    let rightHalf = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x < w / 2) leftHalf += map[y * w + x]!;
        else rightHalf += map[y * w + x]!;
      }
    }
    expect(rightHalf).toBeGreaterThan(leftHalf);
  });
  it("fits a score floor on an evaluation, exposes it on models, and searches with it never go under it", async () => {
    const { body } = await t.graphql<{ evaluate: { id: string; figure: { value: number | null; ci95: number[] | null } | null } }>(
      'query($m: String!) { evaluate(input: { manifest: $m, limit: 120, bootstrapIterations: 200 }) { id figure(name: "textToImage.GLOBAL.suggestedMinScore") { value ci95 } } }',
      { m: path.join(phantoms, "manifest.csv") },
    );
    expect(body.errors).toBeUndefined();
    const fitted = body.data!.evaluate.figure!;
    expect(fitted.value).not.toBeNull();
    expect(fitted.ci95![0]).toBeLessThanOrEqual(fitted.value!);
    expect(fitted.ci95![1]).toBeGreaterThanOrEqual(fitted.value!);
    const models = await t.graphql<{ models: Array<{ suggestedMinScore: { value: number; target: number; scoring: string; evaluation: string } | null }> }>(
      "{ models { suggestedMinScore { value target scoring evaluation } } }",
    );
    expect(models.body.data!.models[0]!.suggestedMinScore).toEqual({ value: fitted.value, target: 0.8, scoring: "GLOBAL", evaluation: body.data!.evaluate.id });
    const hits = await t.graphql<{ searchImages: Array<{ score: number; image: { findings: string[] } }> }>(
      `{ searchImages(text: "pleural effusion", first: 100, minScore: ${fitted.value}) { score image { findings } } }`,
    );
    const found = hits.body.data!.searchImages;
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((h) => h.score >= fitted.value!)).toBe(true);
  });
});

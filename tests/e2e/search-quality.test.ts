// What a user of the shipped demo model sees over HTTP: the right phantoms come first, re-ranking
// respects laterality, and "left" attends to the image's right (the patient's left). Runs when the
// trained gloria-phantom model is present.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    const { body } = await t.graphql<{ ingest: { ingested: number } }>("mutation($p: String!) { ingest(input: { dataset: \"quality\", path: $p }) { ingested failed } }", { p: phantoms });
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
});

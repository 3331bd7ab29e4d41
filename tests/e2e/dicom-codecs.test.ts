// JPEG 2000 and JPEG-LS chest radiographs through ingestion and search, over HTTP: the phantoms'
// DICOM files re-encoded by an independent encoder (GDCM; tools/dicom/transcode.py) the way a PACS
// hands them over are ingested, and each lossless copy embeds exactly as its native original (the
// same pixels), a lossy one nearly so.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { PYTHON, runsWithPython } from "../helpers/python.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const SYNTAXES = {
  j2k: "1.2.840.10008.1.2.4.90",
  "j2k-lossy": "1.2.840.10008.1.2.4.91",
  jpegls: "1.2.840.10008.1.2.4.80",
  "jpegls-near": "1.2.840.10008.1.2.4.81",
} as const;

interface Node {
  id: string;
  format: string;
  sourcePath: string;
  width: number;
  height: number;
}

describe.runIf(runsWithPython("gdcm"))("JPEG 2000 and JPEG-LS DICOM through ingestion and search", () => {
  let t: TestApp;
  let root: string;
  const originals: string[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-codecs-"));
    const phantoms = path.join(root, "phantoms");
    // Seed 8 gives four DICOM phantoms among 40.
    await generatePhantoms({ out: phantoms, count: 40, seed: 8, split: "train" });
    originals.push(...fs.readdirSync(path.join(phantoms, "images")).filter((f) => f.endsWith(".dcm")));
    expect(originals.length).toBeGreaterThanOrEqual(3);
    for (const syntax of Object.keys(SYNTAXES)) {
      const folder = path.join(root, "pacs", syntax);
      fs.mkdirSync(folder, { recursive: true });
      const args = originals.flatMap((f) => [path.join(phantoms, "images", f), path.join(folder, f)]);
      const run = spawnSync(PYTHON, ["tools/dicom/transcode.py", syntax, ...args], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
    }
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: root });
    for (const [dataset, source] of [
      ["native", phantoms],
      ["pacs", path.join(root, "pacs")],
    ]) {
      const { body } = await t.graphql<{ ingest: { ingested: number; failed: number } }>(
        "mutation($d: String!, $p: String!) { ingest(input: { dataset: $d, path: $p }) { ingested failed errors { item message } } }",
        { d: dataset, p: source },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.ingest.failed, JSON.stringify(body.data)).toBe(0);
    }
  });
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const images = async (dataset: string) => {
    const { body } = await t.graphql<{ images: { edges: Array<{ node: Node }> } }>(
      "query($d: String!) { images(first: 100, filter: { datasets: [$d] }) { edges { node { id format sourcePath width height } } } }",
      { d: dataset },
    );
    return body.data!.images.edges.map((e) => e.node);
  };

  it("ingests every re-encoded file as a DICOM image of the original's size", async () => {
    const native = new Map((await images("native")).filter((n) => n.format === "dicom").map((n) => [path.basename(n.sourcePath), n]));
    const pacs = await images("pacs");
    expect(pacs).toHaveLength(originals.length * Object.keys(SYNTAXES).length);
    for (const node of pacs) {
      expect(node.format).toBe("dicom");
      const original = native.get(path.basename(node.sourcePath))!;
      expect([node.width, node.height]).toEqual([original.width, original.height]);
    }
  });

  it("finds each original's re-encoded copies as its nearest images: the lossless ones identical", async () => {
    const native = (await images("native")).filter((n) => n.format === "dicom");
    const pacs = await images("pacs");
    for (const original of native) {
      const { body } = await t.graphql<{ similarImages: Array<{ score: number; image: { id: string; sourcePath: string } }> }>(
        'query($id: ID!) { similarImages(image: { id: $id }, first: 4, filter: { datasets: ["pacs"] }) { score image { id sourcePath } } }',
        { id: original.id },
      );
      const hits = body.data!.similarImages;
      const copies = pacs.filter((p) => path.basename(p.sourcePath) === path.basename(original.sourcePath));
      expect(new Set(hits.map((h) => h.image.id))).toEqual(new Set(copies.map((c) => c.id)));
      for (const hit of hits) {
        const syntax = hit.image.sourcePath.split("/").at(-2)!;
        if (syntax === "j2k" || syntax === "jpegls") expect(hit.score, syntax).toBeGreaterThan(0.99999);
        else expect(hit.score, syntax).toBeGreaterThan(0.99);
      }
    }
  });
});

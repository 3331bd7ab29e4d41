// Work a read or ingest key can order, tried against a live server: every way to multiply the work
// of one request (aliases, hits, candidates, heatmaps per word, images, classes × prompts, uploads,
// evaluation rows) is priced before it starts, refused over MAX_REQUEST_COST with BAD_USER_INPUT
// naming the limit, and nothing is read, encoded or stored meanwhile.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { expectAppError } from "../helpers/expect-app-error.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { whileHealthy } from "./harness.ts";

type Body = { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

describe("every request's work has a price", () => {
  let t: TestApp;
  let phantoms: string;
  let png: string;
  let statements = 0;
  let counting = false;

  /** Sends a request while /healthz is watched, counting the SQL statements it caused. */
  const send = async (query: string, variables?: Record<string, unknown>) => {
    statements = 0;
    counting = true;
    try {
      const { result } = await whileHealthy(t.app.url, () => t.graphql(query, variables));
      return { ...result, statements };
    } finally {
      counting = false;
    }
  };

  const expectPriced = (body: Body) => {
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toMatch(/MAX_REQUEST_COST/);
    expect(body.data ?? null).toBeNull();
  };

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-security-cost-"));
    await generatePhantoms({ out: phantoms, count: 12, seed: 9, split: "train" });
    png = fs
      .readFileSync(
        path.join(
          phantoms,
          "images",
          fs.readdirSync(path.join(phantoms, "images")).find((f) => f.endsWith(".png"))!,
        ),
      )
      .toString("base64");
    t = await startTestApp(
      { GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: phantoms, MAX_REQUEST_COST: "3000" },
      { onQuery: () => counting && statements++ },
    );
    const { body } = await t.graphql<{ ingest: { status: string } }>("mutation($input: IngestInput!) { ingest(input: $input) { status } }", {
      input: { dataset: "phantoms", path: phantoms },
    });
    expect(body.data?.ingest.status).toBe("SUCCEEDED");
    // The first re-ranking opens the local-similarity kernels and warms the code paths; the budget
    // below is about a running server.
    await t.graphql('{ searchImages(text: "effusion", first: 1, rerank: { candidates: 4 }) { attention { heatmap } } }');
  });

  afterAll(async () => {
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("answers a portal's re-ranked search with heatmaps under the budget", async () => {
    // The baseline, not an attack: it does real work (with the embedded PGlite, on this thread), so
    // it is not held to the /healthz budget the refused requests below are.
    const { body } = await t.graphql(
      '{ searchImages(text: "left pleural effusion", first: 5, rerank: { candidates: 12 }) { rank attention { word heatmap } } }',
    );
    expect(body.errors).toBeUndefined();
    expect((body.data as { searchImages: unknown[] }).searchImages).toHaveLength(5);
  });

  it("refuses aliased copies of a heavy search before touching the database", async () => {
    const field = 'searchImages(text: "large left pleural effusion", first: 20, rerank: { candidates: 100 }) { rank attention { heatmap } }';
    const { body, statements: sql } = await send(`{ ${Array.from({ length: 5 }, (_, i) => `a${i}: ${field}`).join(" ")} }`);
    expectPriced(body);
    expect(sql).toBe(0);
  });

  it("refuses heatmaps for every word of a long text", async () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const { body, statements: sql } = await send("query($text: String!) { searchImages(text: $text, first: 1) { attention { heatmap } } }", { text });
    expectPriced(body);
    expect(sql).toBe(0);
  });

  it("refuses heatmaps hidden behind a fragment the same way", async () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const { body } = await send(
      "query($text: String!) { searchImages(text: $text, first: 1) { ...Hit } } fragment Hit on ImageHit { attention { ... on WordAttention { heatmap } } }",
      { text },
    );
    expectPriced(body);
  });

  it("refuses classify with thousands of custom prompts", async () => {
    const classes = Array.from({ length: 60 }, (_, i) => ({ name: `class ${i}`, prompts: Array.from({ length: 20 }, (_, j) => `prompt ${j} of ${i}`) }));
    const { body, statements: sql } = await send('query($c: [ClassPromptsInput!]) { classify(images: [{ base64: "AAAA" }], classes: $c) { predicted } }', {
      c: classes,
    });
    expectPriced(body);
    expect(sql).toBe(0);
  });

  it("refuses classify of many uploaded images against the full prompt set", async () => {
    const images = Array.from({ length: 32 }, () => ({ base64: png }));
    const { body } = await send("query($i: [ImageInput!]!) { a: classify(images: $i) { predicted } b: classify(images: $i) { predicted } }", { i: images });
    expectPriced(body);
  });

  it("refuses a large image-to-report re-ranking from many aliases", async () => {
    const field = `searchReports(image: { base64: "${png}" }, first: 100, rerank: { candidates: 1000 }) { rank }`;
    const { body } = await send(`{ a: ${field} b: ${field} c: ${field} }`);
    expectPriced(body);
  });

  it("refuses an upload batch over the budget and stores none of it", async () => {
    const before = await t.app.database.prisma.image.count();
    // Small files: each item is priced the same whatever its size, and the body stays under the JSON limit.
    const tiny = (
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } })
        .png()
        .toBuffer()
    ).toString("base64");
    const items = Array.from({ length: 80 }, (_, i) => ({ name: `u${i}.png`, base64: tiny }));
    const { body } = await send("mutation($input: IngestInput!) { ingest(input: $input) { status } }", { input: { dataset: "uploads", items } });
    expectPriced(body);
    expect(await t.app.database.prisma.image.count()).toBe(before);
    expect(await t.app.database.prisma.dataset.count({ where: { name: "uploads" } })).toBe(0);
  });

  it("refuses an evaluation of more rows than the budget allows", async () => {
    const { body } = await send("query($input: EvaluateInput!) { evaluate(input: $input) { id } }", {
      input: { manifest: path.join(phantoms, "manifest.csv"), limit: 5000, bootstrapIterations: 10000 },
    });
    expectPriced(body);
  });

  it("names the price, the limit and each field's share", async () => {
    const field = 'searchImages(text: "large left pleural effusion", first: 100, rerank: { candidates: 1000 }) { rank attention { heatmap } }';
    const { body } = await send(`{ x: ${field} }`);
    expectPriced(body);
    const details = body.errors![0]!.extensions!.details as { limit: string; max: number; cost: number; fields: Array<{ field: string; cost: number }> };
    expect(details.limit).toBe("MAX_REQUEST_COST");
    expect(details.max).toBe(3000);
    expect(details.cost).toBeGreaterThan(3000);
    expect(details.fields.map((f) => f.field)).toEqual(["x"]);
  });

  it("stops a request's work at the next step once its signal aborts (timeout or client gone)", async () => {
    const search = t.app.services.search!;
    statements = 0;
    counting = true;
    try {
      await expectAppError(
        search.searchImages({ text: "effusion", first: 5, rerank: { enabled: true, candidates: 12, mode: "REFERENCE" }, signal: AbortSignal.abort() }),
        "TIMEOUT",
      );
    } finally {
      counting = false;
    }
    // Aborted before the vector search: nothing was read from the catalogue.
    expect(statements).toBe(0);
    const controller = new AbortController();
    const hits = await search.searchImages({
      text: "effusion",
      first: 2,
      rerank: { enabled: true, candidates: 12, mode: "REFERENCE" },
      withAttention: true,
      signal: controller.signal,
    });
    expect(hits[0]!.attention!.length).toBeGreaterThan(0);
    controller.abort();
    // Heatmaps are drawn lazily, as the response is written: after the abort none is drawn.
    await expectAppError(hits[0]!.attention![0]!.heatmap(), "TIMEOUT");
    await expectAppError(
      t.app.services.classify!.classify({ images: [{ id: hits[0]!.image.id }], normalization: "NONE", signal: controller.signal }),
      "TIMEOUT",
    );
  });

  it("still refuses out-of-range arguments by their own limits", async () => {
    const { body } = await send('{ searchImages(text: "effusion", first: 1000) { rank } }');
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const candidates = await send('{ searchImages(text: "effusion", first: 1, rerank: { candidates: 100000 }) { rank } }');
    expect(candidates.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

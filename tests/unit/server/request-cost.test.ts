// The request price against the documented table: what a portal asks for stays far under the default
// budget, and every way to multiply work (hits, candidates, heatmaps, images, prompts, aliases,
// uploads, evaluation rows) raises the price as the table says.
import { createRequire } from "node:module";
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../../src/schema/index.ts";
import { estimateWords, priceOperation, PRICES } from "../../../src/server/request-cost.ts";

const DEFAULT_BUDGET = 10_000;
// Built by the graphql module the server's schema comes from (request-cost.ts says why).
const { buildSchema } = createRequire(import.meta.url)("graphql") as typeof import("graphql");
const schema = buildSchema(loadTypeDefs());

function price(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return priceOperation(operation, fragments, variables, schema);
}

describe("request prices", () => {
  it("reads arguments as execution will: the schema's defaults, and variables with theirs", () => {
    const perHit = (n: number) => PRICES.field + n * PRICES.hit;
    // images(first: Int = 20): left out, the page is the schema's 20, not a guess.
    expect(price("{ images { totalCount } }").total).toBe(Math.round(perHit(20)));
    expect(price("query($n: Int = 50) { images(first: $n) { totalCount } }").total).toBe(Math.round(perHit(50)));
    expect(price("query($n: Int) { images(first: $n) { totalCount } }", { n: 70 }).total).toBe(Math.round(perHit(70)));
    // A variable that will not coerce leaves the base price: execution refuses the request before any work.
    expect(price("query($n: Int) { images(first: $n) { totalCount } }", { n: "many" }).total).toBe(PRICES.field);
  });

  it("prices a plain search by its hits and the query text", () => {
    const { total } = price('{ searchImages(text: "effusion", first: 10) { rank } }');
    // Ten hits read from the first stage: one block of a hundred.
    expect(total).toBe(Math.round(PRICES.field + PRICES.text + 10 * PRICES.hit + PRICES.pool100));
  });

  it("prices each image preview asked for, however deep in the selection", () => {
    const plain = price('{ searchImages(text: "effusion", first: 20) { rank image { id } } }').total;
    const previews = price('{ searchImages(text: "effusion", first: 20) { rank image { id thumbnail(size: 128) } } }').total;
    expect(previews - plain).toBe(20 * PRICES.thumbnail);
    const listing = price("query { images(first: 50) { edges { node { ...Preview } } } } fragment Preview on Image { thumbnail }").total;
    expect(listing - price("{ images(first: 50) { edges { node { id } } } }").total).toBe(50 * PRICES.thumbnail);
  });

  it("prices each aliased preview of an image on its own, and a preview repeated through fragments once", () => {
    const plain = price("{ images(first: 50) { edges { node { id } } } }").total;
    const sizes = price("{ images(first: 50) { edges { node { id small: thumbnail(size: 32) large: thumbnail(size: 256) thumbnail } } } }").total;
    expect(sizes - plain).toBe(3 * 50 * PRICES.thumbnail);
    const merged = price(
      "query { images(first: 50) { edges { node { id thumbnail ...P ... on Image { thumbnail } } } } } fragment P on Image { thumbnail }",
    ).total;
    expect(merged - plain).toBe(50 * PRICES.thumbnail);
    // Previews on two paths of one hit (the image's, and its reports' images) are two per image.
    const nested = price('{ searchImages(text: "effusion", first: 20) { image { thumbnail reports { images { thumbnail } } } } }').total;
    expect(nested - price('{ searchImages(text: "effusion", first: 20) { image { id } } }').total).toBe(2 * 20 * PRICES.thumbnail);
  });

  it("prices the first-stage hits a deep page or a grouped page reads, and the hits a group shows", () => {
    const base = price('{ searchImages(text: "effusion", first: 10) { rank } }').total;
    const position = (p: number) => Buffer.from(JSON.stringify({ v: 1, p, q: "any" })).toString("base64url");
    const deep = price(`{ searchImages(text: "effusion", first: 10, after: "${position(890)}") { rank } }`).total;
    expect(deep - base).toBe(8 * PRICES.pool100);
    const grouped = price('{ searchImages(text: "effusion", first: 10, groupBy: STUDY, perGroup: 3) { rank } }').total;
    expect(grouped - base).toBeCloseTo(20 * PRICES.hit + PRICES.pool100, 6);
  });

  it("adds each re-ranked candidate, with the schema's default of 100 when only the switch is given", () => {
    const base = price('{ searchImages(text: "effusion", first: 10) { rank } }').total;
    expect(price('{ searchImages(text: "effusion", first: 10, rerank: {}) { rank } }').total - base).toBe(100 * PRICES.candidate);
    expect(price('{ searchImages(text: "effusion", first: 10, rerank: { candidates: 1000 }) { rank } }').total - base).toBe(1000 * PRICES.candidate);
    expect(price('{ searchImages(text: "effusion", first: 10, rerank: { enabled: false, candidates: 1000 }) { rank } }').total).toBe(base);
  });

  it("prices heatmaps per hit and per word, only when they are selected, through fragments too", () => {
    const text = "large left pleural effusion";
    const words = estimateWords(text);
    expect(words).toBe(4);
    const maps = price(`{ searchImages(text: "${text}", first: 20, rerank: {}) { attention { map } } }`).total;
    const heatmaps = price(`{ searchImages(text: "${text}", first: 20, rerank: {}) { attention { heatmap } } }`).total;
    expect(heatmaps - maps).toBe(20 * words * PRICES.heatmap);
    const viaFragment = price(
      `query { searchImages(text: "${text}", first: 20, rerank: {}) { ...H } } fragment H on ImageHit { attention { ... on WordAttention { heatmap } } }`,
    ).total;
    expect(viaFragment).toBe(heatmaps);
  });

  it("reads arguments from variables as sent", () => {
    const inline = price('{ searchImages(text: "effusion", first: 50, rerank: { candidates: 300 }) { rank } }').total;
    const withVariables = price('query($n: Int, $k: Int) { searchImages(text: "effusion", first: $n, rerank: { candidates: $k }) { rank } }', {
      n: 50,
      k: 300,
    }).total;
    expect(withVariables).toBe(inline);
  });

  it("charges an image sent as bytes far more than a stored one, and base64 by its size", () => {
    const stored = price('{ similarImages(image: { id: "x" }, first: 10) { rank } }').total;
    const bytes = price("query($b: String) { similarImages(image: { base64: $b }, first: 10) { rank } }", { b: "A".repeat(3 * 1024 * 1024) }).total;
    expect(bytes - stored).toBe(PRICES.imageBytes - PRICES.imageStored + 3 * PRICES.base64MiB);
  });

  it("prices classify by images × prompts, so thousands of custom prompts are over budget", () => {
    const classes = (n: number, prompts: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `c${i}`, prompts: Array.from({ length: prompts }, (_, j) => `p${j}`) }));
    const query = "query($c: [ClassPromptsInput!], $i: [ImageInput!]!) { classify(images: $i, classes: $c) { predicted } }";
    const small = price(query, { c: classes(5, 5), i: [{ id: "a" }] }).total;
    expect(small).toBeLessThan(200);
    const huge = price(query, { c: classes(200, 50), i: Array.from({ length: 32 }, (_, k) => ({ id: String(k) })) }).total;
    expect(huge).toBeGreaterThan(DEFAULT_BUDGET);
    expect(huge).toBe(Math.round(PRICES.field + 32 * PRICES.imageStored + 10_000 * PRICES.text + 32 * 10_000 * PRICES.imagePrompt));
  });

  it("adds up aliased copies of the same field", () => {
    const field = 'searchImages(text: "large left pleural effusion", first: 20, rerank: {}) { rank attention { heatmap } }';
    const one = price(`{ a: ${field} }`).total;
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: ${field}`).join(" ");
    const many = price(`{ ${aliases} }`);
    expect(many.fields).toHaveLength(15);
    expect(many.total).toBe(15 * one);
    expect(many.total).toBeGreaterThan(DEFAULT_BUDGET);
  });

  it("keeps the requests a portal makes far under the default budget", () => {
    const portal = [
      '{ searchImages(text: "moderate cardiomegaly", first: 20, rerank: { candidates: 100 }) { rank score image { id findings } attention { word heatmap } } }',
      '{ searchReports(image: { id: "x" }, first: 10, rerank: {}) { rank report { text } } }',
      "query($b: String) { classify(images: [{ base64: $b }]) { predicted scores { className score } } }",
      '{ attention(image: { id: "x" }, text: "small right pleural effusion") { words { word heatmap } } }',
      "{ images(first: 100) { edges { node { id } } } }",
    ];
    for (const query of portal) expect(price(query, { b: "AAAA" }).total, query).toBeLessThan(DEFAULT_BUDGET / 4);
  });

  it("prices uploads and evaluation rows", () => {
    const items = Array.from({ length: 32 }, (_, i) => ({ name: `${i}.png`, base64: "AAAA" }));
    expect(price("mutation($input: IngestInput!) { ingest(input: $input) { id } }", { input: { dataset: "d", items } }).total).toBe(
      Math.round(PRICES.field + 32 * (PRICES.ingestItem + PRICES.base64MiB)),
    );
    const evaluation = price("query($input: EvaluateInput!) { evaluate(input: $input) { id } }", {
      input: { manifest: "m.csv", limit: 2000, bootstrapIterations: 1000 },
    }).total;
    expect(evaluation).toBe(PRICES.field + 2000 * PRICES.evaluationRow + 10 * PRICES.bootstrap100);
  });

  it("prices a hybrid text search by its text, its full-text query, its hits and both sides' candidates", () => {
    // first 10: 50 candidates a side, one block of a hundred each.
    expect(price('{ searchReportsByText(text: "\\"pleural effusion\\" -cardiomegaly") { rank } }').total).toBe(
      Math.round(PRICES.field + PRICES.text + PRICES.fullText + 10 * PRICES.hit + 2 * PRICES.pool100),
    );
    // first 100: 500 candidates a side.
    const deep = price('{ searchReportsByText(text: "edema", first: 100, fusion: WEIGHTED, alpha: 0.3) { rank } }').total;
    expect(deep).toBe(Math.round(PRICES.field + PRICES.text + PRICES.fullText + 100 * PRICES.hit + 2 * 5 * PRICES.pool100));
    // A report's images are previewed as four.
    const previews = price('{ searchReportsByText(text: "edema", first: 20) { report { images { thumbnail } } } }').total;
    expect(previews - price('{ searchReportsByText(text: "edema", first: 20) { report { id } } }').total).toBe(20 * 4 * PRICES.thumbnail);
  });

  it("adds a full-text query for an image filter's mustMention, inline or from variables, in searches and listings", () => {
    const plain = price('{ searchImages(text: "effusion") { rank } }').total;
    expect(price('{ searchImages(text: "effusion", filter: { mustMention: "effusion -edema" }) { rank } }').total - plain).toBe(PRICES.fullText);
    const query = 'query($f: ImageFilter) { searchImages(text: "effusion", filter: $f) { rank } }';
    expect(price(query, { f: { mustMention: "effusion" } }).total - price(query, { f: { datasets: ["a"] } }).total).toBe(PRICES.fullText);
    const listing = (filter: string) => price(`{ images(first: 5, filter: ${filter}) { totalCount } }`).total;
    expect(listing('{ mustMention: "edema" }') - listing("{}")).toBe(PRICES.fullText);
  });

  it("prices a field whose arguments do not coerce as a bare field, leaving the error to execution", () => {
    expect(price('query($n: Int) { searchImages(text: "x", first: $n) { rank } }', { n: "many" }).total).toBeGreaterThan(0);
  });
});

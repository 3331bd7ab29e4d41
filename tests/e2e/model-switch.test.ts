// Two models over one catalogue, as after a model upgrade: an item is READY only for the model whose
// vector and local features it has. The new model serves none of the old model's items until they
// are ingested again for it, and the old model, started again, still serves its own.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

const COUNT = 6;

describe("switching models over one catalogue", () => {
  let database: TestDatabase;
  let base: string;
  let newModel: string;
  let app: App | undefined;

  const start = async (modelDir: string) => {
    app = await createApp(
      loadConfig({
        PORT: "0",
        LOG_LEVEL: "silent",
        AUTH: "off",
        RATE_LIMIT_PER_MINUTE: "0",
        GLORIA_DATA_DIR: database.dataDir,
        DATABASE_URL: database.databaseUrl,
        GLORIA_MODEL_DIR: modelDir,
        INGEST_ROOTS: base,
      }),
      { logger: silentLogger() },
    );
    return app;
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };
  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${app!.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  };
  const ingest = () =>
    gql<{ ingest: { status: string; ingested: number; skipped: number } }>(
      "mutation($input: IngestInput!) { ingest(input: $input) { status ingested skipped } }",
      { input: { dataset: "phantoms", path: path.join(base, "phantoms") } },
    );
  const listed = async () =>
    (
      await gql<{ images: { totalCount: number; edges: Array<{ node: { id: string; status: string } }> } }>(
        "{ images(first: 50) { totalCount edges { node { id status } } } }",
      )
    ).data!.images;

  beforeAll(async () => {
    database = await createTestDatabase();
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-model-switch-"));
    await generatePhantoms({ out: path.join(base, "phantoms"), count: COUNT, seed: 4, split: "train" });
    // The same weights under a new version: another model id, as a retrained model would have.
    newModel = path.join(base, "tiny-v2");
    fs.cpSync("tests/fixtures/models/tiny", newModel, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(newModel, "manifest.json"), "utf8")) as { version: string };
    manifest.version = "2.0.0";
    fs.writeFileSync(path.join(newModel, "manifest.json"), JSON.stringify(manifest, null, 2));
  });

  afterAll(async () => {
    await stop();
    await database.cleanup();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("serves the old model's items only to the old model until they are ingested for the new one", async () => {
    await start("tests/fixtures/models/tiny");
    expect((await ingest()).data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: COUNT });
    const old = await listed();
    expect(old.totalCount).toBe(COUNT);
    const someId = old.edges[0]!.node.id;
    await stop();

    await start(newModel);
    expect(app!.runtime!.model.id).toMatch(/^gloria-tiny@2\.0\.0#/);
    // Nothing is READY for the new model: listings, lookups and searches agree instead of failing.
    expect((await listed()).totalCount).toBe(0);
    expect((await gql<{ image: unknown }>("query($id: ID!) { image(id: $id) { id } }", { id: someId })).data?.image).toBeNull();
    expect((await gql<{ searchImages: unknown[] }>('{ searchImages(text: "effusion", first: 10) { rank } }')).data?.searchImages).toEqual([]);
    const similar = await gql("query($id: ID!) { similarImages(image: { id: $id }, first: 3) { rank } }", { id: someId });
    expect(similar.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    // Ingested for the new model: the same items (deduped by content), READY for it now.
    expect((await ingest()).data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: COUNT });
    const now = await listed();
    expect(now.totalCount).toBe(COUNT);
    expect(now.edges.map((e) => e.node.id).sort()).toEqual(old.edges.map((e) => e.node.id).sort());
    expect((await gql<{ searchImages: unknown[] }>('{ searchImages(text: "effusion", first: 10) { rank } }')).data?.searchImages).toHaveLength(COUNT);
    await stop();

    // The old model, started again, still has every item READY with its own vectors.
    await start("tests/fixtures/models/tiny");
    expect((await listed()).totalCount).toBe(COUNT);
    expect(
      (await gql<{ similarImages: unknown[] }>("query($id: ID!) { similarImages(image: { id: $id }, first: 3) { rank } }", { id: someId })).data?.similarImages,
    ).toHaveLength(3);
  });
});

// The VectorStore contract against Qdrant: a real server when QDRANT_URL is set, and always an
// in-memory fake of its REST endpoints, so the adapter's requests, identity checks and error
// translation are exercised where no server can run.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { QdrantVectorStore } from "../../../src/stores/vector/qdrant.vector-store.ts";
import type { CollectionSpec } from "../../../src/stores/vector/vector-store.port.ts";
import { collectionName } from "../../../src/stores/vector/vector-store.validate.ts";
import { clusteredSet } from "../../contract/clustered-vectors.ts";
import { describeVectorStoreContract } from "../../contract/vector-store.contract.ts";
import { startFakeQdrant, type FakeQdrant } from "./fake-qdrant.server.ts";
import { requires } from "../../helpers/requirements.ts";

// Optional everywhere: the fake Qdrant server covers the adapter in every run.
const QDRANT_URL = requires(Boolean(process.env.QDRANT_URL), { what: "a Qdrant server", how: "set QDRANT_URL (e.g. docker compose up qdrant)", ci: false })
  ? process.env.QDRANT_URL
  : undefined;
const QDRANT_API_KEY = process.env.QDRANT_API_KEY;

async function dropCollections(url: string, apiKey: string | undefined, specs: CollectionSpec[]): Promise<void> {
  for (const name of new Set(specs.map(collectionName))) {
    await fetch(`${url}/collections/${encodeURIComponent(name)}`, { method: "DELETE", headers: apiKey ? { "api-key": apiKey } : {} });
  }
}

describe.runIf(QDRANT_URL)("Qdrant server at QDRANT_URL", () => {
  describeVectorStoreContract("qdrant", async () => ({
    create: async () => new QdrantVectorStore({ url: QDRANT_URL as string, apiKey: QDRANT_API_KEY, logger: silentLogger() }),
    cleanup: (specs) => dropCollections(QDRANT_URL as string, QDRANT_API_KEY, specs),
  }));
});

describe("Qdrant adapter against a fake of its REST API", () => {
  let fake: FakeQdrant;
  beforeAll(async () => {
    fake = await startFakeQdrant();
  });
  afterAll(async () => fake?.close());

  describeVectorStoreContract("qdrant (fake server)", async () => ({
    create: async () => new QdrantVectorStore({ url: fake.url, logger: silentLogger(), upsertBatchSize: 128 }),
    cleanup: (specs) => dropCollections(fake.url, undefined, specs),
  }));

  const spec: CollectionSpec = { modelId: "gloria-phantom@1.0.0#0123456789ab", dim: 16, kind: "image" };
  const items = clusteredSet({ count: 20, dim: 16, seed: 4 }).items;

  it("creates a cosine collection with the model identity, keyword indexes and optional int8 quantization", async () => {
    const store = new QdrantVectorStore({ url: fake.url, logger: silentLogger(), quantization: "int8" });
    const c = await store.open(spec);
    expect(c.name).toBe("gloria__gloria-phantom__1.0.0__0123456789ab__images");
    const info = (await (await fetch(`${fake.url}/collections/${c.name}`)).json()) as {
      result: { config: { params: { vectors: unknown }; metadata: unknown; quantization_config: unknown }; payload_schema: Record<string, unknown> };
    };
    expect(info.result.config.params.vectors).toEqual({ size: 16, distance: "Cosine" });
    expect(info.result.config.metadata).toEqual({ gloria_search: { modelId: spec.modelId, dim: 16, kind: "image" } });
    expect(info.result.config.quantization_config).toEqual({ scalar: { type: "int8", always_ram: true } });
    expect(Object.keys(info.result.payload_schema).sort()).toEqual(["dataset_id", "findings", "study_id", "view_position"]);
    await c.upsert(items);
    expect((await c.search(items[2].vector, 1))[0].id).toBe(items[2].id);
    await store.close();
    await dropCollections(fake.url, undefined, [spec]);
  });

  it("sends upserts in batches and every point with its model id", async () => {
    const store = new QdrantVectorStore({ url: fake.url, logger: silentLogger(), upsertBatchSize: 8 });
    const c = await store.open(spec);
    const before = fake.requests.length;
    await c.upsert(items);
    expect(fake.requests.slice(before).filter((r) => r === `PUT /collections/${c.name}/points`)).toHaveLength(3);
    const page = (await (
      await fetch(`${fake.url}/collections/${c.name}/points/scroll`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ limit: 100, with_payload: true }),
      })
    ).json()) as {
      result: { points: { payload: Record<string, unknown> }[] };
    };
    expect(page.result.points).toHaveLength(20);
    expect(new Set(page.result.points.map((p) => p.payload.model_id))).toEqual(new Set([spec.modelId]));
    await store.close();
    await dropCollections(fake.url, undefined, [spec]);
  });

  it("reads the identity from a point when the collection has no metadata", async () => {
    const name = collectionName(spec);
    const put = (path: string, body: unknown) =>
      fetch(`${fake.url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await put(`/collections/${name}`, { vectors: { size: 16, distance: "Cosine" } });
    await put(`/collections/${name}/points?wait=true`, {
      points: [
        { id: items[0].id, vector: Array.from(items[0].vector), payload: { model_id: "gloria-phantom@0.9.0#ffffffffffff", dataset_id: "d", findings: [] } },
      ],
    });
    const store = new QdrantVectorStore({ url: fake.url, logger: silentLogger() });
    const error = (await store.open(spec).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("gloria-phantom@0.9.0#ffffffffffff");
    await store.close();
    await dropCollections(fake.url, undefined, [spec]);
  });

  it("turns server failures and an unreachable server into STORE_UNAVAILABLE", async () => {
    const store = new QdrantVectorStore({ url: fake.url, logger: silentLogger() });
    const c = await store.open(spec);
    fake.failNext(503);
    const failed = (await c.search(items[0].vector, 5).catch((e: unknown) => e)) as AppError;
    expect(failed).toBeInstanceOf(AppError);
    expect(failed.code).toBe("STORE_UNAVAILABLE");
    expect(failed.message).toContain("HTTP 503");
    await store.close();
    await dropCollections(fake.url, undefined, [spec]);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const down = new QdrantVectorStore({ url: `http://127.0.0.1:${port}`, logger: silentLogger(), timeoutMs: 2_000 });
    const refused = (await down.open(spec).catch((e: unknown) => e)) as AppError;
    expect(refused.code).toBe("STORE_UNAVAILABLE");
    expect(refused.message).toContain("unreachable (ECONNREFUSED)");
    const probe = await down.probe.check();
    expect(probe.ok).toBe(false);
    expect(probe.detail).toContain("ECONNREFUSED");
  });
});

// The configuration picks the vector store: Qdrant when QDRANT_URL is set, else the embedded store.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logging/logger.ts";
import { createVectorStore } from "../../../src/stores/vector/vector-store.factory.ts";

describe("createVectorStore", () => {
  it("uses the embedded usearch store when no Qdrant URL is configured", async () => {
    const store = createVectorStore({ dataDir: "/tmp/gloria-unused", logger: silentLogger() });
    expect(store.backend).toBe("usearch");
    await store.close();
  });

  it("uses Qdrant when a URL is configured", async () => {
    const store = createVectorStore({ qdrantUrl: "http://127.0.0.1:6333", dataDir: "/tmp/gloria-unused", logger: silentLogger() });
    expect(store.backend).toBe("qdrant");
    await store.close();
  });
});

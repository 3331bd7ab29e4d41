// A deletion cut short, in both vector stores (the embedded one and Qdrant, here its fake): the row it
// leaves is never READY without a vector, `reconcile` counts what it finds, and a re-ingest of the
// same file brings the image back READY and searchable.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.ts";
import { AppError } from "../../../src/errors/app-error.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { openRuntime, type Runtime } from "../../../src/runtime.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { startFakeQdrant, type FakeQdrant } from "../stores/fake-qdrant.server.ts";

const COUNT = 8;

describe.each(["usearch", "qdrant"] as const)("a deletion cut short, vectors in %s", (backend) => {
  let db: TestDatabase;
  let fake: FakeQdrant | undefined;
  let runtime: Runtime;
  let manifest: string;
  let phantoms: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-delete-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 11, split: "train" });
    manifest = path.join(phantoms, "manifest.csv");
    fake = backend === "qdrant" ? await startFakeQdrant() : undefined;
    const env = {
      GLORIA_DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl,
      GLORIA_MODEL_DIR: "tests/fixtures/models/tiny",
      LOG_LEVEL: "silent",
      QDRANT_URL: fake?.url,
    };
    runtime = await openRuntime(loadConfig(env), silentLogger());
    const summary = await runtime.ingestion.run({ kind: "manifest", path: manifest }, { dataset: "phantoms" });
    expect(summary).toMatchObject({ ingested: COUNT, failed: 0 });
  });
  afterAll(async () => {
    await runtime?.close();
    await fake?.close();
    await db?.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  /** The n-th image of the dataset, with its stored vector (to search for it by). */
  async function image(n: number): Promise<{ id: string; vector: Float32Array }> {
    const rows = await runtime.database.prisma.image.findMany({ where: { dataset: { name: "phantoms" } }, orderBy: { createdAt: "asc" } });
    const id = rows[n]!.id;
    const vector = (await runtime.collections.images.vectors([id])).get(id)!;
    return { id, vector };
  }

  /** Fails the next call of `method` on `target` with STORE_UNAVAILABLE, then behaves again. */
  function failOnce<T extends object>(target: T, method: keyof T & string): void {
    const own = Object.prototype.hasOwnProperty.call(target, method);
    const original = target[method];
    Object.assign(target, {
      [method]: async () => {
        if (own) Object.assign(target, { [method]: original });
        else delete (target as Record<string, unknown>)[method];
        throw new AppError("STORE_UNAVAILABLE", `${method} failed (injected)`, { expected: false });
      },
    });
  }

  async function expectReadyAndSearchable(id: string, vector: Float32Array): Promise<void> {
    const [record] = await runtime.metadata.getImages([id]);
    expect(record?.status).toBe("READY");
    const [hit] = await runtime.collections.images.search(vector, 1);
    expect(hit?.id).toBe(id);
    expect(hit?.score).toBeCloseTo(1, 5);
  }

  it("leaves a PENDING row when the vector delete fails; reconcile counts it and a re-ingest restores the image", async () => {
    const { id, vector } = await image(0);
    failOnce(runtime.collections.images, "delete");
    await expect(runtime.ingestion.deleteImage(id)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect((await runtime.metadata.getImages([id]))[0]?.status).toBe("PENDING");
    expect(await runtime.ingestion.reconcile()).toEqual({ orphanVectors: 0, missingVectors: 0, pending: 1 });

    const again = await runtime.ingestion.run({ kind: "manifest", path: manifest }, { dataset: "phantoms" });
    expect(again).toMatchObject({ ingested: 1, skipped: COUNT - 1, failed: 0 });
    await expectReadyAndSearchable(id, vector);
    expect(await runtime.ingestion.reconcile()).toEqual({ orphanVectors: 0, missingVectors: 0, pending: 0 });
  });

  it("leaves a PENDING row without a vector when the catalogue delete fails; a re-ingest restores the image", async () => {
    const { id, vector } = await image(1);
    failOnce(runtime.metadata, "deleteImage");
    await expect(runtime.ingestion.deleteImage(id)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(await runtime.collections.images.has([id])).toEqual(new Set());
    expect((await runtime.metadata.getImages([id]))[0]?.status).toBe("PENDING");
    expect(await runtime.ingestion.reconcile()).toEqual({ orphanVectors: 0, missingVectors: 0, pending: 1 });

    const again = await runtime.ingestion.run({ kind: "manifest", path: manifest }, { dataset: "phantoms" });
    expect(again).toMatchObject({ ingested: 1, skipped: COUNT - 1, failed: 0 });
    await expectReadyAndSearchable(id, vector);
  });

  it("sets READY images whose vector is missing back to PENDING, so a re-ingest encodes them again", async () => {
    // What a deletion cut short by an earlier build left: the vector gone, the row still READY.
    const lost = [await image(2), await image(3)];
    await runtime.collections.images.delete(lost.map((l) => l.id));
    expect(await runtime.ingestion.reconcile()).toEqual({ orphanVectors: 0, missingVectors: 2, pending: 2 });
    for (const { id } of lost) expect((await runtime.metadata.getImages([id]))[0]?.status).toBe("PENDING");

    const again = await runtime.ingestion.run({ kind: "manifest", path: manifest }, { dataset: "phantoms" });
    expect(again).toMatchObject({ ingested: 2, skipped: COUNT - 2, failed: 0 });
    for (const { id, vector } of lost) await expectReadyAndSearchable(id, vector);
    expect(await runtime.ingestion.reconcile()).toEqual({ orphanVectors: 0, missingVectors: 0, pending: 0 });
    expect(await runtime.collections.images.count()).toBe(COUNT);
  });
});

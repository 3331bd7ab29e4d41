// kill -9 of `gloria serve` in the middle of deletions and in the middle of the vector snapshot its
// shutdown writes, at several points each. After `gloria reconcile` nothing half-written is left
// (every READY image has its vector and local features, no vector lacks its row, acknowledged
// deletions stay done), and a re-run of the ingestion brings catalogue, vectors and local features
// back into exact agreement.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { openRuntime } from "../../src/runtime.ts";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.ts";
import { createTestDatabase, usingRealPostgres, type TestDatabase } from "../helpers/test-database.ts";

const COUNT = 40;
const MODEL = "tests/fixtures/models/tiny";
const IMAGES = `{ images(first: 100) { edges { node { id } } } }`;
const DELETE = `mutation($id: ID!) { deleteImage(id: $id) { id deleted } }`;

describe.runIf(usingRealPostgres())("gloria serve killed with -9", () => {
  let db: TestDatabase;
  let phantoms: string;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;

  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, ["bin/gloria.mjs", ...args], { env, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, number>;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-kill-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 31, split: "test" });
    env = {
      ...process.env,
      DATABASE_URL: db.databaseUrl,
      GLORIA_DATA_DIR: db.dataDir,
      GLORIA_MODEL_DIR: MODEL,
      LOG_LEVEL: "silent",
      AUTH: "off",
      INGEST_ROOTS: phantoms,
    };
    expect(cli("ingest", phantoms, "--json")).toMatchObject({ ingested: COUNT, failed: 0 });
  });
  afterAll(async () => {
    await server?.kill9();
    await db.cleanup();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  const imageIds = async (s: ServerProcess) => {
    const res = await s.graphql<{ images: { edges: Array<{ node: { id: string } }> } }>(IMAGES);
    expect(res.errors).toBeUndefined();
    return res.data!.images.edges.map((e) => e.node.id);
  };

  /**
   * What the stores hold agrees: every READY image has its vector and local features, every vector
   * has its row, and the deletions a client saw acknowledged are done everywhere.
   */
  async function expectAgreement(deleted: readonly string[], complete: boolean): Promise<void> {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: db.databaseUrl, GLORIA_DATA_DIR: db.dataDir, GLORIA_MODEL_DIR: MODEL }), silentLogger());
    try {
      const { metadata, collections, localFeatures, model } = runtime;
      const rows = (await metadata.listImages({}, 1_000)).items;
      const ready = rows.filter((r) => r.status === "READY").map((r) => r.id);
      const vectors: string[] = [];
      for await (const page of collections.images.ids()) vectors.push(...page);
      const rowIds = new Set(rows.map((r) => r.id));
      expect(
        vectors.filter((id) => !rowIds.has(id)),
        "vectors without a row",
      ).toEqual([]);
      expect((await collections.images.has(ready)).size).toBe(ready.length);
      expect((await localFeatures.getImageRegions(model.id, ready)).size).toBe(ready.length);
      expect((await metadata.getImages(deleted)).filter((r) => r !== null)).toEqual([]);
      expect((await collections.images.has(deleted)).size).toBe(0);
      expect((await localFeatures.getImageRegions(model.id, deleted)).size).toBe(0);
      if (complete) {
        const reports = await runtime.database.prisma.report.count();
        expect(await metadata.stats(model.id)).toEqual({ images: COUNT, reports, pending: 0, failed: 0 });
        expect(ready).toHaveLength(COUNT);
        expect(vectors).toHaveLength(COUNT);
        expect(await localFeatures.count(model.id)).toEqual({ images: COUNT, reports });
        expect(await collections.reports.count()).toBe(reports);
      }
    } finally {
      await runtime.close();
    }
  }

  /** Reconcile, check, re-run the ingestion, check again with exact counts. */
  async function recover(deleted: readonly string[]): Promise<void> {
    const reconciled = cli("reconcile", "--json");
    expect(reconciled).toEqual({ orphanVectors: expect.any(Number), missingVectors: expect.any(Number), pending: expect.any(Number) });
    await expectAgreement(deleted, false);
    const rerun = cli("ingest", phantoms, "--json");
    expect(rerun.failed).toBe(0);
    expect(rerun.ingested + rerun.skipped).toBe(COUNT);
    await expectAgreement([], true);
  }

  /** The images collection's folder of the embedded vector store. */
  const imageCollection = () => {
    const vectorsDir = path.join(db.dataDir, "vectors");
    return path.join(
      vectorsDir,
      fs.readdirSync(vectorsDir).find((name) => name.endsWith("images"))!,
    );
  };
  /** The local feature folder of image regions. */
  const regionFolder = () => {
    const root = path.join(db.dataDir, "local-features");
    return path.join(
      root,
      fs.readdirSync(root).find((name) => fs.statSync(path.join(root, name)).isDirectory())!,
      "regions-f16",
    );
  };

  /** Resolves once a file whose name passes `test` is created or written in `dir` (or the process ends). */
  const written = (dir: string, test: RegExp, s: ServerProcess) =>
    new Promise<void>((resolve) => {
      const watcher = fs.watch(dir, (_event, name) => {
        if (name && test.test(name)) {
          watcher.close();
          resolve();
        }
      });
      void s.exited.then(() => {
        watcher.close();
        resolve();
      });
    });

  it("during deletions: kill right after the requests are sent, after the vector is removed, after the local features are", async () => {
    const acknowledged: string[] = [];
    // A deletion sets the row PENDING, removes the vector (a journal line), then the local features
    // (an index line), then the row: each kill comes at one of those steps.
    const points: Array<(s: ServerProcess) => Promise<void>> = [
      async () => undefined,
      (s) => written(imageCollection(), /^journal-\d+\.jsonl$/, s),
      (s) => written(regionFolder(), /^index-\d+\.jsonl$/, s),
    ];
    for (const point of points) {
      server = await startServerProcess(env);
      const s = server;
      // Three deletions at once, so the kill finds them at different steps.
      const victims = (await imageIds(s)).slice(0, 3);
      const reached = point(s);
      const answers = victims.map((id) =>
        s.graphql<{ deleteImage: { deleted: boolean } }>(DELETE, { id }).then(
          (res) => (res.data?.deleteImage.deleted ? id : undefined),
          () => undefined,
        ),
      );
      await reached;
      await s.kill9();
      for (const id of await Promise.all(answers)) if (id) acknowledged.push(id);
    }
    await recover(acknowledged);
  });

  it("during the snapshot its shutdown writes: kill as the snapshot's first file appears and as its header is committed", async () => {
    const acknowledged: string[] = [];
    for (const trigger of [/^index-\d+\.usearch$/, /^collection\.json\.tmp$/]) {
      server = await startServerProcess(env);
      const s = server;
      // Acknowledged deletions leave lines in the journal, so the shutdown has a snapshot to write.
      for (const id of (await imageIds(s)).slice(0, 2)) {
        const res = await s.graphql<{ deleteImage: { deleted: boolean } }>(DELETE, { id });
        expect(res.data?.deleteImage.deleted).toBe(true);
        acknowledged.push(id);
      }
      const seen = written(imageCollection(), trigger, s);
      s.child.kill("SIGTERM");
      await seen;
      await s.kill9();
    }
    await recover(acknowledged);
  });
});

// The metadata database (a private Postgres cluster) stopped and started again under a running
// server, once while it serves and once in the middle of an ingestion: requests fail with
// STORE_UNAVAILABLE and the closed message, /healthz answers and /readyz names the database; once
// the cluster is back the same server answers again (its pool reconnects), the interrupted job reads
// FAILED, and a re-run of the interrupted ingestion finishes with exact counts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedMessage } from "../../src/errors/app-error.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { PRIVATE_POSTGRES, privatePostgresWorks, startPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { INGEST_JOB_FIELDS, type IngestJobView } from "../helpers/ingest-job.ts";

const FIRST = 16;
const SECOND = 96;

const SEARCH = `{ searchImages(text: "pleural effusion", first: 100) { image { id } } }`;

interface Readiness {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string | null }>;
}

describe.runIf(requires(privatePostgresWorks(), PRIVATE_POSTGRES))("Postgres restarted under a running server", () => {
  let cluster: PrivatePostgres;
  let base: string;
  let t: TestApp;
  /** The server's error log lines. */
  const logged: string[] = [];

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-pg-restart-"));
    await generatePhantoms({ out: path.join(base, "first"), count: FIRST, seed: 21, split: "test" });
    await generatePhantoms({ out: path.join(base, "second"), count: SECOND, seed: 22, split: "test" });
    cluster = await startPrivatePostgres();
    const logger = createLogger("error", { write: (line: string) => void logged.push(line) });
    t = await startTestApp(
      { DATABASE_URL: cluster.url, GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: base, BATCH_SIZE: "4" },
      { logger },
    );
  });

  afterAll(async () => {
    // The cluster must be up for the server to close its pool and jobs cleanly.
    try {
      cluster?.start();
    } catch {
      // already running
    }
    await t?.stop();
    cluster?.destroy();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const readiness = async () => {
    const res = await fetch(`${t.app.url}/readyz`);
    return { status: res.status, body: (await res.json()) as Readiness };
  };
  const job = async (id: string) =>
    (await t.graphql<{ ingestJob: IngestJobView }>(`query($id: ID!) { ingestJob(id: $id) { ${INGEST_JOB_FIELDS} } }`, { id })).body.data!.ingestJob;
  const ingest = (dataset: string, async: boolean) =>
    t.graphql<{ ingest: IngestJobView }>(`mutation($input: IngestInput!) { ingest(input: $input) { ${INGEST_JOB_FIELDS} } }`, {
      input: { dataset, path: path.join(base, dataset), async },
    });

  /** What a client sees while the database is down: STORE_UNAVAILABLE with the closed message. */
  const expectUnavailable = (res: { body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) => {
    expect(res.body.errors, "the request should fail").toBeDefined();
    expect(res.body.errors![0]!.extensions?.code).toBe("STORE_UNAVAILABLE");
    expect(res.body.errors![0]!.message).toBe(closedMessage("STORE_UNAVAILABLE"));
  };

  it("fails requests with STORE_UNAVAILABLE while it is down, and serves again once it is back", async () => {
    const first = await ingest("first", false);
    expect(first.body.data?.ingest).toMatchObject({ status: "SUCCEEDED", ingested: FIRST, failed: 0 });
    const before = await t.graphql<{ searchImages: Array<{ image: { id: string } }> }>(SEARCH);
    expect(before.body.data?.searchImages).toHaveLength(FIRST);

    cluster.stop();
    expectUnavailable(await t.graphql(SEARCH));
    expectUnavailable(await t.graphql(`{ images(first: 5) { totalCount } }`));
    expectUnavailable(await ingest("first", false));
    expect((await fetch(`${t.app.url}/healthz`)).status).toBe(200);
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.body.checks.find((c) => c.name === "database")).toMatchObject({ ok: false });

    cluster.start();
    // The same server, no restart: the pool opens new connections for the next requests.
    const after = await t.graphql<{ searchImages: Array<{ image: { id: string } }> }>(SEARCH);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data!.searchImages.map((h) => h.image.id).sort()).toEqual(before.body.data!.searchImages.map((h) => h.image.id).sort());
    const up = await readiness();
    expect(up.status).toBe(200);
    expect(up.body.ready).toBe(true);
  });

  it("ends an ingestion it interrupts, and a re-run finishes it with exact counts", async () => {
    const started = await ingest("second", true);
    expect(started.body.errors).toBeUndefined();
    const id = started.body.data!.ingest.id;
    // The job's total grows batch by batch; its "ingested" count only when a commit makes items READY.
    for (let i = 0; i < 1_000 && (await job(id)).total < 8; i++) await new Promise((r) => setTimeout(r, 10));
    cluster.stop();
    expectUnavailable(await t.graphql(`query($id: ID!) { ingestJob(id: $id) { id } }`, { id }));
    // The run stops (it says so in the log) while the database is still down.
    for (let i = 0; i < 600 && !logged.some((line) => line.includes("ingestion stopped") && line.includes(id)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(logged.some((line) => line.includes("ingestion stopped") && line.includes(id))).toBe(true);
    cluster.start();

    // Once the database is back, the interrupted job says it failed (it does not read RUNNING for good).
    let interrupted = await job(id);
    for (let i = 0; i < 300 && interrupted.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      interrupted = await job(id);
    }
    expect(interrupted).toMatchObject({ status: "FAILED", error: closedMessage("STORE_UNAVAILABLE") });
    expect(interrupted.ingested).toBeLessThan(SECOND);

    const rerun = await ingest("second", false);
    expect(rerun.body.errors).toBeUndefined();
    const summary = rerun.body.data!.ingest;
    expect(summary).toMatchObject({ status: "SUCCEEDED", total: SECOND, failed: 0 });
    expect(summary.ingested + summary.skipped).toBe(SECOND);

    const { metadata, collections, localFeatures, model } = t.app.runtime!;
    const datasetIds = await metadata.datasetIds(["second"]);
    const ready = (await metadata.listImages({ datasetIds, statuses: ["READY"] }, 1_000)).items.map((i) => i.id);
    expect(ready).toHaveLength(SECOND);
    expect((await collections.images.has(ready)).size).toBe(SECOND);
    expect(await collections.images.count()).toBe(FIRST + SECOND);
    expect((await localFeatures.getImageRegions(model.id, ready)).size).toBe(SECOND);
  });
});

// Ingestion jobs over real GraphQL requests: ingestJobs pages newest first with a status filter,
// cancelIngestJob stops an async run and answers NOT_FOUND / CONFLICT, scopes and limits hold.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { JOB_REASONS } from "../../src/services/ingest/ingest-jobs.service.ts";
import type { JobStatus } from "../../src/stores/metadata/metadata-store.port.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 40;

interface JobNode {
  id: string;
  status: JobStatus;
  dataset: string | null;
  sourceKind: string | null;
  total: number;
  ingested: number;
  error: string | null;
}
type JobsPage = {
  ingestJobs: { totalCount: number; edges: Array<{ cursor: string; node: JobNode }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

const PAGE =
  "query($first: Int, $after: String, $status: JobStatus) { ingestJobs(first: $first, after: $after, status: $status) { totalCount edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }";
const JOB_FIELDS = "id status dataset sourceKind total ingested error";

describe("ingestion jobs over GraphQL", () => {
  let t: TestApp;
  let phantoms: string;
  let ingestKey: string;
  let readKey: string;
  const asIngest = () => ({ authorization: `Bearer ${ingestKey}` });

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-jobs-api-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 12, split: "train" });
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: phantoms });
    ingestKey = (await t.app.services.auth.createKey("ingester", ["ingest"])).key;
    readKey = (await t.app.services.auth.createKey("reader", ["read"])).key;
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("pages jobs newest first with a status filter: no duplicates, nothing missing", async () => {
    const metadata = t.app.runtime!.metadata;
    const statuses: JobStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];
    const created: Array<{ id: string; status: JobStatus }> = [];
    for (let i = 0; i < 14; i++) {
      const job = await metadata.createJob({ datasetId: null, modelId: null, source: { kind: "manifest", path: `${phantoms}/manifest.csv` } });
      const status = statuses[i % statuses.length]!;
      await metadata.setJobStatus(job.id, status);
      created.push({ id: job.id, status });
    }
    const pageAll = async (status?: JobStatus): Promise<string[]> => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const response: { body: { data?: JobsPage; errors?: unknown } } = await t.graphql<JobsPage>(PAGE, { first: 4, after, status }, asIngest());
        expect(response.body.errors).toBeUndefined();
        const page: JobsPage["ingestJobs"] = response.body.data!.ingestJobs;
        ids.push(...page.edges.map((e) => e.node.id));
        if (status) expect(page.edges.every((e) => e.node.status === status)).toBe(true);
        if (!page.pageInfo.hasNextPage) return ids;
        after = page.pageInfo.endCursor;
      }
      throw new Error("paging did not end");
    };
    const newestFirst = [...created].reverse();
    expect(await pageAll()).toEqual(newestFirst.map((c) => c.id));
    for (const status of statuses) expect(await pageAll(status)).toEqual(newestFirst.filter((c) => c.status === status).map((c) => c.id));

    // The source's kind is shown, never its server path.
    const { body } = await t.graphql<{ ingestJobs: { edges: Array<{ node: JobNode & { source?: unknown } }> } }>(
      `{ ingestJobs(first: 1) { edges { node { ${JOB_FIELDS} } } } }`,
      undefined,
      asIngest(),
    );
    expect(body.data!.ingestJobs.edges[0]!.node).toMatchObject({ id: created.at(-1)!.id, sourceKind: "manifest", dataset: null });
    expect(JSON.stringify(body)).not.toContain(phantoms);
  });

  it("refuses first over 100, a bad cursor, and callers without the ingest scope", async () => {
    const tooMany = await t.graphql(PAGE, { first: 101 }, asIngest());
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const badCursor = await t.graphql(PAGE, { first: 5, after: "nope" }, asIngest());
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const reader = await t.graphql(PAGE, { first: 5 }, { authorization: `Bearer ${readKey}` });
    expect(reader.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const cancelByReader = await t.graphql('mutation { cancelIngestJob(id: "00000000-0000-0000-0000-000000000000") { id } }', undefined, {
      authorization: `Bearer ${readKey}`,
    });
    expect(cancelByReader.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("cancels an async ingestion: it stops, keeps what it wrote, and cannot be cancelled twice", async () => {
    const started = await t.graphql<{ ingest: JobNode }>(
      `mutation($input: IngestInput!) { ingest(input: $input) { ${JOB_FIELDS} } }`,
      { input: { dataset: "cancelled", path: phantoms, async: true } },
      asIngest(),
    );
    expect(started.body.errors).toBeUndefined();
    const job = started.body.data!.ingest;
    expect(job).toMatchObject({ status: "RUNNING", dataset: "cancelled", sourceKind: "manifest" });

    const cancel = `mutation($id: ID!) { cancelIngestJob(id: $id) { ${JOB_FIELDS} } }`;
    const cancelled = await t.graphql<{ cancelIngestJob: JobNode }>(cancel, { id: job.id }, asIngest());
    expect(cancelled.body.errors).toBeUndefined();
    expect(cancelled.body.data!.cancelIngestJob).toMatchObject({ id: job.id, status: "CANCELLED", error: JOB_REASONS.cancelled });

    // The run stops at its next batch: its counters settle below the source's size.
    let settled: JobNode | undefined;
    for (let i = 0; i < 120; i++) {
      const { body } = await t.graphql<{ ingestJob: JobNode }>(`query($id: ID!) { ingestJob(id: $id) { ${JOB_FIELDS} } }`, { id: job.id }, asIngest());
      if (settled && body.data!.ingestJob.ingested === settled.ingested && body.data!.ingestJob.total === settled.total) break;
      settled = body.data!.ingestJob;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(settled).toMatchObject({ status: "CANCELLED" });
    expect(settled!.total).toBeLessThan(COUNT);
    const listed = await t.graphql<{ images: { totalCount: number } }>(
      '{ images(first: 1, filter: { datasets: ["cancelled"] }) { totalCount } }',
      undefined,
      asIngest(),
    );
    expect(listed.body.data!.images.totalCount).toBe(settled!.ingested);

    const again = await t.graphql(cancel, { id: job.id }, asIngest());
    expect(again.body.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const unknown = await t.graphql(cancel, { id: "00000000-0000-0000-0000-000000000000" }, asIngest());
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const cancelledOnly = await t.graphql<JobsPage>(PAGE, { first: 100, status: "CANCELLED" }, asIngest());
    expect(cancelledOnly.body.data!.ingestJobs.edges.map((e) => e.node.id)).toContain(job.id);
  });
});

// Resolvers of ingestion jobs (src/schema/ingest.graphql): scope checks, input mapping, one service call each.
import { AppError } from "../errors/app-error.ts";
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { RequestContext } from "../server/context.ts";
import type { IngestSource } from "../services/ingest/ingest.sources.ts";
import { servedModel } from "./served-model.ts";
import { defaulted, jobTimes } from "./presenters.ts";

const MAX_UPLOAD_ITEMS = 100;

/** The ingestion jobs of the named loaded model (default: the default model). */
const jobsOf = (ctx: RequestContext, model?: string | null) => servedModel(ctx, model).ingestJobs;

export const ingestResolvers: Resolvers = {
  Query: {
    ingestJob: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "ingest");
      return jobsOf(ctx).getJob(id);
    },
    ingestJobs: async (_p, { first, after, status }, ctx) => {
      requireScope(ctx.principal, "ingest");
      const page = await jobsOf(ctx).listJobs(first, after, status);
      return {
        totalCount: page.totalCount,
        edges: page.items.map((node) => ({ node, cursor: Buffer.from(`c:${node.id}`).toString("base64url") })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  Mutation: {
    ingest: async (_p, { input }, ctx) => {
      requireScope(ctx.principal, "ingest");
      const jobs = jobsOf(ctx, input.model);
      const given = [Boolean(input.path), Boolean(input.items?.length), Boolean(input.dicomweb)].filter(Boolean).length;
      if (given !== 1) throw new AppError("BAD_USER_INPUT", "IngestInput needs exactly one of path, items or dicomweb");
      let source: IngestSource;
      if (input.path) source = jobs.sourceFromPath(input.path);
      else if (input.dicomweb) source = jobs.sourceFromDicomWeb(input.dicomweb);
      else {
        if (input.items!.length > MAX_UPLOAD_ITEMS) throw new AppError("BAD_USER_INPUT", `At most ${MAX_UPLOAD_ITEMS} items per ingest call`);
        source = {
          kind: "uploads",
          items: input.items!.map((i) => ({ name: i.name, bytes: new Uint8Array(Buffer.from(i.base64, "base64")), report: i.report ?? undefined })),
        };
      }
      return jobs.ingest(source, input.dataset, !defaulted(input.async, "input.async"));
    },
    cancelIngestJob: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "ingest");
      return jobsOf(ctx).cancelJob(id);
    },
    reindex: async (_p, { input }, ctx) => {
      requireScope(ctx.principal, "ingest");
      return jobsOf(ctx, input.model).reindex(input.datasets, { wait: !defaulted(input.async, "input.async"), queued: defaulted(input.queue, "input.queue") });
    },
  },
  IngestJob: {
    dataset: (job) => job.datasetName,
    createdAt: (job) => jobTimes(job).createdAt,
    startedAt: (job) => jobTimes(job).startedAt,
    finishedAt: (job) => jobTimes(job).finishedAt,
  },
};

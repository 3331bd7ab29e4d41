// Resolvers of the catalogue: models, images and reports by id and in pages, and deletion.
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { RequestContext } from "../server/context.ts";
import { checkThumbnailSize } from "../services/limits.ts";
import { previewDataUrl } from "../services/thumbnails.ts";
import { defaulted, findingNames } from "./presenters.ts";
import { loadersOf, modelOfRecord, readWith, servedModel } from "./served-model.ts";

/** The catalogue as the named model (or the default) sees it, with the request's loaders for it. */
export function catalogOf(ctx: RequestContext, model?: string | null) {
  const served = servedModel(ctx, model);
  return { catalog: served.catalog, loaders: loadersOf(ctx, served.id), modelId: served.id };
}

/** The catalogue and loaders of the model a record was read for. */
function catalogOfRecord(ctx: RequestContext, record: object) {
  return catalogOf(ctx, modelOfRecord(record));
}

/** Stored labels (class → 1, 0 or −1) as the schema lists them; other values are not CheXpert's and are left out. */
function labelList(labels: Record<string, number>): Array<{ className: string; value: "POSITIVE" | "NEGATIVE" | "UNCERTAIN" }> {
  const named = { "1": "POSITIVE", "0": "NEGATIVE", "-1": "UNCERTAIN" } as const;
  return Object.entries(labels).flatMap(([className, v]) => {
    const value = named[String(v) as keyof typeof named];
    return value ? [{ className, value }] : [];
  });
}

export const catalogResolvers: Resolvers = {
  Query: {
    models: async (_p, _a, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog } = catalogOf(ctx);
      const loaded = [...(ctx.services.models?.values() ?? [])].map((s) => s.catalog.model);
      return catalog.models(loaded);
    },
    image: async (_p, { id, model }, ctx) => {
      requireScope(ctx.principal, "read");
      const { loaders, modelId } = catalogOf(ctx, model);
      const image = await loaders.image.load(id);
      return image?.status === "READY" ? readWith([image], modelId)[0]! : null;
    },
    report: async (_p, { id, model }, ctx) => {
      requireScope(ctx.principal, "read");
      const { loaders, modelId } = catalogOf(ctx, model);
      const report = await loaders.report.load(id);
      return report?.status === "READY" ? readWith([report], modelId)[0]! : null;
    },
    images: async (_p, { first, after, filter, model }, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog, loaders, modelId } = catalogOf(ctx, model);
      const page = await catalog.listImages(first, after, filter);
      readWith(page.items, modelId);
      for (const item of page.items) loaders.image.prime(item.id, item);
      return {
        totalCount: page.totalCount,
        edges: page.items.map((node) => ({ node, cursor: Buffer.from(`c:${node.id}`).toString("base64url") })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
    reports: async (_p, { first, after, filter, model }, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog, loaders, modelId } = catalogOf(ctx, model);
      const page = await catalog.listReports(first, after, filter);
      readWith(page.items, modelId);
      for (const item of page.items) loaders.report.prime(item.id, item);
      return {
        totalCount: page.totalCount,
        edges: page.items.map((node) => ({ node, cursor: Buffer.from(`c:${node.id}`).toString("base64url") })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  Model: {
    suggestedMinScore: async (model, _a, ctx) => {
      const floor = await ctx.services.evaluation?.suggestedMinScore(model.id);
      return floor ? { ...floor, ci95: floor.ci95 ? [...floor.ci95] : null } : null;
    },
    coverage: (model, _a, ctx) => catalogOf(ctx).catalog.coverage(model.id),
  },
  Mutation: {
    deleteImage: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "ingest");
      await catalogOf(ctx).catalog.deleteImage(id);
      return { id, deleted: true };
    },
    deleteReport: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "ingest");
      await catalogOf(ctx).catalog.deleteReport(id);
      return { id, deleted: true };
    },
  },
  Image: {
    dataset: (image) => image.datasetName,
    sourcePath: (image, _a, ctx) => {
      requireScope(ctx.principal, "admin");
      return catalogOf(ctx).catalog.displayedSourcePath(image.sourcePath);
    },
    findings: (image) => findingNames(image.findings),
    findingDetails: (image) => image.findings,
    labels: (image) => labelList(image.labels),
    thumbnail: async (image, { size }, ctx) => {
      const side = checkThumbnailSize(defaulted(size, "size"));
      const thumbnail = await catalogOf(ctx).loaders.thumbnail.load(image.id);
      return thumbnail ? previewDataUrl(thumbnail, side) : null;
    },
    statuses: (image, _a, ctx) => loadersOf(ctx).statusesOfImage.load(image.id),
    reports: async (image, _a, ctx) => {
      const { loaders, modelId } = catalogOfRecord(ctx, image);
      const reports = await loaders.report.loadMany(await loaders.reportIdsOfImage.load(image.id));
      return readWith(
        reports.filter((r): r is Exclude<typeof r, Error | null> => r !== null && !(r instanceof Error) && r.status === "READY"),
        modelId,
      );
    },
  },
  Report: {
    dataset: (report) => report.datasetName,
    findings: (report) => findingNames(report.findings),
    labels: (report) => labelList(report.labels),
    statuses: (report, _a, ctx) => loadersOf(ctx).statusesOfReport.load(report.id),
    images: async (report, _a, ctx) => {
      const { loaders, modelId } = catalogOfRecord(ctx, report);
      const images = await loaders.image.loadMany(await loaders.imageIdsOfReport.load(report.id));
      return readWith(
        images.filter((i): i is Exclude<typeof i, Error | null> => i !== null && !(i instanceof Error) && i.status === "READY"),
        modelId,
      );
    },
  },
  Finding: {
    className: (finding) => finding.class,
  },
};

// Resolvers of the catalogue: models, images and reports by id and in pages, and deletion.
import { AppError } from "../errors/app-error.ts";
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { RequestContext } from "../server/context.ts";
import { checkThumbnailSize, previewDataUrl } from "../services/thumbnails.ts";
import { findingNames } from "./presenters.ts";

export function catalogOf(ctx: RequestContext) {
  const catalog = ctx.services.catalog;
  if (!catalog || !ctx.loaders) throw new AppError("MODEL_UNAVAILABLE", "No model is loaded; see /readyz");
  return { catalog, loaders: ctx.loaders };
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
    models: (_p, _a, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog } = catalogOf(ctx);
      const m = catalog.model;
      return [{ id: m.id, name: m.name, version: m.version, checksum: m.checksum, dim: m.dim, grid: [...m.grid], precision: (m.manifest as { precision?: string }).precision ?? "fp32", loaded: true }];
    },
    image: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "read");
      const image = await catalogOf(ctx).loaders.image.load(id);
      return image?.status === "READY" ? image : null;
    },
    report: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "read");
      const report = await catalogOf(ctx).loaders.report.load(id);
      return report?.status === "READY" ? report : null;
    },
    images: async (_p, { first, after, filter }, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog, loaders } = catalogOf(ctx);
      const page = await catalog.listImages(first, after, filter);
      for (const item of page.items) loaders.image.prime(item.id, item);
      return {
        totalCount: page.totalCount,
        edges: page.items.map((node) => ({ node, cursor: Buffer.from(`c:${node.id}`).toString("base64url") })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
    reports: async (_p, { first, after, filter }, ctx) => {
      requireScope(ctx.principal, "read");
      const { catalog, loaders } = catalogOf(ctx);
      const page = await catalog.listReports(first, after, filter);
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
      const side = checkThumbnailSize(size);
      const thumbnail = await catalogOf(ctx).loaders.thumbnail.load(image.id);
      return thumbnail ? previewDataUrl(thumbnail, side) : null;
    },
    reports: async (image, _a, ctx) => {
      const { loaders } = catalogOf(ctx);
      const reports = await loaders.report.loadMany(await loaders.reportIdsOfImage.load(image.id));
      return reports.filter((r): r is Exclude<typeof r, Error | null> => r !== null && !(r instanceof Error) && r.status === "READY");
    },
  },
  Report: {
    dataset: (report) => report.datasetName,
    findings: (report) => findingNames(report.findings),
    labels: (report) => labelList(report.labels),
    images: async (report, _a, ctx) => {
      const { loaders } = catalogOf(ctx);
      const images = await loaders.image.loadMany(await loaders.imageIdsOfReport.load(report.id));
      return images.filter((i): i is Exclude<typeof i, Error | null> => i !== null && !(i instanceof Error) && i.status === "READY");
    },
  },
  Finding: {
    className: (finding) => finding.class,
  },
};

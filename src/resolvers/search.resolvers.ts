// Resolvers of retrieval and attention (src/schema/search.graphql): check scope, map inputs, call the
// search service once, present.
import type { GraphQLResolveInfo } from "graphql";
import type { ExampleQueryInput, GroupBy, ImageInput, Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { ExampleQuery } from "../services/search.examples.ts";
import type { PageInput } from "../services/search.service.ts";
import type { RequestContext } from "../server/context.ts";
import { readWith, servedModel } from "./served-model.ts";
import { dataUrl, defaulted, imageRef, rerankOptions } from "./presenters.ts";

/** The search service of the named loaded model (default: the default model). */
export function searchOf(ctx: RequestContext, model?: string | null) {
  return servedModel(ctx, model).search;
}

/** Marks the hits' records as read for the model (their nested fields are resolved for it). */
function hitsOf<T extends { image?: object; report?: object }>(hits: T[], modelId: string): T[] {
  readWith(
    hits.flatMap((h) => [h.image, h.report].filter((r): r is object => r !== undefined)),
    modelId,
  );
  return hits;
}

/** Whether the query selected `field` on the returned hits (attention is costly; compute it only then). */
function selects(info: GraphQLResolveInfo, field: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet?.selections.some((s) => s.kind === "Field" && s.name.value === field));
}

/** An example query's inputs as the service takes them, its images read. */
async function exampleQuery(input: ExampleQueryInput, maxImageBytes: number): Promise<ExampleQuery> {
  const images = (list: ReadonlyArray<ImageInput> | null | undefined, field: string) =>
    Promise.all(defaulted(list, field).map((i) => imageRef(i, maxImageBytes)));
  return {
    texts: defaulted(input.texts, "query.texts").map((t) => ({ text: t.text, weight: defaulted(t.weight, "query.texts.weight") })),
    positive: await images(input.positive, "query.positive"),
    negative: await images(input.negative, "query.negative"),
    strategy: defaulted(input.strategy, "query.strategy"),
  };
}

/** The paging arguments of a search, as the service takes them (search.paging.ts). */
function pageArgs(args: { first: number; after?: string | null; minScore?: number | null; groupBy?: GroupBy | null; perGroup?: number | null }): PageInput {
  return { first: args.first, after: args.after, minScore: args.minScore, groupBy: args.groupBy, perGroup: defaulted(args.perGroup, "perGroup") };
}

export const searchResolvers: Resolvers = {
  Query: {
    searchImages: async (_p, args, ctx, info) => {
      requireScope(ctx.principal, "read");
      const { id, catalog, search } = servedModel(ctx, args.model);
      const filter = await catalog.filter(args.filter);
      const hits = await search.searchImages({
        text: args.text ?? undefined,
        query: args.query ? await exampleQuery(args.query, search.maxImageBytes) : undefined,
        ...pageArgs(args),
        filter,
        rerank: rerankOptions(args.rerank),
        withAttention: selects(info, "attention"),
        signal: ctx.signal,
      });
      return hitsOf(hits, id);
    },
    searchReports: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { id, catalog, search } = servedModel(ctx, args.model);
      const filter = await catalog.filter(args.filter, "report");
      const hits = await search.searchReports({
        image: args.image ? await imageRef(args.image, search.maxImageBytes) : undefined,
        query: args.query ? await exampleQuery(args.query, search.maxImageBytes) : undefined,
        ...pageArgs(args),
        filter,
        rerank: rerankOptions(args.rerank),
        signal: ctx.signal,
      });
      return hitsOf(hits, id);
    },
    similarImages: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { id, catalog, search } = servedModel(ctx, args.model);
      const filter = await catalog.filter(args.filter);
      const hits = await search.similarImages({
        image: await imageRef(args.image, search.maxImageBytes),
        first: args.first,
        after: args.after,
        minScore: args.minScore,
        filter,
        excludeSameStudy: defaulted(args.excludeSameStudy, "excludeSameStudy"),
        signal: ctx.signal,
      });
      return hitsOf(hits, id);
    },
    attention: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const search = searchOf(ctx, args.model);
      const result = await search.attention({
        image: await imageRef(args.image, search.maxImageBytes),
        text: args.text,
        mode: defaulted(args.mode, "mode"),
        signal: ctx.signal,
      });
      return { grid: [...result.grid], localScore: result.localScore, words: result.words };
    },
  },
  ImageHit: {
    image: (hit) => hit.image,
    attention: (hit) => hit.attention ?? null,
  },
  WordAttention: {
    map: (w) => Array.from(w.map),
    heatmap: async (w) => dataUrl(await w.heatmap()),
  },
};

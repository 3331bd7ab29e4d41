// Resolvers of retrieval and attention (src/schema/search.graphql): check scope, map inputs, call the
// search service once, present.
import type { GraphQLResolveInfo } from "graphql";
import { AppError } from "../errors/app-error.ts";
import type { ExampleQueryInput, GroupBy, ImageInput, Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { ExampleQuery } from "../services/search.examples.ts";
import type { PageInput } from "../services/search.service.ts";
import type { RequestContext } from "../server/context.ts";
import { catalogOf } from "./catalog.resolvers.ts";
import { dataUrl, defaulted, imageRef, rerankOptions } from "./presenters.ts";

export function searchOf(ctx: RequestContext) {
  const search = ctx.services.search;
  if (!search) throw new AppError("MODEL_UNAVAILABLE", "No model is loaded; see /readyz");
  return search;
}

function checkModel(ctx: RequestContext, model: string | null | undefined): void {
  if (model && model !== catalogOf(ctx).catalog.model.id) {
    throw new AppError("NOT_FOUND", `Model ${model} is not loaded; this server serves ${catalogOf(ctx).catalog.model.id}`);
  }
}

/** Whether the query selected `field` on the returned hits (attention is costly; compute it only then). */
function selects(info: GraphQLResolveInfo, field: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet?.selections.some((s) => s.kind === "Field" && s.name.value === field));
}

/** An example query's inputs as the service takes them, its images read. */
async function exampleQuery(input: ExampleQueryInput, maxImageBytes: number): Promise<ExampleQuery> {
  const images = (list: ReadonlyArray<ImageInput> | null | undefined, field: string) => Promise.all(defaulted(list, field).map((i) => imageRef(i, maxImageBytes)));
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
      checkModel(ctx, args.model);
      const filter = await catalogOf(ctx).catalog.filter(args.filter);
      const search = searchOf(ctx);
      return search.searchImages({
        text: args.text ?? undefined,
        query: args.query ? await exampleQuery(args.query, search.maxImageBytes) : undefined,
        ...pageArgs(args),
        filter,
        rerank: rerankOptions(args.rerank),
        withAttention: selects(info, "attention"),
        signal: ctx.signal,
      });
    },
    searchReports: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      checkModel(ctx, args.model);
      const filter = await catalogOf(ctx).catalog.filter(args.filter, "report");
      const search = searchOf(ctx);
      return search.searchReports({
        image: args.image ? await imageRef(args.image, search.maxImageBytes) : undefined,
        query: args.query ? await exampleQuery(args.query, search.maxImageBytes) : undefined,
        ...pageArgs(args),
        filter,
        rerank: rerankOptions(args.rerank),
        signal: ctx.signal,
      });
    },
    similarImages: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const filter = await catalogOf(ctx).catalog.filter(args.filter);
      const search = searchOf(ctx);
      return search.similarImages({
        image: await imageRef(args.image, search.maxImageBytes),
        first: args.first,
        after: args.after,
        minScore: args.minScore,
        filter,
        excludeSameStudy: defaulted(args.excludeSameStudy, "excludeSameStudy"),
        signal: ctx.signal,
      });
    },
    attention: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const search = searchOf(ctx);
      const result = await search.attention({ image: await imageRef(args.image, search.maxImageBytes), text: args.text, mode: defaulted(args.mode, "mode"), signal: ctx.signal });
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

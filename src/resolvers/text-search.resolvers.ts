// Resolvers of hybrid text → report search (src/schema/text-search.graphql): read scope, the loaded
// model, the filter resolved by the catalogue, then the text-search service once.
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import { readWith, servedModel } from "./served-model.ts";
import { defaulted } from "./presenters.ts";

export const textSearchResolvers: Resolvers = {
  Query: {
    searchReportsByText: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { id, textSearch, catalog } = servedModel(ctx, args.model);
      const first = defaulted(args.first, "first");
      const fusion = defaulted(args.fusion, "fusion");
      const alpha = defaulted(args.alpha, "alpha");
      const filter = await catalog.filter(args.filter, "report");
      const hits = await textSearch.searchReportsByText({ text: args.text, first, fusion, alpha, filter, signal: ctx.signal });
      readWith(
        hits.map((h) => h.report),
        id,
      );
      return hits;
    },
  },
};

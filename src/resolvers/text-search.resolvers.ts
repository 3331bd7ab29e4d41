// Resolvers of hybrid text → report search (src/schema/text-search.graphql): read scope, the loaded
// model, the filter resolved by the catalogue, then the text-search service once.
import { AppError } from "../errors/app-error.ts";
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import { catalogOf } from "./catalog.resolvers.ts";
import { defaulted } from "./presenters.ts";

export const textSearchResolvers: Resolvers = {
  Query: {
    searchReportsByText: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const textSearch = ctx.services.textSearch;
      if (!textSearch) throw new AppError("MODEL_UNAVAILABLE", "No model is loaded; see /readyz");
      const { catalog } = catalogOf(ctx);
      if (args.model && args.model !== catalog.model.id) {
        throw new AppError("NOT_FOUND", `Model ${args.model} is not loaded; this server serves ${catalog.model.id}`);
      }
      const first = defaulted(args.first, "first");
      const fusion = defaulted(args.fusion, "fusion");
      const alpha = defaulted(args.alpha, "alpha");
      const filter = await catalog.filter(args.filter, "report");
      return textSearch.searchReportsByText({ text: args.text, first, fusion, alpha, filter, signal: ctx.signal });
    },
  },
};

// Resolvers of zero-shot classification (src/schema/classify.graphql): read scope, map the images and
// class prompts, call the search service once, present.
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import { classifications, defaulted, imageRef } from "./presenters.ts";
import { searchOf } from "./search.resolvers.ts";

export const classifyResolvers: Resolvers = {
  Query: {
    classify: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const search = searchOf(ctx);
      const result = await search.classify({
        images: await Promise.all(args.images.map((i) => imageRef(i, search.maxImageBytes))),
        classes: args.classes?.map((c) => ({ name: c.name, prompts: c.prompts })),
        normalization: args.normalization ?? undefined,
        mode: defaulted(args.mode, "mode"),
        signal: ctx.signal,
      });
      return classifications(result);
    },
  },
};

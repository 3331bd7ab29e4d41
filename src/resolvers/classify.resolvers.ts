// Resolvers of zero-shot classification (src/schema/classify.graphql): read scope, map the images and
// class prompts, call the classify service once, present.
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import { classifications, defaulted, imageRef } from "./presenters.ts";
import { servedModel } from "./served-model.ts";

export const classifyResolvers: Resolvers = {
  Query: {
    classify: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { classify, search } = servedModel(ctx, args.model);
      const { maxImageBytes } = search;
      const result = await classify.classify({
        images: await Promise.all(args.images.map((i) => imageRef(i, maxImageBytes))),
        classes: args.classes?.map((c) => ({ name: c.name, prompts: c.prompts, ...(c.negativePrompts ? { negativePrompts: c.negativePrompts } : {}) })),
        normalization: args.normalization ?? undefined,
        mode: defaulted(args.mode, "mode"),
        labelMode: defaulted(args.labelMode, "labelMode"),
        signal: ctx.signal,
      });
      return classifications(result);
    },
  },
};

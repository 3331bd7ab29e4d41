// Resolvers of API keys (src/schema/auth.graphql): admin scope, one auth service call each.
import type { ApiKeyScope as GqlScope, Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";

export const authResolvers: Resolvers = {
  Mutation: {
    createApiKey: async (_p, { input }, ctx) => {
      requireScope(ctx.principal, "admin");
      const { key, record } = await ctx.services.auth.createKey(
        input.name,
        input.scopes.map((s) => s.toLowerCase()),
      );
      return { key, apiKey: record };
    },
    revokeApiKey: async (_p, { id }, ctx) => {
      requireScope(ctx.principal, "admin");
      await ctx.services.auth.revokeKey(id);
      return { id, deleted: true };
    },
  },
  ApiKey: {
    scopes: (key) => key.scopes.map((s) => s.toUpperCase() as GqlScope),
    createdAt: (key) => key.createdAt.toISOString(),
    revokedAt: (key) => key.revokedAt?.toISOString() ?? null,
  },
};

// Resolvers of the health domain: call the health service, present its report.
import type { LifecycleStatus, Resolvers } from "../generated/graphql.ts";

export const healthResolvers: Resolvers = {
  Query: {
    health: (_parent, _args, ctx) => ctx.services.health.report(),
  },
  Health: {
    status: (report) => report.status.toUpperCase() as LifecycleStatus,
  },
};

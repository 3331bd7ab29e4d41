// All resolvers, merged per type. Each SDL file in src/schema has its resolvers in the file of the same
// name here (auth.graphql → auth.resolvers.ts).
import type { Resolvers } from "../generated/graphql.ts";
import { authResolvers } from "./auth.resolvers.ts";
import { catalogResolvers } from "./catalog.resolvers.ts";
import { classifierResolvers } from "./classifier.resolvers.ts";
import { classifyResolvers } from "./classify.resolvers.ts";
import { evaluationResolvers } from "./evaluation.resolvers.ts";
import { healthResolvers } from "./health.resolvers.ts";
import { ingestResolvers } from "./ingest.resolvers.ts";
import { searchResolvers } from "./search.resolvers.ts";
import { segmentResolvers } from "./segment.resolvers.ts";
import { textSearchResolvers } from "./text-search.resolvers.ts";
import { GraphQLUpload } from "../server/uploads.ts";

function merge(...maps: Resolvers[]): Resolvers {
  const out: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) out[type] = { ...out[type], ...(fields as object) };
  }
  return out as Resolvers;
}

export const resolvers: Resolvers = merge(
  { Upload: GraphQLUpload },
  healthResolvers,
  authResolvers,
  catalogResolvers,
  searchResolvers,
  textSearchResolvers,
  classifyResolvers,
  segmentResolvers,
  classifierResolvers,
  ingestResolvers,
  evaluationResolvers,
);

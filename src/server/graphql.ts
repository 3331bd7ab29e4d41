// Apollo Server for the GraphQL endpoint: schema, resolvers, and the single error formatter that
// sets extensions.code from the closed list, hides unexpected errors' internals and logs them.
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { AppError, ERROR_CODES, type ErrorCode } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import { resolvers } from "../resolvers/index.ts";
import { loadTypeDefs } from "../schema/index.ts";
import type { RequestContext } from "./context.ts";
import type { Metrics } from "./metrics.ts";

/** Apollo's own codes for requests that never reached a resolver: all the caller's doing. */
const APOLLO_INPUT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError) {
    if (!original.expected) logger.error({ err: original, cause: original.cause }, "request failed");
    const extensions: Record<string, unknown> = { code: original.code };
    if (original.details) extensions.details = original.details;
    return { ...base, message: original.message, extensions };
  }
  const apolloCode = formatted.extensions?.code;
  if (typeof apolloCode === "string" && APOLLO_INPUT_CODES.has(apolloCode)) {
    return { ...base, extensions: { code: "BAD_USER_INPUT" satisfies ErrorCode, reason: apolloCode } };
  }
  if (typeof apolloCode === "string" && (ERROR_CODES as readonly string[]).includes(apolloCode) && apolloCode !== "INTERNAL_SERVER_ERROR") {
    return { ...base, extensions: { code: apolloCode } };
  }
  logger.error({ err: original }, "unexpected error in GraphQL request");
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, errors }) {
          const code = errors?.[0]?.extensions?.code;
          metrics.graphqlOperations.inc({ operation: operationName ?? "anonymous", outcome: errors?.length ? String(code ?? "ERROR") : "ok" });
        },
      };
    },
  };
}

/** Query-shape limits: a portal's queries are shallow; anything deeper or wider is refused up front. */
export const QUERY_LIMITS = { maxDepth: 8, maxAliases: 15, maxCost: 5000, maxDirectives: 20 } as const;

export function createApolloServer(httpServer: http.Server, logger: Logger, metrics: Metrics): ApolloServer<RequestContext> {
  const armor = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, exposeLimits: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: true },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, exposeLimits: true },
    // Its parser-level check turns syntax errors into 500s; the body limit bounds query size instead.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: true },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return new ApolloServer<RequestContext>({
    typeDefs: loadTypeDefs(),
    resolvers: resolvers as never,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    introspection: true,
    csrfPrevention: true,
    validationRules: armor.validationRules,
    formatError: (formatted, error) => formatError(formatted, error, logger),
    plugins: [...(armor.plugins as ApolloServerPlugin<RequestContext>[]), ApolloServerPluginDrainHttpServer({ httpServer }), metricsPlugin(metrics)],
  });
}

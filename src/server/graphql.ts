// Apollo Server for the GraphQL endpoint: schema, resolvers, the single error formatter that sets
// extensions.code from the closed list and gives clients only messages safe to show, the plugin that
// logs the full errors with the request id, and the operation metrics (labelled from the schema).
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unwrapResolverError } from "@apollo/server/errors";
import { Kind, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import { AppError, ERROR_CODES, closedMessage, type ErrorCode } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import { resolvers } from "../resolvers/index.ts";
import { loadTypeDefs } from "../schema/index.ts";
import type { RequestContext } from "./context.ts";
import type { Metrics } from "./metrics.ts";
import { requestCostPlugin } from "./request-cost.ts";

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

/** graphql-js's hints at names in the schema ("Did you mean …?"), in every form it writes them. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export interface FormatOptions {
  /** Off: "Did you mean …" hints are cut, since they would list the schema piece by piece. */
  suggestions: boolean;
}

/**
 * The AppError behind a GraphQL error: a resolver's, or one a plugin raised before execution (no
 * path; Apollo may wrap it once more), found along the originalError chain.
 */
function appErrorOf(error: unknown): unknown {
  const unwrapped = unwrapResolverError(error);
  let current: unknown = unwrapped;
  for (let depth = 0; depth < 4 && current instanceof Error && !(current instanceof AppError); depth++) {
    current = (current as { originalError?: unknown }).originalError;
  }
  return current instanceof AppError ? current : unwrapped;
}

/** The closed code a client sees for an error, and whether the error is a fault of ours. */
export function classifyError(formattedCode: unknown, error: unknown): { code: ErrorCode; reason?: string; ours: boolean } {
  const original = appErrorOf(error);
  if (original instanceof AppError) return { code: original.code, ours: original.closed };
  if (typeof formattedCode === "string" && APOLLO_INPUT_CODES.has(formattedCode)) return { code: "BAD_USER_INPUT", reason: formattedCode, ours: false };
  if (typeof formattedCode === "string" && (ERROR_CODES as readonly string[]).includes(formattedCode) && formattedCode !== "INTERNAL_SERVER_ERROR") {
    return { code: formattedCode as ErrorCode, ours: false };
  }
  return { code: "INTERNAL_SERVER_ERROR", ours: true };
}

/**
 * What a client sees of an error: an AppError's public message and details, Apollo's input errors
 * as BAD_USER_INPUT with Apollo's code as the reason, anything else as INTERNAL_SERVER_ERROR. The
 * full errors are logged by the errorLogPlugin, with the request id; this function logs nothing.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: FormatOptions): GraphQLFormattedError {
  const original = appErrorOf(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError) {
    const extensions: Record<string, unknown> = { code: original.code };
    const details = original.publicDetails;
    if (details) extensions.details = details;
    return { ...base, message: original.publicMessage, extensions };
  }
  const { code, reason } = classifyError(formatted.extensions?.code, error);
  if (code === "INTERNAL_SERVER_ERROR") return { message: closedMessage("INTERNAL_SERVER_ERROR"), path: formatted.path, extensions: { code } };
  const message = options.suggestions ? formatted.message : formatted.message.replace(SUGGESTION, "");
  return { ...base, message, extensions: reason ? { code, reason } : { code } };
}

/** Logs every error of ours with its full message, cause and the request id; the client got a closed message. */
function errorLogPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = appErrorOf(error);
            const { code, ours } = classifyError(error.extensions?.code, error);
            if (!ours) continue;
            const cause = original instanceof AppError ? original.cause : undefined;
            contextValue.logger.error({ err: original, cause, code, requestId: contextValue.requestId, path: error.path }, `request failed: ${code}`);
          }
        },
      };
    },
  };
}

/** The root fields an operation selects, through inline fragments and fragment spreads. */
function rootFields(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (selections: SelectionSetNode) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment);
      }
    }
  };
  visit(operation.selectionSet);
  return [...names].filter((n) => n !== "__typename");
}

/**
 * The operation label: the schema's root field when the operation selects one ("searchImages"),
 * "introspection" when it selects only __schema/__type, "multiple" for several, "other" when no
 * valid operation was found. Never the client's operation name, which would make a series per name.
 */
export function operationLabel(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined, schemaFields: ReadonlySet<string>): string {
  if (!operation || !document) return "other";
  const fields = rootFields(operation, document);
  if (fields.length === 0) return "other";
  if (fields.every((f) => f === "__schema" || f === "__type")) return "introspection";
  const known = fields.filter((f) => schemaFields.has(f));
  if (known.length !== fields.filter((f) => f !== "__schema" && f !== "__type").length) return "other";
  return known.length === 1 ? known[0]! : "multiple";
}

/** The root field names of a schema, computed once per schema object. */
const schemaRootFields = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

function rootFieldsOf(schema: GraphQLSchema): ReadonlySet<string> {
  let fields = schemaRootFields.get(schema);
  if (!fields) {
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    fields = new Set(roots.flatMap((type) => (type ? Object.keys(type.getFields()) : [])));
    schemaRootFields.set(schema, fields);
  }
  return fields;
}

function metricsPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ schema, operation, document, errors }) {
          const outcome = errors?.length ? classifyError(errors[0]!.extensions?.code, errors[0]).code : "ok";
          metrics.graphqlOperations.inc({ operation: operationLabel(operation, document, rootFieldsOf(schema)), outcome });
        },
      };
    },
  };
}

/** Query-shape limits: a portal's queries are shallow; anything deeper or wider is refused up front. */
export const QUERY_LIMITS = { maxDepth: 8, maxAliases: 15, maxCost: 5000, maxDirectives: 20 } as const;

export interface GraphqlOptions {
  logger: Logger;
  metrics: Metrics;
  /** Schema introspection, and with it "Did you mean …" suggestions (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
  /** Largest price of one request (MAX_REQUEST_COST); see request-cost.ts. */
  maxRequestCost: number;
  /** How long stopping waits for in-flight requests before closing their connections (SHUTDOWN_GRACE_SECONDS). */
  shutdownGraceMillis: number;
}

export function createApolloServer(httpServer: http.Server, options: GraphqlOptions): ApolloServer<RequestContext> {
  const armor = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, exposeLimits: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: true },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, exposeLimits: true },
    // Its parser-level check turns syntax errors into 500s; the body limit bounds query size instead.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: true },
    // Its mask matches only `Did you mean "field"`, not enum values, arguments or types, and it runs
    // whatever introspection allows; formatError cuts every suggestion when introspection is off.
    blockFieldSuggestion: { enabled: false },
  }).protect();
  const format: FormatOptions = { suggestions: options.introspection };
  return new ApolloServer<RequestContext>({
    typeDefs: loadTypeDefs(),
    resolvers: resolvers as never,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    introspection: options.introspection,
    csrfPrevention: true,
    validationRules: armor.validationRules,
    formatError: (formatted, error) => formatError(formatted, error, format),
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<RequestContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.shutdownGraceMillis }),
      // Apollo's own landing page loads its IDE from the internet; web.ts serves a bundled GraphiQL instead.
      ApolloServerPluginLandingPageDisabled(),
      errorLogPlugin(),
      metricsPlugin(options.metrics),
      requestCostPlugin(options.maxRequestCost),
    ],
  });
}

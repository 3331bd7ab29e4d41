// One urql client for the explorer: POST to the same-origin /graphql with the stored key; errors come
// back as an ApiError carrying the server's closed code (UNAUTHENTICATED, BAD_USER_INPUT, …).
import { Client, CombinedError, fetchExchange, type TypedDocumentNode } from "@urql/core";
import { requestHeaders } from "../auth.ts";

const client = new Client({
  url: "/graphql",
  exchanges: [fetchExchange],
  requestPolicy: "network-only",
  preferGetMethod: false,
  fetchOptions: () => ({ headers: requestHeaders() }),
});

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function toApiError(error: CombinedError): ApiError {
  const first = error.graphQLErrors[0];
  if (first) return new ApiError(first.message, String(first.extensions?.code ?? "ERROR"));
  const response = error.response as { status?: number } | undefined;
  if (response?.status === 401) return new ApiError("This server needs an API key: enter one above.", "UNAUTHENTICATED");
  return new ApiError(error.networkError?.message ?? error.message, "NETWORK");
}

/** Runs a typed query or mutation and gives its data, or throws an ApiError. */
export async function request<Data, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  kind: "query" | "mutation" = "query",
): Promise<Data> {
  const result = kind === "query" ? await client.query(document, variables).toPromise() : await client.mutation(document, variables).toPromise();
  if (result.error) throw toApiError(result.error);
  if (!result.data) throw new ApiError("The server sent no data", "NETWORK");
  return result.data;
}

// GraphiQL, bundled and served by the server itself, so the IDE works without the internet. It sends
// the explorer's stored API key, and its documentation comes from introspection (when allowed).
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { GraphiQL, type GraphiQLProps } from "graphiql";
import { createRoot } from "react-dom/client";
import { requestHeaders } from "../auth.ts";

const fetcher: GraphiQLProps["fetcher"] = async (params, options) => {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...requestHeaders(), ...(options?.headers as Record<string, string> | undefined) },
    body: JSON.stringify(params),
  });
  return response.json();
};

const EXAMPLE = `# Report-to-image search, re-ranked with GLoRIA's local attention.
{
  searchImages(text: "large left pleural effusion", first: 5, rerank: { candidates: 50 }) {
    rank
    score
    globalScore
    localScore
    image { id findings viewPosition }
  }
}
`;

createRoot(document.getElementById("ide")!).render(<GraphiQL fetcher={fetcher} defaultQuery={EXAMPLE} />);

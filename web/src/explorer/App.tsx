// The explorer's frame: the loaded model, the API key field, and three tabs — report-to-image search,
// an image's reports / similar images / zero-shot scores, and the kept evaluation runs.
import { useEffect, useState } from "react";
import { storedKey, storeKey } from "../auth.ts";
import { request } from "./api.ts";
import { EvaluationsView } from "./EvaluationsView.tsx";
import { ImageView, type ImageSubject } from "./ImageView.tsx";
import { ModelsQuery } from "./queries.ts";
import { SearchView } from "./SearchView.tsx";

type Tab = "search" | "image" | "evaluations";

export function App() {
  const [tab, setTab] = useState<Tab>("search");
  const [subject, setSubject] = useState<ImageSubject | null>(null);
  const [model, setModel] = useState<string>("");
  const [key, setKey] = useState(storedKey());
  const [keyVersion, setKeyVersion] = useState(0);

  useEffect(() => {
    request(ModelsQuery, {})
      .then((data) => setModel(data.models.find((m) => m.loaded)?.id ?? "no model loaded"))
      .catch((error: Error) => setModel(error.message));
  }, [keyVersion]);

  const openImage = (next: ImageSubject) => {
    setSubject(next);
    setTab("image");
  };

  return (
    <div className="app">
      <header>
        <h1>gloria-search</h1>
        <span className="model" data-testid="model">
          {model}
        </span>
        <form
          className="key"
          onSubmit={(event) => {
            event.preventDefault();
            storeKey(key);
            setKeyVersion((v) => v + 1);
          }}
        >
          <input type="password" placeholder="API key (when auth is on)" value={key} onChange={(e) => setKey(e.target.value)} aria-label="API key" />
          <button type="submit">Use key</button>
        </form>
        <a href="/graphql" className="ide-link">
          GraphQL IDE
        </a>
      </header>
      <nav>
        {(["search", "image", "evaluations"] as const).map((name) => (
          <button key={name} className={tab === name ? "active" : ""} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
            {name === "search" ? "Search images by text" : name === "image" ? "Image → reports" : "Evaluations"}
          </button>
        ))}
      </nav>
      <main>
        <div hidden={tab !== "search"}>
          <SearchView onOpenImage={openImage} />
        </div>
        <div hidden={tab !== "image"}>
          <ImageView subject={subject} onSubject={setSubject} />
        </div>
        {tab === "evaluations" && <EvaluationsView />}
      </main>
    </div>
  );
}

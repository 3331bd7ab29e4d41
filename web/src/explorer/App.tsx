// The explorer's frame: the loaded model (a choice among them when the server loads several, with
// how much of each dataset each has encoded), the API key field, and three tabs — report-to-image search,
// an image's reports / similar images / zero-shot scores, and the kept evaluation runs.
import { useEffect, useState } from "react";
import { storedKey, storeKey } from "../auth.ts";
import { request } from "./api.ts";
import { EvaluationsView } from "./EvaluationsView.tsx";
import { ImageView, type ImageSubject } from "./ImageView.tsx";
import { ModelContext } from "./model.ts";
import { ModelsQuery } from "./queries.ts";
import type { ExplorerModelsQuery } from "../gql/graphql.ts";

type LoadedModel = ExplorerModelsQuery["models"][number];

/** "chexpert 12/40 · phantoms 40/40": images READY for the model out of each dataset's. */
function coverageLine(model: LoadedModel): string {
  return model.coverage.map((c) => `${c.dataset} ${c.images.ready}/${c.images.total}`).join(" · ");
}
import { SearchView } from "./SearchView.tsx";

type Tab = "search" | "image" | "evaluations";

export function App() {
  const [tab, setTab] = useState<Tab>("search");
  const [subject, setSubject] = useState<ImageSubject | null>(null);
  const [model, setModel] = useState<string>("");
  const [loaded, setLoaded] = useState<LoadedModel[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [key, setKey] = useState(storedKey());
  const [keyVersion, setKeyVersion] = useState(0);

  useEffect(() => {
    request(ModelsQuery, {})
      .then((data) => {
        const served = data.models.filter((m) => m.loaded);
        setLoaded(served);
        setModel(served[0]?.id ?? "no model loaded");
      })
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
        {loaded.length > 1 ? (
          <select className="model" data-testid="model-choice" value={chosen ?? ""} onChange={(e) => setChosen(e.target.value || null)} aria-label="Model">
            {loaded.map((m) => (
              <option key={m.id} value={m.default ? "" : m.id} title={coverageLine(m)}>
                {m.id}
                {m.default ? " (default)" : ""} — {coverageLine(m) || "no data"}
              </option>
            ))}
          </select>
        ) : (
          <span className="model" data-testid="model">
            {model}
          </span>
        )}
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
      <ModelContext.Provider value={chosen}>
        <main>
          <div hidden={tab !== "search"}>
            <SearchView onOpenImage={openImage} />
          </div>
          <div hidden={tab !== "image"}>
            <ImageView subject={subject} onSubject={setSubject} />
          </div>
          {tab === "evaluations" && <EvaluationsView />}
        </main>
      </ModelContext.Provider>
    </div>
  );
}

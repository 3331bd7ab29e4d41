// Report-to-image search: a text with cohort filters (findings any / none, view, dataset), a score
// floor, grouping by study and a re-rank switch; a grid of hits with their scores and findings, more
// pages on demand, "more like this" / "less like this" examples, and the selected hit's attention.
import { useState, type FormEvent } from "react";
import type { ExampleQueryInput, ExplorerSearchImagesQuery, ExplorerSearchImagesQueryVariables, ImageFilter } from "../gql/graphql.ts";
import { request } from "./api.ts";
import { AttentionView } from "./AttentionView.tsx";
import type { ImageSubject } from "./ImageView.tsx";
import { useModel } from "./model.ts";
import { SearchImagesQuery } from "./queries.ts";

export type ImageHit = ExplorerSearchImagesQuery["searchImages"][number];

/** The five CheXpert competition classes, the findings the phantoms and CheXpert label. */
export const FINDING_CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;
const VIEWS = ["PA", "AP", "LATERAL"] as const;
const PAGE = 12;

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toFixed(3);
}

/** An example image the user marked, with the thumbnail to show it by. */
interface Example {
  id: string;
  thumbnail: string | null | undefined;
}

function FindingChecks({ label, chosen, onToggle, testId }: { label: string; chosen: string[]; onToggle(name: string): void; testId: string }) {
  return (
    <span className="finding-filter" data-testid={testId}>
      {label}
      {FINDING_CLASSES.map((name) => (
        <label key={name}>
          <input type="checkbox" checked={chosen.includes(name)} onChange={() => onToggle(name)} /> {name}
        </label>
      ))}
    </span>
  );
}

export function SearchView({ onOpenImage }: { onOpenImage(subject: ImageSubject): void }) {
  const [text, setText] = useState("large left pleural effusion");
  const [dataset, setDataset] = useState("");
  const [view, setView] = useState("");
  const [findings, setFindings] = useState<string[]>([]);
  const [without, setWithout] = useState<string[]>([]);
  const [minScore, setMinScore] = useState("");
  const [byStudy, setByStudy] = useState(false);
  const [rerank, setRerank] = useState(true);
  const [positive, setPositive] = useState<Example[]>([]);
  const [negative, setNegative] = useState<Example[]>([]);
  const [hits, setHits] = useState<ImageHit[] | null>(null);
  const [asked, setAsked] = useState<ExplorerSearchImagesQueryVariables | null>(null);
  const [searched, setSearched] = useState("");
  const [more, setMore] = useState(false);
  const [selected, setSelected] = useState<ImageHit | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const model = useModel();

  const variables = (examples: { positive: Example[]; negative: Example[] }): ExplorerSearchImagesQueryVariables => {
    const filter: ImageFilter = {
      ...(dataset.trim() ? { datasets: [dataset.trim()] } : {}),
      ...(view ? { viewPositions: [view] } : {}),
      ...(findings.length ? { findings } : {}),
      ...(without.length ? { findingsNone: without } : {}),
    };
    const hasExamples = examples.positive.length > 0 || examples.negative.length > 0;
    const query: ExampleQueryInput | null = hasExamples
      ? { texts: text.trim() ? [{ text }] : [], positive: examples.positive.map((e) => ({ id: e.id })), negative: examples.negative.map((e) => ({ id: e.id })) }
      : null;
    return {
      ...(query ? { query } : { text }),
      first: PAGE,
      minScore: minScore.trim() ? Number(minScore) : null,
      groupBy: byStudy ? "STUDY" : null,
      filter: Object.keys(filter).length ? filter : null,
      rerank: { enabled: rerank, candidates: 100 },
      model,
    };
  };

  const run = async (vars: ExplorerSearchImagesQueryVariables, append: boolean) => {
    setBusy(true);
    setError("");
    try {
      const data = await request(SearchImagesQuery, vars);
      const page = data.searchImages;
      setHits((current) => (append && current ? [...current, ...page] : page));
      setMore(page.length > 0 && new Set(page.map((h) => h.cursor)).size >= PAGE);
      if (!append) {
        setAsked(vars);
        setSearched(text);
        setSelected(null);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const search = (event?: FormEvent) => {
    event?.preventDefault();
    void run(variables({ positive, negative }), false);
  };
  const nextPage = () => {
    if (asked && hits?.length) void run({ ...asked, after: hits[hits.length - 1]!.cursor }, true);
  };
  const addExample = (kind: "positive" | "negative", hit: ImageHit) => {
    const example = { id: hit.image.id, thumbnail: hit.image.thumbnail };
    const next = {
      positive: kind === "positive" ? [...positive.filter((e) => e.id !== example.id), example] : positive.filter((e) => e.id !== example.id),
      negative: kind === "negative" ? [...negative.filter((e) => e.id !== example.id), example] : negative.filter((e) => e.id !== example.id),
    };
    setPositive(next.positive);
    setNegative(next.negative);
    void run(variables(next), false);
  };
  const dropExample = (id: string) => {
    const next = { positive: positive.filter((e) => e.id !== id), negative: negative.filter((e) => e.id !== id) };
    setPositive(next.positive);
    setNegative(next.negative);
    void run(variables(next), false);
  };

  const toggle = (set: (f: (current: string[]) => string[]) => void) => (name: string) =>
    set((current) => (current.includes(name) ? current.filter((f) => f !== name) : [...current, name]));

  return (
    <section className="search">
      <form onSubmit={search} className="search-form">
        <input
          className="query"
          data-testid="search-text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. large left pleural effusion"
          aria-label="Report text"
        />
        <button type="submit" disabled={busy || (!text.trim() && positive.length === 0)} data-testid="search-submit">
          {busy ? "Searching…" : "Search"}
        </button>
        <div className="filters">
          <label>
            Dataset <input value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="any" size={14} />
          </label>
          <label>
            View{" "}
            <select value={view} onChange={(e) => setView(e.target.value)}>
              <option value="">any</option>
              {VIEWS.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <label>
            Min. score{" "}
            <input value={minScore} onChange={(e) => setMinScore(e.target.value)} size={6} inputMode="decimal" placeholder="none" data-testid="min-score" />
          </label>
          <label>
            <input type="checkbox" checked={byStudy} onChange={(e) => setByStudy(e.target.checked)} data-testid="group-by-study" /> One hit per study
          </label>
          <label>
            <input type="checkbox" checked={rerank} onChange={(e) => setRerank(e.target.checked)} data-testid="rerank" /> Re-rank with local attention
          </label>
        </div>
        <div className="filters">
          <FindingChecks label="With any of:" chosen={findings} onToggle={toggle(setFindings)} testId="findings-any" />
        </div>
        <div className="filters">
          <FindingChecks label="With none of:" chosen={without} onToggle={toggle(setWithout)} testId="findings-none" />
        </div>
      </form>
      {(positive.length > 0 || negative.length > 0) && (
        <div className="examples" data-testid="examples">
          {[
            ["More like", positive],
            ["Less like", negative],
          ].map(([label, list]) =>
            (list as Example[]).length ? (
              <span key={label as string}>
                {label as string}:
                {(list as Example[]).map((e) => (
                  <button key={e.id} className="example" onClick={() => dropExample(e.id)} title="Remove this example">
                    {e.thumbnail ? <img src={e.thumbnail} alt="example" /> : e.id.slice(0, 8)} ✕
                  </button>
                ))}
              </span>
            ) : null,
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {hits && hits.length === 0 && <p>No images match.</p>}
      <div className="results">
        {hits && hits.length > 0 && (
          <div className="grid-column">
            <ol className="grid" data-testid="hits">
              {hits.map((hit) => (
                <li
                  key={hit.image.id}
                  className={selected?.image.id === hit.image.id ? "hit selected" : "hit"}
                  data-testid="hit"
                  data-findings={hit.image.findings.join("|")}
                  data-group={hit.group ?? ""}
                >
                  <button className="thumb" onClick={() => setSelected(hit)} title="Show where the words matched">
                    {hit.image.thumbnail ? <img src={hit.image.thumbnail} alt={`hit ${hit.rank}`} /> : <span className="no-thumb">no preview</span>}
                  </button>
                  <div className="scores">
                    <b>#{hit.rank}</b> score {formatScore(hit.score)}
                    <br />
                    global {formatScore(hit.globalScore)} · local {formatScore(hit.localScore)}
                  </div>
                  <div className="findings">
                    {hit.image.findings.length ? (
                      hit.image.findings.map((f) => (
                        <span key={f} className="chip">
                          {f}
                        </span>
                      ))
                    ) : (
                      <span className="chip normal">no finding</span>
                    )}
                  </div>
                  <div className="meta">
                    {hit.image.dataset} · {hit.image.viewPosition ?? "view ?"}
                  </div>
                  <div className="hit-actions">
                    <button onClick={() => addExample("positive", hit)} title="Search for images like this one" data-testid="more-like">
                      + like
                    </button>
                    <button onClick={() => addExample("negative", hit)} title="Push images like this one down" data-testid="less-like">
                      − like
                    </button>
                  </div>
                </li>
              ))}
            </ol>
            {more && (
              <button className="more" onClick={nextPage} disabled={busy} data-testid="more">
                More results
              </button>
            )}
          </div>
        )}
        {selected && (
          <aside className="detail">
            {searched.trim() ? <AttentionView imageId={selected.image.id} text={searched} /> : <p>Attention needs a text.</p>}
            <div className="actions">
              <button onClick={() => onOpenImage({ kind: "stored", id: selected.image.id })} data-testid="open-reports">
                Reports and similar images
              </button>
            </div>
          </aside>
        )}
      </div>
    </section>
  );
}

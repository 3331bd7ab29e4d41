// The kept evaluation runs (admin scope): a run's settings and counts, its figures with 95%
// intervals, and precision@K for each retrieval task and scoring as a plot. A run can be started here.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { ExplorerEvaluationsQuery } from "../gql/graphql.ts";
import { request } from "./api.ts";
import { LineChart, type Series } from "./charts.tsx";
import { EvaluateQuery, EvaluationsQuery } from "./queries.ts";

type Evaluation = ExplorerEvaluationsQuery["evaluations"][number];

const PRECISION_AT = /^(.*)\.precisionAt(\d+)$/;

/** precision@K figures grouped into one series per task and scoring (the name without `.precisionAtK`). */
export function precisionSeries(figures: Evaluation["figures"]): Series[] {
  const byName = new Map<string, Series>();
  for (const figure of figures) {
    const match = PRECISION_AT.exec(figure.name);
    if (!match || figure.value === null || figure.value === undefined) continue;
    const series = byName.get(match[1]) ?? { name: match[1], points: [] };
    series.points.push({ x: Number(match[2]), y: figure.value, ci: figure.ci95 && figure.ci95.length === 2 ? [figure.ci95[0], figure.ci95[1]] : null });
    byName.set(match[1], series);
  }
  return [...byName.values()].filter((s) => s.points.length > 1);
}

function interval(ci: readonly number[] | null | undefined): string {
  return ci && ci.length === 2 ? `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : "";
}

export function EvaluationsView() {
  const [runs, setRuns] = useState<Evaluation[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [manifest, setManifest] = useState("");
  const [limit, setLimit] = useState("200");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const load = useCallback(async (select?: string) => {
    try {
      const data = await request(EvaluationsQuery, {});
      setRuns(data.evaluations);
      setSelected(select ?? data.evaluations[0]?.id ?? null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const evaluate = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const data = await request(EvaluateQuery, { input: { manifest: manifest.trim(), ...(limit.trim() ? { limit: Number(limit) } : {}) } });
      await load(data.evaluate.id);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const run = runs?.find((r) => r.id === selected) ?? null;
  const series = run ? precisionSeries(run.figures) : [];
  return (
    <section className="evaluations">
      <form onSubmit={evaluate} className="evaluate-form">
        <label>
          Manifest (a CSV inside the server's ingest roots){" "}
          <input value={manifest} onChange={(e) => setManifest(e.target.value)} placeholder="/data/phantoms/manifest.csv" size={40} data-testid="manifest" />
        </label>
        <label>
          Rows <input value={limit} onChange={(e) => setLimit(e.target.value)} size={6} inputMode="numeric" />
        </label>
        <button type="submit" disabled={busy || !manifest.trim()}>
          {busy ? "Evaluating…" : "Evaluate the loaded model"}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {runs && runs.length === 0 && <p>No evaluation has been kept yet.</p>}
      {runs && runs.length > 0 && (
        <table className="runs" data-testid="runs">
          <thead>
            <tr>
              <th>when</th>
              <th>model</th>
              <th>rows</th>
              <th>prompts</th>
              <th>mode</th>
              <th>re-rank K</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} className={r.id === selected ? "selected" : ""} onClick={() => setSelected(r.id)}>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.model}</td>
                <td>{r.counts.rows}</td>
                <td>{r.settings.promptSet}</td>
                <td>{r.settings.mode}</td>
                <td>{r.settings.rerankCandidates}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run && (
        <div className="run">
          {run.warnings.map((w) => (
            <p key={w} className="warning">
              {w}
            </p>
          ))}
          {series.length > 0 && (
            <>
              <h2>Precision@K</h2>
              <LineChart series={series} xLabel="K" yLabel="precision" testId="precision-plot" />
            </>
          )}
          <h2>Figures</h2>
          <table className="figures" data-testid="figures">
            <thead>
              <tr>
                <th>figure</th>
                <th>value</th>
                <th>95% interval</th>
              </tr>
            </thead>
            <tbody>
              {run.figures.map((f) => (
                <tr key={f.name}>
                  <td>{f.name}</td>
                  <td>{f.value === null || f.value === undefined ? "–" : f.value.toFixed(3)}</td>
                  <td>{interval(f.ci95)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// Image-to-report retrieval for an uploaded file or a stored image: its best reports, the most
// similar stored images, and the zero-shot class scores as a bar chart.
import { useEffect, useState } from "react";
import type { ExplorerImageToReportsQuery, ImageInput } from "../gql/graphql.ts";
import { request } from "./api.ts";
import { BarChart } from "./charts.tsx";
import { useModel } from "./model.ts";
import { ImageQuery, ImageToReportsQuery } from "./queries.ts";
import { formatScore } from "./SearchView.tsx";

export type ImageSubject = { kind: "stored"; id: string } | { kind: "upload"; file: File };

type Answer = ExplorerImageToReportsQuery;

export function ImageView({ subject, onSubject }: { subject: ImageSubject | null; onSubject(next: ImageSubject): void }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const model = useModel();

  useEffect(() => {
    if (!subject) return;
    let current = true;
    let objectUrl: string | null = null;
    setAnswer(null);
    setError("");
    setBusy(true);
    let image: ImageInput;
    if (subject.kind === "upload") {
      objectUrl = URL.createObjectURL(subject.file);
      setPreview(objectUrl);
      image = { upload: subject.file };
    } else {
      setPreview(null);
      image = { id: subject.id };
      request(ImageQuery, { id: subject.id, model })
        .then((data) => current && setPreview(data.image?.thumbnail ?? null))
        .catch(() => undefined);
    }
    request(ImageToReportsQuery, { image, first: 5, similar: 8, model })
      .then((data) => current && setAnswer(data))
      .catch((e: Error) => current && setError(e.message))
      .finally(() => current && setBusy(false));
    return () => {
      current = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [subject, model]);

  const classification = answer?.classify[0];
  return (
    <section className="image-view">
      <label className="upload">
        Upload a radiograph (PNG, JPEG, TIFF or DICOM):{" "}
        <input
          type="file"
          data-testid="upload"
          accept=".png,.jpg,.jpeg,.tif,.tiff,.dcm,image/png,image/jpeg,image/tiff,application/dicom"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) onSubject({ kind: "upload", file });
          }}
        />
      </label>
      {!subject && <p>Upload an image, or pick a hit on the search tab.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {busy && <p>Reading the image…</p>}
      {subject && (
        <div className="image-columns">
          <div>{preview && <img className="subject" src={preview} alt="the image asked about" />}</div>
          {answer && (
            <div className="image-results">
              <h2>Best-matching reports</h2>
              <ol className="reports" data-testid="reports">
                {answer.searchReports.map((hit) => (
                  <li key={hit.report.id} data-testid="report" data-findings={hit.report.findings.join("|")}>
                    <p>{hit.report.text}</p>
                    <small>
                      score {formatScore(hit.score)} (global {formatScore(hit.globalScore)}, local {formatScore(hit.localScore)}) · {hit.report.dataset} ·{" "}
                      {hit.report.findings.join(", ") || "no finding"}
                    </small>
                  </li>
                ))}
              </ol>
              {classification && (
                <>
                  <h2>Zero-shot classes</h2>
                  <p className="hint">
                    Predicted <b data-testid="predicted">{classification.predicted ?? "–"}</b>; scores normalised {classification.normalization.toLowerCase()}{" "}
                    (raw: max over prompts of the combined GLoRIA score).
                  </p>
                  <BarChart
                    testId="class-scores"
                    bars={classification.scores.map((s) => ({
                      label: s.className,
                      value: s.score ?? s.rawScore,
                      highlight: s.className === classification.predicted,
                    }))}
                  />
                </>
              )}
              <h2>Similar stored images</h2>
              <ol className="grid small" data-testid="similar">
                {answer.similarImages.map((hit) => (
                  <li key={hit.image.id} className="hit">
                    <button className="thumb" onClick={() => onSubject({ kind: "stored", id: hit.image.id })} title="Reports of this image">
                      {hit.image.thumbnail ? <img src={hit.image.thumbnail} alt={`similar ${hit.rank}`} /> : <span className="no-thumb">no preview</span>}
                    </button>
                    <small>
                      {formatScore(hit.score)} · {hit.image.findings.join(", ") || "no finding"}
                    </small>
                  </li>
                ))}
              </ol>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

// Where each word of the query attends in one image: the words as chips (their weight beside them);
// hovering or clicking a word lays its heatmap over the image.
import { useEffect, useState } from "react";
import type { ExplorerAttentionQuery } from "../gql/graphql.ts";
import { request } from "./api.ts";
import { formatScore } from "./SearchView.tsx";
import { useModel } from "./model.ts";
import { AttentionQuery } from "./queries.ts";

type Attention = ExplorerAttentionQuery["attention"];

export function AttentionView({ imageId, text }: { imageId: string; text: string }) {
  const [attention, setAttention] = useState<Attention | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [pinned, setPinned] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [error, setError] = useState("");
  const model = useModel();

  useEffect(() => {
    let current = true;
    setAttention(null);
    setPinned(null);
    setError("");
    request(AttentionQuery, { image: { id: imageId }, imageId, text, model })
      .then((data) => {
        if (!current) return;
        setAttention(data.attention);
        setPreview(data.preview?.thumbnail ?? null);
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [imageId, text, model]);

  const shown = hovered ?? pinned;
  const overlay = shown === null ? null : attention?.words[shown]?.heatmap;
  return (
    <div className="attention" data-testid="attention">
      <div className="overlay-frame">
        {preview && <img src={preview} alt="the image" className="base" />}
        {overlay && (
          <img
            src={overlay}
            alt={`attention of “${attention!.words[shown!].word}”`}
            className="heat"
            data-testid="attention-overlay"
            data-word={attention!.words[shown!].word}
          />
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!attention && !error && <p>Computing attention…</p>}
      {attention && (
        <>
          <p className="hint">
            Local score {formatScore(attention.localScore)}. Hover or click a word to see where it matched (the patient's left is on the image's right).
          </p>
          <div className="words">
            {attention.words.map((w, i) => (
              <button
                key={`${w.word}-${i}`}
                className={pinned === i ? "word pinned" : "word"}
                data-testid="word"
                data-word={w.word}
                onMouseEnter={() => setHovered(i)}
                onMouseLeave={() => setHovered(null)}
                onClick={() => setPinned(pinned === i ? null : i)}
              >
                {w.word} <small>{w.weight.toFixed(2)}</small>
              </button>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

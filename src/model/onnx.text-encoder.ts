// TextEncoder on text_encoder.onnx: cleaning and tokenisation (src/model/text), `token_embeddings`
// [N,T,D] from the graph, then word aggregation and the sentence embedding in TypeScript (§3.4, §3.5).
import { AppError } from "../errors/app-error.ts";
import type { TextEncoder, TextFeatures } from "./model.port.ts";
import type { OnnxGraph } from "./onnx.runtime.ts";
import { aggregateTokens } from "./text/text.aggregate.ts";
import { cleanReportText } from "./text/text.clean.ts";
import type { WordPieceTokenizer } from "./text/text.tokenize.ts";

export interface TextEncoderShape {
  dim: number;
  maxLength: number;
  /** Texts per run. */
  batchSize: number;
  /** Run only as many positions as the longest text needs (default true; same numbers, less work). */
  trimPadding?: boolean;
}

export class OnnxTextEncoder implements TextEncoder {
  readonly dim: number;
  readonly maxLength: number;
  readonly #graph: OnnxGraph;
  readonly #tokenizer: WordPieceTokenizer;
  readonly #batchSize: number;
  readonly #trimPadding: boolean;

  constructor(graph: OnnxGraph, tokenizer: WordPieceTokenizer, shape: TextEncoderShape) {
    this.#graph = graph;
    this.#tokenizer = tokenizer;
    this.dim = shape.dim;
    this.maxLength = shape.maxLength;
    this.#batchSize = Math.max(1, shape.batchSize);
    this.#trimPadding = shape.trimPadding ?? true;
  }

  async encodeTexts(texts: readonly string[]): Promise<TextFeatures[]> {
    const T = this.maxLength;
    const D = this.dim;
    const out: TextFeatures[] = [];
    for (let start = 0; start < texts.length; start += this.#batchSize) {
      const raw = texts.slice(start, start + this.#batchSize);
      const cleaned = raw.map(cleanReportText);
      const batch = this.#tokenizer.batch(cleaned);
      // Padded positions are masked out of BERT's attention (weight exp(−10000) = 0 in float32) and
      // never read by the aggregation, so the batch runs only as wide as its longest text.
      const width = this.#trimPadding ? Math.max(...batch.texts.map((t) => t.ids.length)) : T;
      const dims = [batch.rows, width];
      const narrow = (full: BigInt64Array): BigInt64Array =>
        width === T ? full : BigInt64Array.from({ length: batch.rows * width }, (_, k) => full[Math.floor(k / width) * T + (k % width)]);
      const result = await this.#graph.run({
        input_ids: { type: "int64", data: narrow(batch.inputIds), dims },
        attention_mask: { type: "int64", data: narrow(batch.attentionMask), dims },
        token_type_ids: { type: "int64", data: narrow(batch.tokenTypeIds), dims },
      });
      const tokens = result.token_embeddings;
      if (tokens.data.length !== batch.rows * width * D) {
        throw new AppError("MODEL_UNAVAILABLE", "text encoder output does not match the manifest's dim", {
          details: { token_embeddings: tokens.dims },
        });
      }
      batch.texts.forEach((tok, i) => {
        const agg = aggregateTokens(tokens.data, i * width * D, tok.pieces, T, D);
        out.push({
          text: raw[i],
          cleaned: cleaned[i],
          ids: tok.ids,
          words: agg.words,
          slots: agg.slots,
          sentence: agg.sentence,
          truncated: tok.truncated,
        });
      });
    }
    return out;
  }

  async warmUp(): Promise<void> {
    await this.encodeTexts(["no acute cardiopulmonary process"]);
  }
}

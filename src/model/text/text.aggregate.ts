// Word-piece → word aggregation (gloria-numerics §3.4), the sentence embedding (§3.5) and the
// channels-first word matrices the local-similarity graph takes. Pure typed-array maths, no I/O.

/** One text after aggregation. Slot 0 = [CLS], 1..n = words, n+1 = [SEP], then exact zeros. */
export interface AggregatedText {
  /** [T, D] row-major: slot t's vector at t·D. */
  slots: Float32Array;
  /** The n words, each the concatenation of its pieces without "##" (no [CLS]/[SEP]/[PAD]). */
  words: string[];
  /** The index of the [SEP] slot (= n + 1). */
  sepSlot: number;
  /** §3.5: (1/T)·Σ over all T slots, i.e. the sum over the real tokens divided by T. */
  sentence: Float32Array;
}

/**
 * §3.4 for one row of `token_embeddings` ([T, D] starting at `offset`), walking its vocab strings:
 * a piece without "##" starts a new word (flushing the previous bank as the sum of its pieces; [CLS]
 * becomes word 0 alone), "##" pieces join the current bank, the first [SEP] flushes and takes its own
 * slot, and nothing after it is read.
 */
export function aggregateTokens(tokenEmbeddings: Float32Array, offset: number, pieces: readonly string[], maxLength: number, dim: number): AggregatedText {
  const slots = new Float32Array(maxLength * dim);
  const bank = new Float64Array(dim);
  const words: string[] = [];
  let bankText = "";
  let bankSize = 0;
  let slot = 0;
  let sepSlot = -1;

  const flush = (): void => {
    if (bankSize === 0) return;
    slots.set(bank, slot * dim);
    words.push(bankText);
    slot += 1;
    bank.fill(0);
    bankText = "";
    bankSize = 0;
  };
  const add = (position: number): void => {
    const base = offset + position * dim;
    for (let d = 0; d < dim; d++) bank[d] += tokenEmbeddings[base + d];
    bankSize += 1;
  };

  for (let position = 0; position < pieces.length && position < maxLength; position++) {
    const piece = pieces[position];
    if (piece === "[SEP]") {
      flush();
      slots.set(tokenEmbeddings.subarray(offset + position * dim, offset + (position + 1) * dim), slot * dim);
      sepSlot = slot;
      break;
    }
    if (piece.startsWith("##")) {
      add(position);
      bankText += piece.slice(2);
    } else {
      flush();
      add(position);
      bankText = piece;
    }
  }
  if (sepSlot < 0) throw new Error("token row has no [SEP] within maxLength");

  // words[0] is [CLS]; the caller-facing list holds the real words only.
  return { slots, words: words.slice(1), sepSlot, sentence: sentenceEmbedding(slots, maxLength, dim) };
}

/** §3.5: the mean over all T slots (CLS, words, SEP and the zero pads), so it always divides by T. */
export function sentenceEmbedding(slots: Float32Array, maxLength: number, dim: number): Float32Array {
  const sum = new Float64Array(dim);
  for (let t = 0; t < maxLength; t++) {
    const base = t * dim;
    for (let d = 0; d < dim; d++) sum[d] += slots[base + d];
  }
  const out = new Float32Array(dim);
  for (let d = 0; d < dim; d++) out[d] = sum[d] / maxLength;
  return out;
}

/** Aggregates every row of a [N, T, D] `token_embeddings` output. */
export function aggregateBatch(tokenEmbeddings: Float32Array, pieces: readonly (readonly string[])[], maxLength: number, dim: number): AggregatedText[] {
  return pieces.map((row, i) => aggregateTokens(tokenEmbeddings, i * maxLength * dim, row, maxLength, dim));
}

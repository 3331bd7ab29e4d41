// Which word slots take part in the local similarity (gloria-numerics §4.2, §10.2) and their
// channels-first layout for local_similarity.onnx, single or stacked with a padding mask. Pure.
import type { SlicingMode, TextFeatures } from "../model.port.ts";
import { referenceCharCount } from "../text/text.clean.ts";

export type ColumnSource = Pick<TextFeatures, "text" | "words" | "slots">;

/** The selected word columns of one text: [D, L] channels-first, and a label per column. */
export interface WordColumns {
  columns: Float32Array;
  length: number;
  /** The word, "[SEP]" or "" (a zero column) each column holds. */
  labels: string[];
  /**
   * How many selected columns each column stands for (the kernels' word_mask): 1, or, for the one zero
   * column of a collapsed selection, the number of zero columns it replaces.
   */
  multiplicity: Float32Array;
}

/**
 * The number of slots, starting at slot 1, that a mode selects.
 * REFERENCE: min(characters of the raw text not "[" , T − 1) — the published code's columns: the n
 * words, [SEP], then zero columns. WORDS: the n words only.
 * 0 when nothing would be selected (an empty text; or no word survived cleaning in WORDS mode); the
 * layout then uses one zero column, which scores exactly 0 like the reference's zero columns.
 */
export function selectedColumnCount(text: ColumnSource, mode: SlicingMode, maxLength: number): number {
  if (mode === "WORDS") return text.words.length;
  return Math.min(referenceCharCount(text.text), maxLength - 1);
}

/**
 * The selected columns. With `collapseZeroColumns`, REFERENCE's trailing zero columns (slots after
 * [SEP], zero by construction) become one zero column of multiplicity Z: each zero column adds the
 * same exp(0) to every region's softmax over words and a cosine of 0 to the max, so one column
 * counted Z times gives the same scores and the same maps for the words, at a fraction of the work
 * ("left pleural effusion": 5 columns instead of 21). The zero column's own map is not the same (it
 * carries Z columns' weight) and is never shown.
 */
export function wordColumns(
  text: ColumnSource,
  mode: SlicingMode,
  dim: number,
  maxLength: number,
  options: { collapseZeroColumns?: boolean } = {},
): WordColumns {
  const selected = selectedColumnCount(text, mode, maxLength);
  // Slots 1..n are the words and n + 1 is [SEP]; every slot after that is zero.
  const nonZero = Math.min(selected, text.words.length + 1);
  const zeros = selected - nonZero;
  const collapse = options.collapseZeroColumns === true && zeros > 1;
  const taken = collapse ? nonZero + 1 : selected;
  const length = Math.max(taken, 1);
  const columns = new Float32Array(dim * length);
  const multiplicity = new Float32Array(length).fill(1);
  const labels: string[] = [];
  for (let j = 0; j < taken; j++) {
    const slot = 1 + j;
    const base = slot * dim;
    // Stored word features keep only the slots up to [SEP]; the zero columns after it are implied.
    if (j < nonZero && base < text.slots.length) for (let d = 0; d < dim; d++) columns[d * length + j] = text.slots[base + d];
    labels.push(j < text.words.length ? text.words[j] : j === text.words.length ? "[SEP]" : "");
  }
  if (collapse) multiplicity[nonZero] = zeros;
  if (selected === 0) labels.push("");
  return { columns, length, labels, multiplicity };
}

export interface StackedColumns {
  /** [K, D, L] */
  words: Float32Array;
  /** [K, L]: each column's multiplicity (1, or Z for a collapsed zero column), 0 on padding. */
  wordMask: Float32Array;
  length: number;
}

/** K texts' columns stacked to [K, D, L] with L the longest; mask [K, L] is 1 on real columns. */
export function stackWordColumns(items: readonly WordColumns[], dim: number): StackedColumns {
  const length = Math.max(1, ...items.map((c) => c.length));
  const words = new Float32Array(items.length * dim * length);
  const wordMask = new Float32Array(items.length * length);
  items.forEach((item, k) => {
    for (let d = 0; d < dim; d++) {
      const src = item.columns.subarray(d * item.length, (d + 1) * item.length);
      words.set(src, (k * dim + d) * length);
    }
    wordMask.set(item.multiplicity, k * length);
  });
  return { words, wordMask, length };
}

// BERT WordPiece tokenisation of cleaned text into fixed-length id/mask/type-id rows (gloria-numerics
// §3.2), on @huggingface/tokenizers from the model's tokenizer.json. Pure: data in, tensors out.
import { Tokenizer } from "@huggingface/tokenizers";

export interface TokenizerSettings {
  /** T: every row is padded or truncated to this many slots (97 for GLoRIA, §3.2). */
  maxLength: number;
  specialIds: { pad: number; unk: number; cls: number; sep: number };
}

/** One tokenised text: ids and their vocab strings for the real tokens ([CLS] … [SEP]). */
export interface TokenizedText {
  ids: number[];
  /** The vocab string of each id, what the word aggregation matches on (§3.4, §10.14). */
  pieces: string[];
  /** True when the wordpieces did not fit in maxLength − 2 slots and the tail was cut. */
  truncated: boolean;
}

/** A batch ready for text_encoder.onnx: [N, T] int64, row-major. */
export interface TokenBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  rows: number;
  maxLength: number;
  texts: TokenizedText[];
}

export class WordPieceTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly #settings: TokenizerSettings;
  readonly #vocab: string[];

  /** `tokenizerJson` is the parsed tokenizer.json; `vocab` the lines of vocab.txt (id = line index). */
  constructor(tokenizerJson: object, vocab: readonly string[], settings: TokenizerSettings) {
    this.#tokenizer = new Tokenizer(tokenizerJson, {});
    this.#settings = settings;
    this.#vocab = [...vocab];
    const { cls, sep, pad } = settings.specialIds;
    for (const [id, expected] of [
      [cls, "[CLS]"],
      [sep, "[SEP]"],
      [pad, "[PAD]"],
    ] as const) {
      if (this.#vocab[id] !== expected) {
        throw new Error(`vocab id ${id} is ${JSON.stringify(this.#vocab[id])}, expected ${expected}`);
      }
    }
  }

  get vocabSize(): number {
    return this.#vocab.length;
  }

  /** The vocab string of an id ("[UNK]"-style strings for specials). */
  piece(id: number): string {
    const piece = this.#vocab[id];
    if (piece === undefined) throw new RangeError(`token id ${id} is outside the vocab`);
    return piece;
  }

  /**
   * [CLS] + at most maxLength − 2 wordpieces + [SEP], as HF's `truncation=True` does for a single
   * text (§3.2). The text should already be cleaned (text.clean.ts).
   */
  tokenize(text: string): TokenizedText {
    const { cls, sep } = this.#settings.specialIds;
    const inner = this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
    const room = this.#settings.maxLength - 2;
    const kept = inner.slice(0, room);
    const ids = [cls, ...kept, sep];
    return { ids, pieces: ids.map((id) => this.piece(id)), truncated: inner.length > room };
  }

  /** Tokenises each text and lays the rows out as [N, T] with [PAD] = pad id, mask 0, type ids 0. */
  batch(texts: readonly string[]): TokenBatch {
    const T = this.#settings.maxLength;
    const { pad } = this.#settings.specialIds;
    const tokenized = texts.map((t) => this.tokenize(t));
    const inputIds = new BigInt64Array(texts.length * T).fill(BigInt(pad));
    const attentionMask = new BigInt64Array(texts.length * T);
    const tokenTypeIds = new BigInt64Array(texts.length * T);
    tokenized.forEach((tok, row) => {
      tok.ids.forEach((id, j) => {
        inputIds[row * T + j] = BigInt(id);
        attentionMask[row * T + j] = 1n;
      });
    });
    return { inputIds, attentionMask, tokenTypeIds, rows: texts.length, maxLength: T, texts: tokenized };
  }
}

/** vocab.txt → one string per id; a trailing newline does not add an entry. */
export function parseVocab(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

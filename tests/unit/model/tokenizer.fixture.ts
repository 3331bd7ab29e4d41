// A hand-made BERT tokenizer.json (the layout the exporter writes) over a small vocab, for unit tests.
export const TEST_VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "small",
  "left",
  "pleural",
  "eff",
  "##usion",
  "_",
  "lower",
  "lobe",
  "no",
  "card",
  "##iom",
  "##egaly",
  "heart",
  "size",
];

export const TEST_SPECIAL_IDS = { pad: 0, unk: 1, cls: 2, sep: 3 };

export function testTokenizerJson(vocab: readonly string[] = TEST_VOCAB): object {
  const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: vocab.indexOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "BertProcessing",
      sep: ["[SEP]", vocab.indexOf("[SEP]")],
      cls: ["[CLS]", vocab.indexOf("[CLS]")],
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

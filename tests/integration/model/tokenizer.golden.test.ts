// tokenizer.json through @huggingface/tokenizers against the Python reference tokenizer's ids for raw
// strings (accents, CJK, punctuation, over-long words, truncation): ids and masks must be identical.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVocab, WordPieceTokenizer } from "../../../src/model/text/text.tokenize.ts";
import { GOLDEN_DIRS, goldenExists, readGolden } from "./golden.helpers.ts";

const suites = Object.entries(GOLDEN_DIRS).map(([name, dir]) => ({ name, dir, present: goldenExists(dir) }));

describe.each(suites)("tokenizer goldens: $name model", ({ dir, present }) => {
  it.skipIf(!present)("gives the reference's ids and masks for every tokenizer case", () => {
    const golden = readGolden(dir);
    const tokenizer = new WordPieceTokenizer(
      JSON.parse(readFileSync(join(golden.modelDir, "tokenizer.json"), "utf8")) as object,
      parseVocab(readFileSync(join(golden.modelDir, "vocab.txt"), "utf8")),
      { maxLength: golden.index.settings.maxLength, specialIds: { pad: 0, unk: 100, cls: 101, sep: 102 } },
    );
    for (const c of golden.index.tokenizerCases) {
      const batch = tokenizer.batch([c.text]);
      expect([...batch.inputIds].map(Number), JSON.stringify(c.text)).toEqual(c.inputIds);
      expect([...batch.attentionMask].map(Number), JSON.stringify(c.text)).toEqual(c.attentionMask);
    }
  });
});

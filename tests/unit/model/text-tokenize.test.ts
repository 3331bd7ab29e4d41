// gloria-numerics §3.2 tokenisation: [CLS] + wordpieces + [SEP], truncation to T − 2 pieces, padding and
// masks. Expected ids follow from the test vocab by hand; tools/gloria_ref/tokenizer.py gives the same.
import { describe, expect, it } from "vitest";
import { parseVocab, WordPieceTokenizer } from "../../../src/model/text/text.tokenize.ts";
import { TEST_SPECIAL_IDS, TEST_VOCAB, testTokenizerJson } from "./tokenizer.fixture.ts";

const make = (maxLength = 12) => new WordPieceTokenizer(testTokenizerJson(), TEST_VOCAB, { maxLength, specialIds: TEST_SPECIAL_IDS });

describe("WordPieceTokenizer", () => {
  it("wraps wordpieces in [CLS] … [SEP] and reports their vocab strings", () => {
    const tok = make().tokenize("small left pleural effusion");
    expect(tok.ids).toEqual([2, 5, 6, 7, 8, 9, 3]);
    expect(tok.pieces).toEqual(["[CLS]", "small", "left", "pleural", "eff", "##usion", "[SEP]"]);
    expect(tok.truncated).toBe(false);
  });

  it("maps words outside the vocab to [UNK] and splits '_' off as punctuation", () => {
    expect(make().tokenize("no pneumothorax").pieces).toEqual(["[CLS]", "no", "[UNK]", "[SEP]"]);
    expect(make().tokenize("left_lower lobe").pieces).toEqual(["[CLS]", "left", "_", "lower", "lobe", "[SEP]"]);
  });

  it("tokenises the empty text as [CLS][SEP]", () => {
    expect(make().tokenize("").ids).toEqual([2, 3]);
  });

  it("keeps at most maxLength − 2 wordpieces, cutting inside a word if need be", () => {
    const tok = make(6).tokenize("small left pleural effusion");
    expect(tok.pieces).toEqual(["[CLS]", "small", "left", "pleural", "eff", "[SEP]"]);
    expect(tok.truncated).toBe(true);
  });

  it("lays a batch out as [N, T] int64 rows with [PAD], mask 0 and type ids 0", () => {
    const batch = make(6).batch(["heart size", "cardiomegaly"]);
    expect(batch.rows).toBe(2);
    expect([...batch.inputIds]).toEqual([2n, 17n, 18n, 3n, 0n, 0n, 2n, 14n, 15n, 16n, 3n, 0n]);
    expect([...batch.attentionMask]).toEqual([1n, 1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n, 0n]);
    expect([...batch.tokenTypeIds]).toEqual(new Array(12).fill(0n));
  });

  it("refuses a vocab whose special ids do not match the manifest", () => {
    expect(() => new WordPieceTokenizer(testTokenizerJson(), TEST_VOCAB, { maxLength: 8, specialIds: { ...TEST_SPECIAL_IDS, cls: 4 } })).toThrow(/\[CLS\]/);
  });

  it("reads vocab.txt one token per line", () => {
    expect(parseVocab("[PAD]\n[UNK]\r\nfoo\n")).toEqual(["[PAD]", "[UNK]", "foo"]);
  });
});

// What ingestion does to a source's text before storing it.
import { describe, expect, it } from "vitest";
import { needsNormalising, storableText } from "../../../src/services/ingest/text.normalize.ts";

describe("storableText", () => {
  it("removes NUL and the other control characters, keeping tabs and line breaks", () => {
    expect(storableText("a\u0000b\u0007c\u001bd\u007fe\u0085f")).toBe("abcdef");
    expect(storableText("line one\n\tline two\r\n")).toBe("line one\n\tline two\r\n");
  });

  it("replaces unpaired surrogates and keeps paired ones", () => {
    expect(storableText("cut \ud800 here and \udc00 there")).toBe("cut \uFFFD here and \uFFFD there");
    expect(storableText("lungs 🫁 clear")).toBe("lungs 🫁 clear");
    expect(storableText("end\ud83e")).toBe("end\uFFFD");
  });

  it("leaves ordinary report text alone", () => {
    const report = "FINDINGS: Small left pleural effusion. Heart size normal — no pneumothorax. Größe: 3 cm.";
    expect(storableText(report)).toBe(report);
    expect(needsNormalising(report)).toBe(false);
    expect(needsNormalising("a\u0000")).toBe(true);
  });
});

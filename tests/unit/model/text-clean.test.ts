// gloria-numerics §3.1 cleaning and the §4.2 character count. Expected strings were produced by the Python
// reference (tools/gloria_ref/text.py clean_text / char_count) on the same inputs.
import { describe, expect, it } from "vitest";
import { cleanReportText, referenceCharCount } from "../../../src/model/text/text.clean.ts";

describe("cleanReportText", () => {
  it.each([
    ["cardiomegaly", ""],
    ["Cardiomegaly.", ""],
    ["1. Small left pleural effusion. 2. No pneumothorax.", "small left pleural effusion no pneumothorax"],
    ["10.Stable  cardiomegaly.11.no edema", "stable cardiomegaly no edema"],
    ["Heart size 1.5 cm", "heart size 5 cm"],
    ["Mild edema.\nNo effusion", "mild edema no effusion"],
    ["No acute process!!! Lungs: clear; heart=normal", "no acute process lungs clear heart normal"],
    ["left_lower lobe", "left_lower lobe"],
    ["heart\ufffd\ufffdsize normal", "heart size normal"],
  ])("cleans %j like the reference", (raw, cleaned) => {
    expect(cleanReportText(raw)).toBe(cleaned);
  });

  it("strips non-ASCII characters after counting the sentence's words", () => {
    expect(cleanReportText("Élargissement cardiaque modéré")).toBe("largissement cardiaque modr");
    expect(cleanReportText("١٢ ribs intact")).toBe("ribs intact");
    expect(cleanReportText("ＡＢＣ test")).toBe("test");
    // Both words vanish, but the two-word sentence still counted: an empty sentence is joined in.
    expect(cleanReportText("résumé ok. 日本 語.")).toBe("rsum ok ");
  });

  it("treats combining marks as separators, as Python's \\w does", () => {
    expect(cleanReportText("e\u0301tat normal")).toBe("e tat normal");
    expect(cleanReportText("İstanbul clinic")).toBe("i stanbul clinic");
  });
});

describe("referenceCharCount", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(referenceCharCount("😀 ab")).toBe(4);
    expect("😀 ab".length).toBe(5);
    expect(referenceCharCount("naïve")).toBe(5);
  });

  it("skips '[' characters as the reference's startswith('[') filter does", () => {
    expect(referenceCharCount("[CLS] x")).toBe(6);
  });
});

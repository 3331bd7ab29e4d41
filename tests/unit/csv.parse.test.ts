import { describe, expect, it } from "vitest";
import { parseCsv, parseCsvRecords } from "../../src/services/ingest/csv.parse.ts";

describe("CSV reader", () => {
  it("reads quoted fields with commas, doubled quotes and newlines", () => {
    const text = 'Path,Report\r\nimages/a.png,"small left pleural effusion, no edema"\nimages/b.png,"line one\nline ""two"""\n';
    expect(parseCsv(text)).toEqual([
      ["Path", "Report"],
      ["images/a.png", "small left pleural effusion, no edema"],
      ["images/b.png", 'line one\nline "two"'],
    ]);
  });

  it("keeps empty fields and skips blank lines and a BOM", () => {
    expect(parseCsv("\ufeffa,b,c\n1,,3\n\n")).toEqual([
      ["a", "b", "c"],
      ["1", "", "3"],
    ]);
  });

  it("maps rows to the header and names missing columns", () => {
    expect(parseCsvRecords("Path,Edema\nx.png,1\n", ["Path"])).toEqual([{ Path: "x.png", Edema: "1" }]);
    expect(() => parseCsvRecords("Path\nx\n", ["Path", "Report"])).toThrow(/Report/);
  });

  it("refuses an unterminated quote", () => {
    expect(() => parseCsv('a,"b\n')).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});

// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF, newlines inside quotes)
// for dataset manifests. Pure: text in, rows out.
import { AppError } from "../../errors/app-error.ts";

/** Parses CSV text into rows of fields. Throws BAD_USER_INPUT on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (quoted) throw new AppError("BAD_USER_INPUT", "Malformed CSV: a quoted field is never closed");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Rows as objects keyed by the header row. Throws BAD_USER_INPUT when required columns are missing. */
export function parseCsvRecords(text: string, required: readonly string[] = []): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new AppError("BAD_USER_INPUT", "The CSV is empty");
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new AppError("BAD_USER_INPUT", `The CSV lacks the column(s) ${missing.join(", ")}`);
  return rows.map((fields) => Object.fromEntries(header.map((name, index) => [name, fields[index] ?? ""])));
}

// The CheXpert-style manifest of a phantom set: one CSV row per image with the report, the five
// class columns (1/0), the findings as JSON, the view and the masks (class → mask file) as JSON. Pure
// string building (RFC 4180 quoting).

import { CHEXPERT_CLASSES, type Finding, type PhantomView } from "./phantom.types.ts";

export const MANIFEST_COLUMNS = ["Path", "Report", ...CHEXPERT_CLASSES, "Findings", "View", "Mask"] as const;

export interface ManifestRow {
  /** Image path relative to the output folder, with forward slashes. */
  path: string;
  report: string;
  findings: readonly Finding[];
  view: PhantomView;
  /** Class → mask path relative to the output folder, for the findings drawn as regions. */
  masks: Readonly<Record<string, string>>;
}

/** Quotes a field when it holds a comma, quote or line break; quotes inside are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function manifestLine(row: ManifestRow): string {
  const present = new Set(row.findings.map((f) => f.class));
  const findingsJson = JSON.stringify(row.findings.map((f) => ({ class: f.class, severity: f.severity, location: f.location })));
  const fields = [row.path, row.report, ...CHEXPERT_CLASSES.map((c) => (present.has(c) ? "1" : "0")), findingsJson, row.view, JSON.stringify(row.masks)];
  return fields.map(csvField).join(",");
}

/** The whole manifest, header first, "\n" line endings, ending with a newline. */
export function formatManifest(rows: readonly ManifestRow[]): string {
  return [MANIFEST_COLUMNS.map(csvField).join(","), ...rows.map(manifestLine)].join("\n") + "\n";
}

// Text from a source as the catalogue stores it: Postgres text cannot hold U+0000, and control
// characters or unpaired UTF-16 surrogates (a report cut in the middle of a character) are noise to
// every reader. Ingestion stores the normalised text and dedupes on the original's hash, so the same
// source row is recognised on every run.
import type { SourceItem } from "../../stores/queue/ingest-queue.port.ts";

/** C0 controls except tab, line feed and carriage return; DEL; the C1 controls. Matching them is the point. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Control characters removed, unpaired surrogates replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD").replace(CONTROL, "");
}

/** Whether normalising changes `text`. */
export function needsNormalising(text: string): boolean {
  return storableText(text) !== text;
}

/** Every text of an item as the catalogue stores it (the key stays as the source names the item). */
export function normaliseItem(item: SourceItem): SourceItem {
  const optional = (text: string | undefined) => (text === undefined ? undefined : storableText(text));
  return {
    ...item,
    report: optional(item.report),
    viewPosition: optional(item.viewPosition),
    studyExternalId: optional(item.studyExternalId),
    labels: Object.fromEntries(Object.entries(item.labels).map(([name, value]) => [storableText(name), value])),
    findings: item.findings.map((f) => ({
      ...f,
      class: storableText(f.class),
      ...(typeof f.severity === "string" ? { severity: storableText(f.severity) } : {}),
      ...(typeof f.location === "string" ? { location: storableText(f.location) } : {}),
    })),
  };
}

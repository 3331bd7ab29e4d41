// The text of a DICOM structured report (SR): its TEXT content items, in document order, joined by
// spaces — what a radiology report holds in a Basic or Enhanced Text SR. Nothing else of the
// document is read.
import dicomParser, { type DataSet } from "dicom-parser";
import { AppError } from "../../errors/app-error.ts";

const SR_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88.";
/** Nesting deeper than this is not a report. */
const MAX_DEPTH = 32;

/** The report text of an SR instance; undefined when it holds no text. */
export function srText(bytes: Uint8Array): string | undefined {
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { untilTag: "x7fe00010" });
  } catch (error) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The structured report could not be parsed", { cause: error });
  }
  const sopClass = ds.string("x00080016")?.trim() ?? "";
  if (!sopClass.startsWith(SR_CLASS_PREFIX)) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The instance of an SR series is not a structured report");
  const texts: string[] = [];
  const walk = (set: DataSet, depth: number) => {
    if (depth > MAX_DEPTH) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The structured report is nested too deeply");
    for (const item of set.elements.x0040a730?.items ?? []) {
      const child = item.dataSet;
      if (!child) continue;
      if (child.string("x0040a040")?.trim() === "TEXT") {
        const text = child.text("x0040a160")?.trim();
        if (text) texts.push(text);
      }
      walk(child, depth + 1);
    }
  };
  walk(ds, 0);
  const text = texts.join(" ").trim();
  return text || undefined;
}

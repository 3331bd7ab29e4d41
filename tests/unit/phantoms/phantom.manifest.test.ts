// manifest.csv in CheXpert form: the columns in order, reports with commas and JSON with quotes
// survive a standard CSV reader, and the class columns agree with the Findings JSON.
import { describe, expect, it } from "vitest";
import { MANIFEST_COLUMNS, csvField, formatManifest } from "../../../src/phantoms/phantom.manifest.ts";
// The ingestion reader is independent of the phantom manifest writer, so it checks the writer fairly.
import { parseCsv } from "../../../src/services/ingest/csv.parse.ts";

describe("manifest", () => {
  it("quotes only fields that need it", () => {
    expect(csvField("images/p000001.png")).toBe("images/p000001.png");
    expect(csvField("no effusion, no edema.")).toBe('"no effusion, no edema."');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });

  it("writes CheXpert columns and round-trips through a CSV reader", () => {
    const text = formatManifest([
      {
        path: "images/p000000.png",
        report: "small left pleural effusion. no focal consolidation, pulmonary edema or pneumothorax.",
        findings: [{ class: "Pleural Effusion", severity: "small", location: "left" }],
        view: "PA",
        masks: { "Pleural Effusion": "masks/p000000.pleural-effusion.png" },
      },
      { path: "images/p000001.dcm", report: "the lungs are clear.", findings: [], view: "AP", masks: {} },
      {
        path: "images/p000002.png",
        report: "moderate cardiomegaly. mild bibasilar atelectasis.",
        findings: [
          { class: "Atelectasis", severity: "mild", location: "bilateral lung bases" },
          { class: "Cardiomegaly", severity: "moderate", location: null },
        ],
        view: "PA",
        masks: { Atelectasis: "masks/p000002.atelectasis.png" },
      },
    ]);
    expect(text.endsWith("\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(["Path", "Report", "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion", "Findings", "View", "Mask"]);
    expect(rows[0]).toEqual([...MANIFEST_COLUMNS]);
    expect(rows).toHaveLength(4);
    expect(rows[1][1]).toBe("small left pleural effusion. no focal consolidation, pulmonary edema or pneumothorax.");
    expect(rows[1].slice(2, 7)).toEqual(["0", "0", "0", "0", "1"]);
    expect(JSON.parse(rows[1][7])).toEqual([{ class: "Pleural Effusion", severity: "small", location: "left" }]);
    expect(rows[2].slice(2, 7)).toEqual(["0", "0", "0", "0", "0"]);
    expect(JSON.parse(rows[2][7])).toEqual([]);
    expect(rows[2][8]).toBe("AP");
    expect(rows[3].slice(2, 7)).toEqual(["1", "1", "0", "0", "0"]);
    expect(JSON.parse(rows[3][7])[1]).toEqual({ class: "Cardiomegaly", severity: "moderate", location: null });
  });
});

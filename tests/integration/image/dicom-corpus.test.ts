// A differential test on a public DICOM corpus from another project: pydicom's own test files (many
// transfer syntaxes, byte orders, photometric interpretations, broken and non-image files), shipped
// by Debian's python3-pydicom. Each file is decoded by this service and by pydicom (with Pillow,
// OpenJPEG and GDCM; tools/dicom/corpus_reference.py), both mapped to grey the same way. Every file
// pydicom reads is equal within one grey level, or refused with the typed, specific reason listed
// here and in docs/dicom.md; nothing crashes or hangs. GLORIA_DICOM_TABLE=FILE writes the table.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { decodeImage } from "../../../src/model/image/image.decode.ts";
import { PYTHON, runsWithPython } from "../../helpers/python.ts";

const CORPUS = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

/** Files pydicom reads that the service refuses, and why (docs/dicom.md, "Refused"). */
const REFUSED: Record<string, RegExp> = {
  // Not radiographs: 1-bit segmentation masks, 32-bit dose grids.
  "liver_1frame.dcm": /1-bit samples are not supported/,
  "liver_expb_1frame.dcm": /1-bit samples are not supported/,
  "rtdose.dcm": /32-bit samples are not supported/,
  "rtdose_1frame.dcm": /32-bit samples are not supported/,
  "rtdose_expb.dcm": /32-bit samples are not supported/,
  "rtdose_expb_1frame.dcm": /32-bit samples are not supported/,
  "rtdose_rle.dcm": /32-bit samples are not supported/,
  "rtdose_rle_1frame.dcm": /32-bit samples are not supported/,
  "SC_rgb_rle_32bit.dcm": /32-bit samples are not supported/,
  "SC_rgb_rle_32bit_2frame.dcm": /32-bit samples are not supported/,
  // Colour with 16-bit samples: not a radiograph's encoding.
  "SC_rgb_rle_16bit.dcm": /Only 8-bit colour/,
  "SC_rgb_rle_16bit_2frame.dcm": /Only 8-bit colour/,
  // JPEG Extended with 12-bit precision: no maintained 12-bit JPEG decoder runs here.
  "JPEG-lossy.dcm": /12-bit precision are not supported/,
  "JPGExtended.dcm": /12-bit precision are not supported/,
  // Crafted for parsers: the JPEG 2000 codestream's SIZ segment holds a sequence delimiter's bytes,
  // so it announces a width of 3,722,445,056 against the header's 256.
  "JPEG2000-embedded-sequence-delimiter.dcm": /JPEG 2000 frame is 3722445056×1024×1, but the DICOM header says 256×1024×1/,
  // The meta header says explicit VR little endian; the data set is implicit VR.
  "SC_rgb_jpeg.dcm": /could not be parsed/,
};

interface Reference {
  ok: boolean;
  n?: number;
  width?: number;
  height?: number;
  photometric?: string;
  transferSyntax?: string;
  error?: string;
}

interface Row {
  file: string;
  syntax: string;
  photometric: string;
  pydicom: string;
  service: string;
  maxDifference: number | null;
}

/** Decodes with a deadline: a hang is a failure, not a stuck suite. */
async function decodeWithin(bytes: Uint8Array, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([decodeImage(bytes, { maxPixels: 64_000_000, dicomScaling: "minmax" }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(runsWithPython("pydicom", "PIL", "gdcm", "numpy"))("the pydicom corpus, decoded by the service and by pydicom", () => {
  let out: string;
  let index: Record<string, Reference>;
  const rows: Row[] = [];

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-dicom-corpus-"));
    const run = spawnSync(PYTHON, ["tools/dicom/corpus_reference.py", CORPUS, out], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    index = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8")) as Record<string, Reference>;
  });
  afterAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
    const table = process.env.GLORIA_DICOM_TABLE;
    if (table && rows.length) {
      const lines = ["| file | transfer syntax | photometric | pydicom | service | max difference |", "|---|---|---|---|---|---|"];
      for (const r of rows) lines.push(`| ${r.file} | ${r.syntax} | ${r.photometric} | ${r.pydicom} | ${r.service} | ${r.maxDifference ?? ""} |`);
      fs.writeFileSync(table, `${lines.join("\n")}\n`);
    }
  });

  it("decodes every file pydicom reads to the same grey pixels, or refuses it for a listed reason; never crashes or hangs", async () => {
    const files = Object.keys(index).sort();
    expect(files.length).toBeGreaterThan(100);
    let equal = 0;
    for (const file of files) {
      const reference = index[file]!;
      const bytes = new Uint8Array(fs.readFileSync(path.join(CORPUS, file)));
      let ours: Awaited<ReturnType<typeof decodeWithin>> | undefined;
      let refusal: AppError | undefined;
      try {
        ours = await decodeWithin(bytes, 20_000);
      } catch (error) {
        // Anything but a typed refusal (a crash, a hang) fails the test here.
        expect(error, `${file}: ${String(error)}`).toBeInstanceOf(AppError);
        refusal = error as AppError;
        expect(["UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"], `${file}: ${refusal.code}`).toContain(refusal.code);
      }
      const row: Row = {
        file,
        syntax: reference.transferSyntax ?? "",
        photometric: reference.photometric ?? "",
        pydicom: reference.ok ? "read" : `refused (${(reference.error ?? "").split(":")[0]})`,
        service: ours ? "read" : `refused: ${refusal!.message}`,
        maxDifference: null,
      };
      rows.push(row);
      if (!reference.ok) continue;
      if (!ours) {
        const why = REFUSED[file];
        expect.soft(why, `${file}: pydicom reads it, the service refuses it (${refusal!.message}) and no reason is listed`).toBeDefined();
        if (why) expect.soft(refusal!.message, file).toMatch(why);
        continue;
      }
      expect.soft(REFUSED[file], `${file} is listed as refused but decodes`).toBeUndefined();
      expect.soft([ours.width, ours.height], file).toEqual([reference.width, reference.height]);
      if (ours.width !== reference.width || ours.height !== reference.height) continue;
      const theirs = new Uint8Array(fs.readFileSync(path.join(out, `${reference.n}.u8`)));
      let max = 0;
      for (let i = 0; i < theirs.length; i++) max = Math.max(max, Math.abs(theirs[i]! - ours.gray[i]!));
      row.maxDifference = max;
      expect.soft(max, `${file}: grey levels differ by up to ${max}`).toBeLessThanOrEqual(1);
      if (max <= 1) equal++;
    }
    // The codecs matter: JPEG 2000, JPEG-LS and the rest are among the equal files.
    const syntaxes = new Set(rows.filter((r) => r.maxDifference !== null).map((r) => r.syntax));
    for (const syntax of [
      "1.2.840.10008.1.2.4.80",
      "1.2.840.10008.1.2.4.90",
      "1.2.840.10008.1.2.4.91",
      "1.2.840.10008.1.2.5",
      "1.2.840.10008.1.2.4.50",
      "1.2.840.10008.1.2.2",
    ]) {
      expect(syntaxes, syntax).toContain(syntax);
    }
    expect(equal).toBeGreaterThan(50);
  }, 300_000);
});

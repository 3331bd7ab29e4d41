// `gloria phantoms` end to end on real files: byte-identical output for the same arguments, other
// output for another seed or split, the same pixels as before masks existed, a mask per region finding
// where it is drawn, a manifest consistent with the images, 8-bit and 16-bit PNGs as
// sharp and OpenCV read them, and DICOM files that dicom-parser and pydicom open.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import dicomParser from "dicom-parser";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerPhantomsCommand } from "../../../src/cli/commands/phantoms.commands.ts";
import { generatePhantoms, type PhantomSetSummary } from "../../../src/phantoms/phantom.generate.ts";
// The ingestion reader is independent of the phantom manifest writer, so it checks the writer fairly.
import { parseCsv } from "../../../src/services/ingest/csv.parse.ts";
import { PYTHON, runsWithPython } from "../../helpers/python.ts";

const COUNT = 64;
const SEED = 20;

let root: string;
let first: PhantomSetSummary;

async function hashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const files = [
    "manifest.csv",
    ...(await readdir(path.join(dir, "images"))).map((f) => `images/${f}`),
    ...(await readdir(path.join(dir, "masks"))).map((f) => `masks/${f}`),
  ];
  for (const file of files.sort())
    out.set(
      file,
      createHash("sha256")
        .update(await readFile(path.join(dir, file)))
        .digest("hex"),
    );
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "phantoms-"));
  first = await generatePhantoms({ out: path.join(root, "a"), count: COUNT, seed: SEED });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("generatePhantoms", () => {
  it("writes byte-identical files for the same arguments", async () => {
    await generatePhantoms({ out: path.join(root, "b"), count: COUNT, seed: SEED, concurrency: 1 });
    const a = await hashes(path.join(root, "a"));
    const b = await hashes(path.join(root, "b"));
    const masks = parseCsv(await readFile(first.manifest, "utf8"))
      .slice(1)
      .reduce((n, row) => n + Object.keys(JSON.parse(row[9]) as object).length, 0);
    expect(masks).toBeGreaterThan(0);
    expect(a.size).toBe(COUNT + 1 + masks);
    expect(b).toEqual(a);
  });

  it("writes different images for another seed and for the test split", async () => {
    await generatePhantoms({ out: path.join(root, "seed"), count: 12, seed: SEED + 1 });
    await generatePhantoms({ out: path.join(root, "test"), count: 12, seed: SEED, split: "test" });
    const a = await hashes(path.join(root, "a"));
    const trainImages = new Set([...a].filter(([f]) => f.startsWith("images/")).map(([, h]) => h));
    for (const other of ["seed", "test"]) {
      for (const [file, hash] of await hashes(path.join(root, other))) {
        if (file.startsWith("images/")) expect(trainImages.has(hash), `${other}/${file}`).toBe(false);
      }
    }
  });

  it("writes a CheXpert-style manifest whose rows match the images and the labels", async () => {
    const rows = parseCsv(await readFile(first.manifest, "utf8"));
    expect(rows[0]).toEqual(["Path", "Report", "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion", "Findings", "View", "Mask"]);
    expect(rows).toHaveLength(COUNT + 1);
    const classes = rows[0].slice(2, 7);
    const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(10);
      expect(row[0]).toMatch(/^images\/p\d{6}\.(png|dcm)$/);
      expect(existsSync(path.join(first.out, row[0]))).toBe(true);
      const findings = JSON.parse(row[7]) as Array<{ class: string; severity: string; location: string | null }>;
      classes.forEach((c, k) => {
        expect(row[2 + k]).toBe(findings.some((f) => f.class === c) ? "1" : "0");
        if (row[2 + k] === "1") counts[c] += 1;
      });
      for (const f of findings) {
        const side = f.location?.split(" ")[0];
        if (side === "left" || side === "right") expect(row[1].toLowerCase()).toContain(side);
        if (side === "bilateral") expect(row[1].toLowerCase()).toMatch(/bilateral|bibasilar|both|lung bases/);
      }
      expect(["PA", "AP"]).toContain(row[8]);
    }
    expect(first.classes).toEqual(counts);
    expect(first.count).toBe(COUNT);
  });

  it("draws the same pixels as before masks were written (decoded PNG pixels, DICOM bytes)", async () => {
    // Recorded from the generator before it wrote masks: writing them must not change an image.
    const before: Record<string, string> = {
      "p000000.png": "6c303f99cd36e8de1029b2faf61f423ffdf9b0782ba3307bec58ece3f5ad5b11",
      "p000003.png": "f58961b027db7d1185f23fce72121c209300171fa53479392122a1ae39ffea06",
      "p000004.png": "7455b78e68615cb6981f77287c2d0d20292f1e2e5234956ec00603df05145b0a",
      "p000007.png": "6ec5afe650fbaa223e191e25bb5de45e7e773a1886ebd8ebd175889dd601d662",
      "p000001.dcm": "b9978ac35404983284006781dcfd2ec0eece80b79a3c15552d1460ee8353d20e",
    };
    const out = path.join(root, "pixels");
    await generatePhantoms({ out, count: 8, seed: 5, split: "train" });
    for (const [file, hash] of Object.entries(before)) {
      const full = path.join(out, "images", file);
      const bytes = file.endsWith(".dcm") ? await readFile(full) : await sharp(full).raw({ depth: "ushort" }).toBuffer();
      expect(createHash("sha256").update(bytes).digest("hex"), file).toBe(hash);
    }
  });

  it("writes one mask per region finding, where the finding is drawn, and none for other studies", async () => {
    const rows = parseCsv(await readFile(first.manifest, "utf8")).slice(1);
    const regions = ["Atelectasis", "Consolidation", "Pleural Effusion"];
    let effusionsChecked = 0;
    for (const row of rows) {
      const findings = JSON.parse(row[7]) as Array<{ class: string; location: string | null }>;
      const masks = JSON.parse(row[9]) as Record<string, string>;
      expect(Object.keys(masks).sort()).toEqual([...new Set(findings.map((f) => f.class).filter((c) => regions.includes(c)))].sort());
      const image = await (async () => {
        if (!row[0].endsWith(".dcm")) return sharp(path.join(first.out, row[0])).metadata();
        // A DICOM phantom's mask is on its pixel grid: Columns × Rows.
        const ds = dicomParser.parseDicom(new Uint8Array(await readFile(path.join(first.out, row[0]))));
        return { width: ds.uint16("x00280011"), height: ds.uint16("x00280010") };
      })();
      for (const [cls, file] of Object.entries(masks)) {
        expect(file).toBe(`masks/${path.basename(row[0]).replace(/\.(png|dcm)$/, "")}.${cls.toLowerCase().replace(/ /g, "-")}.png`);
        expect((await sharp(path.join(first.out, file)).metadata()).channels).toBe(1);
        const { data, info } = await sharp(path.join(first.out, file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([image.width, image.height]);
        let on = 0;
        let sumX = 0;
        let sumY = 0;
        let grey = 0;
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== 0 && data[i] !== 255) grey++;
          if (data[i]) {
            on++;
            sumX += i % info.width;
            sumY += Math.floor(i / info.width);
          }
        }
        expect(grey, `${file} has values other than 0 and 255`).toBe(0);
        expect(on, `${file} is empty`).toBeGreaterThan(0);
        const finding = findings.find((f) => f.class === cls)!;
        const side = finding.location?.split(" ")[0];
        if (cls === "Pleural Effusion" && (side === "left" || side === "right")) {
          // A radiograph shows the patient's left on the image's right (docs/phantoms.md).
          expect(sumX / on > info.width / 2).toBe(side === "left");
          // Fluid layers at the lung base.
          expect(sumY / on).toBeGreaterThan(info.height / 2);
          effusionsChecked++;
        }
      }
    }
    expect(effusionsChecked).toBeGreaterThan(0);
  });

  it("writes grey 8-bit PNGs, grey 16-bit PNGs and DICOM, each matching its manifest size", async () => {
    const files = await readdir(path.join(first.out, "images"));
    const depths = new Map<string, number>();
    for (const file of files.filter((f) => f.endsWith(".png"))) {
      const meta = await sharp(path.join(first.out, "images", file)).metadata();
      expect(meta.channels).toBe(1);
      expect(meta.width).toBeGreaterThanOrEqual(300);
      expect(meta.height).toBeGreaterThanOrEqual(300);
      depths.set(meta.depth, (depths.get(meta.depth) ?? 0) + 1);
    }
    expect(depths.get("uchar")).toBeGreaterThan(COUNT * 0.7);
    expect(depths.get("ushort")).toBe(first.formats.png16);
    expect(first.formats.png16).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith(".dcm"))).toHaveLength(first.formats.dicom);
    expect(first.formats.dicom).toBeGreaterThan(0);
  });

  it("writes DICOM that dicom-parser reads, 12-bit, without patient identifiers", async () => {
    const files = (await readdir(path.join(first.out, "images"))).filter((f) => f.endsWith(".dcm"));
    for (const file of files) {
      const ds = dicomParser.parseDicom(new Uint8Array(await readFile(path.join(first.out, "images", file))));
      expect(["CR", "DX"]).toContain(ds.string("x00080060"));
      expect(["PA", "AP"]).toContain(ds.string("x00185101"));
      expect(ds.uint16("x00280101")).toBe(12);
      const rows = ds.uint16("x00280010") ?? 0;
      const columns = ds.uint16("x00280011") ?? 0;
      expect(ds.elements.x7fe00010.length).toBe(rows * columns * 2);
      for (const tag of ["x00100010", "x00100020", "x00100030"]) expect(ds.elements[tag]).toBeUndefined();
    }
  });

  it.runIf(runsWithPython("cv2", "pydicom", "numpy"))("writes files pydicom and OpenCV open with the intended pixel ranges", () => {
    const script = [
      "import glob, json, sys, cv2, pydicom",
      "d = sys.argv[1]; out = {'dcm': [], 'png16': 0, 'png8': 0}",
      "for f in sorted(glob.glob(d + '/images/*.dcm')):",
      "    ds = pydicom.dcmread(f); a = ds.pixel_array",
      "    out['dcm'].append([ds.PhotometricInterpretation, int(a.max()), int(ds.Rows), int(ds.Columns), 'PatientName' in ds, 'PatientBirthDate' in ds])",
      "for f in sorted(glob.glob(d + '/images/*.png')):",
      "    a = cv2.imread(f, cv2.IMREAD_UNCHANGED)",
      "    assert a.ndim == 2, f",
      "    out['png16' if a.dtype.name == 'uint16' else 'png8'] += 1",
      "print(json.dumps(out))",
    ].join("\n");
    const result = JSON.parse(execFileSync(PYTHON, ["-c", script, first.out], { encoding: "utf8" })) as {
      dcm: Array<[string, number, number, number, boolean, boolean]>;
      png16: number;
      png8: number;
    };
    expect(result.dcm).toHaveLength(first.formats.dicom);
    for (const [photometric, max, rows, columns, name, birth] of result.dcm) {
      expect(["MONOCHROME1", "MONOCHROME2"]).toContain(photometric);
      expect(max).toBeLessThanOrEqual(4095);
      expect(max).toBeGreaterThan(2000);
      expect(rows * columns).toBeGreaterThan(300 * 300 - 1);
      expect(name || birth).toBe(false);
    }
    expect(result.png16).toBe(first.formats.png16);
    expect(result.png8).toBe(first.formats.png8);
  });
});

describe("gloria phantoms", () => {
  async function run(args: string[]): Promise<string> {
    let printed = "";
    const program = new Command().exitOverride();
    registerPhantomsCommand(program, { stdout: { write: (chunk: string) => (printed += chunk) } });
    await program.parseAsync(["node", "gloria", "phantoms", ...args]);
    return printed;
  }

  it("prints a JSON summary with per-class counts and writes the same files as the API", async () => {
    const out = path.join(root, "cli");
    const summary = JSON.parse(await run(["--out", out, "--count", String(COUNT), "--seed", String(SEED), "--json"]));
    expect(summary).toMatchObject({ count: COUNT, out, manifest: path.join(out, "manifest.csv"), classes: first.classes });
    expect(await hashes(out)).toEqual(await hashes(first.out));
  });

  it("rejects a bad count or split as BAD_USER_INPUT", async () => {
    await expect(run(["--out", path.join(root, "bad"), "--count", "-3"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(run(["--out", path.join(root, "bad"), "--split", "valid"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });
});

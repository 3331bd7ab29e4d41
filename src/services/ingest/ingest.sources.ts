// Turns what a user points ingestion at — a folder of images (with an optional reports CSV), a
// CheXpert-style manifest, MIMIC-CXR-style study folders, or uploads — into a stream of items.
// Reads directory listings and CSVs only; image bytes are read later, by the pipeline. Every file is
// read through SourceFiles, confined to the source's own folder and INGEST_ROOTS; a listing skips
// links, devices and FIFOs.
import fs from "node:fs";
import path from "node:path";
import { AppError, type ErrorCode } from "../../errors/app-error.ts";
import type { Finding } from "../../stores/metadata/metadata-store.port.ts";
import type { SourceItem } from "../../stores/queue/ingest-queue.port.ts";
import type { SourceFiles } from "../source-files.ts";
import { parseCsvRecords } from "./csv.parse.ts";
import type { DicomWebClient } from "./dicomweb.client.ts";
import { srText } from "./dicom-sr.ts";

/** The five CheXpert competition classes GLoRIA evaluates (gloria-numerics §5). */
export const CHEXPERT_CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;

const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dcm", ".dicom"]);

export type IngestSource =
  | { kind: "folder"; path: string; reportsCsv?: string }
  | { kind: "manifest"; path: string }
  | { kind: "mimic"; path: string }
  | { kind: "uploads"; items: ReadonlyArray<{ name: string; bytes: Uint8Array; report?: string }> }
  /**
   * A PACS over DICOMweb: QIDO-RS finds the instances, WADO-RS fetches them (dicomweb.client.ts).
   * `authEnv` names the environment variable holding the Authorization header value; the secret
   * itself is never part of the source, so never stored with the job.
   */
  | { kind: "dicomweb"; url: string; studies?: string[]; modalities?: string[]; since?: string; authEnv?: string; reportsCsv?: string }
  /** Items already read from a source (a queued batch); `root` is the folder of the source they came from. */
  | { kind: "items"; items: readonly SourceItem[]; root?: string };

/** The folder a source's items must lie in (besides INGEST_ROOTS); none for uploads. */
export function sourceRoot(source: IngestSource): string | undefined {
  switch (source.kind) {
    case "manifest":
      return path.dirname(path.resolve(source.path));
    case "folder":
    case "mimic":
      return path.resolve(source.path);
    case "items":
      return source.root;
    case "dicomweb":
      return source.reportsCsv ? path.dirname(path.resolve(source.reportsCsv)) : undefined;
    case "uploads":
      return undefined;
  }
}

/** Chooses the source kind for a path: a .csv or a folder with manifest.csv is a manifest, pNN patient folders are MIMIC. */
export function detectSource(target: string): IngestSource {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new AppError("NOT_FOUND", `No such file or folder: ${path.basename(target)}`);
  }
  if (stat.isFile()) {
    if (target.toLowerCase().endsWith(".csv")) return { kind: "manifest", path: target };
    throw new AppError("BAD_USER_INPUT", `Point ingestion at a folder or a manifest .csv, not ${path.basename(target)}`);
  }
  if (fs.existsSync(path.join(target, "manifest.csv"))) return { kind: "manifest", path: path.join(target, "manifest.csv") };
  if (looksLikeMimic(target)) return { kind: "mimic", path: target };
  const reports = path.join(target, "reports.csv");
  return { kind: "folder", path: target, reportsCsv: fs.existsSync(reports) ? reports : undefined };
}

function looksLikeMimic(root: string): boolean {
  const base = fs.existsSync(path.join(root, "files")) ? path.join(root, "files") : root;
  return fs.readdirSync(base, { withFileTypes: true }).some((e) => e.isDirectory() && /^p\d+$/.test(e.name));
}

function* walk(dir: string): Generator<string> {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) yield full;
  }
}

function labelValue(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Labels from the class columns; findings from a Findings JSON column, else the positive classes. */
function labelsAndFindings(row: Record<string, string>, key: string): { labels: Record<string, number>; findings: Finding[]; problem?: string } {
  const labels: Record<string, number> = {};
  for (const name of CHEXPERT_CLASSES) {
    const value = labelValue(row[name]);
    if (value !== undefined) labels[name] = value;
  }
  let findings: Finding[] = Object.entries(labels)
    .filter(([, v]) => v === 1)
    .map(([name]) => ({ class: name }));
  if (row.Findings?.trim()) {
    try {
      const parsed = JSON.parse(row.Findings) as unknown;
      if (!Array.isArray(parsed)) throw new Error("not a list");
      findings = parsed.map((f) => ({ class: String(f.class), severity: f.severity ?? null, location: f.location ?? null }));
    } catch (error) {
      // One malformed cell fails its row, not the whole manifest.
      return { labels, findings: [], problem: `${key}: the Findings column is not a JSON list (${(error as Error).message})` };
    }
  }
  return { labels, findings };
}

/** A CSV is text for a person to edit: far smaller than an image; 256 MiB holds CheXpert's 224k rows many times. */
const MAX_CSV_BYTES = 256 * 1024 * 1024;
/** A radiology report file. */
const MAX_REPORT_BYTES = 1024 * 1024;

async function* fromManifest(csvPath: string, files: SourceFiles): AsyncGenerator<SourceItem> {
  const root = path.dirname(csvPath);
  const rows = parseCsvRecords(await files.readText(csvPath, "The manifest", MAX_CSV_BYTES), ["Path"]);
  for (const [index, row] of rows.entries()) {
    const key = row.Path || `row ${index + 2}`;
    const { labels, findings, problem } = labelsAndFindings(row, key);
    yield {
      ...(problem ? { problem } : {}),
      key,
      image: row.Path ? { path: path.resolve(root, row.Path) } : undefined,
      report: row.Report?.trim() ? row.Report : undefined,
      labels,
      findings,
      viewPosition: row.View || row["AP/PA"] || row["Frontal/Lateral"] || undefined,
      studyExternalId: row.Study || undefined,
    };
  }
}

async function* fromFolder(root: string, files: SourceFiles, reportsCsv?: string): AsyncGenerator<SourceItem> {
  const reports = new Map<string, Record<string, string>>();
  if (reportsCsv) {
    for (const row of parseCsvRecords(await files.readText(reportsCsv, "reports.csv", MAX_CSV_BYTES), ["Path", "Report"]))
      reports.set(path.normalize(row.Path!), row);
  }
  for (const file of walk(root)) {
    const key = path.relative(root, file);
    const row = reports.get(path.normalize(key));
    const { labels, findings, problem } = row ? labelsAndFindings(row, key) : { labels: {}, findings: [], problem: undefined };
    yield {
      ...(problem ? { problem } : {}),
      key,
      image: { path: file },
      report: row?.Report?.trim() ? row.Report : undefined,
      labels,
      findings,
      viewPosition: row?.View || undefined,
    };
  }
}

/** MIMIC-CXR layout: files/pXX/pNNNNNNNN/sMMMMMMMM/<images> with the report in sMMMMMMMM.txt beside the folder. */
async function* fromMimic(root: string, files: SourceFiles): AsyncGenerator<SourceItem> {
  const base = fs.existsSync(path.join(root, "files")) ? path.join(root, "files") : root;
  for (const file of walk(base)) {
    const studyDir = path.dirname(file);
    const study = path.basename(studyDir);
    const reportPath = `${studyDir}.txt`;
    const key = path.relative(root, file);
    let report: string | undefined;
    let problem: { message: string; code: ErrorCode } | undefined;
    // lstat: a report that is a link, FIFO or device is this item's problem, not a file to open.
    if (fs.lstatSync(reportPath, { throwIfNoEntry: false })) {
      try {
        report = await files.readText(reportPath, `${path.relative(root, reportPath)}`, MAX_REPORT_BYTES);
      } catch (error) {
        problem = { message: (error as Error).message, code: error instanceof AppError ? error.code : "BAD_USER_INPUT" };
      }
    }
    yield {
      ...(problem ? { problem: problem.message, problemCode: problem.code } : {}),
      key,
      image: { path: file },
      report: report?.trim() ? report : undefined,
      labels: {},
      findings: [],
      studyExternalId: /^s\d+$/.test(study) ? study : undefined,
    };
  }
}

async function* fromUploads(items: Extract<IngestSource, { kind: "uploads" }>["items"]): AsyncGenerator<SourceItem> {
  for (const item of items) yield { key: item.name, image: { bytes: item.bytes }, report: item.report, labels: {}, findings: [] };
}

/** The items of a source; `files` is the guard every file is read through (with the source's root added by the caller). */
export function readSource(source: IngestSource, files: SourceFiles, pacs?: DicomWebClient): AsyncGenerator<SourceItem> {
  switch (source.kind) {
    case "dicomweb":
      if (!pacs) throw new AppError("BAD_USER_INPUT", "A DICOMweb source needs its client");
      return fromDicomWeb(source, pacs, files);
    case "manifest":
      return fromManifest(source.path, files);
    case "folder":
      return fromFolder(source.path, files, source.reportsCsv);
    case "mimic":
      return fromMimic(source.path, files);
    case "uploads":
      return fromUploads(source.items);
    case "items":
      return (async function* () {
        yield* source.items;
      })();
  }
}

/**
 * The image instances of a PACS the source names; their bytes are fetched by the pipeline, their
 * attributes come from each file. A study's report is the sidecar CSV's row for its Study Instance
 * UID (columns StudyInstanceUID, Report), else the text of its first structured report (SR) that
 * has any; an SR that cannot be read fails as an item of its own.
 */
async function* fromDicomWeb(source: Extract<IngestSource, { kind: "dicomweb" }>, pacs: DicomWebClient, files: SourceFiles): AsyncGenerator<SourceItem> {
  const sidecar = new Map<string, string>();
  if (source.reportsCsv) {
    for (const row of parseCsvRecords(await files.readText(source.reportsCsv, "The reports CSV", MAX_CSV_BYTES), ["StudyInstanceUID", "Report"])) {
      if (row.StudyInstanceUID && row.Report?.trim()) sidecar.set(row.StudyInstanceUID.trim(), row.Report);
    }
  }
  for await (const { study, images, reports } of pacs.studies({ studies: source.studies, modalities: source.modalities, since: source.since })) {
    let report = sidecar.get(study);
    for (const sr of report === undefined ? reports : []) {
      const key = `${sr.study}/${sr.series}/${sr.instance}`;
      try {
        report = srText(await pacs.fetchInstance(sr));
      } catch (error) {
        const appError = error instanceof AppError ? error : new AppError("UNSUPPORTED_MEDIA_TYPE", "The structured report could not be read");
        yield { key, labels: {}, findings: [], problem: appError.message, problemCode: appError.code };
      }
      if (report) break;
    }
    for (const ref of images) {
      yield { key: `${ref.study}/${ref.series}/${ref.instance}`, image: { dicomweb: ref }, labels: {}, findings: [], ...(report ? { report } : {}) };
    }
  }
}

/** The name an `authEnv` must have: the secret lives in the server's environment, under this prefix only. */
export const DICOMWEB_AUTH_ENV = /^DICOMWEB_AUTH_[A-Z0-9_]{1,64}$/;

/** Checks a DICOMweb source's fields: UIDs, modalities, a YYYYMMDD date, an allowed variable name. */
export function checkDicomWebSource(source: Extract<IngestSource, { kind: "dicomweb" }>): void {
  const bad = (message: string, field: string) => new AppError("BAD_USER_INPUT", message, { details: { field } });
  for (const study of source.studies ?? [])
    if (!/^[0-9]+(\.[0-9]+)*$/.test(study) || study.length > 64) throw bad(`Not a Study Instance UID: ${study.slice(0, 70)}`, "studies");
  for (const modality of source.modalities ?? []) if (!/^[A-Z]{2,16}$/.test(modality)) throw bad(`Not a modality code: ${modality.slice(0, 20)}`, "modalities");
  if (source.since !== undefined && !/^\d{8}$/.test(source.since)) throw bad("since is a date written YYYYMMDD", "since");
  if (source.authEnv !== undefined && !DICOMWEB_AUTH_ENV.test(source.authEnv))
    throw bad("authEnv names an environment variable starting with DICOMWEB_AUTH_", "authEnv");
}

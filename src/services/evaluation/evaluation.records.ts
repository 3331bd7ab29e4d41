// The reproducibility record of evaluations: every run is kept as one JSON file under
// GLORIA_DATA_DIR/evaluations, named by its id, written atomically (temporary file, fsync, rename),
// and two runs can be set side by side. Files rather than database rows, so that `gloria eval` also
// works beside a running server that holds the embedded database (docs/decisions.md).
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import type { Figure } from "./evaluation.figures.ts";
import { EVALUATION_FORMAT, SCORINGS, type EvaluationReport } from "./evaluate.ts";

export interface EvaluationRecord extends EvaluationReport {
  /** eval-<UTC timestamp to the millisecond>-<random>: sorts by time, unique across processes. */
  id: string;
  createdAt: string;
}

export const EVALUATION_ID_PATTERN = /^eval-\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export function evaluationsDir(dataDir: string): string {
  return path.join(dataDir, "evaluations");
}

export function newEvaluationId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `eval-${stamp}-${randomBytes(4).toString("hex")}`;
}

/** Writes the record of a finished evaluation and returns it with its id. */
export async function saveEvaluation(dir: string, report: EvaluationReport, now = new Date()): Promise<EvaluationRecord> {
  const record: EvaluationRecord = { id: newEvaluationId(now), createdAt: now.toISOString(), ...report };
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${record.id}.json`);
  const temporary = `${target}.${process.pid}.tmp`;
  const handle = await fs.open(temporary, "w");
  try {
    await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, target);
  return record;
}

/** A record by id (looked up in `dir`) or by the path of its JSON file. */
export async function loadEvaluation(dir: string, idOrPath: string): Promise<EvaluationRecord> {
  const file = EVALUATION_ID_PATTERN.test(idOrPath) ? path.join(dir, `${idOrPath}.json`) : idOrPath;
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    throw new AppError("NOT_FOUND", `no evaluation ${idOrPath} (looked for ${file})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("BAD_USER_INPUT", `${file} is not JSON`);
  }
  const record = parsed as Partial<EvaluationRecord>;
  if (record.format !== EVALUATION_FORMAT || typeof record.id !== "string" || !record.reproducibility) {
    throw new AppError("BAD_USER_INPUT", `${file} is not an evaluation record (${EVALUATION_FORMAT})`);
  }
  return record as EvaluationRecord;
}

/** The stored runs, newest first. */
export async function listEvaluations(dir: string, limit = 50): Promise<EvaluationRecord[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const ids = names
    .filter((n) => n.endsWith(".json") && EVALUATION_ID_PATTERN.test(n.slice(0, -5)))
    .map((n) => n.slice(0, -5))
    .sort()
    .reverse()
    .slice(0, limit);
  return Promise.all(ids.map((id) => loadEvaluation(dir, id)));
}

export interface NamedFigure {
  name: string;
  figure: Figure;
}

/** Every figure of a report under a stable dotted name, in a fixed order (tables, GraphQL, --compare). */
export function figuresOf(r: EvaluationReport): NamedFigure[] {
  const out: NamedFigure[] = [];
  for (const v of r.zeroShot.variants) {
    out.push({ name: `zeroShot.${v.scoring}.${v.normalization}.accuracy`, figure: v.accuracy });
    out.push({ name: `zeroShot.${v.scoring}.${v.normalization}.macroF1`, figure: v.macroF1 });
    for (const [cls, f] of Object.entries(v.auroc)) out.push({ name: `zeroShot.${v.scoring}.${v.normalization}.auroc.${cls}`, figure: f });
  }
  for (const [task, byScoring] of [
    ["textToImage", r.textToImage.byScoring],
    ["imageToText", r.imageToText.byScoring],
  ] as const) {
    for (const s of SCORINGS) {
      for (const k of ["precisionAt5", "precisionAt10", "precisionAt100"] as const) out.push({ name: `${task}.${s}.${k}`, figure: byScoring[s][k] });
    }
  }
  for (const s of SCORINGS) {
    out.push({ name: `lateralRerank.${s}.precisionAt5`, figure: r.lateralRerank.byScoring[s].precisionAt5 });
    out.push({ name: `lateralRerank.${s}.precisionAt10`, figure: r.lateralRerank.byScoring[s].precisionAt10 });
  }
  // Runs kept before multi-label figures were measured have none.
  const multi = r.zeroShot.multiLabel;
  if (multi) {
    out.push({ name: "zeroShot.multiLabel.meanAuroc", figure: multi.meanAuroc });
    for (const c of multi.perClass) out.push({ name: `zeroShot.multiLabel.auroc.${c.className}`, figure: c.auroc });
  }
  // Only runs with a training manifest have the linear-probe curve; its points, the smallest fraction first.
  for (const [fraction, point] of Object.entries(r.linearProbe?.points ?? {}).sort(([a], [b]) => Number(a) - Number(b))) {
    out.push({ name: `linearProbe.${fraction}.meanAuroc`, figure: point.meanAuroc });
    for (const c of point.perClass) out.push({ name: `linearProbe.${fraction}.auroc.${c.className}`, figure: c.auroc });
  }
  // Only runs on a manifest with masks, by a model with a segmentation graph, have Dice figures.
  if (r.segmentation) {
    out.push({ name: "segmentation.dice", figure: r.segmentation.dice }, { name: "segmentation.positiveDice", figure: r.segmentation.positiveDice });
    for (const c of r.segmentation.perClass) {
      out.push({ name: `segmentation.dice.${c.className}`, figure: c.dice }, { name: `segmentation.positiveDice.${c.className}`, figure: c.positiveDice });
    }
  }
  out.push({ name: "attentionSide.accuracy", figure: r.attentionSide.accuracy });
  // Reports written before the floor was fitted have none.
  if (r.textToImage.suggestedMinScore) out.push({ name: "textToImage.GLOBAL.suggestedMinScore", figure: r.textToImage.suggestedMinScore });
  return out;
}

export interface Comparison {
  a: { id: string; createdAt: string; model: string };
  b: { id: string; createdAt: string; model: string };
  /** Reproducibility fields that differ between the runs. */
  differences: Array<{ field: string; a: unknown; b: unknown }>;
  figures: Array<{ name: string; a: Figure | null; b: Figure | null; delta: number | null; overlapping: boolean | null }>;
}

/** Two runs side by side: what differs in their settings, and every figure with b − a. */
export function compareEvaluations(a: EvaluationRecord, b: EvaluationRecord): Comparison {
  const fields = Object.keys({ ...a.reproducibility, ...b.reproducibility }) as Array<keyof EvaluationReport["reproducibility"]>;
  const differences = fields
    .filter((f) => JSON.stringify(a.reproducibility[f]) !== JSON.stringify(b.reproducibility[f]))
    .map((field) => ({ field, a: a.reproducibility[field] ?? null, b: b.reproducibility[field] ?? null }));
  const fa = new Map(figuresOf(a).map((f) => [f.name, f.figure]));
  const fb = new Map(figuresOf(b).map((f) => [f.name, f.figure]));
  const names = [...new Set([...fa.keys(), ...fb.keys()])];
  return {
    a: { id: a.id, createdAt: a.createdAt, model: a.model },
    b: { id: b.id, createdAt: b.createdAt, model: b.model },
    differences,
    figures: names.map((name) => {
      const x = fa.get(name) ?? null;
      const y = fb.get(name) ?? null;
      const delta = x?.value != null && y?.value != null ? y.value - x.value : null;
      const overlapping = x?.ci95 && y?.ci95 ? x.ci95[0] <= y.ci95[1] && y.ci95[0] <= x.ci95[1] : null;
      return { name, a: x, b: y, delta, overlapping };
    }),
  };
}

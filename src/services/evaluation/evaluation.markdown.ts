// Markdown renderings of an evaluation and of a comparison of two: what `gloria eval` prints without
// --json and what the GraphQL `evaluate` query returns beside the figures.
import type { Figure } from "./evaluation.figures.ts";
import type { Comparison, EvaluationRecord } from "./evaluation.records.ts";
import { SCORINGS, type EvaluationReport, type Scoring } from "./evaluate.ts";

const num = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : v.toFixed(3));
const fig = (f: Figure | undefined): string =>
  !f || f.value === null ? "–" : f.ci95 ? `${num(f.value)} [${num(f.ci95[0])}, ${num(f.ci95[1])}]` : num(f.value);
const SCORING_TITLE: Record<Scoring, string> = { GLOBAL: "global only", REFERENCE: "re-ranked, REFERENCE", WORDS: "re-ranked, WORDS" };

/** The report as tables: retrieval by scoring, zero-shot variants, attention, published figures. */
export function evaluationMarkdown(r: EvaluationReport | EvaluationRecord): string {
  const c = r.counts;
  const id = "id" in r ? `evaluation ${r.id}, ` : "";
  const lines = [
    `${id}model ${r.model} on ${r.manifest.path} (sha256 ${r.manifest.sha256.slice(0, 12)})`,
    `${c.rows} rows, ${c.images} single-finding images evaluated (${Object.entries(c.perClass)
      .map(([name, n]) => `${name} ${n}`)
      .join(
        ", ",
      )}), ${c.reports} reports, ${c.lateralised} lateralised; headline mode ${r.mode}, zero-shot ${r.zeroShot.normalization}, re-rank top ${r.rerankCandidates}`,
    `95% intervals: percentile bootstrap, ${r.reproducibility.bootstrapIterations} resamples, seed ${r.reproducibility.seed}; code ${r.reproducibility.codeVersion}`,
    "",
    `| measure | ${SCORINGS.map((s) => SCORING_TITLE[s]).join(" | ")} |`,
    `|---|${SCORINGS.map(() => "---").join("|")}|`,
  ];
  const retrieval: Array<[string, (s: Scoring) => Figure]> = [
    ["text→image P@5", (s) => r.textToImage.byScoring[s].precisionAt5],
    ["text→image P@10", (s) => r.textToImage.byScoring[s].precisionAt10],
    ["text→image P@100", (s) => r.textToImage.byScoring[s].precisionAt100],
    ["image→text P@5", (s) => r.imageToText.byScoring[s].precisionAt5],
    ["image→text P@10", (s) => r.imageToText.byScoring[s].precisionAt10],
    ["image→text P@100", (s) => r.imageToText.byScoring[s].precisionAt100],
    ["lateral text→image P@10", (s) => r.lateralRerank.byScoring[s].precisionAt10],
  ];
  for (const [name, get] of retrieval) lines.push(`| ${name} | ${SCORINGS.map((s) => fig(get(s))).join(" | ")} |`);
  lines.push(
    "",
    "| zero-shot scoring | normalisation | accuracy | macro-F1 | mean AUROC |",
    "|---|---|---|---|---|",
    ...r.zeroShot.variants.map((v) => `| ${v.scoring} | ${v.normalization} | ${fig(v.accuracy)} | ${fig(v.macroF1)} | ${num(v.meanAuroc)} |`),
    ...multiLabelLines(r),
    ...segmentationLines(r),
    "",
    `attention side accuracy (${r.attentionSide.mode} columns, ${r.attentionSide.probed} images): ${fig(r.attentionSide.accuracy)}`,
    "",
    "| published | value | ours (headline) | source | confidence |",
    "|---|---|---|---|---|",
    ...r.published.map(
      (p) =>
        `| ${p.model} ${p.metric} on ${p.dataset} | ${num(p.value)} | ${fig(headlineFigure(r, p.metric))} | ${p.source} | ${p.confidence}${p.note ? ` (${p.note})` : ""} |`,
    ),
  );
  if (c.imageFailures > 0) lines.push("", `${c.imageFailures} images could not be read; the first: ${r.failures.map((f) => f.row).join(", ")}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

/** The multi-label zero-shot table (none for runs kept before it was measured). */
function multiLabelLines(r: EvaluationReport): string[] {
  const m = r.zeroShot.multiLabel;
  if (!m) return [];
  return [
    "",
    `multi-label zero-shot (labelMode MULTI, ${m.scoring} columns, ${m.images} images, each class positive vs not):`,
    "",
    "| class | AUROC | positives | negatives |",
    "|---|---|---|---|",
    ...m.perClass.map((c) => `| ${c.className} | ${fig(c.auroc)} | ${c.positives} | ${c.negatives} |`),
    `| mean | ${fig(m.meanAuroc)} | | |`,
  ];
}

/** The segmentation table (only when the manifest had masks and the model a segmentation graph). */
function segmentationLines(r: EvaluationReport): string[] {
  const m = r.segmentation;
  if (!m) return [];
  return [
    "",
    `segmentation (${m.images} images stretched to ${m.size}×${m.size}, threshold ${m.threshold}; Dice as the reference: empty masks score 1 when nothing is predicted):`,
    "",
    "| class | Dice, all images | Dice, images with the finding | with the finding |",
    "|---|---|---|---|",
    ...m.perClass.map((c) => `| ${c.className} | ${fig(c.dice)} | ${fig(c.positiveDice)} | ${c.positives} |`),
    `| mean | ${fig(m.dice)} | ${fig(m.positiveDice)} | |`,
  ];
}

/** The headline figure a published metric name ("imageToText.precisionAt100") refers to. */
export function headlineFigure(r: EvaluationReport, metric: string): Figure | undefined {
  const [task, key] = metric.split(".");
  if (task === "zeroShot" && (key === "accuracy" || key === "macroF1")) return r.zeroShot[key];
  if ((task === "imageToText" || task === "textToImage") && (key === "precisionAt5" || key === "precisionAt10" || key === "precisionAt100"))
    return r[task][key];
  return undefined;
}

/** Two runs side by side: the settings that differ, then every figure with its change. */
export function comparisonMarkdown(cmp: Comparison): string {
  const lines = [
    `A ${cmp.a.id} (${cmp.a.model}, ${cmp.a.createdAt})`,
    `B ${cmp.b.id} (${cmp.b.model}, ${cmp.b.createdAt})`,
    "",
    cmp.differences.length === 0 ? "same settings" : "| setting | A | B |",
  ];
  if (cmp.differences.length > 0) {
    lines.push("|---|---|---|", ...cmp.differences.map((d) => `| ${d.field} | ${JSON.stringify(d.a)} | ${JSON.stringify(d.b)} |`));
  }
  lines.push(
    "",
    "| figure | A | B | B − A | intervals overlap |",
    "|---|---|---|---|---|",
    ...cmp.figures.map((f) => {
      const delta = f.delta === null ? "–" : `${f.delta >= 0 ? "+" : ""}${f.delta.toFixed(3)}`;
      return `| ${f.name} | ${fig(f.a ?? undefined)} | ${fig(f.b ?? undefined)} | ${delta} | ${f.overlapping === null ? "–" : f.overlapping ? "yes" : "no"} |`;
    }),
  );
  return `${lines.join("\n")}\n`;
}

// Writes the free-text report of a phantom from templates in the GLoRIA prompt vocabulary
// (gloria-numerics §5): a sentence per finding (severity + side + zone), negations of some absent
// classes only, normal boilerplate, optional impression. Pure; wording comes from spec.reportSeed.

import { Rng } from "./phantom.random.ts";
import { CHEXPERT_CLASSES, parseLocation, severityRank, type ChexpertClass, type Finding, type PhantomSpec } from "./phantom.types.ts";

const HEADERS = {
  PA: ["pa and lateral views of the chest.", "pa and lateral chest radiographs.", "frontal and lateral views of the chest.", "pa view of the chest."],
  AP: ["portable ap view of the chest.", "ap upright view of the chest.", "single portable ap chest radiograph.", "ap semi-erect view of the chest."],
} as const;

const COMPARISONS = ["comparison is made to the prior study.", "no prior studies are available for comparison."];

/** Whole-sentence negations of an absent class. */
const NEGATIONS: Record<ChexpertClass, readonly string[]> = {
  Atelectasis: ["no atelectasis.", "no focal atelectasis.", "the lungs are well expanded without atelectasis."],
  Cardiomegaly: [
    "heart size is normal.",
    "the heart is normal in size.",
    "the cardiac silhouette is within normal limits.",
    "cardiomediastinal silhouette is normal.",
    "no cardiomegaly.",
  ],
  Consolidation: ["no focal consolidation.", "no consolidation.", "there is no airspace consolidation."],
  Edema: ["no pulmonary edema.", "no evidence of pulmonary edema.", "there is no edema."],
  "Pleural Effusion": ["no pleural effusion.", "no pleural effusions.", "the costophrenic angles are sharp."],
};

/** Nouns for a joined negation ("no focal consolidation, pleural effusion or pneumothorax."). */
const NEGATION_NOUNS: Record<ChexpertClass, string> = {
  Atelectasis: "atelectasis",
  Cardiomegaly: "cardiomegaly",
  Consolidation: "focal consolidation",
  Edema: "pulmonary edema",
  "Pleural Effusion": "pleural effusion",
};

const LUNGS_CLEAR = ["the lungs are clear.", "lungs are clear bilaterally.", "the lungs are clear without focal opacity."];
const NORMAL_IMPRESSIONS = ["no acute cardiopulmonary process.", "no acute cardiopulmonary abnormality.", "normal chest radiograph."];
const LUNG_CLASSES: readonly ChexpertClass[] = ["Atelectasis", "Consolidation", "Edema", "Pleural Effusion"];

export function writeReport(spec: PhantomSpec): string {
  const rng = new Rng(spec.reportSeed);
  const present = new Set(spec.findings.map((f) => f.class));
  const absent = CHEXPERT_CLASSES.filter((c) => !present.has(c));
  const lungsClear = LUNG_CLASSES.every((c) => !present.has(c));

  const opening: string[] = [];
  if (rng.bool(0.55)) opening.push(rng.pick(HEADERS[spec.view]));
  if (rng.bool(0.15)) opening.push(rng.pick(COMPARISONS));

  // One severity word per finding, so the findings and the impression agree.
  const words = spec.findings.map((f) => severityWord(f, rng));
  const positives = spec.findings.map((f, k) => findingSentence(f, words[k], rng, spec.view));
  const negatives: string[] = [];
  if (spec.findings.length === 0 && rng.bool(0.3)) {
    // The canonical normal report.
    negatives.push("the lungs are clear.", "no pleural effusion or pneumothorax.", "heart size is normal.");
  } else {
    if (lungsClear && rng.bool(0.8)) negatives.push(rng.pick(LUNGS_CLEAR));
    const negated = absent.filter(() => rng.bool(spec.findings.length === 0 ? 0.75 : 0.6));
    if (negated.length >= 2 && rng.bool(0.5)) {
      const nouns = negated.map((c) => NEGATION_NOUNS[c]);
      if (rng.bool(0.4)) nouns.push("pneumothorax");
      negatives.push(`no ${joinList(nouns)}.`);
    } else {
      for (const c of negated) negatives.push(rng.pick(NEGATIONS[c]));
      if (rng.bool(0.4)) negatives.push("no pneumothorax.");
    }
    // A normal study always says so: the lungs are clear, or at least two classes are negated.
    if (spec.findings.length === 0 && !negatives.some((n) => LUNGS_CLEAR.includes(n)) && negated.length < 2) {
      negatives.push(rng.pick(LUNGS_CLEAR));
    }
  }
  const extras: string[] = [];
  if (rng.bool(0.3))
    extras.push(rng.pick(["the osseous structures are unremarkable.", "no acute osseous abnormality.", "the visualized upper abdomen is unremarkable."]));
  if (!present.has("Cardiomegaly") && rng.bool(0.2)) extras.push("mediastinal contours are unremarkable.");

  // Findings usually lead, but real reports also open with the normal statements.
  const body = rng.bool(0.7) ? [...positives, ...rng.shuffled([...negatives, ...extras])] : rng.shuffled([...positives, ...negatives, ...extras]);

  const closing: string[] = [];
  if (rng.bool(0.45)) closing.push(impression(spec.findings, words, rng));

  const text = [...opening, ...body, ...closing].join(" ");
  return rng.bool(0.25) ? sentenceCase(text) : text;
}

function joinList(items: readonly string[]): string {
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function sentenceCase(text: string): string {
  return text.replace(/(^|[.:]\s+)([a-z])/g, (_m, lead: string, ch: string) => lead + ch.toUpperCase());
}

function impression(findings: readonly Finding[], words: readonly string[], rng: Rng): string {
  if (findings.length === 0) return `impression: ${rng.pick(NORMAL_IMPRESSIONS)}`;
  const items = findings.map((f, k) => shortPhrase(f, words[k], rng));
  if (items.length > 1 && rng.bool(0.5)) return `impression: ${items.map((s, k) => `${k + 1}. ${s}.`).join(" ")}`;
  return `impression: ${items.join(rng.bool(0.5) ? ". " : " and ")}.`;
}

/** The side word as a report says it; patient sides, never image sides. */
function sideWord(finding: Finding): string {
  const { side } = parseLocation(finding.location);
  return side ?? "";
}

function maybe(rng: Rng, probability: number, words: readonly string[]): string {
  return rng.bool(probability) ? `${rng.pick(words)} ` : "";
}

function severityWord(finding: Finding, rng: Rng): string {
  const rank = severityRank(finding);
  switch (finding.class) {
    case "Pleural Effusion":
      return rng.pick([["small", "small", "tiny"], ["moderate"], ["large"]][rank]);
    case "Cardiomegaly":
      return ["mild", "moderate", "severe"][rank];
    case "Consolidation":
      return rng.pick([["mild", "small"], ["moderate"], ["extensive", "large"]][rank]);
    case "Atelectasis":
      return rng.pick([["minimal", "trace"], ["mild"], ["moderate"]][rank]);
    case "Edema":
      return rng.pick([["mild", "mild", "trace"], ["moderate"], ["severe", "marked"]][rank]);
  }
}

/** "at the right lower lobe", "in the left lung base", "at the lung bases". */
function locationPhrase(finding: Finding, rng: Rng): string {
  const location = finding.location ?? "";
  if (location === "bilateral lung bases") return rng.pick(["at the lung bases", "at the bilateral lung bases", "at both lung bases"]);
  return `${rng.pick(["at the", "in the", "at the"])} ${location}`;
}

function findingSentence(finding: Finding, sev: string, rng: Rng, view: "PA" | "AP"): string {
  const side = sideWord(finding);
  const rank = severityRank(finding);
  const { zone } = parseLocation(finding.location);
  switch (finding.class) {
    case "Pleural Effusion": {
      const bilateral = side === "bilateral";
      const noun = bilateral && rng.bool(0.5) ? "pleural effusions" : "pleural effusion";
      const mod = maybe(rng, 0.3, ["stable", "increased", "decreased", "new", "persistent", "unchanged"]);
      const sub = maybe(rng, 0.1, ["subpulmonic", "layering"]);
      const angle = bilateral ? "both costophrenic angles" : `the ${side} costophrenic angle`;
      const forms = [
        `${mod}${sev} ${side} ${sub}${noun}.`,
        bilateral ? `there are ${sev} bilateral pleural effusions.` : `there is a ${sev} ${side} pleural effusion.`,
        `${sev} ${side} ${noun} with blunting of ${angle}.`,
      ];
      if (rank === 0)
        forms.push(`blunting of ${angle}, consistent with ${bilateral ? "small bilateral pleural effusions" : `a ${sev} ${side} pleural effusion`}.`);
      if (rank === 2) forms.push(`${sev} ${side} ${noun} with opacification of the ${bilateral ? "lower hemithoraces" : `${side} lower hemithorax`}.`);
      return rng.pick(forms);
    }
    case "Cardiomegaly": {
      const forms = [
        [
          "mild cardiomegaly.",
          "the heart is mildly enlarged.",
          "heart size is mildly enlarged.",
          "cardiac silhouette size is mildly enlarged.",
          "mildly enlarged cardiac silhouette.",
          "heart size is borderline enlarged.",
          "heart size remains at mildly enlarged.",
          "cardiac silhouette size is upper limits of normal.",
          view === "AP" ? "portable view of the chest demonstrates mild cardiomegaly." : "mildly prominent cardiac silhouette.",
        ],
        [
          "moderate cardiomegaly.",
          "the heart is moderately enlarged.",
          "moderately enlarged cardiac silhouette.",
          "stable moderate cardiomegaly.",
          "cardiomegaly unchanged.",
          "redemonstration of moderate cardiomegaly.",
          "cardiomegaly which is unchanged.",
        ],
        [
          "severe cardiomegaly.",
          "persistent severe cardiomegaly.",
          "the heart is markedly enlarged.",
          "markedly enlarged cardiac silhouette.",
          "severe cardiomegaly, unchanged.",
        ],
      ][rank];
      return rng.pick(forms);
    }
    case "Consolidation": {
      const loc = locationPhrase(finding, rng);
      const sub = rank === 2 ? rng.pick(["lobar", "airspace", "confluent"]) : rng.pick(["patchy", "airspace", "focal", "patchy"]);
      const mod = maybe(rng, 0.25, ["new", "increased", "improved", "persistent", "appearance of"]);
      return rng.pick([
        `${mod}${sev} ${sub} consolidation ${loc}.`,
        `there is ${sev} ${sub} consolidation ${loc}.`,
        `${sev} ${sub} opacity ${loc}, consistent with consolidation.`,
        `${sev} consolidation ${loc} with air bronchograms.`,
      ]);
    }
    case "Atelectasis": {
      const loc = locationPhrase(finding, rng);
      if (zone === "upper lobe") {
        return rng.pick([
          `${sev} ${side} upper lobe atelectasis with volume loss.`,
          `${sev} atelectasis ${loc} with elevation of the fissure.`,
          `${sev} atelectasis ${loc}.`,
        ]);
      }
      const subs = ["linear", "bandlike", "subsegmental", "plate-like", ""];
      if (finding.location === "left lower lobe") subs.push("retrocardiac");
      const sub = rng.pick(subs);
      const subWord = sub === "" ? "" : `${sub} `;
      if (side === "bilateral") {
        return rng.pick([`${sev} bibasilar atelectasis.`, `${sev} ${subWord}atelectasis ${loc}.`, `there is ${sev} ${subWord}bibasilar atelectasis.`]);
      }
      const forms = [`${sev} ${subWord}atelectasis ${loc}.`, `${sev} ${side} basilar atelectasis.`, `there is ${sev} ${subWord}atelectasis ${loc}.`];
      if (rank >= 1) forms.push(`${sev} atelectasis ${loc} with elevation of the ${side} hemidiaphragm.`);
      return rng.pick(forms);
    }
    case "Edema": {
      const noun =
        rank === 0 && sev === "trace"
          ? "interstitial edema"
          : rng.pick(["pulmonary edema", "pulmonary edema", "interstitial edema", "pulmonary interstitial edema"]);
      const mod = maybe(rng, 0.25, ["persistent", "improvement in", "decreased", "increased", "new"]);
      return rng.pick([
        `${mod}${sev} ${noun}.`,
        `findings are consistent with ${sev} ${noun}.`,
        `${sev} ${noun} with perihilar haziness and vascular congestion.`,
        `bilateral perihilar opacities and vascular congestion, consistent with ${sev} pulmonary edema.`,
        `there is ${sev} ${noun} with kerley b lines.`,
      ]);
    }
  }
}

/** The impression's restatement of a finding. */
function shortPhrase(finding: Finding, sev: string, rng: Rng): string {
  const side = sideWord(finding);
  switch (finding.class) {
    case "Pleural Effusion":
      return `${sev} ${side} pleural ${side === "bilateral" ? "effusions" : "effusion"}`;
    case "Cardiomegaly":
      return `${sev} cardiomegaly`;
    case "Consolidation":
      return `${sev} consolidation ${locationPhrase(finding, rng)}`;
    case "Atelectasis":
      return side === "bilateral" ? `${sev} bibasilar atelectasis` : `${sev} atelectasis ${locationPhrase(finding, rng)}`;
    case "Edema":
      return `${sev} pulmonary edema`;
  }
}

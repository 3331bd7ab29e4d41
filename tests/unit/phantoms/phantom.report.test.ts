// Phantom reports agree with their labels: every finding is stated with its side, absent classes
// are only ever negated, present ones never; the wording varies and uses GLoRIA's prompt words.
import { describe, expect, it } from "vitest";
import { writeReport } from "../../../src/phantoms/phantom.report.ts";
import { samplePhantom } from "../../../src/phantoms/phantom.sample.ts";
import type { ChexpertClass, PhantomSpec } from "../../../src/phantoms/phantom.types.ts";

const specs: PhantomSpec[] = Array.from({ length: 1500 }, (_, i) => samplePhantom(9, "train", i));
const reports = specs.map((s) => ({ spec: s, text: writeReport(s) }));

/** Words that mention a class, positively or in a negation. */
const MENTIONS: Record<ChexpertClass, RegExp> = {
  Atelectasis: /atelectasis/,
  Cardiomegaly: /cardiomegaly|cardiac silhouette|heart size|the heart is|cardiomediastinal/,
  Consolidation: /consolidation/,
  Edema: /edema/,
  "Pleural Effusion": /effusion|costophrenic angles are sharp/,
};
const NEGATIVE = /^(impression: )?(no |there is no |there are no )|without |is normal|are clear|normal in size|within normal limits|are sharp/;
const LUNG_CLASSES: ChexpertClass[] = ["Atelectasis", "Consolidation", "Edema", "Pleural Effusion"];

function sentences(text: string): string[] {
  return text
    .toLowerCase()
    .split(/(?<=\.)\s+/)
    .filter((s) => s.length > 0);
}

describe("writeReport", () => {
  it("is deterministic per phantom", () => {
    expect(writeReport(specs[5])).toBe(reports[5].text);
  });

  it("is one line of plain ASCII, lower-case or sentence case", () => {
    for (const { text } of reports) {
      expect(text).toMatch(/^[\x20-\x7e]+$/);
      expect(text === text.toLowerCase() || /^[A-Z]/.test(text)).toBe(true);
    }
  });

  it("negates only absent classes and mentions only present ones positively", () => {
    for (const { spec, text } of reports) {
      const present = new Set(spec.findings.map((f) => f.class));
      for (const sentence of sentences(text)) {
        const mentioned = (Object.keys(MENTIONS) as ChexpertClass[]).filter((c) => MENTIONS[c].test(sentence));
        if (NEGATIVE.test(sentence)) {
          for (const c of mentioned) expect(present.has(c), `"${sentence}" negates present ${c}`).toBe(false);
          if (/lungs are clear/.test(sentence)) for (const c of LUNG_CLASSES) expect(present.has(c), `"${sentence}" with ${c}`).toBe(false);
        } else {
          for (const c of mentioned) expect(present.has(c), `"${sentence}" asserts absent ${c}`).toBe(true);
        }
      }
    }
  });

  it("states every finding in a sentence that names its side (patient's side)", () => {
    for (const { spec, text } of reports) {
      const positive = sentences(text).filter((s) => !NEGATIVE.test(s));
      for (const f of spec.findings) {
        const about = positive.filter((s) => MENTIONS[f.class].test(s));
        expect(about.length, `${f.class} missing in "${text}"`).toBeGreaterThan(0);
        if (f.location === null) continue;
        const side = f.location.split(" ")[0];
        const sideRe = side === "bilateral" ? /bilateral|bibasilar|both|lung bases/ : new RegExp(`\\b${side}\\b`);
        const other = side === "left" ? /\bright\b/ : side === "right" ? /\bleft\b/ : null;
        const stated = about.some((s) => sideRe.test(s) && (other === null || !other.test(s)));
        expect(stated, `${f.class} ${f.location} in "${text}"`).toBe(true);
      }
    }
  });

  it("states the zone of lobar findings", () => {
    for (const { spec, text } of reports) {
      for (const f of spec.findings) {
        if (f.class !== "Consolidation" || f.location === null) continue;
        const zone = f.location.endsWith("upper lobe") ? /upper lobe/ : f.location.endsWith("lower lobe") ? /lower lobe/ : /base/;
        expect(zone.test(text.toLowerCase()), `${f.location} in "${text}"`).toBe(true);
      }
    }
  });

  it("gives normal studies normal statements", () => {
    for (const { spec, text } of reports) {
      if (spec.findings.length > 0) continue;
      const negated = new Set<string>();
      for (const sentence of sentences(text)) {
        if (!NEGATIVE.test(sentence)) continue;
        for (const [cls, re] of Object.entries(MENTIONS)) if (re.test(sentence)) negated.add(cls);
      }
      expect(/lungs are clear/i.test(text) || negated.size >= 2, text).toBe(true);
    }
  });

  it("varies its wording and uses the GLoRIA prompt vocabulary", () => {
    const all = reports.map((r) => r.text.toLowerCase()).join(" ");
    for (const phrase of [
      "pleural effusion",
      "small left pleural effusion",
      "large right pleural effusion",
      "bilateral pleural effusion",
      "bibasilar atelectasis",
      "atelectasis at the left lung base",
      "cardiomegaly unchanged",
      "patchy consolidation at the right lower lobe",
      "moderate pulmonary edema",
      "interstitial edema",
      "no pleural effusion",
      "the lungs are clear",
      "heart size is normal",
      "pa and lateral views of the chest",
      "impression:",
    ]) {
      expect(all, phrase).toContain(phrase);
    }
    const distinct = new Set(reports.map((r) => r.text));
    expect(distinct.size).toBeGreaterThan(reports.length * 0.95);
    const normals = reports.filter((r) => r.spec.findings.length === 0).map((r) => r.text);
    expect(new Set(normals).size).toBeGreaterThan(normals.length * 0.5);
  });
});

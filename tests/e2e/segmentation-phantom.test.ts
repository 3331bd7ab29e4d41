// The shipped demo model's segmentation over HTTP on phantoms (docs/phantoms.md): a phantom whose one
// finding is a left pleural effusion gets its effusion mask on the image's right (the radiological
// convention: the patient's left on the image's right), one with a right effusion on the image's left,
// at half the effusion map's peak as the threshold.
// Runs when models/gloria-phantom carries segmentation.onnx.
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPhantom, quantize8 } from "../../src/phantoms/phantom.render.ts";
import { samplePhantom } from "../../src/phantoms/phantom.sample.ts";
import type { PhantomSpec } from "../../src/phantoms/phantom.types.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const EFFUSION = "Pleural Effusion";

function hasSegmentation(): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(MODEL, "manifest.json"), "utf8")) as { segmentation?: { classes?: string[] } };
    return manifest.segmentation?.classes?.includes(EFFUSION) === true;
  } catch {
    return false;
  }
}

/** The first test-split phantom (seed 3) whose only finding is a moderate or large effusion on `side`. */
function effusionPhantom(side: "left" | "right"): PhantomSpec {
  for (let i = 0; i < 2000; i++) {
    const spec = samplePhantom(3, "test", i);
    const [f] = spec.findings;
    if (spec.findings.length === 1 && f!.class === EFFUSION && f!.location === side && f!.severity !== "small") return spec;
  }
  throw new Error(`no ${side} effusion phantom among the first 2000`);
}

async function png(spec: PhantomSpec): Promise<string> {
  const bytes = await sharp(quantize8(renderPhantom(spec)), { raw: { width: spec.width, height: spec.height, channels: 1 } })
    .png()
    .toBuffer();
  return bytes.toString("base64");
}

interface Seg {
  width: number;
  height: number;
  maskWidth: number;
  maskHeight: number;
  classes: Array<{ className: string; areaFraction: number; bbox: { x: number; y: number; width: number; height: number } | null; mask: string }>;
}

/** White pixels of a mask in the image's left and right halves. */
async function halves(dataUrl: string): Promise<{ left: number; right: number }> {
  const { data, info } = await sharp(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  let left = 0;
  let right = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width + x] !== 255) continue;
      if (x < info.width / 2) left++;
      else right++;
    }
  }
  return { left, right };
}

const present = requires(hasSegmentation(), {
  what: "models/gloria-phantom with segmentation.onnx (Pleural Effusion among its classes)",
  how: "retrain the demo model with its segmentation head (tools/train-phantom)",
  ci: false,
});

describe.runIf(present)("the demo model's effusion masks on phantoms", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, GLORIA_MODEL_DIRS: "", AUTH: "off" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const side of ["left", "right"] as const) {
    it(`puts a ${side} pleural effusion's mask on the image's ${side === "left" ? "right" : "left"}`, async () => {
      const spec = effusionPhantom(side);
      const image = { base64: await png(spec) };
      // The side is what is checked, not the model's calibration: the threshold is half the effusion map's peak.
      const first = await t.graphql<{ segment: { classes: Array<{ className: string; maxProbability: number }> } }>(
        "query($i: ImageInput!) { segment(image: $i) { classes { className maxProbability } } }",
        { i: image },
      );
      expect(first.body.errors).toBeUndefined();
      const peak = first.body.data!.segment.classes.find((c) => c.className === EFFUSION)!.maxProbability;
      expect(peak, spec.id).toBeGreaterThan(0.02);
      const { body } = await t.graphql<{ segment: Seg }>(
        "query($i: ImageInput!, $t: Float) { segment(image: $i, threshold: $t) { width height maskWidth maskHeight classes { className areaFraction bbox { x y width height } mask } } }",
        { i: image, t: peak / 2 },
      );
      expect(body.errors).toBeUndefined();
      const seg = body.data!.segment;
      expect([seg.width, seg.height]).toEqual([spec.width, spec.height]);
      const effusion = seg.classes.find((c) => c.className === EFFUSION)!;
      expect(effusion.areaFraction, spec.id).toBeGreaterThan(0);
      const centre = effusion.bbox!.x + effusion.bbox!.width / 2;
      const { left, right } = await halves(effusion.mask);
      if (side === "left") {
        expect(centre).toBeGreaterThan(spec.width / 2);
        expect(right).toBeGreaterThan(3 * left);
      } else {
        expect(centre).toBeLessThan(spec.width / 2);
        expect(left).toBeGreaterThan(3 * right);
      }
    });
  }
});

// `gloria embed|score|classify|attention` on the committed tiny model: the JSON shapes users script
// against, values that agree with the reference's goldens, and typed errors for bad input.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerModelCommands } from "../../../src/cli/commands/model.commands.ts";
import { silentLogger } from "../../../src/model/model.port.ts";
import { closeness, GOLDEN_DIRS, goldenExists, readGolden, type Golden } from "./golden.helpers.ts";

const present = goldenExists(GOLDEN_DIRS.tiny);

async function gloria(...argv: string[]): Promise<unknown> {
  let out = "";
  const program = new Command().exitOverride();
  registerModelCommands(program, { createLogger: () => silentLogger, stdout: { write: (s: string) => (out += s) } });
  await program.parseAsync(["node", "gloria", ...argv]);
  return JSON.parse(out);
}

describe.skipIf(!present)("gloria model commands", () => {
  let golden: Golden;
  let work: string;
  let xray: string;

  beforeAll(async () => {
    golden = readGolden(GOLDEN_DIRS.tiny);
    work = await mkdtemp(join(tmpdir(), "gloria-cli-"));
    // A 300×240 grey gradient with a bright blob on the image's left.
    const w = 240;
    const h = 300;
    const gray = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) gray[y * w + x] = Math.min(255, 40 + y / 3 + (Math.hypot(x - 60, y - 150) < 40 ? 150 : 0));
    xray = join(work, "xray.png");
    await writeFile(
      xray,
      await sharp(gray, { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toBuffer(),
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("embed --text prints the sentence embedding, one vector per word and the words", async () => {
    const i = golden.index.texts.findIndex((t) => t.id === "prompt:Edema:4");
    const out = (await gloria("embed", "--model", golden.modelDir, "--text", golden.index.texts[i].raw, "--json")) as {
      sentence: number[];
      words: number[][];
      tokens: string[];
    };
    const D = golden.index.settings.dim;
    expect(out.tokens).toEqual(golden.index.texts[i].words.slice(1, -1));
    expect(out.words).toHaveLength(out.tokens.length);
    expect(out.words.every((w) => w.length === D)).toBe(true);
    const want = golden.float("sentence_embeddings").data.subarray(i * D, (i + 1) * D);
    expect(closeness(out.sentence, want, { absolute: 0, relative: 1e-4 }).ok).toBe(true);
  });

  it("embed --image prints global [D], local [D][h·w] and the grid", async () => {
    const out = (await gloria("embed", "--model", golden.modelDir, "--image", xray, "--json")) as {
      global: number[];
      local: number[][];
      grid: number[];
    };
    const { dim, grid } = golden.index.settings;
    expect(out.grid).toEqual(grid);
    expect(out.global).toHaveLength(dim);
    expect(out.local).toHaveLength(dim);
    expect(out.local.every((row) => row.length === grid[0] * grid[1])).toBe(true);
  });

  it("score prints global, local and their mean, for either slicing mode", async () => {
    for (const mode of ["REFERENCE", "words"]) {
      const out = (await gloria(
        "score",
        "--model",
        golden.modelDir,
        "--image",
        xray,
        "--text",
        "small left pleural effusion",
        "--mode",
        mode,
        "--json",
      )) as Record<string, number>;
      expect(Object.keys(out).sort()).toEqual(["combined", "global", "local"]);
      expect(out.global).toBeGreaterThanOrEqual(-1);
      expect(out.global).toBeLessThanOrEqual(1);
      expect(Math.abs(out.local)).toBeLessThanOrEqual(5);
      expect(out.combined).toBeCloseTo((out.local + out.global) / 2, 6);
    }
  });

  it("classify prints one object per image with every class's score and the best class", async () => {
    const out = (await gloria("classify", "--model", golden.modelDir, "--image", xray, xray, "--normalization", "NONE", "--json")) as {
      image: string;
      scores: Record<string, number>;
      predicted: string;
    }[];
    expect(out).toHaveLength(2);
    expect(Object.keys(out[0].scores)).toEqual(golden.index.zeroShot.classes);
    const best = Object.entries(out[0].scores).sort((a, b) => b[1] - a[1])[0][0];
    expect(out[0].predicted).toBe(best);
    expect(out[1].scores).toEqual(out[0].scores);
  });

  it("attention writes one PNG per word", async () => {
    const dir = join(work, "maps");
    const out = (await gloria("attention", "--model", golden.modelDir, "--image", xray, "--text", "small left pleural effusion", "--out", dir, "--json")) as {
      words: { word: string; file: string }[];
    };
    expect(out.words.map((w) => w.word)).toEqual(["small", "left", "pleural", "effusion"]);
    expect((await readdir(dir)).filter((f) => f.endsWith(".png"))).toHaveLength(4);
    const meta = await sharp(out.words[1].file).metadata();
    expect([meta.width, meta.height]).toEqual([240, 300]);
  });

  it("rejects bad input with a typed error", async () => {
    await expect(gloria("embed", "--model", golden.modelDir, "--json")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(gloria("score", "--model", golden.modelDir, "--image", xray, "--text", "a b", "--mode", "SOME")).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    await expect(gloria("embed", "--model", golden.modelDir, "--image", join(work, "nope.png"))).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(gloria("embed", "--model", join(work, "no-model"), "--text", "a b")).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
  });
});

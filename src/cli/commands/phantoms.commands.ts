// `gloria phantoms`: writes a deterministic set of synthetic chest-radiograph phantoms with reports
// and a CheXpert-style manifest. Parses flags and prints; the work is generatePhantoms'.
import type { Command } from "commander";
import { AppError } from "../../errors/app-error.ts";
import { generatePhantoms, MAX_PHANTOMS } from "../../phantoms/phantom.generate.ts";
import type { PhantomSplit } from "../../phantoms/phantom.types.ts";

export interface PhantomsCommandDeps {
  stdout: { write(chunk: string): unknown };
}

interface PhantomsFlags {
  out: string;
  count: string;
  seed: string;
  split: string;
  concurrency?: string;
  json?: boolean;
}

function integerFlag(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new AppError("BAD_USER_INPUT", `${flag} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`);
  }
  return n;
}

export function registerPhantomsCommand(program: Command, deps: PhantomsCommandDeps = { stdout: process.stdout }): void {
  program
    .command("phantoms")
    .description("write synthetic chest-radiograph phantoms (images, reports, manifest.csv); not medical data")
    .requiredOption("--out <dir>", "output folder (images/ and manifest.csv are written there)")
    .option("--count <n>", "number of phantoms", "100")
    .option("--seed <n>", "seed; the same arguments give byte-identical files", "0")
    .option("--split <split>", "train or test: separate streams for the same seed", "train")
    .option("--concurrency <n>", "images encoded and written at once")
    .option("--json", "print a JSON summary")
    .action(async (flags: PhantomsFlags) => {
      const split = flags.split;
      if (split !== "train" && split !== "test") {
        throw new AppError("BAD_USER_INPUT", `--split must be train or test; got ${JSON.stringify(split)}`);
      }
      const summary = await generatePhantoms({
        out: flags.out,
        count: integerFlag(flags.count, "--count", 0, MAX_PHANTOMS),
        seed: integerFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER),
        split: split as PhantomSplit,
        concurrency: flags.concurrency === undefined ? undefined : integerFlag(flags.concurrency, "--concurrency", 1, 64),
      });
      if (flags.json) {
        deps.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const classes = Object.entries(summary.classes)
          .map(([name, n]) => `${name} ${n}`)
          .join(", ");
        deps.stdout.write(
          `wrote ${summary.count} ${summary.split} phantoms (seed ${summary.seed}) to ${summary.out}\n` +
            `manifest: ${summary.manifest}\nnormal ${summary.normal}, two findings ${summary.twoFindings}; ${classes}\n`,
        );
      }
    });
}

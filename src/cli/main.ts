// The `gloria` CLI: one commander program; each domain registers its own subcommands. Returns the
// exit code instead of exiting, so tests can run it in-process.
import { Command } from "commander";
import { loadConfig } from "../config/config.ts";
import { createLogger } from "../logging/logger.ts";
import { VERSION } from "../version.ts";
import { reportCliError } from "./cli.errors.ts";
import { registerApiKeyCommands } from "./commands/apikey.commands.ts";
import { registerClassifierCommands } from "./commands/classifier.commands.ts";
import { registerEvalCommand } from "./commands/eval.commands.ts";
import { registerFeatureCommands } from "./commands/features.commands.ts";
import { registerIngestCommands } from "./commands/ingest.commands.ts";
import { registerModelCommands } from "./commands/model.commands.ts";
import { registerPhantomsCommand } from "./commands/phantoms.commands.ts";
import { registerSegmentCommand } from "./commands/segment.commands.ts";
import { registerServerCommands } from "./commands/server.commands.ts";

/** GLORIA_MODEL_DIR for the model commands' default; a bad environment is reported by the commands that need it. */
function configuredModelDir(): string | undefined {
  try {
    return loadConfig().modelDir;
  } catch {
    return undefined;
  }
}

export function buildProgram(): Command {
  const program = new Command()
    .name("gloria")
    .description("gloria-search: search chest X-rays and radiology reports by meaning with GLoRIA")
    .version(VERSION)
    .showHelpAfterError();
  registerServerCommands(program);
  registerApiKeyCommands(program);
  registerPhantomsCommand(program);
  registerIngestCommands(program);
  registerEvalCommand(program);
  registerFeatureCommands(program);
  registerClassifierCommands(program);
  registerModelCommands(program, {
    createLogger: () => createLogger("warn"),
    stdout: process.stdout,
    defaultModelDir: configuredModelDir(),
  });
  registerSegmentCommand(program, {
    createLogger: () => createLogger("warn"),
    stdout: process.stdout,
    defaultModelDir: configuredModelDir(),
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === "string" && code.startsWith("commander.")) return (error as { exitCode: number }).exitCode;
    return reportCliError(error);
  }
}

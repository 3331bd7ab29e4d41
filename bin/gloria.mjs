#!/usr/bin/env node
// The `gloria` command. The sources are TypeScript, run directly through tsx's loader, so a fresh
// `npm ci` needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);

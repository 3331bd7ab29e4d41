#!/usr/bin/env node
// Writes a phantom set through generatePhantoms (src/phantoms, docs/phantoms.md), the code behind
// `gloria phantoms`, without loading the rest of the CLI. Usage: generate.mjs OUT COUNT SEED SPLIT
import { register } from "tsx/esm/api";

register();
const { generatePhantoms } = await import("../../src/phantoms/phantom.generate.ts");
const [out, count, seed, split] = process.argv.slice(2);
const summary = await generatePhantoms({ out, count: Number(count), seed: Number(seed), split, concurrency: 2 });
process.stdout.write(`${JSON.stringify(summary)}\n`);

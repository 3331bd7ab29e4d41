#!/usr/bin/env node
// `npm run bench -- NAME [--json] [options]`: runs bench/NAME.bench.ts and prints its JSON result.
import fs from "node:fs";
import { register } from "tsx/esm/api";

register();
const [name, ...rest] = process.argv.slice(2);
const available = fs
  .readdirSync(new URL("../bench/", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [--json] [options]\nbenchmarks: ${available.join(", ")}\n`);
  process.exit(2);
}
const args = rest.filter((a) => a !== "--json");
const bench = await import(`../bench/${name}.bench.ts`);
const result = await bench.run(args);
if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, rest.includes("--json") ? 0 : 2)}\n`);

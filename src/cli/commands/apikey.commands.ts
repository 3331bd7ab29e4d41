// `gloria apikey create|list|revoke`: manage the API keys portals use. The created key is printed
// once and never stored.
import type { Command } from "commander";
import { loadConfig } from "../../config/config.ts";
import { createLogger } from "../../logging/logger.ts";
import { AuthService } from "../../services/auth.service.ts";
import { openDatabase } from "../../stores/database.ts";
import { PrismaApiKeyStore } from "../../stores/metadata/prisma.api-key-store.ts";

async function withAuthService<T>(run: (auth: AuthService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    logger: createLogger(config.logLevel === "info" ? "warn" : config.logLevel),
  });
  try {
    return await run(new AuthService(new PrismaApiKeyStore(database.prisma), true));
  } finally {
    await database.close();
  }
}

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command("apikey").description("manage API keys (scopes: read, ingest, admin)");

  apikey
    .command("create")
    .description("create a key and print it (shown once)")
    .requiredOption("--scope <scope>", "read | ingest | admin (repeat or comma-separate)", collect, [])
    .option("--name <name>", "who the key is for", "default")
    .option("--json", "print JSON")
    .action(async (flags: { scope: string[]; name: string; json?: boolean }) => {
      const { key, record } = await withAuthService((auth) => auth.createKey(flags.name, flags.scope));
      process.stdout.write(flags.json ? `${JSON.stringify({ key, id: record.id, name: record.name, scopes: record.scopes })}\n` : `${key}\n`);
    });

  apikey
    .command("list")
    .description("list keys (never the keys themselves)")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const keys = await withAuthService((auth) => auth.listKeys());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(keys)}\n`);
        return;
      }
      for (const k of keys) {
        process.stdout.write(`${k.id}  ${k.prefix}…  ${k.scopes.join(",").padEnd(17)}  ${k.revokedAt ? "revoked" : "active "}  ${k.name}\n`);
      }
    });

  apikey
    .command("revoke <id>")
    .description("revoke a key by id")
    .action(async (id: string) => {
      await withAuthService((auth) => auth.revokeKey(id));
      process.stdout.write(`revoked ${id}\n`);
    });
}

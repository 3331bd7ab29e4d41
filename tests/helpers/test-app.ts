// Starts the real app (real HTTP server, real database) on a free loopback port for end-to-end tests.
import { createApp, type App, type AppOverrides } from "../../src/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { createTestDatabase } from "./test-database.ts";

export interface TestApp {
  app: App;
  graphql<T = unknown>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }>;
  stop(): Promise<void>;
}

export async function startTestApp(env: NodeJS.ProcessEnv = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    PORT: "0",
    LOG_LEVEL: "silent",
    GLORIA_DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl,
    // Suites send hundreds of requests from one address; the rate-limit tests set their own.
    RATE_LIMIT_PER_MINUTE: "0",
    ...env,
  });
  const app = await createApp(config, { logger: silentLogger(), ...overrides });
  return {
    app,
    async graphql(query, variables, headers = {}) {
      const res = await fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    async stop() {
      await app.close();
      await database.cleanup();
    },
  };
}

// Builds the process's pino logger. Components receive a logger (or a child of it); none create
// their own, so tests can silence or capture logs through createApp's overrides. Credentials are
// redacted here, once, whatever logs them (pino-http's request and response headers, an error's
// request config, a field named like a key).
import { pino, type Logger } from "pino";

export type { Logger };

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

const SECRET_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"];
const SECRET_FIELDS = ["apiKey", "api_key", "qdrantApiKey", "key", "password", "secret", "token", "accessToken", "refreshToken"];

/** pino redaction paths: secret headers wherever a request or response is logged, and key-ish fields up to two levels deep. */
export const REDACT_PATHS: string[] = [
  ...["req.headers", "res.headers", "headers", "err.config.headers", "err.cause.config.headers", "request.headers"].flatMap((at) =>
    SECRET_HEADERS.map((h) => `${at}["${h}"]`),
  ),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: "gloria-search" }, redact: { paths: REDACT_PATHS, censor: REDACTED } },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

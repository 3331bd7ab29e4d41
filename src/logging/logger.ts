// Builds the process's pino logger. Components receive a logger (or a child of it); none create
// their own, so tests can silence or capture logs through createApp's overrides.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: "gloria-search" } }, destination ?? pino.destination({ dest: 2, sync: false }));
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

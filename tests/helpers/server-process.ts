// `gloria serve` as a child process, for tests that kill it (kill -9) and start it again: waits for
// its "ready" log line, learns its URL from it, and offers GraphQL requests against it.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit signal or code once the process has ended. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  graphql<T = unknown>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  /** kill -9, and waits for the process to be gone. */
  kill9(): Promise<void>;
}

/** Starts `gloria serve` on a free port with `env` (LOG_LEVEL is forced to info for the ready line). */
export async function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["bin/gloria.mjs", "serve"], { env: { ...env, PORT: "0", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
  // The log goes to stderr; the last lines are kept to say why a start failed.
  let tail: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gloria serve did not start within ${timeoutMs} ms: ${tail.join("\n")}`));
    }, timeoutMs);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        tail = [...tail.slice(-20), line];
        if (!line.includes("gloria-search is ready")) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      });
    }
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`gloria serve ended (${String(how)}) before it was ready: ${tail.join("\n")}`));
    });
  });
  return {
    url,
    child,
    exited,
    async graphql(query, variables) {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as never;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

// Answers "is this process alive, and can it serve?" from the lifecycle state and the readiness
// probes each component registers (database, vector store, model). Knows nothing of HTTP or GraphQL.
import type { ProbeResult, ReadinessProbe } from "../stores/readiness.ts";
import type { Lifecycle, LifecycleState } from "./lifecycle.ts";

export interface HealthReport {
  status: LifecycleState;
  ready: boolean;
  version: string;
  uptimeSeconds: number;
  checks: Array<{ name: string; ok: boolean; detail: string | null }>;
}

const PROBE_TIMEOUT_MS = 2_000;

/** URLs (with any credentials or hosts in them) as "<url>". */
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi;
/** Absolute paths of two components or more: only the last component is kept. */
const PATH_PATTERN = /(?<![\w.])(?:\/[^\s/:'"()]+){2,}/g;

/**
 * A probe's detail as /readyz and the health query show it (without authentication): the server's
 * paths and store URLs are cut, so readiness tells what is wrong without describing the machine.
 */
export function publicDetail(detail: string): string {
  return detail.replace(URL_PATTERN, "<url>").replace(PATH_PATTERN, (p) => p.slice(p.lastIndexOf("/") + 1));
}

async function runProbe(probe: ReadinessProbe): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe.check().catch((error: Error) => ({ ok: false, detail: error.message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class HealthService {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly probes: readonly ReadinessProbe[],
    private readonly version: string,
  ) {}

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.probes.map(async (p) => ({ name: p.name, ...(await runProbe(p)) })));
    const state = this.lifecycle.state;
    return {
      status: state,
      ready: state === "ready" && results.every((r) => r.ok),
      version: this.version,
      uptimeSeconds: (Date.now() - this.lifecycle.startedAt) / 1000,
      checks: results.map((r) => ({ name: r.name, ok: r.ok, detail: r.detail === undefined ? null : publicDetail(r.detail) })),
    };
  }
}

// What every component that can stop the process from serving (database, vector store, model) answers
// for /readyz. Types only: the health service runs the probes, the components implement them.

export interface ProbeResult {
  ok: boolean;
  detail?: string;
}

/** One component's readiness check. It must answer within its own timeout and never throw. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<ProbeResult>;
}

// The process's lifecycle state: starting → ready → draining → stopped. /readyz and the health query
// read it; only the composition root moves it forward. Also names this process on the jobs it runs.
import { randomUUID } from "node:crypto";
import os from "node:os";

export type LifecycleState = "starting" | "ready" | "draining" | "stopped";

const ORDER: LifecycleState[] = ["starting", "ready", "draining", "stopped"];

export class Lifecycle {
  private current: LifecycleState = "starting";
  readonly startedAt = Date.now();

  get state(): LifecycleState {
    return this.current;
  }

  /** Moves forward only; a request to go back (e.g. ready after draining) is ignored. */
  advance(next: LifecycleState): void {
    if (ORDER.indexOf(next) > ORDER.indexOf(this.current)) this.current = next;
  }
}

/**
 * Names this process on the ingestion jobs it runs: host/pid/instance. The instance tells apart two
 * apps that had the same pid (a restarted container, a test that starts the app twice).
 */
export function processOwner(): string {
  return `${os.hostname()}/${process.pid}/${randomUUID()}`;
}

/**
 * Whether the process that wrote `owner` is gone, as far as `self` (this process) can tell: on this
 * host, when its pid runs no longer or now runs another instance (this one included). A process on
 * another host cannot be checked from here, so it counts as alive.
 */
export function ownerGone(owner: string, self: string): boolean {
  const [host, pid, instance] = owner.split("/");
  const [selfHost, selfPid, selfInstance] = self.split("/");
  if (host !== selfHost || !pid || !/^\d+$/.test(pid)) return false;
  if (pid === selfPid) return instance !== selfInstance;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    // EPERM: the pid runs, as another user.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

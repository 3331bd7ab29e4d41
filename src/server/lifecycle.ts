// The process's lifecycle state: starting → ready → draining → stopped. /readyz and the health query
// read it; only the composition root moves it forward.
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

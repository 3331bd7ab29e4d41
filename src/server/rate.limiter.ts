// Per-caller request rate: a token bucket per API key (per client address when no key was given or
// authentication is off). In memory, per process; buckets that have refilled are forgotten, so the
// map holds only callers seen within the last refill period.

export interface RateLimitOptions {
  /** Tokens added per minute; 0 turns the limiter off. */
  perMinute: number;
  /** The bucket's size: requests that may come at once; 0 turns the limiter off. */
  burst: number;
  /** The clock, in ms (tests pass a fake one). */
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Past this many buckets, a take sweeps out the full ones. */
const SWEEP_AT = 10_000;

export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    this.#perMs = options.perMinute / 60_000;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#perMs > 0 && this.#burst > 0;
  }

  /** Takes one token from `caller`'s bucket, or says in how many whole seconds one will be there. */
  take(caller: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.#now();
    if (this.#buckets.size >= SWEEP_AT) this.#sweep(now);
    const bucket = this.#buckets.get(caller) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  #sweep(now: number): void {
    for (const [caller, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(caller);
    }
  }
}

/**
 * A bound on sign-in attempts: the public routes (POST /api/session, the demo login) are the only ones reachable
 * without a session, so they are where guessing and floods arrive. A sliding window per client address: at most
 * `limit` attempts in `windowMs`; past that a 429 with the seconds to wait. Behind a TLS reverse proxy every request
 * comes from the proxy's address, so the bound is then one budget for everyone (forwarded headers are not trusted:
 * a client can write them); the default is generous for that reason.
 */
import type { Clock } from '../bot/ports.js';

export interface RateLimiterOptions {
  clock: Pick<Clock, 'now'>;
  /** Attempts allowed per window (default 30). */
  limit?: number;
  /** Window length (default 60 s). */
  windowMs?: number;
  /** Addresses remembered at most; the oldest are forgotten first (default 10,000). */
  maxKeys?: number;
}

export class RateLimiter {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #hits = new Map<string, number[]>();

  constructor(options: RateLimiterOptions) {
    this.#clock = options.clock;
    this.#limit = Math.max(1, options.limit ?? 30);
    this.#windowMs = Math.max(1, options.windowMs ?? 60_000);
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
  }

  /** Counts an attempt from `key`: null when allowed, else the whole seconds until the next one is. */
  take(key: string): number | null {
    const now = this.#clock.now();
    const since = now - this.#windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.#limit) {
      this.#hits.set(key, hits);
      const oldest = hits[0] ?? now;
      return Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000));
    }
    hits.push(now);
    // Re-inserted last, so the Map's first key is the longest idle one.
    this.#hits.delete(key);
    this.#hits.set(key, hits);
    while (this.#hits.size > this.#maxKeys) {
      const first = this.#hits.keys().next().value;
      if (first === undefined) break;
      this.#hits.delete(first);
    }
    return null;
  }
}

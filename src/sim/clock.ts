/**
 * The simulator's notion of "now" (UTC epoch milliseconds). Sessions, idempotency TTLs, terminal start-up and
 * every timestamp read it; timers that pace the price feed and heartbeats stay on real time.
 */
export interface SimClock {
  now(): number;
}

/** Wall-clock time. */
export const realClock: SimClock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests of sessions, TTLs and start-up windows. */
export class ManualClock implements SimClock {
  #now: number;

  constructor(start: number | string | Date) {
    this.#now = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.#now)) throw new Error(`ManualClock: invalid start ${String(start)}`);
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` (negative values are refused: time never runs backwards). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('ManualClock.advance: ms must be >= 0');
    this.#now += ms;
  }

  /** Jumps to an absolute UTC instant. */
  set(at: number | string | Date): void {
    this.#now = typeof at === 'number' ? at : new Date(at).getTime();
  }
}

/** Shorthand for `new ManualClock(start)`. */
export function manualClock(start: number | string | Date): ManualClock {
  return new ManualClock(start);
}

/**
 * A small cache with a time to live and a size bound: values (promises, so concurrent askers share one read) expire
 * `ttlMs` after they were made; a failed promise is dropped at once so the next ask reads again.
 */
import type { Clock } from '../ports.js';

export class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs: number,
    private readonly maxEntries = 64,
  ) {}

  /** The cached value of `key`, or the one `make` produces (cached for `ttlMs`). */
  get(key: string, make: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.value;
    const value = make();
    this.#entries.delete(key);
    this.#entries.set(key, { at: now, value });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  /** Entries held now (expired ones included until replaced). */
  get size(): number {
    return this.#entries.size;
  }
}

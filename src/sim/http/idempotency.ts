import type { SimClock } from '../clock.js';

/** §2.4: keys are remembered this long (on the sim clock). */
export const IDEMPOTENCY_TTL_MS = 15 * 60 * 1000;

interface Entry {
  /** The first request's body text, and its canonical form once a later request needed it. */
  bodyText: string;
  canonical: string | undefined;
  expiresAt: number;
  reply: Record<string, unknown> | undefined;
}

export type IdempotencyCheck =
  | { kind: 'new'; complete: (reply: Record<string, unknown>) => void; abandon: () => void }
  | { kind: 'replay'; reply: Record<string, unknown> }
  | { kind: 'in_flight' }
  | { kind: 'reused' };

/** Stored replies per (API key, route, Idempotency-Key). */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  /** Fault switch: when false, keyed requests get 503 `idempotency_unavailable`. */
  available = true;

  constructor(readonly clock: SimClock) {}

  /**
   * `bodyText` is the request body as sent; `canonical` turns a body text into the form two bodies are compared in
   * (identity when omitted). It only runs when a key comes back: a first request does not pay for it.
   */
  check(scope: string, key: string, bodyText: string, canonical: (text: string) => string = (t) => t): IdempotencyCheck {
    const now = this.clock.now();
    const id = `${scope}\u0000${key}`;
    const e = this.#entries.get(id);
    if (e && e.expiresAt > now) {
      if (e.reply === undefined) return { kind: 'in_flight' };
      if (bodyText !== e.bodyText) {
        e.canonical ??= canonical(e.bodyText);
        if (canonical(bodyText) !== e.canonical) return { kind: 'reused' };
      }
      return { kind: 'replay', reply: e.reply };
    }
    this.#sweep(now);
    const entry: Entry = { bodyText, canonical: undefined, expiresAt: now + IDEMPOTENCY_TTL_MS, reply: undefined };
    this.#entries.set(id, entry);
    return {
      kind: 'new',
      complete: (reply) => {
        entry.reply = reply;
        entry.expiresAt = this.clock.now() + IDEMPOTENCY_TTL_MS;
      },
      abandon: () => {
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
      },
    };
  }

  #sweep(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [k, e] of this.#entries) if (e.expiresAt <= now && e.reply !== undefined) this.#entries.delete(k);
  }
}

/** Validates an Idempotency-Key header value: 1–128 characters. */
export function validIdempotencyKey(key: string): boolean {
  return key.length >= 1 && key.length <= 128;
}

/**
 * Confirmations for risk-increasing actions (design.md §4). Each is bound to the user who asked, the action, its
 * arguments (kept here, never in the button) and an expiry, and can be used once. The handler re-checks the user's
 * role and ownership when the button is tapped; this store only answers "is this token still good for this user".
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './ports.js';

export interface Confirmation {
  token: string;
  userId: number;
  chatId: number;
  action: string;
  args: readonly string[];
  createdAt: number;
  expiresAt: number;
  used: boolean;
}

function copy(c: Confirmation): Confirmation {
  return { ...c, args: [...c.args] };
}

export type TakeResult =
  | { ok: true; confirmation: Confirmation }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' | 'other_user'; confirmation?: Confirmation };

export interface ConfirmStoreOptions {
  clock: Pick<Clock, 'now'>;
  /** How long a confirmation stays valid (ms). */
  ttlMs?: number;
  /** Most confirmations kept; the oldest are forgotten first. */
  max?: number;
  /** Token source (tests inject a deterministic one). */
  newToken?: () => string;
}

export class ConfirmStore {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #newToken: () => string;
  readonly #entries = new Map<string, Confirmation>();

  constructor(options: ConfirmStoreOptions) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? 120_000;
    this.#max = options.max ?? 500;
    this.#newToken = options.newToken ?? (() => randomBytes(9).toString('base64url'));
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  create(input: { userId: number; chatId: number; action: string; args: readonly string[] }): Confirmation {
    this.#prune();
    let token = this.#newToken();
    while (this.#entries.has(token)) token = this.#newToken();
    const now = this.#clock.now();
    const confirmation: Confirmation = { token, ...input, args: [...input.args], createdAt: now, expiresAt: now + this.#ttlMs, used: false };
    this.#entries.set(token, confirmation);
    return copy(confirmation);
  }

  /**
   * Uses a confirmation: it must exist, belong to `userId`, not be expired and not be used. A successful take marks
   * it used before the action runs, so a double tap cannot run it twice.
   */
  take(token: string, userId: number): TakeResult {
    const entry = this.#entries.get(token);
    if (entry === undefined) return { ok: false, reason: 'unknown' };
    if (entry.userId !== userId) return { ok: false, reason: 'other_user', confirmation: copy(entry) };
    if (entry.used) return { ok: false, reason: 'used', confirmation: copy(entry) };
    if (this.#clock.now() > entry.expiresAt) return { ok: false, reason: 'expired', confirmation: copy(entry) };
    entry.used = true;
    return { ok: true, confirmation: copy(entry) };
  }

  /** Cancels (marks used) a confirmation of this user; false when it was not theirs or already gone. */
  cancel(token: string, userId: number): TakeResult {
    const entry = this.#entries.get(token);
    if (entry === undefined) return { ok: false, reason: 'unknown' };
    if (entry.userId !== userId) return { ok: false, reason: 'other_user', confirmation: copy(entry) };
    if (entry.used) return { ok: false, reason: 'used', confirmation: copy(entry) };
    entry.used = true;
    return { ok: true, confirmation: copy(entry) };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Used and expired entries are kept for a while so a late tap gets "already used"/"expired", not "unknown". */
  #prune(): void {
    const now = this.#clock.now();
    for (const [token, entry] of this.#entries) {
      if (now > entry.expiresAt + this.#ttlMs * 4) this.#entries.delete(token);
    }
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}

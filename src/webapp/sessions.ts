/**
 * Mini App sessions: validated initData (or the demo login) is exchanged for an opaque random token the page sends in
 * the `Authorization` header. Server-side, short-lived, bounded in number; a token names a Telegram user id and
 * nothing else (the role is read from the user directory on every request).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../bot/ports.js';

export interface Session {
  token: string;
  userId: number;
  /** The name Telegram gave at sign-in (shown when the user directory has none). */
  name: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStoreOptions {
  clock: Pick<Clock, 'now'>;
  ttlMs: number;
  /** Most sessions kept; the oldest are dropped first (default 1000). */
  max?: number;
}

export class SessionStore {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #sessions = new Map<string, Session>();

  constructor(options: SessionStoreOptions) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs;
    this.#max = options.max ?? 1000;
  }

  create(userId: number, name: string | null = null): Session {
    this.#prune();
    const now = this.#clock.now();
    // 256 bits: not guessable, and never derived from anything the page knows.
    const session: Session = { token: randomBytes(32).toString('base64url'), userId, name, createdAt: now, expiresAt: now + this.#ttlMs };
    this.#sessions.set(session.token, session);
    return { ...session };
  }

  /** The live session with this token, or undefined (unknown or expired; an expired one is forgotten). */
  get(token: string): Session | undefined {
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    if (this.#clock.now() >= session.expiresAt) {
      this.#sessions.delete(token);
      return undefined;
    }
    return { ...session };
  }

  end(token: string): boolean {
    return this.#sessions.delete(token);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #prune(): void {
    const now = this.#clock.now();
    for (const [token, s] of this.#sessions) if (now >= s.expiresAt) this.#sessions.delete(token);
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done === true) break;
      this.#sessions.delete(oldest.value);
    }
  }
}

/**
 * The demo's one-time login links (no bot token: nobody can sign initData). Each token creates one session for the
 * terminal chat's user and is then spent; unused ones expire. Never constructed when a bot token is set.
 */
export class DemoLogin {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ttlMs: number;
  readonly userId: number;
  readonly #tokens = new Map<string, number>();

  constructor(options: { clock: Pick<Clock, 'now'>; userId: number; ttlMs?: number }) {
    this.#clock = options.clock;
    this.userId = options.userId;
    this.#ttlMs = options.ttlMs ?? 30 * 60_000;
  }

  /** A fresh single-use token. */
  issue(): string {
    const now = this.#clock.now();
    for (const [t, expires] of this.#tokens) if (now >= expires) this.#tokens.delete(t);
    if (this.#tokens.size >= 20) this.#tokens.delete(this.#tokens.keys().next().value as string);
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, now + this.#ttlMs);
    return token;
  }

  /** Spends a token: true once for a token issued and not expired, false ever after. */
  redeem(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expires = this.#tokens.get(token);
    if (expires === undefined) return false;
    this.#tokens.delete(token);
    return this.#clock.now() < expires;
  }
}

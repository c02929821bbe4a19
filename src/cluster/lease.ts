/**
 * A fenced lease on one Redis key: the right to be the single writer of something (the control process, a master's
 * feed, a partition's followers). docs/scaling.md has the timing argument; the short of it:
 *
 * - The key holds `holder|token` with a PX expiry; `token` comes from a counter that only grows, so every grant of
 *   the lease has a larger token than the one before (the fencing token).
 * - Renewal and every fenced write are Lua scripts that check the key still holds *our* `holder|token`: a process
 *   whose lease expired cannot renew it, write state under it, or publish alerts under it, even if nobody took it yet.
 * - Orders go to FxSocket, which knows nothing of tokens, so before each batch the holder checks its *local* deadline:
 *   the time the last successful renewal was sent plus the expiry, less a drift margin, must lie beyond the longest
 *   batch. Redis cannot expire the key before that deadline, so no new owner can exist while the batch runs.
 */
import type { Redis } from 'ioredis';

/** Timing of a lease. `ttlMs` must exceed `renewMs` plus the longest guarded operation (see `canWriteFor`). */
export interface LeaseTiming {
  ttlMs: number;
  renewMs: number;
  /** Fraction of `ttlMs` assumed lost to clock rate differences between this process and Redis. Default 0.01. */
  driftFraction?: number;
}

// KEYS[1] lease, KEYS[2] fence counter; ARGV[1] holder, ARGV[2] ttl. Returns the new token, or 0 when held by another.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token`;

// KEYS[1] lease; ARGV[1] holder|token, ARGV[2] ttl. 1 = renewed, 0 = not ours any more.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

// KEYS[1] lease; ARGV[1] holder|token.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/** `holder|token` of whoever holds a lease now, or null. */
export async function leaseHolder(redis: Redis, key: string): Promise<{ holder: string; token: number; ttlMs: number } | null> {
  const [value, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
  if (value === null) return null;
  const bar = value.lastIndexOf('|');
  return { holder: value.slice(0, bar), token: Number(value.slice(bar + 1)), ttlMs: ttl };
}

export class Lease {
  readonly key: string;
  readonly holder: string;
  private readonly redis: Redis;
  private readonly timing: Required<LeaseTiming>;
  private readonly now: () => number;
  private tokenValue: number | null = null;
  /** Local time before which Redis cannot have expired our key (only meaningful while `token` is set). */
  private validUntil = 0;
  private lostListeners: ((reason: string) => void)[] = [];

  constructor(args: { redis: Redis; key: string; holder: string; timing: LeaseTiming; now?: () => number }) {
    this.redis = args.redis;
    this.key = args.key;
    this.holder = args.holder;
    this.timing = { driftFraction: 0.01, ...args.timing };
    if (this.timing.ttlMs <= this.timing.renewMs * 2) throw new Error(`lease ttl ${this.timing.ttlMs} ms must exceed twice the renewal interval ${this.timing.renewMs} ms`);
    this.now = args.now ?? (() => performance.now());
  }

  /** The fencing token of the current grant, or null when not held. */
  get token(): number | null {
    return this.tokenValue;
  }

  /** `holder|token`, the value fenced scripts compare with. */
  get fence(): string {
    if (this.tokenValue === null) throw new Error(`lease ${this.key} not held`);
    return `${this.holder}|${this.tokenValue}`;
  }

  get held(): boolean {
    return this.tokenValue !== null && this.now() < this.validUntil;
  }

  /** Milliseconds of certain ownership left (0 when not held). */
  remainingMs(): number {
    return this.tokenValue === null ? 0 : Math.max(0, this.validUntil - this.now());
  }

  /** True when an operation that may take `durationMs` would end before anyone else could hold the lease. */
  canWriteFor(durationMs: number): boolean {
    return this.tokenValue !== null && this.now() + durationMs < this.validUntil;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  private deadlineFrom(sentAt: number): number {
    return sentAt + this.timing.ttlMs * (1 - this.timing.driftFraction);
  }

  /** Tries once. Resolves the token when granted, null when someone else holds it. Throws when Redis fails. */
  async tryAcquire(): Promise<number | null> {
    if (this.tokenValue !== null) return this.tokenValue;
    const sentAt = this.now();
    const token = Number(await this.redis.eval(ACQUIRE, 2, this.key, `${this.key}:fence`, this.holder, this.timing.ttlMs));
    if (token === 0) return null;
    this.tokenValue = token;
    this.validUntil = this.deadlineFrom(sentAt);
    return token;
  }

  /**
   * Renews; resolves false (and tells the `onLost` listeners) when the lease is not ours any more. A Redis error is
   * not a loss by itself: the lease stays ours until its local deadline, which `held` and `canWriteFor` honour.
   */
  async renew(): Promise<boolean> {
    if (this.tokenValue === null) return false;
    const fence = this.fence;
    const sentAt = this.now();
    let ok: boolean;
    try {
      ok = Number(await this.redis.eval(RENEW, 1, this.key, fence, this.timing.ttlMs)) === 1;
    } catch (error) {
      if (this.now() >= this.validUntil) this.lose(`cannot renew: ${(error as Error).message}`);
      return this.held;
    }
    if (this.tokenValue === null || fence !== this.fence) return false;
    if (!ok) {
      this.lose('taken over or expired');
      return false;
    }
    this.validUntil = this.deadlineFrom(sentAt);
    return true;
  }

  /** Marks the lease lost locally (a fenced write was refused, or the deadline passed). */
  lose(reason: string): void {
    if (this.tokenValue === null) return;
    this.tokenValue = null;
    this.validUntil = 0;
    for (const l of this.lostListeners) l(reason);
  }

  /** Gives the lease up at once so another process need not wait for its expiry. */
  async release(): Promise<void> {
    if (this.tokenValue === null) return;
    const fence = this.fence;
    this.tokenValue = null;
    this.validUntil = 0;
    await this.redis.eval(RELEASE, 1, this.key, fence).catch(() => undefined);
  }
}

/**
 * Lua prelude of every fenced write: KEYS[1] is the lease, ARGV[1] the expected `holder|token`. Scripts return -1
 * when the fence fails, and do nothing.
 */
export const FENCE_CHECK = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n`;

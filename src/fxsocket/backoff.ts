/** Reconnect delays (§5): first attempt immediately, then 0.5 s, 1 s, 2 s … doubling, capped, with jitter. */

/** Tuning of {@link reconnectDelayMs}. */
export interface BackoffOptions {
  /** Delay before the second attempt (default 500 ms). */
  baseMs?: number;
  /** Upper bound of any delay (default 30 000 ms). */
  maxMs?: number;
  /** Relative jitter: a delay d becomes uniform in [d·(1−j), d·(1+j)] (default 0.2), then capped. */
  jitter?: number;
}

/**
 * Delay before reconnect attempt `attempt` (1-based). Jitter spreads many streams that dropped together (every
 * follower of one cluster) so they do not reconnect in lockstep.
 */
export function reconnectDelayMs(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  if (attempt <= 1) return 0;
  const baseMs = options.baseMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const jitter = options.jitter ?? 0.2;
  const exponent = Math.min(attempt - 2, 30);
  const nominal = Math.min(maxMs, baseMs * 2 ** exponent);
  const spread = nominal * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(maxMs, Math.round(nominal + spread)));
}

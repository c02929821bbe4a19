/**
 * The figures of a list of closed trades: realized P&L, win rate, best and worst, and the maximum drawdown of the
 * cumulative realized P&L curve. Money is in minor units, so every total is an exact integer sum.
 */
import { sumMinor, type Minor } from './money.js';

/** One closed trade as the figures see it. */
export interface TradeResult {
  /** When it closed (UTC ms): the order of the curve. */
  tMs: number;
  net: Minor;
  /** Ties on `tMs` are ordered by this (a ticket), so the curve does not depend on input order. */
  order: number;
  symbol: string;
}

/** Figures of a set of trades. */
export interface Figures {
  trades: number;
  /** Trades with net > 0. */
  wins: number;
  /** Trades with net < 0. */
  losses: number;
  /** wins ÷ trades, or null without trades. */
  winRate: number | null;
  net: Minor;
  best: TradeResult | null;
  worst: TradeResult | null;
  /** Largest fall of the cumulative curve (starting at 0) below its running peak; ≥ 0. */
  maxDrawdown: Minor;
}

/** The trades in curve order: close time, then `order`. */
export function inCurveOrder<T extends Pick<TradeResult, 'tMs' | 'order'>>(trades: readonly T[]): T[] {
  return [...trades].sort((a, b) => a.tMs - b.tMs || a.order - b.order);
}

/** The cumulative curve of nets in the given order, starting from 0 (not included). */
export function cumulative(nets: readonly Minor[]): Minor[] {
  const out: Minor[] = [];
  let total = 0;
  for (const n of nets) {
    total += n;
    out.push(total);
  }
  if (!Number.isSafeInteger(total)) throw new RangeError('cumulative amount is too large');
  return out;
}

/** Maximum drawdown of the curve of `nets` (in order) that starts at 0: max over time of (running peak − value). */
export function maxDrawdown(nets: readonly Minor[]): Minor {
  let peak = 0;
  let worst = 0;
  for (const value of cumulative(nets)) {
    if (value > peak) peak = value;
    if (peak - value > worst) worst = peak - value;
  }
  return worst;
}

/** Figures of `trades` (any order). */
export function figuresOf(trades: readonly TradeResult[]): Figures {
  const ordered = inCurveOrder(trades);
  let wins = 0;
  let losses = 0;
  let best: TradeResult | null = null;
  let worst: TradeResult | null = null;
  for (const t of ordered) {
    if (t.net > 0) wins++;
    else if (t.net < 0) losses++;
    if (best === null || t.net > best.net) best = t;
    if (worst === null || t.net < worst.net) worst = t;
  }
  return {
    trades: ordered.length,
    wins,
    losses,
    winRate: ordered.length === 0 ? null : wins / ordered.length,
    net: sumMinor(ordered.map((t) => t.net)),
    best,
    worst,
    maxDrawdown: maxDrawdown(ordered.map((t) => t.net)),
  };
}

/**
 * The nearest-rank percentile `p` (0 < p ≤ 100) of `samples`: the smallest sample with at least p % of the samples at
 * or below it. Null without samples.
 */
export function percentile(samples: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const finite = samples.filter((s) => Number.isFinite(s));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

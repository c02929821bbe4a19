import type { Candle } from '../types.js';

const MINUTES: Record<string, number> = {
  M1: 1, M2: 2, M3: 3, M5: 5, M15: 15, M30: 30, H1: 60, H2: 120, H4: 240, H6: 360, H8: 480, H12: 720, D1: 1440, W1: 10080, MN1: 43200,
};

/** Length of a timeframe in ms (MN1 approximated as 30 days for bucketing). */
export function timeframeMs(tf: string): number | undefined {
  const m = MINUTES[tf];
  return m === undefined ? undefined : m * 60_000;
}

interface Building {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  ticks: number;
  spread: number;
}

/** Aggregates ticks into candles per (account, symbol, timeframe) and reports each candle when its period ends. */
export class BarTracker {
  readonly #bars = new Map<string, Building>();

  /** Feeds a bid; returns the finished candle (broker-time start in ms) when a period rolled over. */
  update(key: string, tf: string, brokerMs: number, bid: number, spread: number): { start: number; candle: Omit<Candle, 'time'> } | undefined {
    const len = timeframeMs(tf);
    if (len === undefined) return undefined;
    const start = Math.floor(brokerMs / len) * len;
    const b = this.#bars.get(key);
    if (!b || b.start !== start) {
      this.#bars.set(key, { start, open: bid, high: bid, low: bid, close: bid, ticks: 1, spread });
      if (!b) return undefined;
      return { start: b.start, candle: { open: b.open, high: b.high, low: b.low, close: b.close, tickVolume: b.ticks, realVolume: 0, spread: b.spread } };
    }
    b.high = Math.max(b.high, bid);
    b.low = Math.min(b.low, bid);
    b.close = bid;
    b.ticks++;
    b.spread = spread;
    return undefined;
  }

  forget(prefix: string): void {
    for (const k of this.#bars.keys()) if (k.startsWith(prefix)) this.#bars.delete(k);
  }
}

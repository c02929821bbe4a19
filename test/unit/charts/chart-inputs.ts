import type { DistributionChartInput, PnlChartInput } from '../../../src/charts/index.js';

const HOUR = 3_600_000;
export const FROM = Date.UTC(2025, 2, 3);
export const TO = Date.UTC(2025, 2, 10);

/** Cumulative values after each close, from per-trade results (in cents, so the sums are exact). */
function cumulative(startMs: number, stepMs: number, cents: readonly number[]): { tMs: number; value: number }[] {
  let total = 0;
  return cents.map((c, i) => {
    total += c;
    return { tMs: startMs + (i + 1) * stepMs, value: total / 100 };
  });
}

/** A week with gains and two drawdowns; the master's line is not a multiple of the follower's. */
export const PNL_WITH_DRAWDOWN: PnlChartInput = {
  title: 'apex-follower · P&L vs master',
  subtitle: 'Demo Markets master · 3–10 Mar 2025 UTC',
  currency: 'USD',
  fromMs: FROM,
  toMs: TO,
  follower: cumulative(FROM + 60_000, 14 * HOUR, [12050, -4025, 8000, -15075, -6000, 20010, 3500, -2000, 9040, -1000]),
  master: cumulative(FROM, 14 * HOUR, [13555, -3128, 9100, -16283, -6300, 22311, 4150, -1900, 10244, -800]),
};

/** Only gains: never below its running peak. */
export const PNL_ONLY_GAINS: PnlChartInput = {
  title: 'raw-follower · P&L vs master',
  subtitle: '5 Mar 2025 06:00–18:00 UTC',
  currency: 'EUR',
  fromMs: Date.UTC(2025, 2, 5, 6),
  toMs: Date.UTC(2025, 2, 5, 18),
  follower: cumulative(Date.UTC(2025, 2, 5, 6), 3 * HOUR, [1250, 1750, 3125]),
  master: cumulative(Date.UTC(2025, 2, 5, 6), 3 * HOUR, [1300, 1800, 3300]),
};

/** 240 latencies with a long tail, from a seeded generator so the picture is the same every run. */
export function latencySamples(count = 240): number[] {
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, () => Math.round(30 + 40 * -Math.log(1 - next() * 0.999)));
}

export const LATENCY: DistributionChartInput = {
  title: 'Copy latency · all followers',
  subtitle: 'Demo Markets master · 3–10 Mar 2025 UTC',
  unit: 'ms',
  samples: latencySamples(),
};

export const SLIPPAGE: DistributionChartInput = {
  title: 'Slippage · apex-follower',
  subtitle: '3–10 Mar 2025 UTC',
  unit: 'points',
  samples: [-1.5, -0.5, -0.5, 0, 0, 0, 0, 0.5, 0.5, 1, 1, 1, 1.5, 2, 2.5, 0, 0, 0.5, -0.2, 3.1],
};

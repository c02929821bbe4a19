/** One point of the follower's drawdown: how far its cumulative P&L is below the highest value reached so far. */
export interface DrawdownPoint {
  tMs: number;
  /** The running peak: the highest cumulative P&L up to and including this point, and never below 0. */
  peak: number;
  /** `value − peak`: 0 at a new high, negative below it. */
  drawdown: number;
}

/** The drawdown series of a cumulative P&L series and its deepest point. */
export interface Drawdown {
  points: DrawdownPoint[];
  /** The most negative drawdown (0 when the series never falls below its running peak). */
  max: number;
}

/**
 * The drawdown of a cumulative P&L series from its running peak. The series starts the period at 0 (cumulative
 * realized P&L over the period), so the peak starts at 0 and a first closed loss is already a drawdown.
 */
export function drawdownOf(series: readonly { tMs: number; value: number }[]): Drawdown {
  let peak = 0;
  let max = 0;
  const points = series.map(({ tMs, value }) => {
    if (value > peak) peak = value;
    const drawdown = exactDifference(value, peak);
    if (drawdown < max) max = drawdown;
    return { tMs, peak, drawdown };
  });
  return { points, max };
}

/**
 * `a − b` without binary drift for decimal amounts (0.1 − 0.3 is −0.2, not −0.19999999999999998): both are scaled to
 * integers by their decimal places, subtracted, and scaled back. Past 9 decimals the plain difference is kept.
 */
export function exactDifference(a: number, b: number): number {
  const places = Math.max(decimalPlaces(a), decimalPlaces(b));
  if (places > 9) return a - b;
  const scale = 10 ** places;
  return (Math.round(a * scale) - Math.round(b * scale)) / scale;
}

function decimalPlaces(value: number): number {
  const text = String(value);
  const exponent = /e([+-]\d+)$/.exec(text);
  const mantissa = exponent === null ? text : text.slice(0, exponent.index);
  const dot = mantissa.indexOf('.');
  const fraction = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, fraction - (exponent === null ? 0 : Number(exponent[1])));
}

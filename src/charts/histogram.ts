/** Equal-width bins over a set of samples. Bin `i` holds the samples in `[edges[i], edges[i + 1])`. */
export interface Histogram {
  /** `counts.length + 1` increasing edges; the width between two is a round number (1, 2, 2.5 or 5 × 10ⁿ). */
  edges: number[];
  counts: number[];
  width: number;
}

const NICE_MANTISSAS = [1, 2, 2.5, 5] as const;

/** The finest bin: a millionth of a millisecond or point is far below anything a broker reports. */
const MIN_WIDTH = 1e-6;

/**
 * Bins `samples` for a histogram. The bin width starts from the Freedman–Diaconis rule (2·IQR·n^−⅓, which ignores
 * a few outliers), falls back to Sturges' rule when half the samples are equal, is rounded up to a round number so
 * the axis reads well, and is widened until at most `maxBins` bins cover the samples (at least `minBins` when the
 * samples differ and the rounding allows; `maxBins` is at least 2). Whole-number samples get whole-number bins.
 */
export function histogramOf(samples: readonly number[], options: { maxBins?: number; minBins?: number } = {}): Histogram {
  // Two bins always suffice: a bin as wide as the range, aligned to a multiple of its width, spills into one more.
  const maxBins = Math.max(2, options.maxBins ?? 30);
  const minBins = Math.min(options.minBins ?? 6, maxBins);
  if (samples.length === 0) return { edges: [], counts: [], width: 0 };
  for (const sample of samples) {
    if (!Number.isFinite(sample)) throw new RangeError(`A histogram sample is not a finite number: ${sample}.`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const range = max - min;
  const integers = sorted.every(Number.isInteger);

  let raw: number;
  if (range === 0) {
    raw = min === 0 ? 1 : Math.abs(min) / 10;
  } else {
    const iqr = nearestRank(sorted, 0.75) - nearestRank(sorted, 0.25);
    raw = iqr > 0 ? (2 * iqr) / Math.cbrt(sorted.length) : range / (Math.ceil(Math.log2(sorted.length)) + 1);
    raw = Math.min(Math.max(raw, range / maxBins), range / minBins);
  }
  raw = Math.max(raw, integers ? 1 : MIN_WIDTH);

  let width = niceAtLeast(raw, integers);
  const finest = Math.max(range / maxBins, integers ? 1 : MIN_WIDTH);
  if (range > 0 && width > range / minBins && range / minBins >= finest) {
    // Rounding up left too few bins: the round number below still keeps within maxBins.
    const finer = niceAtMost(range / minBins, integers);
    if (finer !== null && finer >= finest) width = finer;
  }
  let edges = edgesCovering(min, max, width);
  while (edges.length - 1 > maxBins) {
    width = niceAtLeast(nextUp(width), integers);
    edges = edgesCovering(min, max, width);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const sample of sorted) counts[binIndex(edges, sample)]! += 1;
  return { edges, counts, width };
}

/** The q-quantile (0..1) of ascending `sorted` samples by nearest rank, as the latency window computes it. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('No samples to take a quantile of.');
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The smallest round number (m × 10ⁿ, m in 1, 2, 2.5, 5) that is at least `value`. */
function niceAtLeast(value: number, integers: boolean): number {
  let exponent = Math.floor(Math.log10(value));
  for (;;) {
    for (const mantissa of NICE_MANTISSAS) {
      const candidate = roundTo(mantissa * 10 ** exponent, decimalsOf(mantissa, exponent));
      if (candidate >= value && (!integers || Number.isInteger(candidate))) return candidate;
    }
    exponent++;
  }
}

/** The largest round number at most `value`, or null when none fits (below 1 for whole-number samples). */
function niceAtMost(value: number, integers: boolean): number | null {
  for (let exponent = Math.floor(Math.log10(value)); exponent >= Math.floor(Math.log10(value)) - 1; exponent--) {
    for (const mantissa of [...NICE_MANTISSAS].reverse()) {
      const candidate = roundTo(mantissa * 10 ** exponent, decimalsOf(mantissa, exponent));
      if (candidate <= value && (!integers || Number.isInteger(candidate))) return candidate;
    }
  }
  return null;
}

function nextUp(width: number): number {
  return width * 1.000001;
}

/** The edges from the last multiple of `width` at or below `min` to the first one above `max`. */
function edgesCovering(min: number, max: number, width: number): number[] {
  const decimals = decimalsOfWidth(width);
  const edgeAt = (index: number): number => roundTo(index * width, decimals);
  let first = Math.floor(min / width);
  // Float division can land one multiple off at an exact edge; the rounded edges themselves decide.
  while (edgeAt(first) > min) first--;
  while (edgeAt(first + 1) <= min) first++;
  const edges = [edgeAt(first)];
  for (let index = first + 1; edges[edges.length - 1]! <= max; index++) edges.push(edgeAt(index));
  return edges;
}

/** The bin of `sample` by binary search over the edges, so bin membership matches the edges exactly. */
function binIndex(edges: readonly number[], sample: number): number {
  let low = 0;
  let high = edges.length - 2;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (edges[mid]! <= sample) low = mid;
    else high = mid - 1;
  }
  return low;
}

function decimalsOf(mantissa: number, exponent: number): number {
  return Math.max(0, -exponent + (mantissa === 2.5 ? 1 : 0));
}

function decimalsOfWidth(width: number): number {
  let decimals = 0;
  while (decimals < 12 && roundTo(width, decimals) !== width) decimals++;
  return decimals;
}

function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/** Small, dependency-free statistics for the benchmark: nearest-rank quantiles over plain sample arrays. */

/** p50/p99/max (and count, mean) of a sample set, in the samples' unit, rounded to 3 decimals. */
export interface Summary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** The q-quantile by nearest rank of already sorted samples. */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  const q = (p: number) => {
    const v = quantileSorted(sorted, p);
    return v === null ? null : round3(v);
  };
  return { count: sorted.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: round3(sorted[sorted.length - 1] as number), mean: round3(sum / sorted.length) };
}

/** A seeded PRNG (mulberry32) for anything random the benchmark decides (gaps between events, sides). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

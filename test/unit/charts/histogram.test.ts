import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramOf, nearestRank } from '../../../src/charts/histogram.js';

const ROUND_MANTISSAS = [1, 2, 2.5, 5];

/** True when `width` is m × 10ⁿ with m in 1, 2, 2.5, 5. */
function isRound(width: number): boolean {
  const exponent = Math.floor(Math.log10(width));
  return ROUND_MANTISSAS.some((m) => Math.abs(width / 10 ** exponent - m) < 1e-9);
}

describe('histogramOf', () => {
  it('bins a known set: whole-number samples into round whole-number bins', () => {
    // Freedman–Diaconis asks for about 42; six bins at least over 0..100 bring it down to the round 10.
    expect(histogramOf([1, 2, 3, 40, 41, 42, 100])).toEqual({
      edges: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110],
      counts: [3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1],
      width: 10,
    });
    expect(histogramOf([1, 2, 3, 40, 41, 42, 100], { minBins: 1 })).toEqual({
      edges: [0, 50, 100, 150],
      counts: [6, 0, 1],
      width: 50,
    });
  });

  it('bins fractional and negative samples with exact edges (no 0.30000000000000004)', () => {
    const histogram = histogramOf([-0.3, -0.1, 0, 0.1, 0.2, 0.3, 0.3, 0.4, 0.6, 0.7]);
    expect(histogram.width).toBe(0.1);
    expect(histogram.edges).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    // Every sample sits on an edge and counts in the bin it starts (0.1 + 0.2 is not 0.3 in binary; the edges are).
    expect(histogram.counts).toEqual([1, 0, 1, 1, 1, 1, 2, 1, 0, 1, 1]);
  });

  it('puts equal samples in one bin that holds them', () => {
    expect(histogramOf([42, 42, 42])).toEqual({ edges: [40, 45], counts: [3], width: 5 });
    expect(histogramOf([0])).toEqual({ edges: [0, 1], counts: [1], width: 1 });
    expect(histogramOf([-0.5, -0.5])).toEqual({ edges: [-0.5, -0.45], counts: [2], width: 0.05 });
  });

  it('gives no bins for no samples and refuses a sample that is not finite', () => {
    expect(histogramOf([])).toEqual({ edges: [], counts: [], width: 0 });
    expect(() => histogramOf([1, Number.NaN])).toThrow(/not a finite number/);
  });

  it('keeps a few outliers from squeezing the bulk into one bin', () => {
    const bulk = Array.from({ length: 200 }, (_, i) => 40 + (i % 40));
    const histogram = histogramOf([...bulk, 5_000]);
    const bulkBins = histogram.counts.filter((_, i) => histogram.edges[i]! < 80);
    expect(histogram.counts.length).toBeLessThanOrEqual(30);
    expect(bulkBins.length).toBeGreaterThanOrEqual(1);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(201);
  });

  it('for any samples: every sample in exactly its bin, round equal widths, at most maxBins', () => {
    const samples = fc.oneof(
      fc.array(fc.integer({ min: -5_000, max: 5_000 }), { minLength: 1, maxLength: 300 }),
      fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 300 }),
    );
    fc.assert(fc.property(samples, fc.integer({ min: 2, max: 40 }), (values, maxBins) => {
      const { edges, counts, width } = histogramOf(values, { maxBins });
      expect(counts.length).toBe(edges.length - 1);
      expect(counts.length).toBeLessThanOrEqual(maxBins);
      expect(isRound(width)).toBe(true);
      edges.slice(1).forEach((edge, i) => expect(edge - edges[i]!).toBeCloseTo(width, 9));
      if (values.every(Number.isInteger)) expect(edges.every(Number.isInteger)).toBe(true);
      const recount = new Array<number>(counts.length).fill(0);
      for (const value of values) {
        const bin = edges.findIndex((edge, i) => i < counts.length && edge <= value && value < edges[i + 1]!);
        expect(bin, `sample ${value} has a bin`).toBeGreaterThanOrEqual(0);
        recount[bin]! += 1;
      }
      expect(recount).toEqual(counts);
    }), { numRuns: 300 });
  });

  it('needs two bins at most for samples straddling a bin edge, however few it is allowed', () => {
    expect(histogramOf([-5e-324, 0], { maxBins: 1 }).counts).toEqual([1, 1]);
    expect(histogramOf([-1, 1], { maxBins: 1 }).counts).toHaveLength(2);
  });

  it('uses at least minBins for spread-out samples', () => {
    const { counts } = histogramOf(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(counts.length).toBeGreaterThanOrEqual(6);
  });
});

describe('nearestRank', () => {
  it('takes the sample at rank ⌈q·n⌉, as the latency window does', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(nearestRank(sorted, 0.5)).toBe(50);
    expect(nearestRank(sorted, 0.95)).toBe(100);
    expect(nearestRank(sorted, 0)).toBe(10);
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(() => nearestRank([], 0.5)).toThrow(/No samples/);
  });
});

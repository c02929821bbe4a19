import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  histogramOf, NO_SAMPLES, renderDistributionChart, TELEGRAM_PHOTO_LIMITS, type DistributionChartInput,
} from '../../../src/charts/index.js';
import { CHART_COLORS } from '../../../src/charts/style.js';
import { RejectedError } from '../../../src/domain/errors.js';
import { LATENCY, SLIPPAGE } from './chart-inputs.js';
import { compareWithGolden, GOLDEN_TOLERANCE } from './golden.js';
import { pixelsNear } from './png-inspect.js';
import { horizontalAxisMap, pathVertices, svgPaths, svgTexts, verticalAxisMap } from './svg-inspect.js';

/** Nearest-rank quantile, written out here so the chart is checked against an independent computation. */
function quantileOf(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** The histogram bars in the SVG, in data order, as [left, right, top, bottom] pixel boxes. */
function bars(svg: string): [number, number, number, number][] {
  return svgPaths(svg)
    .filter((p) => p.attrs.fill === CHART_COLORS.bars && p.attrs.ecmeta_ssr_type === 'chart')
    .sort((a, b) => Number(a.attrs.ecmeta_data_index) - Number(b.attrs.ecmeta_data_index))
    .map((p) => {
      const xs = pathVertices(p.d).map(([x]) => x);
      const ys = pathVertices(p.d).map(([, y]) => y);
      return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    });
}

/** The x of the one vertical line stroked in `color`. */
function markerX(svg: string, color: string): number {
  const lines = svgPaths(svg).filter((p) => p.attrs.stroke === color && p.attrs.fill === 'none');
  expect(lines).toHaveLength(1);
  const [[x0], [x1]] = pathVertices(lines[0]!.d) as [[number, number], [number, number]];
  expect(Math.abs(x0 - x1)).toBeLessThan(0.5);
  return x0;
}

describe.each([
  ['latency', LATENCY],
  ['slippage (negative and fractional)', SLIPPAGE],
])('renderDistributionChart: %s', (_name, input: DistributionChartInput) => {
  it('draws one bar per bin, as wide as the bin and as tall as its count', async () => {
    const { svg } = await renderDistributionChart(input);
    const histogram = histogramOf(input.samples);
    const x = horizontalAxisMap(svg);
    const y = verticalAxisMap(svg);
    const drawn = bars(svg);
    expect(drawn).toHaveLength(histogram.counts.length);
    drawn.forEach(([left, right, top, bottom], i) => {
      expect(Math.abs(left - x(histogram.edges[i]!)), `bar ${i} left`).toBeLessThan(2);
      expect(Math.abs(right - x(histogram.edges[i + 1]!)), `bar ${i} right`).toBeLessThan(2);
      expect(Math.abs(top - y(histogram.counts[i]!)), `bar ${i} top`).toBeLessThan(1);
      expect(Math.abs(bottom - y(0)), `bar ${i} bottom`).toBeLessThan(1);
    });
    // Every sample is in a bar: the heights add up to the number of samples.
    const total = drawn.reduce((sum, [, , top, bottom]) => sum + (bottom - top), 0);
    expect(total / (y(0) - y(1))).toBeCloseTo(input.samples.length, 0);
  });

  it('marks p50 and p95 where they are, with their values', async () => {
    const { svg } = await renderDistributionChart(input);
    const x = horizontalAxisMap(svg);
    const p50 = quantileOf(input.samples, 0.5);
    const p95 = quantileOf(input.samples, 0.95);
    expect(Math.abs(markerX(svg, CHART_COLORS.p50) - x(p50))).toBeLessThan(1);
    expect(Math.abs(markerX(svg, CHART_COLORS.p95) - x(p95))).toBeLessThan(1);
    const fmt = (v: number): string => `${String(v).replace('-', '−')} ${input.unit}`;
    expect(svgTexts(svg)).toEqual(expect.arrayContaining([`p50 ${fmt(p50)}`, `p95 ${fmt(p95)}`, input.title, input.subtitle, input.unit]));
  });

  it('gives a PNG Telegram takes as a photo, with the bars drawn', async () => {
    const { png } = await renderDistributionChart(input);
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([1280, 800]);
    expect(png.length).toBeLessThanOrEqual(TELEGRAM_PHOTO_LIMITS.maxBytes);
    expect(pixelsNear(png, CHART_COLORS.bars)).toBeGreaterThan(20_000);
  });
});

describe('renderDistributionChart', () => {
  it('matches its golden image, and the golden image tells other samples apart', async () => {
    const { png } = await renderDistributionChart(LATENCY);
    expect(compareWithGolden(png, 'distribution.png')).toBeLessThanOrEqual(GOLDEN_TOLERANCE);
    if (process.env.UPDATE_GOLDEN === '1') return;
    const shifted = await renderDistributionChart({ ...LATENCY, samples: LATENCY.samples.map((s) => s + 25) });
    expect(compareWithGolden(shifted.png, 'distribution.png')).toBeGreaterThan(GOLDEN_TOLERANCE);
  });

  it('draws a picture that says there were no copies when there are no samples', async () => {
    const { svg, png } = await renderDistributionChart({ ...LATENCY, samples: [] });
    expect(svgTexts(svg)).toEqual(expect.arrayContaining([NO_SAMPLES, LATENCY.title]));
    expect(bars(svg)).toHaveLength(0);
    expect(PNG.sync.read(png).height).toBe(800);
  });

  it('draws a single bar for samples that are all equal', async () => {
    const { svg } = await renderDistributionChart({ ...LATENCY, samples: [42, 42, 42] });
    expect(bars(svg)).toHaveLength(1);
    expect(svgTexts(svg)).toContain('p95 42 ms');
  });

  it('refuses a sample that is not a finite number, naming it', async () => {
    const attempt = renderDistributionChart({ ...LATENCY, samples: [1, 2, Number.POSITIVE_INFINITY] });
    await expect(attempt).rejects.toBeInstanceOf(RejectedError);
    await expect(attempt).rejects.toThrow(/Sample 2 of the distribution is not a finite number/);
  });
});

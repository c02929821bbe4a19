import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { NO_CLOSED_COPIES, PNL_LEGEND, renderPnlChart, TELEGRAM_PHOTO_LIMITS, type PnlChartInput } from '../../../src/charts/index.js';
import { CHART_COLORS } from '../../../src/charts/style.js';
import { RejectedError } from '../../../src/domain/errors.js';
import { FROM, PNL_ONLY_GAINS, PNL_WITH_DRAWDOWN, TO } from './chart-inputs.js';
import { compareWithGolden, GOLDEN_TOLERANCE } from './golden.js';
import { pixelsNear } from './png-inspect.js';
import {
  areasByColor, dedupe, lineByColor, linearMap, pathVertices, svgTexts, textAt, verticalAxisMap, type Vertex,
} from './svg-inspect.js';

type Step = readonly [tMs: number, value: number];

/** The corners of a step line through the points, from 0 at the period start to the last value at its end. */
function stepCorners(points: readonly Step[], fromMs: number, toMs: number): Step[] {
  const series: Step[] = [[fromMs, 0], ...points, [toMs, points.length === 0 ? 0 : points[points.length - 1]![1]]];
  const corners: Step[] = [series[0]!];
  for (let i = 1; i < series.length; i++) corners.push([series[i]![0], series[i - 1]![1]], series[i]!);
  return corners;
}

const asSteps = (series: PnlChartInput['follower']): Step[] => series.map((p) => [p.tMs, p.value]);

/** The running peak of a cumulative series that starts the period at 0. */
function runningPeak(points: readonly Step[]): Step[] {
  let peak = 0;
  return points.map(([t, v]) => [t, (peak = Math.max(peak, v))]);
}

/** Pixels of data corners, through the axes read from the SVG's own tick labels. */
function toPixels(corners: readonly Step[], x: (t: number) => number, y: (v: number) => number): Vertex[] {
  return dedupe(corners.map(([t, v]) => [x(t), y(v)]));
}

function expectSameVertices(actual: readonly Vertex[], expected: readonly Vertex[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach(([x, y], i) => {
    expect(Math.abs(x - expected[i]![0]), `vertex ${i} x`).toBeLessThan(1);
    expect(Math.abs(y - expected[i]![1]), `vertex ${i} y`).toBeLessThan(1);
  });
}

/** The x axis of the week fixture: its first and last tick labels are the period's ends. */
function weekAxis(svg: string): (t: number) => number {
  return linearMap(FROM, textAt(svg, '3 Mar').x, TO, textAt(svg, '10 Mar').x);
}

describe('renderPnlChart', () => {
  it('draws the follower and the master exactly as given, on one P&L axis and a UTC time axis', async () => {
    const { svg } = await renderPnlChart(PNL_WITH_DRAWDOWN);
    const x = weekAxis(svg);
    const y = verticalAxisMap(svg);
    const follower = dedupe(pathVertices(lineByColor(svg, CHART_COLORS.follower).d));
    const master = dedupe(pathVertices(lineByColor(svg, CHART_COLORS.master).d));
    expectSameVertices(follower, toPixels(stepCorners(asSteps(PNL_WITH_DRAWDOWN.follower), FROM, TO), x, y));
    expectSameVertices(master, toPixels(stepCorners(asSteps(PNL_WITH_DRAWDOWN.master), FROM, TO), x, y));
    // The extremes land where the data has them: the follower's low is its point 4, its high its point 8.
    const ys = follower.map(([, py]) => py);
    expect(Math.max(...ys)).toBeCloseTo(y(PNL_WITH_DRAWDOWN.follower[4]!.value), 0);
    expect(Math.min(...ys)).toBeCloseTo(y(PNL_WITH_DRAWDOWN.follower[8]!.value), 0);
  });

  it('shades the drawdown between the running peak and the follower line', async () => {
    const { svg } = await renderPnlChart(PNL_WITH_DRAWDOWN);
    const x = weekAxis(svg);
    const y = verticalAxisMap(svg);
    const areas = areasByColor(svg, CHART_COLORS.drawdown);
    expect(areas).toHaveLength(1);
    const followerCorners = stepCorners(asSteps(PNL_WITH_DRAWDOWN.follower), FROM, TO);
    const peak = runningPeak(followerCorners);
    const outline = dedupe([...toPixels(peak, x, y), ...toPixels(followerCorners, x, y).reverse()]);
    expectSameVertices(dedupe(pathVertices(areas[0]!.d)), outline);
    expect(svgTexts(svg)).toContain(PNL_LEGEND.drawdown);
  });

  it('draws no drawdown area and no drawdown legend when the follower never falls below its peak', async () => {
    const { svg } = await renderPnlChart(PNL_ONLY_GAINS);
    expect(areasByColor(svg, CHART_COLORS.drawdown)).toHaveLength(0);
    expect(svgTexts(svg)).not.toContain(PNL_LEGEND.drawdown);
    expect(svgTexts(svg).join('\n')).toContain('max drawdown none');
    const x = linearMap(PNL_ONLY_GAINS.fromMs, textAt(svg, '06:00').x, PNL_ONLY_GAINS.toMs, textAt(svg, '18:00').x);
    const follower = dedupe(pathVertices(lineByColor(svg, CHART_COLORS.follower).d));
    const corners = stepCorners(asSteps(PNL_ONLY_GAINS.follower), PNL_ONLY_GAINS.fromMs, PNL_ONLY_GAINS.toMs);
    expectSameVertices(follower, toPixels(corners, x, verticalAxisMap(svg)));
  });

  it('names the account, the period, the series, the units and UTC, with the totals and the deepest drawdown', async () => {
    const texts = svgTexts((await renderPnlChart(PNL_WITH_DRAWDOWN)).svg);
    expect(texts).toEqual(expect.arrayContaining([
      PNL_WITH_DRAWDOWN.title, PNL_WITH_DRAWDOWN.subtitle, PNL_LEGEND.follower, PNL_LEGEND.master,
      'time (UTC)', 'P&L (USD)',
    ]));
    // Follower: 120.50, 80.25, 160.25, 9.50, −50.50, … 245.00; deepest: 160.25 → −50.50.
    expect(texts.join('\n')).toContain('Follower +245.00 USD  ·  Master (scaled) +309.49 USD  ·  max drawdown −210.75 USD');
  });

  it('gives a PNG Telegram takes as a photo, in which both lines are drawn', async () => {
    const { png } = await renderPnlChart(PNL_WITH_DRAWDOWN);
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([1280, 800]);
    expect(png.length).toBeLessThanOrEqual(TELEGRAM_PHOTO_LIMITS.maxBytes);
    expect(image.width + image.height).toBeLessThanOrEqual(TELEGRAM_PHOTO_LIMITS.maxWidthPlusHeight);
    expect(Math.max(image.width, image.height) / Math.min(image.width, image.height)).toBeLessThanOrEqual(TELEGRAM_PHOTO_LIMITS.maxRatio);
    // A 5 px line across about 1,000 px of plot, and a 4 px dashed one.
    expect(pixelsNear(png, CHART_COLORS.follower)).toBeGreaterThan(4000);
    expect(pixelsNear(png, CHART_COLORS.master)).toBeGreaterThan(2000);
  });

  it('matches its golden image, and the golden image tells swapped or missing series apart', async () => {
    const { png } = await renderPnlChart(PNL_WITH_DRAWDOWN);
    expect(compareWithGolden(png, 'pnl.png')).toBeLessThanOrEqual(GOLDEN_TOLERANCE);
    if (process.env.UPDATE_GOLDEN === '1') return;
    const swapped = await renderPnlChart({ ...PNL_WITH_DRAWDOWN, follower: PNL_WITH_DRAWDOWN.master, master: PNL_WITH_DRAWDOWN.follower });
    expect(compareWithGolden(swapped.png, 'pnl.png')).toBeGreaterThan(GOLDEN_TOLERANCE);
    const noMaster = await renderPnlChart({ ...PNL_WITH_DRAWDOWN, master: [] });
    expect(compareWithGolden(noMaster.png, 'pnl.png')).toBeGreaterThan(GOLDEN_TOLERANCE);
  });

  it('draws a picture that says there were no closed copies when the follower has none', async () => {
    const { svg, png } = await renderPnlChart({ ...PNL_WITH_DRAWDOWN, follower: [], master: [] });
    expect(svgTexts(svg)).toEqual(expect.arrayContaining([NO_CLOSED_COPIES, PNL_WITH_DRAWDOWN.title, PNL_WITH_DRAWDOWN.subtitle]));
    expect(() => lineByColor(svg, CHART_COLORS.follower)).toThrow();
    expect(PNG.sync.read(png).width).toBe(1280);
  });

  it('writes titles with markup characters as text, so the SVG still parses', async () => {
    const title = 'O\'Brien & <Sons> "live"';
    const { svg, png } = await renderPnlChart({ ...PNL_ONLY_GAINS, title });
    expect(svgTexts(svg)).toContain(title);
    expect(PNG.sync.read(png).width).toBe(1280);
  });

  it('refuses input it cannot plot, naming what is wrong', async () => {
    const [a, b] = PNL_WITH_DRAWDOWN.follower;
    const cases: [Partial<PnlChartInput>, RegExp][] = [
      [{ follower: [b!, a!] }, /follower series is not in time order \(point 1/],
      [{ master: [{ tMs: FROM + 1, value: Number.NaN }] }, /Point 0 of the master series is not a finite/],
      [{ follower: [{ tMs: TO + 1, value: 1 }] }, /after the end of the period/],
      [{ follower: [{ tMs: FROM - 1, value: 1 }] }, /before the start of the period/],
      [{ fromMs: TO, toMs: FROM }, /period must end after it starts/],
    ];
    for (const [change, message] of cases) {
      const attempt = renderPnlChart({ ...PNL_WITH_DRAWDOWN, ...change });
      await expect(attempt).rejects.toBeInstanceOf(RejectedError);
      await expect(attempt).rejects.toThrow(message);
    }
  });
});

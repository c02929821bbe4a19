import { chartNumber } from './chart-format.js';
import { renderOptionToSvg } from './echarts-svg.js';
import { emptyChartOption } from './empty-chart.js';
import { histogramOf, nearestRank } from './histogram.js';
import { rasterizeSvg } from './rasterize.js';
import { axisLabelStyle, axisStyle, baseOption, CHART_COLORS, CHART_SIZE, CHART_TEXT, gridOption } from './style.js';
import type { ChartImage, DistributionChartInput } from './types.js';
import { checkDistributionInput } from './validate.js';

/** What the empty distribution chart says: no copy in the period gave a sample. */
export const NO_SAMPLES = 'No copies in this period';

/** The distribution's headline figures, shown above the plot and as the p50/p95 lines. */
export interface DistributionSummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

/** Count, median, 95th percentile (nearest rank, as the status view computes them) and maximum. */
export function summarize(samples: readonly number[]): DistributionSummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95), max: sorted[sorted.length - 1]! };
}

/** The option for a histogram of the samples with the p50 and p95 marked as vertical lines. */
export function distributionChartOption(input: DistributionChartInput): Record<string, unknown> {
  checkDistributionInput(input);
  if (input.samples.length === 0) return emptyChartOption(input.title, input.subtitle, NO_SAMPLES);
  const { unit } = input;
  const histogram = histogramOf(input.samples);
  const stats = summarize(input.samples);
  const withUnit = (value: number): string => `${chartNumber(value)} ${unit}`;
  const summary = [
    `${chartNumber(stats.count, 0)} ${stats.count === 1 ? 'copy' : 'copies'}`,
    `p50 ${withUnit(stats.p50)}`,
    `p95 ${withUnit(stats.p95)}`,
    `max ${withUnit(stats.max)}`,
  ].join('  ·  ');
  const bars = histogram.counts.map((count, i) => [histogram.edges[i]!, histogram.edges[i + 1]!, count]);
  const low = histogram.edges[0]!;
  const high = histogram.edges[histogram.edges.length - 1]!;
  // A label centred on a line near either end of the axis would run off the picture; it leans inwards instead.
  const alignFor = (value: number): string => {
    const at = (value - low) / (high - low);
    return at < 0.15 ? 'left' : at > 0.85 ? 'right' : 'center';
  };
  const marker = (name: string, value: number, color: string, distance: number) => ({
    name,
    xAxis: value,
    lineStyle: { color, width: 4, type: [12, 6] },
    label: {
      formatter: `${name} ${withUnit(value)}`,
      position: 'end',
      distance,
      align: alignFor(value),
      color,
      fontFamily: CHART_TEXT.family,
      fontSize: CHART_TEXT.label,
      fontWeight: 'bold',
      backgroundColor: 'rgba(255,255,255,0.85)',
      padding: [2, 6],
    },
  });
  return {
    ...baseOption(input.title, `${input.subtitle}\n${summary}`),
    grid: gridOption(),
    xAxis: {
      ...axisStyle(),
      type: 'value',
      min: low,
      max: high,
      name: unit,
      nameLocation: 'middle',
      nameGap: 44,
      // Ticks on bin edges: every bin edge, or every few when the bins are many.
      interval: histogram.width * Math.ceil(histogram.counts.length / 8),
      splitLine: { show: false },
      axisLabel: { ...axisLabelStyle(), margin: 16, formatter: (value: number) => chartNumber(value) },
    },
    yAxis: {
      ...axisStyle(),
      type: 'value',
      minInterval: 1,
      name: 'copies',
      nameLocation: 'middle',
      nameGap: 0,
      nameRotate: 90,
      axisLabel: { ...axisLabelStyle(), formatter: (value: number) => chartNumber(value, 0) },
    },
    series: [
      {
        name: 'histogram',
        type: 'custom',
        silent: true,
        data: bars,
        encode: { x: [0, 1], y: 2 },
        renderItem: (_params: unknown, api: HistogramRenderApi) => {
          const [x0, y0] = api.coord([api.value(0), 0]);
          const [x1, y1] = api.coord([api.value(1), api.value(2)]);
          // A one-pixel gap on each side keeps neighbouring bars apart.
          return {
            type: 'rect',
            shape: { x: x0 + 1, y: y1, width: Math.max(1, x1 - x0 - 2), height: y0 - y1 },
            style: { fill: CHART_COLORS.bars },
          };
        },
        markLine: {
          silent: true,
          symbol: ['none', 'none'],
          data: [
            // Two rows above the plot, so the labels never overlap however close p50 and p95 are.
            marker('p50', stats.p50, CHART_COLORS.p50, 12),
            marker('p95', stats.p95, CHART_COLORS.p95, 44),
          ],
        },
      },
    ],
  };
}

/** The part of ECharts' custom-series API the histogram bars use. */
interface HistogramRenderApi {
  value(dimension: number): number;
  coord(point: [number, number]): [number, number];
}

/**
 * Renders the histogram, 1280×800, as the SVG and the PNG rasterized from it (checked against Telegram's photo
 * limits). No samples give a picture that says {@link NO_SAMPLES}; a sample that is not a finite number is refused
 * with a `RejectedError` (`bad_chart_input`).
 */
export async function renderDistributionChart(input: DistributionChartInput): Promise<ChartImage> {
  const svg = renderOptionToSvg(distributionChartOption(input), CHART_SIZE.width, CHART_SIZE.height);
  return { svg, png: await rasterizeSvg(svg) };
}

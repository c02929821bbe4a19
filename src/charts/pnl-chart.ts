import { chartMoney, chartNumber, utcTickLabel } from './chart-format.js';
import { drawdownOf } from './drawdown.js';
import { renderOptionToSvg } from './echarts-svg.js';
import { emptyChartOption } from './empty-chart.js';
import { rasterizeSvg } from './rasterize.js';
import { axisLabelStyle, axisStyle, baseOption, CHART_COLORS, CHART_LAYOUT, CHART_SIZE, CHART_TEXT, gridOption } from './style.js';
import type { ChartImage, PnlChartInput } from './types.js';
import { checkPnlInput } from './validate.js';

/** What the empty P&L chart says: the period had no closed copies to plot. */
export const NO_CLOSED_COPIES = 'No closed copies in this period';

export const PNL_LEGEND = { follower: 'Follower', master: 'Master (scaled)', drawdown: 'Follower drawdown' } as const;

type Point = readonly [tMs: number, value: number];

/**
 * Realized P&L only changes when a copy closes, so each series is drawn as steps over the whole period: from 0 at
 * the start, holding each value until the next close, and holding the last one to the end.
 */
export function stepPoints(series: readonly { tMs: number; value: number }[], fromMs: number, toMs: number): Point[] {
  const points: Point[] = [[fromMs, 0], ...series.map((p): Point => [p.tMs, p.value])];
  points.push([toMs, points[points.length - 1]![1]]);
  return points;
}

/**
 * The option for the follower's cumulative realized P&L against the master's on the same trades, with the
 * follower's drawdown from its running peak shaded between the peak and the line.
 */
export function pnlChartOption(input: PnlChartInput): Record<string, unknown> {
  checkPnlInput(input);
  if (input.follower.length === 0) return emptyChartOption(input.title, input.subtitle, NO_CLOSED_COPIES);
  const { fromMs, toMs, currency } = input;
  const follower = stepPoints(input.follower, fromMs, toMs);
  const master = stepPoints(input.master, fromMs, toMs);
  const drawdown = drawdownOf(follower.map(([tMs, value]) => ({ tMs, value })));
  const hasDrawdown = drawdown.max < 0;
  const last = (points: readonly Point[]): number => points[points.length - 1]![1];
  const summary = [
    `${PNL_LEGEND.follower} ${chartMoney(last(follower))} ${currency}`,
    `${PNL_LEGEND.master} ${chartMoney(last(master))} ${currency}`,
    `max drawdown ${hasDrawdown ? `${chartMoney(drawdown.max)} ${currency}` : 'none'}`,
  ].join('  ·  ');
  const line = (name: string, color: string, points: readonly Point[], width: number, dashed: boolean) => ({
    name,
    type: 'line',
    step: 'end',
    symbol: 'none',
    z: 3,
    data: points,
    itemStyle: { color },
    lineStyle: { color, width, type: dashed ? [14, 8] : 'solid' },
  });
  const drawdownSeries = hasDrawdown
    ? [
        // The area is a stack: an invisible line at the follower's value, then peak − value on top of it.
        {
          name: 'drawdown base', type: 'line', step: 'end', symbol: 'none', stack: 'drawdown', stackStrategy: 'all',
          silent: true, z: 1, data: follower, lineStyle: { width: 0, opacity: 0 }, itemStyle: { color: 'transparent' },
        },
        {
          name: PNL_LEGEND.drawdown, type: 'line', step: 'end', symbol: 'none', stack: 'drawdown', stackStrategy: 'all',
          silent: true, z: 2, data: drawdown.points.map((p): Point => [p.tMs, -p.drawdown]),
          lineStyle: { width: 0, opacity: 0 }, itemStyle: { color: CHART_COLORS.drawdown },
          areaStyle: { color: CHART_COLORS.drawdown, opacity: 0.22 },
        },
      ]
    : [];
  const base = baseOption(input.title, `${input.subtitle}\n${summary}`);
  return {
    ...base,
    useUTC: true,
    legend: {
      top: CHART_LAYOUT.legendTop,
      right: CHART_LAYOUT.right,
      itemWidth: 40,
      itemHeight: 16,
      itemGap: 32,
      textStyle: { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.label, color: CHART_TEXT.color },
      data: [
        { name: PNL_LEGEND.follower, icon: 'path://M0 0H40V6H0Z' },
        { name: PNL_LEGEND.master, icon: 'path://M0 0H15V5H0ZM25 0H40V5H25Z' },
        ...(hasDrawdown ? [{ name: PNL_LEGEND.drawdown, icon: 'rect', itemStyle: { opacity: 0.35 } }] : []),
      ],
    },
    grid: gridOption(),
    xAxis: {
      ...axisStyle(),
      type: 'time',
      min: fromMs,
      max: toMs,
      name: 'time (UTC)',
      nameLocation: 'middle',
      nameGap: 44,
      splitLine: { show: false },
      axisLabel: { ...axisLabelStyle(), margin: 16, formatter: utcTickLabel },
    },
    yAxis: {
      ...axisStyle(),
      type: 'value',
      name: `P&L (${currency})`,
      nameLocation: 'middle',
      nameGap: 0,
      nameRotate: 90,
      axisLabel: { ...axisLabelStyle(), formatter: (value: number) => chartNumber(value) },
    },
    series: [
      ...drawdownSeries,
      line(PNL_LEGEND.master, CHART_COLORS.master, master, 4, true),
      line(PNL_LEGEND.follower, CHART_COLORS.follower, follower, 5, false),
    ],
  };
}

/**
 * Renders the P&L chart, 1280×800, as the SVG and the PNG rasterized from it (checked against Telegram's photo
 * limits). Both series are cumulative realized P&L over the period, one point after each close, in time order; they
 * are drawn as steps from 0 at `fromMs` to `toMs`. A follower with no points gets a picture that says
 * {@link NO_CLOSED_COPIES}, so the caller can always send what it gets. Input it cannot plot (a point outside the
 * period, out of order or not finite) is refused with a `RejectedError` (`bad_chart_input`) naming it.
 */
export async function renderPnlChart(input: PnlChartInput): Promise<ChartImage> {
  const svg = renderOptionToSvg(pnlChartOption(input), CHART_SIZE.width, CHART_SIZE.height);
  return { svg, png: await rasterizeSvg(svg) };
}

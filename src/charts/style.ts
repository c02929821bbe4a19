import { CHART_FONT_FAMILY } from './font.js';

/**
 * The look shared by every chart: 1280×800 (Telegram shows photos up to 1280 px on the long side, so nothing is
 * scaled away) with type large enough to read on a phone without zooming.
 */
export const CHART_SIZE = { width: 1280, height: 800 } as const;

export const CHART_TEXT = {
  family: CHART_FONT_FAMILY,
  title: 34,
  subtitle: 24,
  label: 22,
  color: '#1f2328',
  muted: '#57606a',
} as const;

/** Series colours; tests find each series in the SVG by its colour, so each is used by one series only. */
export const CHART_COLORS = {
  follower: '#0969da',
  master: '#bc4c00',
  drawdown: '#cf222e',
  bars: '#2f81f7',
  p50: '#1a7f37',
  p95: '#cf222e',
  grid: '#d0d7de',
  axis: '#57606a',
} as const;

/** The margins around the plot, in pixels. */
export const CHART_LAYOUT = { left: 40, right: 56, top: 200, bottom: 36, titleLeft: 40, titleTop: 24, legendTop: 148 } as const;

/** Common option parts: the font, the white background, the title block. */
export function baseOption(title: string, subtitle: string): Record<string, unknown> {
  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.label, color: CHART_TEXT.color },
    title: {
      text: title,
      subtext: subtitle,
      left: CHART_LAYOUT.titleLeft,
      top: CHART_LAYOUT.titleTop,
      itemGap: 12,
      textStyle: { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.title, fontWeight: 'bold', color: CHART_TEXT.color },
      subtextStyle: { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.subtitle, color: CHART_TEXT.muted, lineHeight: 34 },
    },
  };
}

/** An axis in the chart's type sizes. */
/**
 * The plot area inside the chart's margins; the margins bound the axis labels and names too, so the plot shrinks to
 * fit them.
 */
export function gridOption(): Record<string, unknown> {
  return {
    left: CHART_LAYOUT.left,
    right: CHART_LAYOUT.right,
    top: CHART_LAYOUT.top,
    bottom: CHART_LAYOUT.bottom,
    outerBoundsMode: 'same',
    outerBoundsContain: 'all',
  };
}

export function axisStyle(): Record<string, unknown> {
  return {
    nameTextStyle: { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.label, color: CHART_TEXT.muted },
    axisLabel: axisLabelStyle(),
    // Axes stay at the plot's edges, never on the other axis's zero (a negative P&L or slippage).
    axisLine: { onZero: false, lineStyle: { color: CHART_COLORS.axis, width: 2 } },
    axisTick: { lineStyle: { color: CHART_COLORS.axis, width: 2 } },
    splitLine: { lineStyle: { color: CHART_COLORS.grid, width: 1 } },
  };
}

/** Axis tick labels in the chart's type size. */
export function axisLabelStyle(): Record<string, unknown> {
  return { fontFamily: CHART_TEXT.family, fontSize: CHART_TEXT.label, color: CHART_TEXT.color, hideOverlap: true };
}

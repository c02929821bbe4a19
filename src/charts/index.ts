/**
 * Server-side charts for the chat, as PNG photos: ECharts' SVG renderer lays the chart out without a DOM, resvg
 * rasterizes it with the shipped DejaVu Sans font. An adapter: nothing in `domain/` or `engine/` imports it.
 */
export type { ChartImage, DistributionChartInput, PnlChartInput } from './types.js';
export { NO_CLOSED_COPIES, PNL_LEGEND, renderPnlChart } from './pnl-chart.js';
export { NO_SAMPLES, renderDistributionChart, summarize, type DistributionSummary } from './distribution-chart.js';
export { histogramOf, nearestRank, type Histogram } from './histogram.js';
export { drawdownOf, type Drawdown, type DrawdownPoint } from './drawdown.js';
export { assertTelegramPhoto, pngSize, TELEGRAM_PHOTO_LIMITS } from './telegram-photo.js';
export { CHART_SIZE } from './style.js';
export { emptyText, REPORT_CHART_KINDS, ReportCharts, type ChartData, type ChartReports, type ReportChart, type ReportChartKind, type ReportChartsOptions } from './report-charts.js';

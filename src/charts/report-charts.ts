/**
 * The report charts as the chat and the Mini App ask for them: a follower, a kind (the P&L against the master, the
 * latency or the slippage distribution) and a period in, a PNG out. Reads its inputs from the control API's reports,
 * renders at most a couple at a time (rasterizing is CPU work on the thread pool the copy path's I/O shares) and keeps
 * each picture for a short while, so a page reloading or a user repeating a command does not render again.
 */
import type { AccountId } from '../domain/config.js';
import { periodKey, type ReportPeriod } from '../domain/performance/period.js';
import type { Clock } from '../engine/ports.js';
import type { ReportsApi } from '../engine/reports/api.js';
import { Limiter } from '../engine/reports/limiter.js';
import { TtlCache } from '../engine/reports/ttl-cache.js';
import { NO_SAMPLES, renderDistributionChart } from './distribution-chart.js';
import { renderOptionToSvg } from './echarts-svg.js';
import { emptyChartOption } from './empty-chart.js';
import { NO_CLOSED_COPIES, renderPnlChart } from './pnl-chart.js';
import { rasterizeSvg } from './rasterize.js';
import { CHART_SIZE } from './style.js';
import type { ChartImage, DistributionChartInput, PnlChartInput } from './types.js';

/** Which chart: cumulative P&L against the master's (scaled), or the latency or slippage distribution. */
export type ReportChartKind = 'pnl' | 'latency' | 'slippage';
export const REPORT_CHART_KINDS: readonly ReportChartKind[] = ['pnl', 'latency', 'slippage'];

/** The report methods the charts are drawn from. */
export type ChartReports = Pick<ReportsApi, 'pnlSeries' | 'qualitySamples'>;

/** A chart's input, read and not yet rendered; `empty` when the period has nothing to plot. */
export type ChartData =
  | { kind: 'pnl'; empty: boolean; title: string; subtitle: string; input: PnlChartInput }
  | { kind: 'latency' | 'slippage'; empty: boolean; title: string; subtitle: string; input: DistributionChartInput };

/** A rendered chart with what it shows. */
export interface ReportChart {
  kind: ReportChartKind;
  title: string;
  subtitle: string;
  /** True when the picture only says there was nothing to plot. */
  empty: boolean;
  png: Buffer;
}

export interface ReportChartsOptions {
  reports: ChartReports;
  clock: Pick<Clock, 'now'>;
  /** How long a rendered picture is reused (default 30 s; the reports' own history cache is about as long). */
  ttlMs?: number;
  /** Renders at a time (default 2). */
  concurrency?: number;
}

/** What the empty picture of each kind says. */
export function emptyText(kind: ReportChartKind): string {
  return kind === 'pnl' ? NO_CLOSED_COPIES : NO_SAMPLES;
}

/** The picture for a period with nothing to plot: the chart's title block and one sentence. */
async function renderEmpty(title: string, subtitle: string, message: string): Promise<ChartImage> {
  const svg = renderOptionToSvg(emptyChartOption(title, subtitle, message), CHART_SIZE.width, CHART_SIZE.height);
  return { svg, png: await rasterizeSvg(svg) };
}

export class ReportCharts {
  readonly #reports: ChartReports;
  readonly #cache: TtlCache<ReportChart>;
  readonly #limiter: Limiter;

  constructor(options: ReportChartsOptions) {
    this.#reports = options.reports;
    this.#cache = new TtlCache(options.clock, options.ttlMs ?? 30_000, 32);
    this.#limiter = new Limiter(options.concurrency ?? 2);
  }

  /**
   * Reads what the chart is drawn from. Throws the reports' `RejectedError`s (`not_a_follower`, `invalid_period`,
   * `period_in_future`) before anything is rendered.
   */
  async data(followerId: AccountId, kind: ReportChartKind, period: ReportPeriod): Promise<ChartData> {
    if (kind === 'pnl') {
      const input = await this.#reports.pnlSeries(followerId, period);
      // The series always starts with the period's origin at 0; any further point is a closed copy.
      return { kind, empty: input.follower.length <= 1, title: input.title, subtitle: input.subtitle, input };
    }
    const samples = await this.#reports.qualitySamples(followerId, period);
    const input = kind === 'latency' ? samples.latency : samples.slippage;
    return { kind, empty: input.samples.length === 0, title: input.title, subtitle: input.subtitle, input };
  }

  /** Renders read data (an empty period gives the picture that says so). */
  async render(data: ChartData): Promise<ReportChart> {
    const image = await this.#limiter.run(() => {
      if (data.empty) return renderEmpty(data.title, data.subtitle, emptyText(data.kind));
      return data.kind === 'pnl' ? renderPnlChart(data.input) : renderDistributionChart(data.input);
    });
    return { kind: data.kind, title: data.title, subtitle: data.subtitle, empty: data.empty, png: image.png };
  }

  /** Reads and renders, or reuses the picture of the same follower, kind and period made moments ago. */
  chart(followerId: AccountId, kind: ReportChartKind, period: ReportPeriod): Promise<ReportChart> {
    return this.#cache.get(`${followerId}|${kind}|${periodKey(period)}`, async () => this.render(await this.data(followerId, kind, period)));
  }
}

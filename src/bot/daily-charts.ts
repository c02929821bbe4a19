/**
 * The daily summary's charts: for each user who turned `dailychart` on, the P&L chart of the summary's day for each
 * follower in their summary (owners: their own), queued after the summary. The notifier hands the recipients over
 * synchronously; reading history and rendering happen here, later, each follower's picture once however many users
 * get it. A follower with no closed copies that day gets no picture (the summary already says so); a follower whose
 * history cannot be read is logged and skipped, and the others still go out.
 */
import type { ReportCharts, ReportChart } from '../charts/report-charts.js';
import type { ReportPeriod } from '../domain/performance/period.js';
import type { CopierEvent } from '../engine/events.js';
import { b, escapeHtml } from './format/html.js';
import type { DailyChartRecipient } from './notifier.js';
import type { Outbox } from './outbox.js';
import type { BotLogger } from './ports.js';

/** Most charts one user gets after a summary; the rest are a line naming the command that draws them. */
export const MAX_DAILY_CHARTS = 10;

type DailySummaryEvent = Extract<CopierEvent, { type: 'daily_summary' }>;

export interface DailyChartsOptions {
  charts: Pick<ReportCharts, 'data' | 'render'>;
  outbox: Pick<Outbox, 'enqueue'>;
  log: BotLogger;
  maxPerUser?: number;
}

export class DailyCharts {
  readonly #charts: DailyChartsOptions['charts'];
  readonly #outbox: Pick<Outbox, 'enqueue'>;
  readonly #log: BotLogger;
  readonly #max: number;
  readonly #running = new Set<Promise<void>>();

  constructor(options: DailyChartsOptions) {
    this.#charts = options.charts;
    this.#outbox = options.outbox;
    this.#log = options.log;
    this.#max = Math.max(1, options.maxPerUser ?? MAX_DAILY_CHARTS);
  }

  /** The notifier's hook: starts the work and returns at once. */
  readonly send = (event: DailySummaryEvent, recipients: readonly DailyChartRecipient[]): void => {
    const run = this.#run(event, recipients).catch((err: unknown) => this.#log.error({ err: String(err), day: event.day }, 'daily charts failed'));
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  };

  /** Resolves when every chart started so far is queued in the outbox (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  async #run(event: DailySummaryEvent, recipients: readonly DailyChartRecipient[]): Promise<void> {
    // The broker's server day of the summary's date: the day the summary reports, as the reports count days.
    const period: ReportPeriod = { kind: 'date', date: event.day };
    const wanted = new Set(recipients.flatMap((r) => r.followerIds.slice(0, this.#max)));
    const pictures = new Map<string, Promise<ReportChart | null>>();
    for (const id of wanted) pictures.set(id, this.#picture(id, period));
    for (const r of recipients) {
      for (const id of r.followerIds.slice(0, this.#max)) {
        const chart = await pictures.get(id);
        if (chart === null || chart === undefined) continue;
        this.#outbox.enqueue({
          chatId: r.userId,
          text: `📈 ${b(`Daily chart ${event.day}`)} · ${escapeHtml(chart.title)}\n<i>${escapeHtml(chart.subtitle)}</i>`,
          photo: { bytes: chart.png, filename: `daily-${event.day}-${id.slice(0, 12).replace(/[^A-Za-z0-9_-]/g, '_')}.png` },
          silent: r.silent,
          routine: false,
          kind: 'dailychart',
        });
      }
      if (r.followerIds.length > this.#max) {
        this.#outbox.enqueue({
          chatId: r.userId,
          text: `📈 Daily charts for ${this.#max} of your ${r.followerIds.length} followers. /chart &lt;follower&gt; ${event.day} draws any other.`,
          silent: true,
          routine: false,
          kind: 'dailychart',
        });
      }
    }
  }

  async #picture(followerId: string, period: ReportPeriod): Promise<ReportChart | null> {
    try {
      const data = await this.#charts.data(followerId, 'pnl', period);
      if (data.empty) return null;
      return await this.#charts.render(data);
    } catch (err) {
      this.#log.warn({ followerId, err: err instanceof Error ? err.message : String(err) }, 'daily chart skipped: history not available');
      return null;
    }
  }
}

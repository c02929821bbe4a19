/**
 * The report half of the control API: arguments checked (they may come from the Mini App as any JSON), the input read
 * through {@link ReportSource}, the view built by the pure core (domain/performance).
 */
import { z } from 'zod';
import type { AccountId } from '../../domain/config.js';
import { RejectedError } from '../../domain/errors.js';
import {
  buckets,
  MAX_PERIOD_DAYS,
  periodBounds,
  periodKey,
  periodTableView,
  pnlSeries,
  profitView,
  qualitySeries,
  qualityView,
  symbolTableView,
  type BucketUnit,
  type DistributionSeries,
  type PeriodTableView,
  type PnlSeries,
  type ProfitView,
  type QualityView,
  type ReportInput,
  type ReportPeriod,
  type SymbolTableView,
} from '../../domain/performance/index.js';
import type { Clock } from '../ports.js';
import type { ReportSource } from './report-source.js';

/** Most rows of a period table, per unit. */
export const MAX_TABLE_ROWS: Readonly<Record<BucketUnit, number>> = Object.freeze({ day: 60, week: 26, month: 24 });

const periodSchema: z.ZodType<ReportPeriod> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('today') }),
  z.object({ kind: z.literal('yesterday') }),
  z.object({ kind: z.literal('all') }),
  // The range of `days` is checked by periodBounds, whose message names it.
  z.object({ kind: z.literal('days'), days: z.number() }),
  z.object({ kind: z.literal('date'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  z.object({ kind: z.literal('month'), month: z.string().regex(/^\d{4}-\d{2}$/) }),
]);

function checkPeriod(period: unknown): ReportPeriod {
  const parsed = periodSchema.safeParse(period);
  if (!parsed.success) {
    throw new RejectedError('invalid_period', `A period is today, yesterday, 1–${MAX_PERIOD_DAYS} days, all, a date (YYYY-MM-DD) or a month (YYYY-MM).`);
  }
  return parsed.data;
}

/** Reports of followers' copies over periods. */
export class Reports {
  constructor(
    private readonly source: ReportSource,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  #input(followerId: AccountId, period: unknown): Promise<ReportInput> {
    const p = checkPeriod(period);
    const now = this.clock.now();
    return this.source.input(followerId, periodKey(p), (offset) => periodBounds(p, now, offset));
  }

  async profit(followerId: AccountId, period: ReportPeriod): Promise<ProfitView> {
    return profitView(await this.#input(followerId, period));
  }

  async periodTable(followerId: AccountId, unit: BucketUnit, count: number): Promise<PeriodTableView> {
    if (unit !== 'day' && unit !== 'week' && unit !== 'month') throw new RejectedError('invalid_unit', 'A table is by day, week or month.');
    const max = MAX_TABLE_ROWS[unit];
    if (!Number.isInteger(count) || count < 1 || count > max) throw new RejectedError('invalid_count', `The number of ${unit}s is a whole number from 1 to ${max}.`);
    const now = this.clock.now();
    const label = `last ${count} ${unit}${count === 1 ? '' : 's'}`;
    const input = await this.source.input(followerId, `${unit}:${count}`, (offset) => ({
      fromMs: (buckets(unit, count, now, offset)[0] as { fromMs: number }).fromMs,
      toMs: now,
      label,
      utcOffsetSeconds: offset,
    }));
    // From the input's own bounds: a cached input was read for the buckets of its time, not of this call's.
    const list = buckets(unit, count, input.bounds.toMs, input.bounds.utcOffsetSeconds);
    return periodTableView(input, unit, list);
  }

  async symbols(followerId: AccountId, period: ReportPeriod): Promise<SymbolTableView> {
    return symbolTableView(await this.#input(followerId, period));
  }

  async quality(followerId: AccountId, period: ReportPeriod): Promise<QualityView> {
    return qualityView(await this.#input(followerId, period));
  }

  async pnlSeries(followerId: AccountId, period: ReportPeriod): Promise<PnlSeries> {
    return pnlSeries(await this.#input(followerId, period));
  }

  async qualitySamples(followerId: AccountId, period: ReportPeriod): Promise<{ latency: DistributionSeries; slippage: DistributionSeries }> {
    return qualitySeries(await this.#input(followerId, period));
  }
}

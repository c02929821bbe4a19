/**
 * The reports of the control API (issue 12): "is copying this master making me money, and how far behind the master
 * am I?". Plain data in and out, for the bot and the Mini App alike. Every method reads history from the brokers
 * (cached for a short while), never from the copy path, and throws `RejectedError` for a bad argument (`not_a_follower`,
 * `invalid_period`, `period_in_future`, `invalid_count`, `invalid_unit`) before reading anything.
 */
import type { AccountId } from '../../domain/config.js';
import type {
  BucketUnit,
  DistributionSeries,
  PeriodTableView,
  PnlSeries,
  ProfitView,
  QualityView,
  ReportPeriod,
  SymbolTableView,
} from '../../domain/performance/index.js';

export type {
  AccountRefView,
  BucketUnit,
  FiguresView,
  Minor,
  NotCopiedFigures,
  PeriodTableView,
  PeriodView,
  ProfitView,
  QualityView,
  ReportPeriod,
  RoundingFigures,
  SlippageFigures,
  SymbolTableView,
  TableRowView,
  TradeRefView,
} from '../../domain/performance/index.js';

/** Input of the P&L chart (src/charts): cumulative realized P&L of the copies and of the master at the follower's size. */
export type PnlChartInput = PnlSeries;

/** Input of a distribution chart (src/charts): latency samples in ms, or slippage samples in points. */
export type DistributionChartInput = DistributionSeries;

/** The report methods of the control API. */
export interface ReportsApi {
  /** `/profit`: realized P&L of the follower's copies closed in the period, and the master's on the same trades. */
  profitReport(followerId: AccountId, period: ReportPeriod): Promise<ProfitView>;
  /** `/daily`, `/weekly`, `/monthly`: the last `count` server days (≤ 60), weeks (≤ 26) or months (≤ 24). */
  periodReport(followerId: AccountId, unit: BucketUnit, count: number): Promise<PeriodTableView>;
  /** `/performance`: trades and P&L per master symbol. */
  symbolReport(followerId: AccountId, period: ReportPeriod): Promise<SymbolTableView>;
  /** `/quality`: tracking error against the master, split into slippage, fees and the rest; rounding, skips, latency. */
  qualityReport(followerId: AccountId, period: ReportPeriod): Promise<QualityView>;
  /** The P&L chart's input for the period. */
  pnlSeries(followerId: AccountId, period: ReportPeriod): Promise<PnlChartInput>;
  /** The distribution charts' inputs: latency (ms, master fill → follower fill) and open slippage (points). */
  qualitySamples(followerId: AccountId, period: ReportPeriod): Promise<{ latency: DistributionChartInput; slippage: DistributionChartInput }>;
}

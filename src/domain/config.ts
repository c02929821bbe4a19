/**
 * Copier configuration as the domain plans with it. The store persists exactly these shapes (validated with zod in
 * `store/schema.ts`); the control API edits them.
 */

/** FxSocket account id (UUID). */
export type AccountId = string;

/** How a follower's lot is derived from the master's (design.md §3, Planning). */
export type Sizing =
  /** follower lot = master lot × multiplier */
  | { mode: 'multiplier'; multiplier: number }
  /** always the same lot */
  | { mode: 'fixed'; lots: number }
  /** follower lot = master lot × (follower balance ÷ master balance) × multiplier */
  | { mode: 'balance_ratio'; multiplier: number }
  /** follower lot = master lot × (follower equity ÷ master equity) × multiplier */
  | { mode: 'equity_ratio'; multiplier: number }
  /** lot such that hitting the master's SL loses `percent` % of follower equity; skipped when the master sets no SL */
  | { mode: 'risk_percent'; percent: number };

export type SizingMode = Sizing['mode'];

/** What to copy at all. */
export interface Filters {
  /** Master symbols (master's spelling or base name) to copy; empty = all. */
  symbolsAllow: string[];
  /** Master symbols never copied; wins over allow. */
  symbolsDeny: string[];
  /** Which master sides to copy. */
  sides: 'both' | 'buy' | 'sell';
  /** Open the opposite side (SL and TP swap roles). */
  reverse: boolean;
  /** Copy SL/TP levels (and their changes). */
  copySlTp: boolean;
  /** Copy pending orders; when off, only their fills are copied as market orders. */
  copyPending: boolean;
}

/**
 * What the daily risk budget does with a new copy that carries no stop loss (its loss cannot be bounded), and how an
 * open copy without one counts (see `daily-risk.ts`):
 * - `skip`: the copy is skipped (`daily_risk_no_stop_loss`); an open copy without a SL makes the budget unprovable, so
 *   every new copy is skipped (`daily_risk_unbounded`) until it has one or is closed;
 * - `fallback`: the copy is sent at most `lots` lots (`daily_risk_fallback`), outside the budget's proof; open copies
 *   without a SL are left out of the budget (their count is reported) rather than blocking every new copy.
 */
export type NoStopLossRule = { mode: 'skip' } | { mode: 'fallback'; lots: number };

/** Risk rules applied after sizing. `null` = no limit. */
export interface RiskLimits {
  /** Largest lot per copied trade; larger is clamped down (reason `max_lot`). */
  maxLot: number | null;
  /** Most open copied positions on this follower; more are skipped. */
  maxOpenPositions: number | null;
  /** Margin pre-check against cached free margin: skip, reduce to fit, or off. */
  marginCheck: 'skip' | 'reduce' | 'off';
  /** Share of free margin a new copy may use, 0 < x ≤ 1 (a safety buffer). */
  marginUsageMax: number;
  /** Skip a market copy when the follower's price is more than this many points worse than the master's fill. */
  maxPriceDeviationPoints: number | null;
  /**
   * Daily loss (account currency, positive number) after which the follower is paused. While set, it is also a daily
   * risk budget: a new copy is capped so that today's realized loss plus every open copy's and its own loss at their
   * stop losses stays within it (`daily-risk.ts`).
   */
  dailyLossLimit: number | null;
  /** Under the daily risk budget: a new copy without a stop loss is skipped, or sent at a fallback lot. */
  noStopLoss: NoStopLossRule;
  /** Only closes and reductions are copied; no new exposure. */
  closeOnly: boolean;
  /** A computed lot below the symbol minimum: skip (default) or round up to the minimum. */
  belowMin: 'skip' | 'round_up';
}

/** A master account the copier watches. */
export interface MasterConfig {
  accountId: AccountId;
  paused: boolean;
}

/** A follower account and how it copies. A follower may follow several masters with the same settings. */
export interface FollowerConfig {
  accountId: AccountId;
  /** Masters this follower copies. */
  masters: AccountId[];
  sizing: Sizing;
  /** Explicit master symbol → follower symbol map; wins over automatic resolution. */
  symbolMap: Record<string, string>;
  filters: Filters;
  risk: RiskLimits;
  paused: boolean;
  /** Why it is paused: 'user' or a rule code such as 'daily_loss_limit'. */
  pausedReason: string | null;
  /** Telegram user id of the owner (role `owner` may manage only their own followers). */
  ownerUserId: number | null;
}

export const DEFAULT_FILTERS: Filters = {
  symbolsAllow: [],
  symbolsDeny: [],
  sides: 'both',
  reverse: false,
  copySlTp: true,
  copyPending: true,
};

export const DEFAULT_RISK: RiskLimits = {
  maxLot: null,
  maxOpenPositions: null,
  marginCheck: 'skip',
  marginUsageMax: 0.9,
  maxPriceDeviationPoints: null,
  dailyLossLimit: null,
  noStopLoss: { mode: 'skip' },
  closeOnly: false,
  belowMin: 'skip',
};

/** A follower with default settings: multiplier 1, everything copied, margin pre-check on. */
export function defaultFollower(accountId: AccountId, masters: AccountId[]): FollowerConfig {
  return {
    accountId,
    masters,
    sizing: { mode: 'multiplier', multiplier: 1 },
    symbolMap: {},
    filters: { ...DEFAULT_FILTERS, symbolsAllow: [], symbolsDeny: [] },
    risk: { ...DEFAULT_RISK, noStopLoss: { ...DEFAULT_RISK.noStopLoss } },
    paused: false,
    pausedReason: null,
    ownerUserId: null,
  };
}

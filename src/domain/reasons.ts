/**
 * Reason codes: every skip, resize and notable decision the planner takes carries one, with the numbers behind it,
 * so `/why <ticket>` can answer from plain data (design.md §3, Planning).
 */

/** Why a follower leg was skipped, resized or annotated. */
export type ReasonCode =
  // Follower or master state
  | 'paused'
  | 'master_paused'
  | 'close_only'
  | 'daily_loss_limit'
  | 'detached'
  | 'no_link'
  | 'pending_copy_exists'
  | 'already_copied'
  // Filters
  | 'symbol_denied'
  | 'symbol_not_allowed'
  | 'side_filtered'
  | 'pending_not_copied'
  | 'sl_tp_not_copied'
  | 'unsupported_order_type'
  | 'reversed'
  // Symbol and its specification
  | 'symbol_not_found'
  | 'spec_unknown'
  | 'trade_disabled'
  | 'trade_close_only'
  | 'trade_long_only'
  | 'trade_short_only'
  | 'trade_mode_restricted'
  | 'market_closed'
  // Sizing
  | 'no_stop_loss'
  | 'account_unknown'
  | 'invalid_sizing'
  | 'zero_volume'
  // Volume normalisation
  | 'volume_rounded'
  | 'volume_max'
  | 'below_min_volume'
  | 'rounded_up_to_min'
  // Risk
  | 'max_lot'
  | 'max_open_positions'
  | 'margin_reduced'
  | 'insufficient_margin'
  | 'margin_unknown'
  | 'price_deviation'
  | 'price_unknown'
  // Daily risk budget (daily-risk.ts)
  | 'daily_risk_capped'
  | 'daily_risk_exhausted'
  | 'daily_risk_unbounded'
  | 'daily_risk_no_stop_loss'
  | 'daily_risk_fallback'
  | 'daily_risk_unknown'
  // Closes and modifications
  | 'partial_close'
  | 'close_remainder_below_min'
  | 'close_below_step'
  | 'close_already_reflected'
  | 'shared_position'
  | 'no_change';

/** A reason code with the numbers (or names) behind it. */
export interface Reason {
  code: ReasonCode;
  detail: Record<string, number | string>;
}

/** Keyed by every code, so the compiler rejects a missing or unknown one. */
const ALL: Record<ReasonCode, true> = {
  paused: true,
  master_paused: true,
  close_only: true,
  daily_loss_limit: true,
  detached: true,
  no_link: true,
  pending_copy_exists: true,
  already_copied: true,
  symbol_denied: true,
  symbol_not_allowed: true,
  side_filtered: true,
  pending_not_copied: true,
  sl_tp_not_copied: true,
  unsupported_order_type: true,
  reversed: true,
  symbol_not_found: true,
  spec_unknown: true,
  trade_disabled: true,
  trade_close_only: true,
  trade_long_only: true,
  trade_short_only: true,
  trade_mode_restricted: true,
  market_closed: true,
  no_stop_loss: true,
  account_unknown: true,
  invalid_sizing: true,
  zero_volume: true,
  volume_rounded: true,
  volume_max: true,
  below_min_volume: true,
  rounded_up_to_min: true,
  max_lot: true,
  max_open_positions: true,
  margin_reduced: true,
  insufficient_margin: true,
  margin_unknown: true,
  price_deviation: true,
  price_unknown: true,
  daily_risk_capped: true,
  daily_risk_exhausted: true,
  daily_risk_unbounded: true,
  daily_risk_no_stop_loss: true,
  daily_risk_fallback: true,
  daily_risk_unknown: true,
  partial_close: true,
  close_remainder_below_min: true,
  close_below_step: true,
  close_already_reflected: true,
  shared_position: true,
  no_change: true,
};

/** Every reason code, for exhaustive checks and for validating stored journals. */
export const REASON_CODES: readonly ReasonCode[] = Object.keys(ALL) as ReasonCode[];

/** A yes/no outcome of one rule: pass (possibly with annotations) or a blocking reason. */
export type Decision =
  | { ok: true; reasons: Reason[] }
  | { ok: false; reason: ReasonCode; detail: Record<string, number | string> };

/** Builds a reason. */
export function reason(code: ReasonCode, detail: Record<string, number | string> = {}): Reason {
  return { code, detail };
}

/** A passing decision. */
export function pass(...reasons: Reason[]): Decision {
  return { ok: true, reasons };
}

/** A blocking decision. */
export function block(code: ReasonCode, detail: Record<string, number | string> = {}): Decision {
  return { ok: false, reason: code, detail };
}

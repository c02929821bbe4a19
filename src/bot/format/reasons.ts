/**
 * Reason codes (domain/reasons.ts) in words, with the numbers behind them. The detail keys are what the planner puts
 * there; anything not recognised is listed as `key value` so no number is ever hidden.
 */
import { escapeHtml } from './html.js';
import { fmtDateTime, fmtLots, fmtMoney, fmtNum } from './numbers.js';

type Detail = Record<string, number | string | boolean | null>;

const LABELS: Record<string, string> = {
  paused: 'follower paused',
  master_paused: 'master paused',
  close_only: 'close-only mode',
  daily_loss_limit: 'daily loss limit reached',
  detached: 'position detached (closed by hand)',
  no_link: 'no copy of that master position',
  pending_copy_exists: 'pending copy already exists',
  already_copied: 'already copied',
  symbol_denied: 'symbol on the deny list',
  symbol_not_allowed: 'symbol not on the allow list',
  side_filtered: 'side filtered out',
  pending_not_copied: 'pending orders not copied',
  sl_tp_not_copied: 'SL/TP not copied',
  unsupported_order_type: 'unsupported order type',
  reversed: 'reversed',
  symbol_not_found: 'symbol not found',
  spec_unknown: 'symbol specification unknown',
  trade_disabled: 'trading disabled for the symbol',
  trade_close_only: 'symbol is close-only at the broker',
  trade_long_only: 'symbol is long-only at the broker',
  trade_short_only: 'symbol is short-only at the broker',
  trade_mode_restricted: 'trade mode restricted',
  market_closed: 'market closed',
  no_stop_loss: 'master set no SL (risk-percent sizing needs one)',
  account_unknown: 'account state unknown',
  invalid_sizing: 'invalid sizing',
  zero_volume: 'computed lot is zero',
  volume_rounded: 'rounded down to the step',
  volume_max: 'clamped to the symbol maximum',
  below_min_volume: 'below the minimum lot',
  rounded_up_to_min: 'rounded up to the minimum lot',
  max_lot: 'clamped to max lot',
  max_open_positions: 'max open positions reached',
  margin_reduced: 'reduced to fit free margin',
  insufficient_margin: 'insufficient margin',
  margin_unknown: 'margin unknown',
  price_deviation: 'price too far from the master fill',
  price_unknown: 'price unknown',
  daily_risk_capped: 'capped to the daily risk budget',
  daily_risk_exhausted: 'daily risk budget used up',
  daily_risk_unbounded: 'an open copy has no SL, so the daily risk budget cannot be kept',
  daily_risk_no_stop_loss: 'no SL, so its loss cannot be kept within the daily risk budget',
  daily_risk_fallback: 'no SL: sent at the fallback lot, outside the daily risk budget',
  daily_risk_unknown: 'daily risk budget unknown',
  partial_close: 'partial close',
  close_remainder_below_min: 'remainder below minimum, closed in full',
  close_below_step: 'close smaller than one step',
  close_already_reflected: 'already at the master’s volume after this close (reconciled)',
  shared_position: 'shared netting position',
  no_change: 'nothing to change',
};

/** Words for a code; several codes may come comma-joined ("volume_rounded,rounded_up_to_min"). */
function labelOf(code: string): string {
  return code
    .split(',')
    .filter((c) => c !== '')
    .map((c) => LABELS[c] ?? c.replace(/_/g, ' '))
    .join(', ');
}

/** Skip reasons that are a configured decision, not a problem: shown, but never loud. */
export const ROUTINE_REASONS: ReadonlySet<string> = new Set([
  'paused',
  'master_paused',
  'close_only',
  'detached',
  'no_link',
  'pending_copy_exists',
  'already_copied',
  'symbol_denied',
  'symbol_not_allowed',
  'side_filtered',
  'pending_not_copied',
  'sl_tp_not_copied',
  'reversed',
  'no_change',
  'close_already_reflected',
  'shared_position',
  'partial_close',
  'volume_rounded',
  'max_lot',
  'rounded_up_to_min',
]);

function num(detail: Detail, ...keys: string[]): number | null {
  for (const key of keys) {
    const v = detail[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function str(detail: Detail, ...keys: string[]): string | null {
  for (const key of keys) {
    const v = detail[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** The specifics of a reason as plain text (no HTML), e.g. "required 1,234.50 > free 800.00". */
function specifics(code: string, detail: Detail): { text: string; used: Set<string> } {
  const used = new Set<string>();
  const take = (key: string): void => void used.add(key);
  const parts: string[] = [];
  // Margin numbers, whatever the code (the planner's pre-check or the broker's own "no money").
  const required = num(detail, 'required', 'requiredMargin', 'margin');
  const free = num(detail, 'free', 'freeMargin', 'available');
  if (required !== null && free !== null) {
    parts.push(`margin required ${fmtMoney(required, false)} ${required > free ? '>' : 'vs'} free ${fmtMoney(free, false)}`);
    ['required', 'margin', 'requiredMargin', 'free', 'freeMargin', 'available'].forEach(take);
  } else if (required !== null && (code === 'insufficient_margin' || code === 'margin_reduced')) {
    parts.push(`margin required ${fmtMoney(required, false)}`);
    ['required', 'margin', 'requiredMargin'].forEach(take);
  }
  const codes = code.split(',');
  if (codes.includes('below_min_volume') || codes.includes('zero_volume')) {
    const computed = num(detail, 'computed', 'lots', 'from', 'volume');
    const min = num(detail, 'min', 'volumeMin');
    if (computed !== null && min !== null) parts.push(`computed ${fmtLots(computed)} < min ${fmtLots(min)}`);
    else if (computed !== null) parts.push(`computed ${fmtLots(computed)}`);
    ['computed', 'lots', 'from', 'volume', 'min', 'volumeMin', 'to'].forEach(take);
  }
  // A resize: the lot before and after (rounding to the step, clamping, margin reduction).
  const from = num(detail, 'from');
  const to = num(detail, 'to');
  if (!used.has('from') && from !== null && to !== null) {
    parts.push(`${fmtNum(from, 5)} → ${fmtNum(to, 5)} lots`);
    ['from', 'to'].forEach(take);
  }
  if (codes.some((c) => c.startsWith('daily_risk_'))) dailyRiskSpecifics(detail, parts, take);
  if (code === 'symbol_not_found') {
    const symbol = str(detail, 'symbol');
    const where = str(detail, 'server', 'broker', 'company');
    if (symbol !== null) parts.push(where === null ? symbol : `${symbol} at ${where}`);
    ['symbol', 'server', 'broker', 'company'].forEach(take);
  }
  // A broker message that only repeats the reason, or says it went fine, adds nothing.
  const message = str(detail, 'message');
  if (message !== null && (message.toLowerCase() === labelOf(code).toLowerCase() || /^request (executed|completed)/i.test(message))) take('message');
  for (const [key, value] of Object.entries(detail)) {
    if (used.has(key) || value === null) continue;
    // Epoch milliseconds (nextOpen, expiresAt, …) read better as a time.
    const shown = typeof value === 'number' ? (value > 1e12 && value < 1e14 ? fmtDateTime(value) : fmtNum(value, 5)) : String(value);
    parts.push(`${key} ${shown}`);
  }
  return { text: parts.join(', '), used };
}

/**
 * The daily risk budget's numbers (domain/daily-risk.ts) in words: the resize, what is left of the limit and why, and
 * what a lot loses at the stop.
 */
function dailyRiskSpecifics(detail: Detail, parts: string[], take: (key: string) => void): void {
  const sized = num(detail, 'sized');
  if (sized !== null) {
    parts.push(`sized ${fmtLots(sized)} lots`);
    take('sized');
  }
  const cappedFrom = num(detail, 'cappedFrom');
  const cappedTo = num(detail, 'cappedTo');
  if (cappedFrom !== null && cappedTo !== null) {
    parts.push(`${fmtLots(cappedFrom)} → ${fmtLots(cappedTo)} lots`);
    ['cappedFrom', 'cappedTo'].forEach(take);
  }
  const fallback = num(detail, 'fallbackLots');
  if (fallback !== null) {
    parts.push(`fallback ${fmtLots(fallback)} lots`);
    take('fallbackLots');
  }
  const limit = num(detail, 'limit');
  const remaining = num(detail, 'remaining');
  const realized = num(detail, 'realizedLoss');
  const open = num(detail, 'openRisk');
  if (limit !== null && remaining !== null && realized !== null && open !== null) {
    parts.push(`${fmtMoney(remaining, false)} of ${fmtMoney(limit, false)} left after today's loss ${fmtMoney(realized, false)} and open risk at SL ${fmtMoney(open, false)}`);
    ['limit', 'remaining', 'realizedLoss', 'openRisk'].forEach(take);
  }
  const perLot = num(detail, 'lossPerLot');
  if (perLot !== null) {
    parts.push(`1 lot loses ${fmtMoney(perLot, false)} at SL`);
    take('lossPerLot');
  }
  const min = num(detail, 'min');
  const atMin = num(detail, 'lossAtMin');
  if (min !== null && atMin !== null) {
    parts.push(`the minimum ${fmtLots(min)} lots would lose ${fmtMoney(atMin, false)}`);
    ['min', 'lossAtMin'].forEach(take);
  }
  const unprotected = num(detail, 'unprotected');
  if (unprotected !== null) {
    parts.push(`${unprotected} open cop${unprotected === 1 ? 'y' : 'ies'} without SL not counted`);
    take('unprotected');
  }
  const ticket = num(detail, 'openTicket');
  const symbol = str(detail, 'openSymbol');
  const copy = ticket === null ? '' : `open copy #${ticket}${symbol === null ? '' : ` ${symbol}`}`;
  const need = str(detail, 'need');
  if (need !== null) parts.push(`needs ${need}${copy === '' ? '' : ` of ${copy}`}`);
  else if (copy !== '') parts.push(`${copy}${num(detail, 'openLots') === null ? '' : ` (${fmtLots(num(detail, 'openLots'))} lots)`} has no SL`);
  ['need', 'openTicket', 'openSymbol', 'openLots'].forEach(take);
}

/** "insufficient margin (required 1,234.50 > free 800.00)" as escaped HTML. */
export function reasonHtml(code: string | null, detail: Detail = {}): string {
  if (code === null) {
    const { text } = specifics('', detail);
    return escapeHtml(text);
  }
  const label = labelOf(code);
  const { text } = specifics(code, detail);
  return escapeHtml(text === '' ? label : `${label} (${text})`);
}

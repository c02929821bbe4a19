/**
 * The daily risk budget (design.md §3, Filters and risk): with a daily loss limit set, a new copy's volume is capped so
 * that, if it and every open copy of the follower hit their stop losses, the day's loss stays within the limit:
 *
 *     realized loss today + Σ open copies' loss at SL + the new copy's loss at SL ≤ limit
 *
 * Decisions:
 * - Realized loss today is `dayStartBalance − balance` when positive; a profitable day does not widen the budget
 *   beyond the limit. A withdrawal today counts as a loss (conservative); swaps and commissions are in the balance once
 *   charged and are not forecast for open copies.
 * - An open copy's loss at SL is measured from its open price (a pending copy's: its trigger price) to its stop, with
 *   the symbol's tick size and tick value (account currency per lot per tick), the conversion risk-percent sizing uses.
 *   A stop on the profit side of the open price counts 0 (a locked-in gain is not credited).
 * - Counted are the copier's own rows (its magic number) and copies it has just filled or placed whose rows are not
 *   in the cache yet; the owner's manual trades are not the copier's to bound.
 * - A new market copy's entry is the worse of the follower's quote and the master's fill, moved by the slippage the
 *   order allows: the worst fill the order can get. A pending copy's entry is its trigger price.
 * - An open copy without a SL makes the day's loss unbounded, so no new copy can be proven within the budget: skipped
 *   with `daily_risk_unbounded`, unless the follower's `noStopLoss` rule is `fallback`, which leaves such copies out.
 * - A new copy without a SL: skipped (`daily_risk_no_stop_loss`) or, with `fallback`, sent at most the fallback lot
 *   (`daily_risk_fallback`) while any budget is left.
 * - The cap rounds down to whole volume steps and never rounds up to the symbol minimum: below it the copy is skipped
 *   (`daily_risk_exhausted`) whatever `belowMin` says.
 * - Money is exact: every amount is an integer of minor units (hundredths of the account currency); each loss is
 *   rounded up and the limit down, so the exact worst case can only be smaller than the sum checked.
 */
import type { NoStopLossRule } from './config.js';
import type { Decimal } from './decimal.js';
import { MINOR_PER_UNIT, ceilDiv, decimalOf, floorDiv, fromMinor, subtract, toMinor } from './decimal.js';
import type { Reason, ReasonCode } from './reasons.js';
import { reason } from './reasons.js';
import type { Side, SymbolSpec } from './trading.js';
import type { VolumeSpec } from './volume.js';
import { lotsToStepsRound, stepsToLots, volumeGrid, lotsToStepsFloor } from './volume.js';

type Detail = Record<string, number | string>;

/** The tick data a loss at SL is computed with: `tickValue` is in the account currency per lot per tick. */
export type TickSpec = Pick<SymbolSpec, 'tickSize' | 'tickValue'>;

/** One open copy (position or pending order) as the budget sees it. */
export interface OpenCopyRisk {
  ticket: number;
  symbol: string;
  side: Side;
  lots: number;
  /** Open price; a pending copy's trigger price. 0 = unknown. */
  entryPrice: number;
  /** 0 = none. */
  stopLoss: number;
  pending: boolean;
}

/** What the engine knows of a follower's day, for the budget. */
export interface DailyRiskFacts {
  /** Balance at the start of the day; null = unknown. */
  dayStartBalance: number | null;
  /** Balance now; null = unknown. */
  balance: number | null;
  openCopies: readonly OpenCopyRisk[];
}

/** A follower's budget for today, in minor units (hundredths of the account currency). */
export interface DailyBudget {
  limit: bigint;
  realizedLoss: bigint;
  /** Σ open copies' loss at SL. */
  openRisk: bigint;
  /** `limit − realizedLoss − openRisk` (may be negative). */
  remaining: bigint;
  /** Open copies without a SL left out of `openRisk` (only under the `fallback` rule). */
  unprotected: number;
}

export type BudgetResult = { ok: true; budget: DailyBudget } | { ok: false; reason: ReasonCode; detail: Detail };

/** A loss as an exact ratio of minor units, `num / den` (`den > 0`, `num ≥ 0`). */
interface LossRatio {
  num: bigint;
  den: bigint;
}

const validTick = (t: TickSpec | undefined): t is TickSpec =>
  t !== undefined && Number.isFinite(t.tickSize) && t.tickSize > 0 && Number.isFinite(t.tickValue) && t.tickValue > 0;

/**
 * Loss in minor units of `lots` (a decimal) from `entry` to `stop` on `side`: lots × distance ÷ tickSize × tickValue.
 * 0 when the stop is not on the losing side of the entry.
 */
function lossRatio(lots: Decimal, side: Side, entry: number, stop: number, tick: TickSpec): LossRatio {
  const e = decimalOf(entry);
  const s = decimalOf(stop);
  const distance = side === 'buy' ? subtract(e, s) : subtract(s, e);
  if (distance.units <= 0n || lots.units <= 0n) return { num: 0n, den: 1n };
  const size = decimalOf(tick.tickSize);
  const value = decimalOf(tick.tickValue);
  return {
    num: lots.units * distance.units * value.units * MINOR_PER_UNIT * 10n ** BigInt(size.scale),
    den: size.units * 10n ** BigInt(lots.scale + distance.scale + value.scale),
  };
}

/**
 * One copy's loss if its stop fills, in minor units rounded up; 0 for a stop on the profit side. `null` when the
 * tick data is unusable.
 */
export function lossAtStopMinor(copy: Pick<OpenCopyRisk, 'lots' | 'side' | 'entryPrice' | 'stopLoss'>, tick: TickSpec | undefined): bigint | null {
  if (!validTick(tick)) return null;
  const r = lossRatio(decimalOf(Math.abs(copy.lots)), copy.side, copy.entryPrice, copy.stopLoss, tick);
  return ceilDiv(r.num, r.den);
}

/** The loss of 1.0 lot at the stop, in the account currency rounded up to a minor unit: for display. */
export function lossPerLotAtStop(side: Side, entry: number, stop: number, tick: TickSpec): number {
  const r = lossRatio({ units: 1n, scale: 0 }, side, entry, stop, tick);
  return fromMinor(ceilDiv(r.num, r.den));
}

/**
 * Today's budget: the limit less the realized loss and every open copy's loss at SL.
 *
 * Unprovable: `daily_risk_unknown` (balance, day start, an open copy's price or tick data unknown),
 * `daily_risk_unbounded` (an open copy has no SL and the rule is `skip`).
 */
export function dailyBudget(
  limit: number,
  facts: DailyRiskFacts,
  specs: ReadonlyMap<string, TickSpec>,
  rule: NoStopLossRule,
): BudgetResult {
  if (!Number.isFinite(limit) || !(limit > 0)) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'dailyLossLimit' } };
  if (facts.balance === null || !Number.isFinite(facts.balance)) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'balance' } };
  if (facts.dayStartBalance === null || !Number.isFinite(facts.dayStartBalance)) {
    return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'dayStartBalance' } };
  }
  const start = decimalOf(facts.dayStartBalance);
  const drop = subtract(start, decimalOf(facts.balance));
  const realizedLoss = drop.units > 0n ? ceilDiv(drop.units * MINOR_PER_UNIT, 10n ** BigInt(drop.scale)) : 0n;
  let openRisk = 0n;
  let unprotected = 0;
  for (const c of facts.openCopies) {
    if (!(c.stopLoss > 0)) {
      if (rule.mode === 'fallback') {
        unprotected++;
        continue;
      }
      return { ok: false, reason: 'daily_risk_unbounded', detail: { openTicket: c.ticket, openSymbol: c.symbol, openLots: c.lots } };
    }
    if (!(c.entryPrice > 0)) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'openPrice', openTicket: c.ticket, openSymbol: c.symbol } };
    const loss = lossAtStopMinor(c, specs.get(c.symbol));
    if (loss === null) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'tickSize,tickValue', openTicket: c.ticket, openSymbol: c.symbol } };
    openRisk += loss;
  }
  const limitMinor = toMinor(limit, 'floor');
  return { ok: true, budget: { limit: limitMinor, realizedLoss, openRisk, remaining: limitMinor - realizedLoss - openRisk, unprotected } };
}

/** The budget's numbers in the account currency, as reason details and views carry them. */
export function budgetNumbers(b: DailyBudget): { limit: number; realizedLoss: number; openRisk: number; remaining: number; unprotected: number } {
  return {
    limit: fromMinor(b.limit),
    realizedLoss: fromMinor(b.realizedLoss),
    openRisk: fromMinor(b.openRisk),
    remaining: fromMinor(b.remaining),
    unprotected: b.unprotected,
  };
}

function budgetDetail(b: DailyBudget): Detail {
  const n = budgetNumbers(b);
  const detail: Detail = { limit: n.limit, realizedLoss: n.realizedLoss, openRisk: n.openRisk, remaining: n.remaining };
  if (b.unprotected > 0) detail.unprotected = b.unprotected;
  return detail;
}

/** A new copy about to be sent: its side, sized volume (on the grid), entry, stop and symbol spec. */
export interface NewCopyRisk {
  side: Side;
  /** The sized volume, already on the symbol's grid. */
  volume: number;
  entryPrice: number;
  /** 0 = none. */
  stopLoss: number;
  spec: TickSpec & VolumeSpec;
}

/** The capped volume (with its reasons) or a skip. */
export type CapDecision = { ok: true; volume: number; reasons: Reason[] } | { ok: false; reason: ReasonCode; detail: Detail };

/**
 * Caps a new copy to the budget: the most whole steps (at most its sized volume) whose loss at SL fits what is left.
 * Reasons: `daily_risk_capped` (resized), `daily_risk_fallback` (no SL, fallback lot). Skips: `daily_risk_exhausted`
 * (not even the minimum fits, or nothing is left), `daily_risk_no_stop_loss`, `daily_risk_unknown`, `below_min_volume`
 * (a fallback lot below the symbol minimum).
 */
export function capToDailyBudget(budget: DailyBudget, copy: NewCopyRisk, rule: NoStopLossRule): CapDecision {
  const detail = budgetDetail(budget);
  if (budget.remaining <= 0n) return { ok: false, reason: 'daily_risk_exhausted', detail: { ...detail, sized: copy.volume } };
  const grid = volumeGrid(copy.spec);
  const steps = lotsToStepsRound(copy.volume, grid);
  if (!(copy.stopLoss > 0)) {
    if (rule.mode === 'skip') return { ok: false, reason: 'daily_risk_no_stop_loss', detail: { ...detail, sized: copy.volume } };
    const fallbackSteps = Math.min(steps, lotsToStepsFloor(rule.lots, grid));
    if (fallbackSteps < grid.minSteps) {
      return { ok: false, reason: 'below_min_volume', detail: { lots: rule.lots, min: stepsToLots(grid.minSteps, grid), fallbackLots: rule.lots } };
    }
    const to = stepsToLots(fallbackSteps, grid);
    return { ok: true, volume: to, reasons: [reason('daily_risk_fallback', { ...detail, fallbackLots: rule.lots, cappedFrom: copy.volume, cappedTo: to })] };
  }
  if (!(copy.entryPrice > 0)) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'price' } };
  if (!validTick(copy.spec)) return { ok: false, reason: 'daily_risk_unknown', detail: { need: 'tickSize,tickValue' } };
  const perStep = lossRatio({ units: BigInt(grid.stepUnits), scale: grid.decimals }, copy.side, copy.entryPrice, copy.stopLoss, copy.spec);
  if (perStep.num === 0n) return { ok: true, volume: copy.volume, reasons: [] };
  const fitting = floorDiv(budget.remaining * perStep.den, perStep.num);
  if (fitting >= BigInt(steps)) return { ok: true, volume: copy.volume, reasons: [] };
  const lossPerLot = lossPerLotAtStop(copy.side, copy.entryPrice, copy.stopLoss, copy.spec);
  const maxSteps = Number(fitting);
  if (maxSteps < grid.minSteps) {
    const min = stepsToLots(grid.minSteps, grid);
    const atMin = lossRatio(decimalOf(min), copy.side, copy.entryPrice, copy.stopLoss, copy.spec);
    return {
      ok: false,
      reason: 'daily_risk_exhausted',
      detail: { ...detail, sized: copy.volume, min, lossAtMin: fromMinor(ceilDiv(atMin.num, atMin.den)), lossPerLot },
    };
  }
  const to = stepsToLots(maxSteps, grid);
  return { ok: true, volume: to, reasons: [reason('daily_risk_capped', { ...detail, cappedFrom: copy.volume, cappedTo: to, lossPerLot })] };
}

/**
 * The worst entry a market copy's order allows: the worse of the follower's executable quote (ask to buy, bid to
 * sell) and the master's fill, moved by the slippage allowance, on the symbol's price digits. Without a quote, the
 * master's price.
 */
export function worstMarketEntry(
  side: Side,
  masterPrice: number,
  quote: Pick<SymbolSpec, 'bid' | 'ask' | 'point' | 'digits'>,
  slippagePoints: number,
): number {
  const own = side === 'buy' ? quote.ask : quote.bid;
  const reference = own > 0 && masterPrice > 0 ? (side === 'buy' ? Math.max(own, masterPrice) : Math.min(own, masterPrice)) : own > 0 ? own : masterPrice;
  const slip = slippagePoints > 0 && quote.point > 0 ? slippagePoints * quote.point : 0;
  const worst = side === 'buy' ? reference + slip : reference - slip;
  if (!Number.isInteger(quote.digits) || quote.digits < 0 || quote.digits > 10) return worst;
  const scale = 10 ** quote.digits;
  return side === 'buy' ? Math.ceil(worst * scale - 1e-7) / scale : Math.floor(worst * scale + 1e-7) / scale;
}

/**
 * The daily risk rule for one new copy: no limit (or no facts from the engine) passes unchanged; else the budget,
 * then the cap.
 */
export function checkDailyRisk(
  limit: number | null,
  facts: DailyRiskFacts | undefined,
  specs: ReadonlyMap<string, TickSpec>,
  rule: NoStopLossRule,
  copy: NewCopyRisk,
): CapDecision {
  if (limit === null || facts === undefined) return { ok: true, volume: copy.volume, reasons: [] };
  const b = dailyBudget(limit, facts, specs, rule);
  if (!b.ok) return b;
  return capToDailyBudget(b.budget, copy, rule);
}

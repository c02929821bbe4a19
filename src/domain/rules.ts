/**
 * Filters and risk rules (design.md §3, Planning). Each rule is a small pure function returning a decision with a
 * reason code and the numbers behind it; the planner chains them.
 */
import type { Filters, RiskLimits } from './config.js';
import type { Decision, Reason } from './reasons.js';
import { block, pass, reason } from './reasons.js';
import { symbolListed } from './symbols.js';
import type { Operation, Side, SymbolSpec } from './trading.js';
import type { VolumeSpec } from './volume.js';
import { lotsToStepsFloor, roundLots, stepsToLots, volumeGrid } from './volume.js';

/** Allow and deny lists on the master symbol (its spelling or a base name of it). Deny wins. */
export function checkSymbolFilter(filters: Pick<Filters, 'symbolsAllow' | 'symbolsDeny'>, masterSymbol: string): Decision {
  if (symbolListed(filters.symbolsDeny, masterSymbol)) return block('symbol_denied', { symbol: masterSymbol });
  if (filters.symbolsAllow.length > 0 && !symbolListed(filters.symbolsAllow, masterSymbol)) {
    return block('symbol_not_allowed', { symbol: masterSymbol });
  }
  return pass();
}

/** The sides filter, applied to the MASTER side (before reverse copy). */
export function checkSide(filters: Pick<Filters, 'sides'>, masterSide: Side): Decision {
  if (filters.sides === 'both' || filters.sides === masterSide) return pass();
  return block('side_filtered', { side: masterSide, allowed: filters.sides });
}

/** The opposite side. */
export function oppositeSide(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}

/**
 * The operation a reverse copy sends, keeping the trigger semantics: the follower enters at the same price and
 * moment as the master, in the opposite direction. A BuyLimit (buy when price falls to P) becomes a SellStop (sell
 * when price falls to P); a BuyStop (buy when price rises to P) becomes a SellLimit. Stop-limit orders have no
 * mirror with the same trigger and return `null`.
 */
export function reverseOperation(operation: string): Operation | null {
  switch (operation) {
    case 'Buy':
      return 'Sell';
    case 'Sell':
      return 'Buy';
    case 'BuyLimit':
      return 'SellStop';
    case 'SellStop':
      return 'BuyLimit';
    case 'BuyStop':
      return 'SellLimit';
    case 'SellLimit':
      return 'BuyStop';
    default:
      return null;
  }
}

/** The follower's SL and TP for master levels: reverse copy swaps their roles; copy SL/TP off sends none (0). */
export function mapStops(
  filters: Pick<Filters, 'reverse' | 'copySlTp'>,
  master: { stopLoss: number; takeProfit: number },
): { stopLoss: number; takeProfit: number } {
  if (!filters.copySlTp) return { stopLoss: 0, takeProfit: 0 };
  return filters.reverse
    ? { stopLoss: master.takeProfit, takeProfit: master.stopLoss }
    : { stopLoss: master.stopLoss, takeProfit: master.takeProfit };
}

/** No new exposure while the follower is paused (by the user or a rule). */
export function checkPaused(follower: { paused: boolean; pausedReason: string | null }): Decision {
  return follower.paused ? block('paused', { by: follower.pausedReason ?? 'user' }) : pass();
}

/** Close-only mode: no new exposure; closes and reductions pass. */
export function checkCloseOnly(risk: Pick<RiskLimits, 'closeOnly'>): Decision {
  return risk.closeOnly ? block('close_only') : pass();
}

/** Max open copied positions on the follower (an open when already at the limit is skipped). */
export function checkMaxOpenPositions(risk: Pick<RiskLimits, 'maxOpenPositions'>, openPositionCount: number): Decision {
  if (risk.maxOpenPositions === null || openPositionCount < risk.maxOpenPositions) return pass();
  return block('max_open_positions', { open: openPositionCount, max: risk.maxOpenPositions });
}

/** True when the day's loss (`dayStartBalance − equity`) has reached `limit`. `null` limit = never. */
export function dailyLossBreached(limit: number | null, dayStartBalance: number, equity: number): boolean {
  if (limit === null || !(limit > 0)) return false;
  return dayStartBalance - equity >= limit;
}

/** The daily loss rule as a decision: blocks with `daily_loss_limit` and the numbers (the caller pauses the follower). */
export function checkDailyLoss(limit: number | null, dayStartBalance: number | null, equity: number | null): Decision {
  if (limit === null || dayStartBalance === null || equity === null) return pass();
  if (!dailyLossBreached(limit, dayStartBalance, equity)) return pass();
  return block('daily_loss_limit', { loss: roundLots(dayStartBalance - equity, 2), limit, dayStartBalance, equity });
}

/** What a trade intends, for trade-mode checks. */
export type TradeIntent = { kind: 'open'; side: Side } | { kind: 'close' };

/** Normalised trade modes seen so far: a handful of spellings, checked once per follower for every open. */
const normalizedTradeModes = new Map<string, string>();

function normalizeTradeMode(mode: string): string {
  let normalized = normalizedTradeModes.get(mode);
  if (normalized === undefined) {
    normalized = mode.replace(/^SYMBOL_TRADE_MODE_/i, '').replace(/[_\s-]/g, '').toLowerCase();
    if (normalizedTradeModes.size >= 256) normalizedTradeModes.clear();
    normalizedTradeModes.set(mode, normalized);
  }
  return normalized;
}

/**
 * `SymbolSpec.tradeMode` restrictions. `Full` and `""` (a bridge that does not report it) allow everything;
 * `Disabled` blocks all (`trade_disabled`); `CloseOnly` blocks opens (`trade_close_only`); `LongOnly` blocks sells
 * (`trade_long_only`), `ShortOnly` buys (`trade_short_only`); any other value blocks opens (`trade_mode_restricted`),
 * as fxsocket-api.md §3.3 advises.
 */
export function checkTradeMode(tradeMode: string, intent: TradeIntent): Decision {
  const mode = normalizeTradeMode(tradeMode);
  if (mode === '' || mode === 'full') return pass();
  if (mode === 'disabled') return block('trade_disabled', { tradeMode });
  if (intent.kind === 'close') return pass();
  switch (mode) {
    case 'closeonly':
      return block('trade_close_only', { tradeMode });
    case 'longonly':
      return intent.side === 'buy' ? pass() : block('trade_long_only', { tradeMode });
    case 'shortonly':
      return intent.side === 'sell' ? pass() : block('trade_short_only', { tradeMode });
    default:
      return block('trade_mode_restricted', { tradeMode });
  }
}

/** Outcome of the margin pre-check: the (possibly reduced) volume or a skip. */
export type MarginDecision =
  | { ok: true; volume: number; reasons: Reason[] }
  | { ok: false; reason: 'insufficient_margin'; detail: Record<string, number | string> };

/**
 * Margin pre-check against cached free margin (design.md §3). Allowed margin = `freeMargin × marginUsageMax`.
 * `reduce`: the largest step count that fits (reason `margin_reduced` with required and free), or a skip when even the
 * minimum does not fit; `skip`: `insufficient_margin` with `required` and `free`; `off`: no check.
 * Unknown free margin or margin per lot passes with `margin_unknown`: the broker remains the judge.
 */
export function checkMargin(args: {
  volume: number;
  marginPerLot: number | null;
  freeMargin: number | null;
  risk: Pick<RiskLimits, 'marginCheck' | 'marginUsageMax'>;
  spec: VolumeSpec;
}): MarginDecision {
  const { volume, marginPerLot, freeMargin, risk, spec } = args;
  if (risk.marginCheck === 'off') return { ok: true, volume, reasons: [] };
  if (marginPerLot === null || freeMargin === null || !Number.isFinite(marginPerLot) || !Number.isFinite(freeMargin)) {
    return { ok: true, volume, reasons: [reason('margin_unknown', {})] };
  }
  const usage = risk.marginUsageMax > 0 && risk.marginUsageMax <= 1 ? risk.marginUsageMax : 1;
  const allowed = Math.max(0, freeMargin) * usage;
  const required = marginPerLot * volume;
  if (marginPerLot <= 0 || required <= allowed) return { ok: true, volume, reasons: [] };
  const numbers = { required: roundLots(required, 2), free: roundLots(freeMargin, 2), allowed: roundLots(allowed, 2) };
  if (risk.marginCheck === 'reduce') {
    const grid = volumeGrid(spec);
    const steps = Math.min(lotsToStepsFloor(allowed / marginPerLot, grid), lotsToStepsFloor(volume, grid));
    if (steps >= grid.minSteps) {
      const reduced = stepsToLots(steps, grid);
      return {
        ok: true,
        volume: reduced,
        reasons: [reason('margin_reduced', { ...numbers, from: volume, to: reduced, marginPerLot })],
      };
    }
  }
  return { ok: false, reason: 'insufficient_margin', detail: { ...numbers, volume, marginPerLot } };
}

/**
 * Price-deviation guard for a market copy: skips when the follower's executable price (ask to buy, bid to sell) is
 * more than `maxPoints` follower points WORSE than the master's fill. Better prices always pass. A missing quote
 * passes with `price_unknown`.
 */
export function checkPriceDeviation(args: {
  followerSide: Side;
  masterPrice: number;
  spec: Pick<SymbolSpec, 'bid' | 'ask' | 'point'>;
  maxPoints: number | null;
}): Decision {
  const { followerSide, masterPrice, spec, maxPoints } = args;
  if (maxPoints === null) return pass();
  const price = followerSide === 'buy' ? spec.ask : spec.bid;
  if (!(price > 0) || !(spec.point > 0) || !(masterPrice > 0)) return pass(reason('price_unknown', {}));
  const points = deviationPoints(followerSide, masterPrice, price, spec.point);
  if (points > maxPoints) {
    return block('price_deviation', { points, max: maxPoints, masterPrice, followerPrice: price });
  }
  return pass();
}

/** How many points `price` is worse than `reference` for a trade on `side` (negative = better), rounded to 0.1. */
export function deviationPoints(side: Side, reference: number, price: number, point: number): number {
  const diff = side === 'buy' ? price - reference : reference - price;
  return Math.round((diff / point) * 10) / 10;
}

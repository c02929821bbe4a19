import type { Operation, OrderResult } from '../types.js';
import { outcomeOf, RC, retcodeComment, retcodeDescription } from './retcodes.js';
import type { SimSymbol } from './symbol.js';

/** A refusal with its retcode, or undefined when the check passes. */
export type Verdict = { code: number } | undefined;

/** Builds the OrderResult for a retcode, with the symbol's current bid/ask when there is one. */
export function orderResult(
  code: number,
  fields: Partial<Pick<OrderResult, 'deal' | 'order' | 'volume' | 'price'>>,
  sym?: SimSymbol,
): OrderResult {
  const { success, outcome } = outcomeOf(code);
  return {
    success,
    outcome,
    retcode: code,
    retcodeDescription: retcodeDescription(code),
    deal: fields.deal ?? 0,
    order: fields.order ?? 0,
    volume: fields.volume ?? 0,
    price: fields.price ?? 0,
    bid: sym?.bid ?? 0,
    ask: sym?.ask ?? 0,
    comment: retcodeComment(code),
  };
}

/** The symbol's trade mode against an opening order; `reducing` = the order only shrinks a netting position. */
export function tradeModeAllowsOpen(sym: SimSymbol, buy: boolean, reducing: boolean): Verdict {
  switch (sym.tradeMode) {
    case 'Disabled':
      return { code: RC.TRADE_DISABLED };
    case 'CloseOnly':
      return reducing ? undefined : { code: RC.CLOSE_ONLY };
    case 'LongOnly':
      return !buy && !reducing ? { code: RC.LONG_ONLY } : undefined;
    case 'ShortOnly':
      return buy && !reducing ? { code: RC.SHORT_ONLY } : undefined;
    default:
      return undefined;
  }
}

/** SL/TP must sit on the right side of `ref` and at least stopsLevel points away. */
export function stopsValid(sym: SimSymbol, buy: boolean, ref: number, sl: number, tp: number): boolean {
  const gap = (sym.spec.stopsLevel ?? 0) * sym.point;
  const eps = sym.point / 1000;
  if (buy) {
    if (sl > 0 && !(sl < ref - gap + eps && sl < ref)) return false;
    if (tp > 0 && !(tp > ref + gap - eps && tp > ref)) return false;
  } else {
    if (sl > 0 && !(sl > ref + gap - eps && sl > ref)) return false;
    if (tp > 0 && !(tp < ref - gap + eps && tp < ref)) return false;
  }
  return true;
}

/** Pending trigger price on the right side of the market, outside stopsLevel. */
export function pendingPriceValid(sym: SimSymbol, op: Operation, price: number, stopLimit: number): boolean {
  const gap = (sym.spec.stopsLevel ?? 0) * sym.point;
  const eps = sym.point / 1000;
  switch (op) {
    case 'BuyLimit':
      return price < sym.ask && price <= sym.ask - gap + eps;
    case 'SellLimit':
      return price > sym.bid && price >= sym.bid + gap - eps;
    case 'BuyStop':
      return price > sym.ask && price >= sym.ask + gap - eps;
    case 'SellStop':
      return price < sym.bid && price <= sym.bid - gap + eps;
    case 'BuyStopLimit':
      return price > sym.ask && price >= sym.ask + gap - eps && stopLimit > 0 && stopLimit < price;
    case 'SellStopLimit':
      return price < sym.bid && price <= sym.bid - gap + eps && stopLimit > price;
    default:
      return true;
  }
}

/** Whether a price sits within freezeLevel of the market (MT5 refuses changes then, 10029). */
export function frozen(sym: SimSymbol, level: number, market: number): boolean {
  const freeze = (sym.spec.freezeLevel ?? 0) * sym.point;
  return freeze > 0 && level > 0 && Math.abs(market - level) <= freeze + sym.point / 1000;
}

import type { Market } from './market.js';
import type { SimSymbol } from './symbol.js';
import { toLots } from './volume.js';

/**
 * Margin in account currency by MetaTrader's formulas:
 * Forex: lots × contractSize / leverage (in the margin currency);
 * CFD:   lots × contractSize × price / leverage (in the margin currency).
 */
export function marginOf(
  sym: SimSymbol,
  buy: boolean,
  units: number,
  leverage: number,
  accountCurrency: string,
  market: Market,
  price?: number,
): number {
  const lots = toLots(units);
  const spec = sym.spec;
  let m: number;
  if (spec.calcMode === 'Forex') {
    m = (lots * spec.contractSize) / leverage;
  } else {
    const p = price ?? (buy ? sym.ask : sym.bid);
    m = (lots * spec.contractSize * p) / leverage;
  }
  return market.convert(m, spec.currencyMargin, accountCurrency);
}

/** Profit in account currency of a position of `units` from `open` to `close`. */
export function profitOf(
  sym: SimSymbol,
  buy: boolean,
  units: number,
  open: number,
  close: number,
  accountCurrency: string,
  market: Market,
): number {
  const diff = buy ? close - open : open - close;
  const p = diff * toLots(units) * sym.spec.contractSize;
  return market.convert(p, sym.spec.currencyProfit, accountCurrency);
}

/** Value of one tick for one lot, in account currency. */
export function tickValueOf(sym: SimSymbol, accountCurrency: string, market: Market): number {
  return market.convert(sym.point * sym.spec.contractSize, sym.spec.currencyProfit, accountCurrency);
}

/** Commission in account currency for one deal of `units` (negative, as MetaTrader books it). */
export function commissionOf(sym: SimSymbol, units: number, accountCurrency: string, market: Market): number {
  const per = sym.spec.commissionPerLot ?? 0;
  if (per === 0) return 0;
  return -market.convert(per * toLots(units), sym.spec.commissionCurrency ?? 'USD', accountCurrency);
}

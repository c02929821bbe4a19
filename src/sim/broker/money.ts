import type { AccountSummary } from '../types.js';
import type { SimAccount } from './account.js';
import type { Row } from './account-types.js';
import type { OrderBook } from './book.js';
import { closePart } from './closing.js';
import { money } from './time.js';

/** The account block of `/AccountSummary` and account frames, from the cached totals. */
export function summaryOf(a: SimAccount, book: OrderBook): AccountSummary {
  const t = book.totals();
  const equity = a.balance + a.credit + t.profit;
  return {
    balance: money(a.balance),
    credit: money(a.credit),
    profit: money(t.profit),
    equity: money(equity),
    margin: money(t.margin),
    freeMargin: money(equity - t.margin),
    marginLevel: t.margin > 0 ? money((equity / t.margin) * 100) : 0,
    leverage: a.leverage,
    currency: a.currency,
    type: a.type,
  };
}

/** Broker stop-out: closes the most losing position while the margin level is at or under the stop-out level. */
export function applyStopOut(a: SimAccount, book: OrderBook): boolean {
  let acted = false;
  for (let guard = 0; guard < 10_000; guard++) {
    const t = book.totals();
    if (t.margin <= 0) break;
    const equity = a.balance + a.credit + t.profit;
    const level = (equity / t.margin) * 100;
    if (level > a.stopOutLevel) break;
    let worst: Row | undefined;
    let worstProfit = Infinity;
    for (const r of a.rows.values()) {
      if (r.kind !== 'Position') continue;
      const p = book.rowProfit(r);
      if (p < worstProfit) {
        worst = r;
        worstProfit = p;
      }
    }
    if (!worst) break;
    const comment = `[so ${level.toFixed(2)}%/${equity.toFixed(2)}/${t.margin.toFixed(2)}]`;
    closePart(a, book, worst, worst.units, { magic: 0, comment });
    acted = true;
  }
  if (acted) {
    a.sink.positionsChanged(a);
    a.sink.summaryChanged(a);
  }
  return acted;
}

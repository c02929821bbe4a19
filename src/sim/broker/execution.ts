import type { Operation } from '../types.js';
import type { SimAccount } from './account.js';
import type { OrderBook } from './book.js';
import { recordClosedPosition, recordDeal } from './ledger.js';
import { commissionOf, marginOf, profitOf } from './margin.js';
import { isBuy } from './symbols.js';
import type { SimSymbol } from './symbol.js';
import { money } from './time.js';

/** Whether free margin covers the extra margin and the commission of a deal (netting: only the net increase counts). */
export function marginFits(a: SimAccount, book: OrderBook, sym: SimSymbol, buy: boolean, units: number): boolean {
  let need: number;
  if (a.marginMode === 'Netting') {
    const net = book.netPosition(sym);
    const before = net ? book.rowMargin(net) : 0;
    const signed = (net ? (isBuy(net.type) ? net.units : -net.units) : 0) + (buy ? units : -units);
    const after = signed === 0 ? 0 : marginOf(sym, signed > 0, Math.abs(signed), a.leverage, a.currency, a.market);
    need = after - before;
    if (need <= 0) return true;
  } else {
    need = marginOf(sym, buy, units, a.leverage, a.currency, a.market);
  }
  const commission = -commissionOf(sym, units, a.currency, a.market);
  return a.freeMargin() - need - commission >= 0;
}

/** Executes a market deal at the current price, with netting/hedging semantics. */
export function fill(
  a: SimAccount,
  book: OrderBook,
  sym: SimSymbol,
  buy: boolean,
  units: number,
  o: { sl: number; tp: number; magic: number; comment: string; ticket?: number },
): { deal: number; position: number; price: number } {
  const price = buy ? sym.ask : sym.bid;
  const type: Operation = buy ? 'Buy' : 'Sell';
  const orderTicket = o.ticket ?? a.broker.nextTicket();
  const net = a.marginMode === 'Netting' ? book.netPosition(sym) : undefined;
  // Booked in cents, as the deal row shows it: the balance moves by exactly what the history says.
  const commission = money(commissionOf(sym, units, a.currency, a.market));
  a.balance += commission;
  if (!net) {
    const row = book.add({ ticket: orderTicket, sym, type, kind: 'Position', units, openPrice: price, stopLimitPrice: 0, stopLoss: o.sl, takeProfit: o.tp, expiration: 0, magic: o.magic, comment: o.comment });
    row.inUnits = units;
    row.commission = commission;
    const deal = recordDeal(a, row, { type, entry: 'In', units, price, profit: 0, commission, magic: o.magic, comment: o.comment, order: orderTicket });
    return { deal, position: row.ticket, price };
  }
  book.markDirty();
  net.rev++;
  if (isBuy(net.type) === buy) {
    // Netting add: one position, volume-weighted open price.
    const total = net.units + units;
    net.openPrice = sym.round((net.openPrice * net.units + price * units) / total);
    net.units = total;
    net.inUnits += units;
    net.commission += commission;
    if (o.sl > 0) net.stopLoss = o.sl;
    if (o.tp > 0) net.takeProfit = o.tp;
    const deal = recordDeal(a, net, { type, entry: 'In', units, price, profit: 0, commission, magic: o.magic, comment: o.comment, order: orderTicket });
    return { deal, position: net.ticket, price };
  }
  const closing = Math.min(units, net.units);
  const profit = money(profitOf(sym, !buy, closing, net.openPrice, price, a.currency, a.market));
  a.balance += profit;
  net.realized += profit;
  net.commission += commission;
  net.outUnits += closing;
  net.outValue += price * closing;
  if (units < net.units) {
    net.units -= units;
    const deal = recordDeal(a, net, { type, entry: 'Out', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
    return { deal, position: net.ticket, price };
  }
  if (units === net.units) {
    const deal = recordDeal(a, net, { type, entry: 'Out', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
    book.remove(net);
    recordClosedPosition(a, net, price);
    return { deal, position: net.ticket, price };
  }
  // Reversal: one InOut deal for the whole order; the position keeps its id and flips side (§3.2).
  recordClosedPosition(a, net, price);
  net.type = type;
  net.units = units - net.units;
  net.openPrice = price;
  net.openTimeMs = a.now();
  net.stopLoss = o.sl;
  net.takeProfit = o.tp;
  net.magic = o.magic;
  net.comment = o.comment;
  net.inUnits = net.units;
  net.commission = 0;
  net.realized = 0;
  net.outUnits = 0;
  net.outValue = 0;
  const deal = recordDeal(a, net, { type, entry: 'InOut', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
  return { deal, position: net.ticket, price };
}

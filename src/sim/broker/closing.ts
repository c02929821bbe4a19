import type { CloseAllSummary, Operation, OrderResult } from '../types.js';
import type { SimAccount } from './account.js';
import { TerminalError, type CloseAllRequest, type CloseRequest, type Row } from './account-types.js';
import type { OrderBook } from './book.js';
import { frozen, orderResult } from './checks.js';
import { mt4History, recordClosedPosition, recordDeal } from './ledger.js';
import { commissionOf, profitOf } from './margin.js';
import { RC } from './retcodes.js';
import { isBuy } from './symbols.js';
import { money } from './time.js';
import { toLots, toUnits } from './volume.js';

/** Who closes: the magic and comment an MT5 Out deal carries (MT4 keeps the order's own). */
export interface CloseReason {
  magic: number;
  comment: string;
}

/**
 * Closes `units` of a position at the current price. MT5: Out deal with the closing request's magic/comment;
 * MT4: the order's own magic/comment, and a partial close reopens the rest under a new ticket ("from #…").
 */
export function closePart(a: SimAccount, book: OrderBook, row: Row, units: number, why: CloseReason): { deal: number; price: number } {
  const sym = row.sym;
  const buy = isBuy(row.type);
  const price = buy ? sym.bid : sym.ask;
  const profit = money(profitOf(sym, buy, units, row.openPrice, price, a.currency, a.market));
  // Booked in cents, like the profit: the balance moves by exactly what the history rows say.
  const commission = money(commissionOf(sym, units, a.currency, a.market));
  const mt4 = a.platform === 'mt4';
  // MT4 history is one row per closed order (or closed part): it carries the commission charged when that part was
  // opened as well as the closing one, so on MT4 `row.commission` holds the open commission not yet booked to a row.
  const openShare = mt4 ? money((row.commission * units) / row.units) : 0;
  a.balance += profit + commission;
  row.realized += profit;
  if (mt4) row.commission -= openShare;
  else row.commission += commission;
  row.outUnits += units;
  row.outValue += price * units;
  row.rev++;
  book.markDirty();
  const closeType: Operation = buy ? 'Sell' : 'Buy';
  const orderTicket = mt4 ? row.ticket : a.broker.nextTicket();
  if (mt4 && a.variant.mt4PartialClose === 'same_ticket' && units < row.units) {
    // The other reading of an MT4 partial close (variant.ts): the order keeps its ticket and comment, smaller.
    row.units -= units;
    const deal = recordDeal(a, row, { type: row.type, entry: 'Out', units, price, profit, commission, magic: row.magic, comment: row.comment, order: orderTicket });
    mt4History(a, row, units, price, profit, openShare + commission);
    return { deal, price };
  }
  if (mt4) {
    const fullUnits = row.units;
    const rest = fullUnits - units;
    row.units = units;
    const deal = recordDeal(a, row, { type: row.type, entry: 'Out', units, price, profit, commission, magic: row.magic, comment: why.comment || row.comment, order: orderTicket });
    mt4History(a, row, units, price, profit, openShare + commission);
    book.remove(row);
    if (rest > 0) {
      const reopened = book.add({ ticket: a.broker.nextTicket(), sym, type: row.type, kind: 'Position', units: rest, openPrice: row.openPrice, stopLimitPrice: 0, stopLoss: row.stopLoss, takeProfit: row.takeProfit, expiration: 0, magic: row.magic, comment: `from #${row.ticket}` });
      reopened.openTimeMs = row.openTimeMs;
      reopened.inUnits = rest;
      reopened.commission = row.commission;
    }
    return { deal, price };
  }
  row.units -= units;
  const deal = recordDeal(a, row, { type: closeType, entry: 'Out', units, price, profit, commission, magic: why.magic, comment: why.comment, order: orderTicket });
  if (row.units === 0) {
    book.remove(row);
    recordClosedPosition(a, row, price);
  }
  return { deal, price };
}

/** `/OrderClose`: whole or partial close of a position, or deletion of a pending order. */
export function closeOrder(a: SimAccount, book: OrderBook, req: CloseRequest, why: CloseReason): OrderResult {
  if (req.volume !== undefined && req.volume < 0) throw new TerminalError(400, 'MRPC_VALIDATION', 'volume must be >= 0');
  const row = a.rows.get(req.ticket);
  if (!row) return orderResult(RC.POSITION_CLOSED, { order: req.ticket });
  const sym = row.sym;
  if (!a.tradeAllowed) return orderResult(RC.CLIENT_DISABLES_AT, {}, sym);
  if (row.kind === 'Pending') {
    if (!a.marketOpen(sym)) return orderResult(RC.MARKET_CLOSED, {}, sym);
    if (frozen(sym, row.openPrice, isBuy(row.type) ? sym.ask : sym.bid)) return orderResult(RC.FROZEN, {}, sym);
    book.remove(row);
    a.sink.positionsChanged(a);
    return orderResult(RC.DONE, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
  }
  if (sym.tradeMode === 'Disabled') return orderResult(RC.TRADE_DISABLED, {}, sym);
  if (!a.marketOpen(sym)) return orderResult(RC.MARKET_CLOSED, {}, sym);
  // `volume: 0` is a full close on one reading of the contract and an invalid volume on the other (variant.ts).
  if (req.volume === 0 && a.variant.closeVolumeZero === 'invalid') return orderResult(RC.INVALID_VOLUME, { order: row.ticket }, sym);
  const units = req.volume !== undefined && req.volume > 0 ? toUnits(req.volume) : row.units;
  if (units > row.units) return orderResult(RC.INVALID_CLOSE_VOLUME, { order: row.ticket }, sym);
  if (units !== row.units && (units < sym.rules.minUnits || units % sym.rules.stepUnits !== 0)) {
    return orderResult(RC.INVALID_VOLUME, { order: row.ticket }, sym);
  }
  const mkt = isBuy(row.type) ? sym.bid : sym.ask;
  if (frozen(sym, row.stopLoss, mkt) || frozen(sym, row.takeProfit, mkt)) return orderResult(RC.FROZEN, {}, sym);
  const ticket = row.ticket;
  const done = closePart(a, book, row, units, why);
  a.sink.positionsChanged(a);
  a.sink.summaryChanged(a);
  return orderResult(RC.DONE, { deal: done.deal, order: ticket, volume: toLots(units), price: done.price }, sym);
}

/** `/CloseAll`: one pass over the matching orders. */
export function closeAllOrders(a: SimAccount, req: CloseAllRequest): CloseAllSummary {
  const targets = [...a.rows.values()].filter(
    (r) =>
      (req.symbol === undefined || req.symbol === '' || r.sym.name === req.symbol) &&
      (req.magic === undefined || r.magic === req.magic) &&
      (r.kind === 'Position' || req.deletePending === true),
  );
  const results: CloseAllSummary['results'] = [];
  let closed = 0;
  for (const r of targets) {
    const res = a.close({ ticket: r.ticket });
    if (res.success) closed++;
    results.push({
      ticket: r.ticket,
      kind: r.kind === 'Position' ? 'position' : 'pending',
      success: res.success,
      retcode: res.retcode,
      retcodeDescription: res.retcodeDescription,
    });
  }
  return { requested: targets.length, closed, failed: targets.length - closed, results };
}

import type { DealEntry, HistoryTrade, Operation, PositionTrade } from '../types.js';
import type { SimAccount } from './account.js';
import type { Row } from './account-types.js';
import { money } from './time.js';
import { toLots } from './volume.js';

/**
 * Records one deal: the history row (MT5 only; MT4 history is written per order by `mt4History`) and the trade
 * frame. Returns the deal ticket, 0 on MT4.
 */
export function recordDeal(
  a: SimAccount,
  row: Row,
  d: { type: Operation; entry: DealEntry; units: number; price: number; profit: number; commission: number; magic: number; comment: string; order: number },
): number {
  const mt4 = a.platform === 'mt4';
  const deal = mt4 ? 0 : a.broker.nextDeal();
  const time = a.time(a.now());
  const commission = money(d.commission);
  if (!mt4) {
    a.deals.push({
      ticket: deal,
      order: d.order,
      position: row.ticket,
      symbol: row.sym.name,
      type: d.type,
      entry: d.entry,
      volume: toLots(d.units),
      price: d.price,
      commission,
      swap: 0,
      profit: d.profit,
      magic: d.magic,
      comment: d.comment,
      time,
    });
  }
  // MT4 bridges report per order: deal 0, order = position = the ticket, magic/comment kept (§4.5).
  a.sink.deal(a, {
    deal,
    order: mt4 ? row.ticket : d.order,
    position: row.ticket,
    symbol: row.sym.name,
    type: d.type,
    entry: d.entry,
    volume: toLots(d.units),
    price: d.price,
    profit: d.profit,
    commission,
    swap: 0,
    magic: d.magic,
    comment: d.comment,
    time,
    degraded: false,
  });
  return deal;
}

/** Appends a fully closed position to PositionHistory, at the volume-weighted close price of its Out deals. */
export function recordClosedPosition(a: SimAccount, row: Row, lastPrice: number): void {
  const closePrice = row.outUnits > 0 ? row.sym.round(row.outValue / row.outUnits) : lastPrice;
  const commission = money(row.commission);
  const profit = money(row.realized);
  a.closedPositions.push({
    positionId: row.ticket,
    symbol: row.sym.name,
    type: row.type,
    volume: toLots(row.inUnits),
    openTime: a.time(row.openTimeMs),
    openPrice: row.openPrice,
    closeTime: a.time(a.now()),
    closePrice,
    profit,
    swap: 0,
    commission,
    netProfit: money(profit + commission),
    magic: row.magic,
    comment: row.comment,
  });
}

/** MT4 history of a closed order (or the closed part of a split): one deal row and one position row, both under the order ticket. */
export function mt4History(a: SimAccount, row: Row, units: number, price: number, profit: number, commission: number): void {
  const time = a.time(a.now());
  a.deals.push({
    ticket: row.ticket,
    order: row.ticket,
    position: row.ticket,
    symbol: row.sym.name,
    type: row.type,
    entry: 'Out',
    volume: toLots(units),
    price,
    commission: money(commission),
    swap: 0,
    profit,
    magic: row.magic,
    comment: row.comment,
    time,
  });
  a.closedPositions.push({
    positionId: row.ticket,
    symbol: row.sym.name,
    type: row.type,
    volume: toLots(units),
    openTime: a.time(row.openTimeMs),
    openPrice: row.openPrice,
    closeTime: time,
    closePrice: price,
    profit,
    swap: 0,
    commission: money(commission),
    netProfit: money(profit + commission),
    magic: row.magic,
    comment: row.comment,
  });
}

/** Deals with a broker time inside [fromMs, toMs] (UTC ms, either end open). */
export function historyOf(a: SimAccount, fromMs?: number, toMs?: number): HistoryTrade[] {
  if (fromMs === undefined && toMs === undefined) return a.deals.slice();
  return a.deals.filter((d) => inRange(a, d.time, fromMs, toMs));
}

/** Closed positions with a close time inside [fromMs, toMs] (UTC ms, either end open). */
export function positionHistoryOf(a: SimAccount, fromMs?: number, toMs?: number): PositionTrade[] {
  if (fromMs === undefined && toMs === undefined) return a.closedPositions.slice();
  return a.closedPositions.filter((p) => inRange(a, p.closeTime, fromMs, toMs));
}

function inRange(a: SimAccount, brokerTime: string, fromMs?: number, toMs?: number): boolean {
  const utc = Date.parse(brokerTime) - a.broker.utcOffsetSeconds * 1000;
  return (fromMs === undefined || utc >= fromMs) && (toMs === undefined || utc <= toMs);
}

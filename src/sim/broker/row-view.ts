import type { OpenedOrder } from '../types.js';
import type { SimAccount } from './account.js';
import type { Row } from './account-types.js';
import type { OrderBook } from './book.js';
import { isBuy } from './symbols.js';
import { money } from './time.js';
import { toLots } from './volume.js';

/** One row as the OpenedOrder of `/OpenedOrders`. */
export function openedOrderOf(a: SimAccount, book: OrderBook, r: Row): OpenedOrder {
  const buy = isBuy(r.type);
  const pos = r.kind === 'Position';
  return {
    ticket: r.ticket,
    symbol: r.sym.name,
    type: r.type,
    kind: r.kind,
    lots: toLots(r.units),
    openPrice: r.openPrice,
    currentPrice: pos === buy ? r.sym.bid : r.sym.ask,
    stopLoss: r.stopLoss,
    takeProfit: r.takeProfit,
    swap: 0,
    profit: pos ? money(book.rowProfit(r)) : 0,
    magic: r.magic,
    comment: r.comment,
    openTime: a.time(r.openTimeMs),
  };
}

/**
 * JSON of one OpenedOrder row for positions frames. The static fields are cached per row revision and only
 * `currentPrice`/`profit` are rebuilt when prices moved, so a frame with many rows stays cheap.
 */
export function rowJsonOf(a: SimAccount, book: OrderBook, r: Row): string {
  if (r.staticRev !== r.rev) {
    r.staticJson =
      `{"ticket":${r.ticket},"symbol":${JSON.stringify(r.sym.name)},"type":"${r.type}","kind":"${r.kind}",` +
      `"lots":${toLots(r.units)},"openPrice":${r.openPrice},"stopLoss":${r.stopLoss},"takeProfit":${r.takeProfit},` +
      `"swap":0,"magic":${r.magic},"comment":${JSON.stringify(r.comment)},"openTime":"${a.time(r.openTimeMs)}"`;
    r.staticRev = r.rev;
    r.jsonVersion = -1;
  }
  if (r.jsonVersion !== a.market.version) {
    const buy = isBuy(r.type);
    const pos = r.kind === 'Position';
    const current = pos === buy ? r.sym.bid : r.sym.ask;
    r.json = `${r.staticJson},"currentPrice":${current},"profit":${pos ? money(book.rowProfit(r)) : 0}}`;
    r.jsonVersion = a.market.version;
  }
  return r.json;
}

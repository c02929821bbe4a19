/** Which positions lists show a master ticket changed without a deal (domain/ticket-change.ts). */
import { describe, expect, it } from 'vitest';
import { applyDeal, applyPositions, createMasterBook } from '../../../src/domain/detect.js';
import type { MasterBook } from '../../../src/domain/detect.js';
import { ticketChanges } from '../../../src/domain/ticket-change.js';
import type { OpenedOrder, TradeDeal } from '../../../src/domain/trading.js';
import { MASTER, row } from './fixtures.js';

const pos = (ticket: number, over: Partial<OpenedOrder> = {}): OpenedOrder => row({ ticket, lots: 0.5, ...over });

function primedWith(rows: OpenedOrder[]): MasterBook {
  const book = createMasterBook(MASTER);
  applyPositions(book, rows, 1);
  return book;
}

function deal(over: Partial<TradeDeal>): TradeDeal {
  return {
    deal: 1,
    order: 1,
    position: 1,
    symbol: 'EURUSD',
    type: 'Buy',
    entry: 'In',
    volume: 0.5,
    price: 1.1,
    profit: 0,
    commission: 0,
    swap: 0,
    magic: 0,
    comment: '',
    time: '2026-11-25T10:00:00Z',
    degraded: false,
    ...over,
  };
}

describe('ticketChanges', () => {
  it('pairs a position that left with one of the same symbol and side that appeared', () => {
    const book = primedWith([pos(5001, { stopLoss: 1.09 }), pos(5002, { symbol: 'XAUUSD', type: 'Sell', lots: 0.2 })]);
    const changes = ticketChanges(book, [pos(5009, { lots: 0.3 }), pos(5002, { symbol: 'XAUUSD', type: 'Sell', lots: 0.2 })]);
    expect(changes).toEqual([{ from: 5001, to: 5009, symbol: 'EURUSD', side: 'buy', fromLots: 0.5, toLots: 0.3 }]);
  });

  it('pairs lowest tickets first and each position once', () => {
    const book = primedWith([pos(5001), pos(5002)]);
    expect(ticketChanges(book, [pos(5012), pos(5011)]).map((c) => [c.from, c.to])).toEqual([
      [5001, 5011],
      [5002, 5012],
    ]);
    // One left, two appeared: the second new one is an open whose deal may still come, not a change.
    expect(ticketChanges(primedWith([pos(5001)]), [pos(5011), pos(5012)]).map((c) => [c.from, c.to])).toEqual([[5001, 5011]]);
  });

  it('no pair across symbols or sides, and none without a position that left', () => {
    const book = primedWith([pos(5001)]);
    expect(ticketChanges(book, [pos(5009, { type: 'Sell' })])).toEqual([]);
    expect(ticketChanges(book, [pos(5009, { symbol: 'GBPUSD' })])).toEqual([]);
    expect(ticketChanges(book, [pos(5001), pos(5009)])).toEqual([]);
    expect(ticketChanges(book, [])).toEqual([]);
  });

  it('an MT4 partial-close rest (`from #<old>`) is the same position, as detect.ts follows it', () => {
    const book = primedWith([pos(55501, { lots: 0.1 })]);
    expect(ticketChanges(book, [pos(55502, { lots: 0.06, comment: 'from #55501' })])).toEqual([]);
    // A `from #` naming another ticket does not excuse the change.
    expect(ticketChanges(book, [pos(55502, { lots: 0.06, comment: 'from #40000' })]).map((c) => [c.from, c.to])).toEqual([[55501, 55502]]);
  });

  it('deals the book has applied explain the change: an Out before the list, an In before the list', () => {
    const closed = primedWith([pos(5001)]);
    applyDeal(closed, deal({ position: 5001, order: 5003, entry: 'Out', type: 'Sell' }), 2);
    expect(ticketChanges(closed, [pos(5009)])).toEqual([]);
    const opened = primedWith([pos(5001)]);
    applyDeal(opened, deal({ position: 5009, order: 5009, entry: 'In' }), 2);
    // 5009 is in the book from its deal: what remains is a close whose deal is missing, not a ticket change.
    expect(ticketChanges(opened, [pos(5009)])).toEqual([]);
  });

  it('nothing before the first list, nothing while resyncing after a gap, pending rows never', () => {
    expect(ticketChanges(createMasterBook(MASTER), [pos(5009)])).toEqual([]);
    const book = primedWith([pos(5001)]);
    book.resyncLots = true;
    expect(ticketChanges(book, [pos(5009)])).toEqual([]);
    book.resyncLots = false;
    expect(ticketChanges(book, [pos(5009, { kind: 'Pending', type: 'BuyLimit' })])).toEqual([]);
    const withPending = primedWith([pos(7001, { kind: 'Pending', type: 'BuyLimit' })]);
    expect(ticketChanges(withPending, [pos(7002, { kind: 'Pending', type: 'BuyLimit' })])).toEqual([]);
  });

  it('is pure: the book is not changed', () => {
    const book = primedWith([pos(5001)]);
    const before = structuredClone(book);
    ticketChanges(book, [pos(5009)]);
    expect(book).toEqual(before);
  });
});

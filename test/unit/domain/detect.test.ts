import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeal, applyPositions, createMasterBook, resolveDegradedEntry, unsettledTickets } from '../../../src/domain/detect.js';
import type { MasterEvent } from '../../../src/domain/events.js';
import type { OpenedOrder, TradeDeal } from '../../../src/domain/trading.js';

const deal = (over: Partial<TradeDeal>): TradeDeal => ({
  deal: 1,
  order: 1,
  position: 100,
  symbol: 'EURUSD',
  type: 'Buy',
  entry: 'In',
  volume: 1,
  price: 1.1,
  profit: 0,
  commission: 0,
  swap: 0,
  magic: 0,
  comment: '',
  time: '2026-11-23T10:00:00Z',
  degraded: false,
  ...over,
});

const row = (over: Partial<OpenedOrder>): OpenedOrder => ({
  ticket: 100,
  symbol: 'EURUSD',
  type: 'Buy',
  kind: 'Position',
  lots: 1,
  openPrice: 1.1,
  currentPrice: 1.1,
  stopLoss: 0,
  takeProfit: 0,
  swap: 0,
  profit: 0,
  magic: 0,
  comment: '',
  openTime: '2026-11-23T10:00:00Z',
  ...over,
});

describe('detect: deals', () => {
  it('In opens, a smaller Out closes part with the fraction base, the last Out closes the rest', () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    const [open] = applyDeal(book, deal({ deal: 1, volume: 0.5 }), 1);
    expect(open).toMatchObject({ kind: 'open', position: 100, side: 'buy', volume: 0.5, volumeBefore: 0, eventId: 'd1' });
    const [part] = applyDeal(book, deal({ deal: 2, entry: 'Out', type: 'Sell', volume: 0.2 }), 2);
    expect(part).toMatchObject({ kind: 'close', side: 'buy', volume: 0.2, volumeBefore: 0.5 });
    const [rest] = applyDeal(book, deal({ deal: 3, entry: 'Out', type: 'Sell', volume: 0.3 }), 3);
    expect(rest).toMatchObject({ kind: 'close', volume: 0.3, volumeBefore: 0.3 });
    expect(book.positions.has(100)).toBe(false);
  });

  it('InOut on a netting master closes the position and opens the remainder on the other side', () => {
    const book = createMasterBook('m');
    applyDeal(book, deal({ deal: 1, volume: 1 }), 0);
    const events = applyDeal(book, deal({ deal: 2, entry: 'InOut', type: 'Sell', volume: 1.5 }), 1);
    expect(events.map((e) => e.kind)).toEqual(['close', 'open']);
    expect(events[0]).toMatchObject({ volume: 1, volumeBefore: 1, side: 'buy', eventId: 'd2:c' });
    expect(events[1]).toMatchObject({ volume: 0.5, volumeBefore: 0, side: 'sell', eventId: 'd2:o' });
  });

  it('an add on a netting position (second In) is another open of the same position', () => {
    const book = createMasterBook('m');
    applyDeal(book, deal({ deal: 1, volume: 1 }), 0);
    const [add] = applyDeal(book, deal({ deal: 2, volume: 0.5 }), 1);
    expect(add).toMatchObject({ kind: 'open', position: 100, volume: 0.5, volumeBefore: 1 });
    const [close] = applyDeal(book, deal({ deal: 3, entry: 'Out', type: 'Sell', volume: 1.5 }), 2);
    expect(close).toMatchObject({ volumeBefore: 1.5 });
  });

  it('MT4 events (deal 0) get distinct ids from order, entry and time', () => {
    const book = createMasterBook('m');
    const [a] = applyDeal(book, deal({ deal: 0, order: 55, position: 55, time: 't1' }), 0);
    const [b] = applyDeal(book, deal({ deal: 0, order: 55, position: 55, entry: 'Out', type: 'Sell', time: 't2' }), 1);
    expect(a?.eventId).not.toBe(b?.eventId);
  });
});

describe('detect: positions list', () => {
  it('the first list only primes; later SL/TP changes become one modify with both previous values', () => {
    const book = createMasterBook('m');
    expect(applyPositions(book, [row({ stopLoss: 1.09 })], 0)).toEqual([]);
    const events = applyPositions(book, [row({ stopLoss: 1.095, takeProfit: 1.12 })], 1);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'modify', position: 100, stopLoss: 1.095, takeProfit: 1.12, previousStopLoss: 1.09, previousTakeProfit: 0 }),
    ]);
    expect(applyPositions(book, [row({ stopLoss: 1.095, takeProfit: 1.12 })], 2)).toEqual([]);
  });

  it('an open carries SL/TP when the row arrived first; no duplicate modify afterwards', () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    applyPositions(book, [row({ stopLoss: 1.09, takeProfit: 1.2 })], 1);
    const [open] = applyDeal(book, deal({}), 2);
    expect(open).toMatchObject({ kind: 'open', stopLoss: 1.09, takeProfit: 1.2 });
    expect(applyPositions(book, [row({ stopLoss: 1.09, takeProfit: 1.2 })], 3)).toEqual([]);
  });

  it('an open seen before its row gets a modify once the row shows SL/TP', () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    applyDeal(book, deal({}), 1);
    const events = applyPositions(book, [row({ stopLoss: 1.09 })], 2);
    expect(events).toEqual([expect.objectContaining({ kind: 'modify', stopLoss: 1.09, previousStopLoss: 0 })]);
  });

  it('pending orders: placed, moved, deleted', () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    const p = row({ ticket: 7, kind: 'Pending', type: 'BuyLimit', openPrice: 1.05 });
    expect(applyPositions(book, [p], 1)).toEqual([expect.objectContaining({ kind: 'pending_place', order: 7, price: 1.05, operation: 'BuyLimit' })]);
    expect(applyPositions(book, [{ ...p, openPrice: 1.04 }], 2)).toEqual([expect.objectContaining({ kind: 'pending_modify', order: 7, price: 1.04 })]);
    expect(applyPositions(book, [], 3)).toEqual([expect.objectContaining({ kind: 'pending_delete', order: 7 })]);
  });

  it('a pending that triggers is not a delete: its In deal opens from the pending, whichever comes first', () => {
    for (const dealFirst of [true, false]) {
      const book = createMasterBook('m');
      applyPositions(book, [], 0);
      applyPositions(book, [row({ ticket: 7, kind: 'Pending', type: 'BuyLimit' })], 1);
      const events: MasterEvent[] = [];
      const dealFrame = () => events.push(...applyDeal(book, deal({ deal: 9, position: 7 }), 2));
      const listFrame = () => events.push(...applyPositions(book, [row({ ticket: 7 })], 3));
      if (dealFirst) {
        dealFrame();
        listFrame();
      } else {
        listFrame();
        dealFrame();
      }
      expect(events.map((e) => e.kind)).toEqual(['open']);
      expect(events[0]).toMatchObject({ fromPendingOrder: 7 });
    }
  });
});

describe('detect: after a gap in the stream', () => {
  it('the first list after a reconnect resets the lots counted from deals, so a later partial close is a fraction of what is held', () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    applyDeal(book, deal({ deal: 1, volume: 0.4 }), 1);
    applyPositions(book, [row({ lots: 0.4 })], 2);
    // A 0.2 partial close happened while the socket was down; its Out deal is lost.
    book.resyncLots = true;
    applyPositions(book, [row({ lots: 0.2 })], 3);
    const [close] = applyDeal(book, deal({ deal: 3, entry: 'Out', type: 'Sell', volume: 0.1 }), 4);
    expect(close).toMatchObject({ kind: 'close', volume: 0.1, volumeBefore: 0.2 });
    // Without a gap, a list does not overrule the deals (it may come before a deal on its way).
    applyPositions(book, [row({ lots: 0.05 })], 5);
    expect(book.positions.get(100)?.dealVolume).toBe(0.1);
  });
});

describe('detect: where the stream and a read of the master disagree', () => {
  it('is settled when the book matches the rows, and names every ticket a change is still on its way for', () => {
    const book = createMasterBook('m');
    const pending = row({ ticket: 300, kind: 'Pending', type: 'BuyLimit', openPrice: 1.09, lots: 0.5 });
    applyPositions(book, [row({ ticket: 100, lots: 1, stopLoss: 1.05 }), pending], 0);
    expect([...unsettledTickets(book, [row({ ticket: 100, lots: 1, stopLoss: 1.05 }), pending])]).toEqual([]);
    const read = [
      row({ ticket: 100, lots: 0.6, stopLoss: 1.05 }), // a partial close the stream has not shown
      { ...pending, openPrice: 1.08 }, // a pending moved
      row({ ticket: 200, lots: 1 }), // a new position the stream has not shown
    ];
    expect([...unsettledTickets(book, read)].sort()).toEqual([100, 200, 300]);
    // SL moved on the read only; a position the book holds that the read lacks (closed, Out deal still on its way).
    expect([...unsettledTickets(book, [row({ ticket: 100, lots: 1, stopLoss: 1.06 }), pending])]).toEqual([100]);
    expect([...unsettledTickets(book, [pending])]).toEqual([100]);
    // An In deal seen before any list showed its position: the list (with its SL/TP) is still on its way.
    applyDeal(book, deal({ deal: 7, position: 400, volume: 0.3 }), 1);
    expect([...unsettledTickets(book, [row({ ticket: 100, lots: 1, stopLoss: 1.05 }), pending, row({ ticket: 400, lots: 0.3 })])]).toEqual([400]);
    // After a reconnect gap the new list settles what the lost deals changed (reconciliation repairs the copies).
    const gap = [row({ ticket: 100, lots: 0.6, stopLoss: 1.05 }), pending, row({ ticket: 200, lots: 1 })];
    applyPositions(book, gap, 2);
    expect([...unsettledTickets(book, gap)]).toEqual([400]);
  });
});

describe('detect: degraded deals are resolved from open orders, never guessed', () => {
  it('opens, adds, partial and full closes are told apart by the row volume', () => {
    const book = createMasterBook('m');
    const d = deal({ entry: 'Unknown', degraded: true, volume: 0.5 });
    expect(resolveDegradedEntry(book, d, [row({ lots: 0.5 })])).toBe('In');
    expect(resolveDegradedEntry(book, d, [])).toBeNull();
    applyDeal(book, deal({ volume: 1 }), 0);
    expect(resolveDegradedEntry(book, d, [row({ lots: 1.5 })])).toBe('In');
    expect(resolveDegradedEntry(book, d, [row({ lots: 0.5 })])).toBe('Out');
    expect(resolveDegradedEntry(book, d, [])).toBe('Out');
    expect(resolveDegradedEntry(book, d, [row({ lots: 0.8 })])).toBeNull();
  });
});

describe('detect: properties', () => {
  it('for any sequence of partial closes, closed volumes sum to the opened volume and never exceed what was open', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (parts) => {
        const book = createMasterBook('m');
        const total = parts.reduce((s, p) => s + p, 0) / 100;
        applyDeal(book, deal({ deal: 1, volume: total }), 0);
        let closed = 0;
        let n = 2;
        for (const p of parts) {
          const [e] = applyDeal(book, deal({ deal: n++, entry: 'Out', type: 'Sell', volume: p / 100 }), n);
          if (e?.kind !== 'close') return false;
          if (e.volume > e.volumeBefore + 1e-9) return false;
          closed += e.volume;
        }
        return Math.abs(closed - total) < 1e-6 && !book.positions.has(100);
      }),
    );
  });
});

describe('MT4 master partial close: the rest under a new ticket (`from #…`)', () => {
  const opened = () => {
    const book = createMasterBook('m');
    applyPositions(book, [], 0);
    applyDeal(book, deal({ deal: 0, position: 100, entry: 'In', volume: 0.4 }), 1);
    applyPositions(book, [row({ ticket: 100, lots: 0.4, stopLoss: 1.05 })], 2);
    return book;
  };

  it('deal first, then the list: a partial close of the old ticket, then the rest is the same position (no event)', () => {
    const book = opened();
    const close = applyDeal(book, deal({ deal: 0, position: 100, entry: 'Out', type: 'Sell', volume: 0.1 }), 3);
    expect(close).toEqual([expect.objectContaining({ kind: 'close', position: 100, volume: 0.1, volumeBefore: 0.4 })]);
    expect(applyPositions(book, [row({ ticket: 101, lots: 0.3, stopLoss: 1.05, comment: 'from #100' })], 4)).toEqual([]);
    expect(book.splits).toEqual([{ from: 100, to: 101 }]);
    expect(book.positions.has(100)).toBe(false);
    expect(book.positions.get(101)).toMatchObject({ dealVolume: 0.3, stopLoss: 1.05, side: 'buy' });
    // A later partial close of the rest is a fraction of the rest, not a full close.
    expect(applyDeal(book, deal({ deal: 0, position: 101, entry: 'Out', type: 'Sell', volume: 0.1 }), 5)).toEqual([expect.objectContaining({ kind: 'close', position: 101, volume: 0.1, volumeBefore: 0.3 })]);
  });

  it('list first, then the deal: the old ticket’s Out closes part of the rest, never a whole unknown position', () => {
    const book = opened();
    expect(applyPositions(book, [row({ ticket: 101, lots: 0.3, stopLoss: 1.05, comment: 'from #100' })], 3)).toEqual([]);
    expect(applyDeal(book, deal({ deal: 0, position: 100, entry: 'Out', type: 'Sell', volume: 0.1 }), 4)).toEqual([expect.objectContaining({ kind: 'close', position: 101, volume: 0.1, volumeBefore: 0.4 })]);
  });

  it('a `from #` comment on a new position while the named one is still listed, or on another symbol, is no split', () => {
    const book = opened();
    applyPositions(book, [row({ ticket: 100, lots: 0.4, stopLoss: 1.05 }), row({ ticket: 102, lots: 0.1, comment: 'from #100' })], 3);
    expect(book.splits ?? []).toEqual([]);
    applyPositions(book, [row({ ticket: 103, symbol: 'GBPUSD', lots: 0.3, comment: 'from #100' })], 4);
    expect(book.splits ?? []).toEqual([]);
  });
});

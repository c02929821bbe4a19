/**
 * Start-up recovery of master deals: the unprocessed recent deals come back as the events the stream gave, with the
 * same ids (so their batches carry the same Idempotency-Keys) and a partial close keeps its fraction.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryDeal, OpenedOrder } from '../../../src/domain/trading.js';
import { copyComment } from '../../../src/domain/tags.js';
import { recoverMissedEvents, unprocessedGoneOpens, untrackedNettingShares } from '../../../src/engine/recovery.js';
import type { RecoveryInput } from '../../../src/engine/recovery.js';

const OFFSET = 7200;
const NOW = Date.parse('2026-11-23T12:00:00Z');
/** A broker-time string `secondsAgo` before NOW. */
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000 + OFFSET * 1000).toISOString();

const deal = (over: Partial<HistoryDeal>): HistoryDeal => ({
  ticket: 1,
  order: 100,
  position: 100,
  symbol: 'EURUSD',
  type: 'Buy',
  entry: 'In',
  volume: 0.5,
  price: 1.1,
  commission: 0,
  swap: 0,
  profit: 0,
  magic: 0,
  comment: '',
  time: at(10),
  ...over,
});

const row = (over: Partial<OpenedOrder>): OpenedOrder => ({
  ticket: 100,
  symbol: 'EURUSD',
  type: 'Buy',
  kind: 'Position',
  lots: 0.5,
  openPrice: 1.1,
  currentPrice: 1.1,
  stopLoss: 1.09,
  takeProfit: 1.12,
  swap: 0,
  profit: 0,
  magic: 0,
  comment: '',
  openTime: at(10),
  ...over,
});

function input(over: Partial<RecoveryInput>): RecoveryInput {
  return {
    masterId: 'm1',
    deals: [],
    open: [],
    utcOffsetSeconds: OFFSET,
    now: NOW,
    maxAgeMs: 300_000,
    isProcessed: () => false,
    hadPendingCopy: () => false,
    ...over,
  };
}

describe('recoverMissedEvents', () => {
  it('turns an unprocessed open of a still-open position into the open event, with its id and stops', () => {
    const events = recoverMissedEvents(input({ deals: [deal({ ticket: 7 })], open: [row({})] }));
    expect(events).toEqual([
      expect.objectContaining({ kind: 'open', masterId: 'm1', eventId: 'd7', position: 100, deal: 7, side: 'buy', volume: 0.5, price: 1.1, stopLoss: 1.09, takeProfit: 1.12, fromPendingOrder: null }),
    ]);
  });

  it('skips processed deals, deals older than the window and opens of positions closed since', () => {
    const deals = [deal({ ticket: 1 }), deal({ ticket: 2, position: 200, time: at(600) }), deal({ ticket: 3, position: 300 })];
    const events = recoverMissedEvents(input({ deals, open: [row({}), row({ ticket: 200 })], isProcessed: (id) => id === 'd1' }));
    expect(events).toEqual([]);
  });

  it('gives a partial close the volume before it, counted back from the position now', () => {
    // Opened 1.0 (processed), closed 0.3 then 0.2 (both missed): 0.5 left.
    const deals = [
      deal({ ticket: 1, volume: 1, time: at(30) }),
      deal({ ticket: 2, entry: 'Out', type: 'Sell', volume: 0.3, time: at(20) }),
      deal({ ticket: 3, entry: 'Out', type: 'Sell', volume: 0.2, time: at(10) }),
    ];
    const events = recoverMissedEvents(input({ deals, open: [row({ lots: 0.5 })], isProcessed: (id) => id === 'd1' }));
    expect(events.map((e) => (e.kind === 'close' ? [e.eventId, e.side, e.volume, e.volumeBefore] : e.kind))).toEqual([
      ['d2', 'buy', 0.3, 1],
      ['d3', 'buy', 0.2, 0.7],
    ]);
  });

  it('recovers a full close of a gone position, oldest first across positions, and ignores deals without a ticket', () => {
    const deals = [
      deal({ ticket: 5, position: 300, entry: 'Out', type: 'Buy', volume: 0.4, time: at(5) }),
      deal({ ticket: 4, position: 300, type: 'Sell', volume: 0.4, time: at(50) }),
      deal({ ticket: 6, time: at(40) }),
      deal({ ticket: 0, position: 400, time: at(3) }),
    ];
    const events = recoverMissedEvents(input({ deals, open: [row({})], isProcessed: (id) => id === 'd4' }));
    expect(events.map((e) => [e.kind, e.eventId])).toEqual([
      ['open', 'd6'],
      ['close', 'd5'],
    ]);
    expect(events[1]).toMatchObject({ side: 'sell', volume: 0.4, volumeBefore: 0.4 });
  });

  it('marks an open as a triggered pending when a follower held a copy of that pending order', () => {
    const events = recoverMissedEvents(input({ deals: [deal({ ticket: 9 })], open: [row({})], hadPendingCopy: (t) => t === 100 }));
    expect(events[0]).toMatchObject({ kind: 'open', fromPendingOrder: 100 });
  });
});

describe('untracked netting shares of gone master positions', () => {
  const MAGIC = 42;
  it('lists only unprocessed, recent opens whose position is gone', () => {
    const gone = unprocessedGoneOpens(
      input({
        deals: [
          deal({ ticket: 7, position: 100 }),
          deal({ ticket: 8, position: 100, entry: 'Out', type: 'Sell' }),
          deal({ ticket: 9, position: 200 }),
          deal({ ticket: 10, position: 300 }),
          deal({ ticket: 11, position: 400, time: at(600) }),
        ],
        open: [row({ ticket: 200 })],
        isProcessed: (id) => id === 'd10',
      }),
    );
    expect(gone.map((g) => [g.position, g.deal.ticket])).toEqual([[100, 7]]);
  });

  it('adopts the net of the follower deals carrying the tag, on the row they went into; nothing without a tagged deal or with a link', () => {
    const gone = [{ position: 100, deal: deal({ ticket: 7, position: 100, volume: 0.4, symbol: 'EURUSD' }) }];
    const tag = copyComment('m1', 100);
    const followerDeals = [
      deal({ ticket: 50, position: 900, symbol: 'EURUSD.raw', type: 'Buy', volume: 0.3, magic: MAGIC, comment: tag }),
      deal({ ticket: 51, position: 900, symbol: 'EURUSD.raw', type: 'Sell', volume: 0.1, magic: MAGIC, comment: tag }),
      deal({ ticket: 52, position: 900, symbol: 'EURUSD.raw', type: 'Buy', volume: 0.5, magic: MAGIC, comment: copyComment('m1', 101) }),
      deal({ ticket: 53, position: 900, symbol: 'EURUSD.raw', type: 'Buy', volume: 0.5, magic: 0, comment: tag }),
    ];
    const base = { masterId: 'm1', followerId: 'f1', magic: MAGIC, now: NOW, gone, followerDeals, known: () => false };
    expect(untrackedNettingShares(base)).toEqual([
      { masterId: 'm1', masterTicket: 100, followerId: 'f1', followerTicket: 900, kind: 'position', followerSymbol: 'EURUSD.raw', masterSymbol: 'EURUSD', side: 'buy', volume: 0.2, masterVolume: 0.4, openedAt: NOW, status: 'open' },
    ]);
    expect(untrackedNettingShares({ ...base, known: () => true })).toEqual([]);
    expect(untrackedNettingShares({ ...base, followerDeals: followerDeals.slice(2) })).toEqual([]);
  });
});

/**
 * The daily risk budget counts a copy the moment the broker has filled or placed it, before the follower's positions
 * frame shows it: applying a filled leg notes it on the ledger, and it is counted until a row shows it.
 */
import { describe, expect, it } from 'vitest';
import type { LegPlan } from '../../../src/domain/plan.js';
import { applyExecution } from '../../../src/engine/apply-results.js';
import type { EventFacts } from '../../../src/engine/apply-results.js';
import type { LegExecution } from '../../../src/engine/executor.js';
import { FreshCopies } from '../../../src/engine/fresh-copies.js';
import { LedgerIndex } from '../../../src/engine/ledger-index.js';
import { FOLLOWER, link, MAGIC, MASTER, row } from '../domain/fixtures.js';

const facts: EventFacts = { masterId: MASTER, eventId: 'd1', kind: 'open', masterPrice: 1.1, masterVolumeAfter: 1, masterSymbol: 'EURUSD', at: 1 };

function openLeg(over: Partial<Extract<LegPlan, { action: 'open' }>> = {}): Extract<LegPlan, { action: 'open' }> {
  return { action: 'open', followerId: FOLLOWER, masterTicket: 5001, symbol: 'EURUSD', operation: 'Buy', side: 'buy', volume: 0.5, stopLoss: 1.099, takeProfit: 0, comment: 'c', magic: MAGIC, reasons: [], ...over };
}

function filled(plan: LegPlan, ticket: number, price: number | null): LegExecution {
  return { plan, status: 'filled', volume: plan.action === 'open' || plan.action === 'place_pending' ? plan.volume : null, price, ticket, retcode: 10009, latencyMs: 1, message: '' };
}

describe('FreshCopies', () => {
  it('counts a filled copy before its row arrives, then only the row', () => {
    const ledger = new LedgerIndex([]);
    const stale = [row({ ticket: 100, magic: MAGIC, lots: 0.2, stopLoss: 1.09 })];
    // The budget was computed once (the follower is watched), then a copy filled.
    expect(ledger.freshCopies.openCopies(FOLLOWER, stale, MAGIC, ledger.ofFollower(FOLLOWER))).toHaveLength(1);
    applyExecution(filled(openLeg(), 9100, 1.10002), facts, ledger, 'f', 0.00001);
    const before = ledger.freshCopies.openCopies(FOLLOWER, stale, MAGIC, ledger.ofFollower(FOLLOWER));
    expect(before).toEqual([
      { ticket: 100, symbol: 'EURUSD', side: 'buy', lots: 0.2, entryPrice: 1.10002, stopLoss: 1.09, pending: false },
      { ticket: 9100, symbol: 'EURUSD', side: 'buy', lots: 0.5, entryPrice: 1.10002, stopLoss: 1.099, pending: false },
    ]);
    // The positions frame with the new row arrives: counted once, from the row.
    const fresh = [...stale, row({ ticket: 9100, magic: MAGIC, lots: 0.5, openPrice: 1.10004, stopLoss: 1.099 })];
    expect(ledger.freshCopies.openCopies(FOLLOWER, fresh, MAGIC, ledger.ofFollower(FOLLOWER)).map((c) => [c.ticket, c.entryPrice])).toEqual([
      [100, 1.10002],
      [9100, 1.10004],
    ]);
    expect(ledger.freshCopies.count(FOLLOWER)).toBe(0);
  });

  it('a placed pending copy counts from its trigger price; rows without the magic are not copies', () => {
    const ledger = new LedgerIndex([]);
    ledger.freshCopies.openCopies(FOLLOWER, [], MAGIC, []);
    const plan: LegPlan = { action: 'place_pending', followerId: FOLLOWER, masterTicket: 7001, symbol: 'EURUSD', operation: 'BuyLimit', side: 'buy', volume: 0.3, price: 1.095, stopLoss: 1.09, takeProfit: 0, comment: 'c', magic: MAGIC, reasons: [] };
    applyExecution(filled(plan, 9200, null), { ...facts, kind: 'pending_place' }, ledger, 'f', null);
    const manual = [row({ ticket: 1, magic: 0, stopLoss: 0 })];
    expect(ledger.freshCopies.openCopies(FOLLOWER, manual, MAGIC, ledger.ofFollower(FOLLOWER))).toEqual([
      { ticket: 9200, symbol: 'EURUSD', side: 'buy', lots: 0.3, entryPrice: 1.095, stopLoss: 1.09, pending: true },
    ]);
  });

  it('a netting fill under the net row’s ticket counts until the row’s lots change', () => {
    const copies = new FreshCopies();
    const net = [row({ ticket: 500, magic: MAGIC, lots: 1 })];
    const links = [link({ followerTicket: 500 })];
    copies.openCopies(FOLLOWER, net, MAGIC, links);
    copies.record(FOLLOWER, { ticket: 500, symbol: 'EURUSD', side: 'buy', lots: 0.4, entryPrice: 1.1, stopLoss: 1.099, pending: false });
    // A frame from before the fill still shows 1 lot: the add counts on top.
    expect(copies.openCopies(FOLLOWER, [row({ ticket: 500, magic: MAGIC, lots: 1 })], MAGIC, links).map((c) => c.lots)).toEqual([1, 0.4]);
    expect(copies.openCopies(FOLLOWER, [row({ ticket: 500, magic: MAGIC, lots: 1.4 })], MAGIC, links).map((c) => c.lots)).toEqual([1.4]);
  });

  it('forgets a noted copy whose link closed, and notes nothing for followers not watched', () => {
    const copies = new FreshCopies();
    copies.record('other', { ticket: 1, symbol: 'EURUSD', side: 'buy', lots: 1, entryPrice: 1.1, stopLoss: 1.09, pending: false });
    expect(copies.count('other')).toBe(0);
    copies.openCopies(FOLLOWER, [], MAGIC, []);
    copies.record(FOLLOWER, { ticket: 9300, symbol: 'EURUSD', side: 'sell', lots: 1, entryPrice: 1.1, stopLoss: 1.11, pending: false });
    expect(copies.openCopies(FOLLOWER, [], MAGIC, [link({ followerTicket: 9300, status: 'closed' })])).toEqual([]);
    expect(copies.count(FOLLOWER)).toBe(0);
    copies.forget(FOLLOWER);
    copies.record(FOLLOWER, { ticket: 9301, symbol: 'EURUSD', side: 'sell', lots: 1, entryPrice: 1.1, stopLoss: 1.11, pending: false });
    expect(copies.count(FOLLOWER)).toBe(0);
  });
});

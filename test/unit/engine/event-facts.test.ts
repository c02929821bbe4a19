/**
 * A copy's ratio to its master is the one it was sized with: the master's volume after an open comes from the event,
 * not from the master's book, which runs ahead of the copy path (a partial close that arrived meanwhile shows there).
 */
import { describe, expect, it } from 'vitest';
import { applyDeal, applyPositions, createMasterBook } from '../../../src/domain/detect.js';
import { eventFacts } from '../../../src/engine/event-facts.js';
import { MASTER, openEvent } from '../domain/fixtures.js';

describe('event facts', () => {
  it('records the master volume the open was sized from, even when the book has moved on', () => {
    const book = createMasterBook(MASTER);
    applyPositions(book, [], 0);
    const base = { order: 1, position: 5001, symbol: 'EURUSD', price: 1.1, profit: 0, commission: 0, swap: 0, magic: 0, comment: '', time: '2026-11-23T10:00:00Z', degraded: false };
    const [open] = applyDeal(book, { ...base, deal: 1, type: 'Buy', entry: 'In', volume: 0.35 }, 1);
    // The partial close reaches the book before the open has been copied.
    applyDeal(book, { ...base, deal: 2, type: 'Sell', entry: 'Out', volume: 0.02 }, 2);
    expect(book.positions.get(5001)?.dealVolume).toBe(0.33);
    expect(open?.kind).toBe('open');
    if (open?.kind !== 'open') return;
    expect(eventFacts(open, book, 3).masterVolumeAfter).toBe(0.35);
    // A netting add: the master holds what it had plus the add.
    expect(eventFacts(openEvent({ volume: 0.2, volumeBefore: 0.5 }), book, 3).masterVolumeAfter).toBe(0.7);
  });
});

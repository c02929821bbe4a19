/**
 * An open waiting for a closed market follows what the master does meanwhile: the live path found no copy to apply
 * those events to, so the queued open must carry them when its market opens.
 */
import { describe, expect, it } from 'vitest';
import type { MasterClose, MasterModify } from '../../../src/domain/events.js';
import { followMasterEvent } from '../../../src/engine/market-closed-queue.js';
import { MASTER, openEvent } from '../domain/fixtures.js';

const close = (over: Partial<MasterClose>): MasterClose => ({
  kind: 'close',
  masterId: MASTER,
  eventId: 'd2',
  detectedAt: 0,
  position: 5001,
  deal: 2,
  symbol: 'EURUSD',
  side: 'buy',
  volume: 0.26,
  volumeBefore: 0.6,
  price: 1.1,
  ...over,
});

const modify = (over: Partial<MasterModify>): MasterModify => ({
  kind: 'modify',
  masterId: MASTER,
  eventId: 's1',
  detectedAt: 0,
  position: 5001,
  symbol: 'EURUSD',
  side: 'buy',
  stopLoss: 1.08,
  takeProfit: 1.13,
  previousStopLoss: 0,
  previousTakeProfit: 0,
  ...over,
});

describe('a queued open follows the master', () => {
  const open = openEvent({ position: 5001, volume: 0.6, stopLoss: 1.09, takeProfit: 0 });

  it('a partial close scales it to what the master holds after it (exactly), a full close cancels it', () => {
    expect(followMasterEvent(open, close({}))?.volume).toBe(0.34);
    // A queued add (part of the position) keeps its share.
    expect(followMasterEvent({ ...open, volume: 0.2, volumeBefore: 0.4 }, close({ volume: 0.3, volumeBefore: 0.6 }))?.volume).toBe(0.1);
    expect(followMasterEvent(open, close({ volume: 0.6 }))).toBeNull();
  });

  it('an SL/TP move sets its levels, including a removal', () => {
    expect(followMasterEvent(open, modify({}))).toMatchObject({ stopLoss: 1.08, takeProfit: 1.13, volume: 0.6 });
    expect(followMasterEvent(open, modify({ stopLoss: 0, takeProfit: 0 }))).toMatchObject({ stopLoss: 0, takeProfit: 0 });
  });

  it('events of other positions or masters leave it as it is', () => {
    expect(followMasterEvent(open, close({ position: 5002 }))).toBe(open);
    expect(followMasterEvent(open, modify({ masterId: 'other' }))).toBe(open);
  });
});

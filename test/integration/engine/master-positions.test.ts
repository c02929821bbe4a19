/**
 * ControlApi.masterPositions: the masters' open positions and pending orders from the copier's book (what the Mini App
 * shows beside the copies), following opens, partial closes, pending orders and closes; no broker call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RejectedError } from '../../../src/domain/errors.js';
import { startEngineWorld, waitFor } from '../../unit/bot/harness.js';
import type { EngineWorld } from '../../unit/bot/harness.js';

let world: EngineWorld;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex'] });
}, 30_000);
afterAll(async () => world?.close());

it('lists what the master holds, as it changes', async () => {
  const master = world.sim.account('master');
  expect(world.control.masterPositions()).toEqual([]);
  const open = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.5, stopLoss: 1.2, takeProfit: 1.0 });
  const pending = master.send({ symbol: 'XAUUSD', operation: 'BuyLimit', volume: 0.1, price: 2000, stopLoss: 1990, takeProfit: 2100 });
  expect(open.success && pending.success).toBe(true);
  await waitFor(() => world.control.masterPositions().length === 2, 'both rows in the book');
  expect(world.control.masterPositions()).toEqual([
    { masterId: world.ids.master, masterName: 'master', ticket: open.order, symbol: 'EURUSD', side: 'sell', kind: 'position', volume: 0.5, openPrice: null, stopLoss: 1.2, takeProfit: 1.0 },
    { masterId: world.ids.master, masterName: 'master', ticket: pending.order, symbol: 'XAUUSD', side: 'buy', kind: 'pending', volume: 0.1, openPrice: 2000, stopLoss: 1990, takeProfit: 2100 },
  ]);
  expect(world.control.masterPositions(world.ids.master)).toHaveLength(2);

  master.close(open.order, 0.2);
  await waitFor(() => world.control.masterPositions().find((p) => p.kind === 'position')?.volume === 0.3, 'partial close seen');
  master.close(open.order);
  await waitFor(() => world.control.masterPositions().every((p) => p.kind === 'pending'), 'close seen');
});

it('refuses an account that is not a master', () => {
  expect(() => world.control.masterPositions(world.ids.apex)).toThrow(RejectedError);
  expect(() => world.control.masterPositions(world.ids.apex)).toThrow(/apex-follower is not a master/);
});

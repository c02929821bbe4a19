/**
 * Broker rejections (§3.6) surfaced typed: on the terminal as an `OrderResult` with `success: false` and the retcode,
 * in a batch as a `rejected` leg with the retcode. Partial fills (10010) too.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Retcode } from '../../../src/domain/trading.js';
import type { TerminalClient } from '../../../src/fxsocket/index.js';
import { demoAccounts, demoBroker } from '../../../src/sim/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let t: TerminalClient;
let bid: number;

beforeEach(async () => {
  // GBPUSD trading disabled and USDJPY close-only at the master's broker; the rest is the demo world.
  h = await startHarness({
    world: {
      brokers: [
        demoBroker('Demo Markets', { symbols: { GBPUSD: { tradeMode: 'Disabled' }, USDJPY: { tradeMode: 'CloseOnly' } } }),
        'Apex Trading',
        'Raw Prime',
        'Classic FX',
      ],
      accounts: demoAccounts(),
    },
  });
  t = await h.client.terminal(h.id('master'));
  ({ bid } = await t.quote('EURUSD'));
});

afterEach(async () => {
  await h.close();
});

const round5 = (n: number) => Number(n.toFixed(5));

describe('terminal rejections', () => {
  it.each<[string, number, () => Parameters<TerminalClient['orderSend']>[0]]>([
    ['invalid volume (step)', Retcode.INVALID_VOLUME, () => ({ symbol: 'EURUSD', operation: 'Buy', volume: 0.015 })],
    ['not enough money', Retcode.NO_MONEY, () => ({ symbol: 'EURUSD', operation: 'Buy', volume: 40 })],
    ['invalid stops (SL above the bid)', Retcode.INVALID_STOPS, () => ({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: round5(bid + 0.001) })],
    ['invalid stops (inside stopsLevel)', Retcode.INVALID_STOPS, () => ({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, takeProfit: round5(bid + 0.00005) })],
    ['trade disabled', Retcode.TRADE_DISABLED, () => ({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.1 })],
    ['close only', Retcode.CLOSE_ONLY, () => ({ symbol: 'USDJPY', operation: 'Sell', volume: 0.1 })],
  ])('%s → %i', async (_name, retcode, request) => {
    const result = await t.orderSend(request());
    expect(result).toMatchObject({ success: false, outcome: 'rejected', retcode, deal: 0 });
    expect(result.retcodeDescription).not.toBe('');
    expect(await t.openedOrders()).toEqual([]);
  });

  it('market closed → 10018', async () => {
    h.sim.account('master').faults.set({ closedSymbols: ['EURUSD'] });
    expect(await t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 })).toMatchObject({
      success: false,
      outcome: 'rejected',
      retcode: Retcode.MARKET_CLOSED,
    });
  });

  it('stale ticket → 10036; close volume above the position → 10038', async () => {
    const { order: ticket } = await t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    expect(await t.orderClose({ ticket, volume: 0.5 })).toMatchObject({ success: false, retcode: Retcode.INVALID_CLOSE_VOLUME });
    expect(await t.orderClose({ ticket })).toMatchObject({ success: true });
    expect(await t.orderClose({ ticket })).toMatchObject({ success: false, outcome: 'rejected', retcode: Retcode.POSITION_CLOSED });
    expect(await t.orderModify({ ticket, stopLoss: round5(bid - 0.01) })).toMatchObject({ retcode: Retcode.POSITION_CLOSED });
  });

  it('partial fill → 10010 with the filled volume', async () => {
    h.sim.account('master').setBalance(10_000_000);
    const result = await t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 60 });
    expect(result).toMatchObject({ success: false, outcome: 'partial', retcode: Retcode.DONE_PARTIAL, volume: 50 });
    expect((await t.openedOrders())[0]?.lots).toBe(50);
  });
});

describe('batch rejections', () => {
  it('each leg carries its own verdict, positionally', async () => {
    h.sim.account('apex-follower').setBalance(10_000_000);
    const master = h.id('master');
    const apex = h.id('apex-follower');
    const reply = await h.client.placeOrders(
      {
        orders: [
          { account_id: master, volume: 0.015 },
          { account_id: master, volume: 40 },
          { account_id: master, volume: 0.1, stop_loss: round5(bid + 0.001) },
          { account_id: master, symbol: 'GBPUSD', volume: 0.1 },
          { account_id: master, symbol: 'USDJPY', volume: 0.1 },
          { account_id: apex, symbol: 'EURUSDm', volume: 40 },
          { account_id: master, volume: 0.1 },
        ],
        defaults: { symbol: 'EURUSD', operation: 'Buy' },
      },
      {},
    );
    expect(reply.results.map((r) => [r.status, r.retcode])).toEqual([
      ['rejected', Retcode.INVALID_VOLUME],
      ['rejected', Retcode.NO_MONEY],
      ['rejected', Retcode.INVALID_STOPS],
      ['rejected', Retcode.TRADE_DISABLED],
      ['rejected', Retcode.CLOSE_ONLY],
      // Apex's EURUSDm book is 30 lots deep: a partial fill is reported filled with the broker's volume.
      ['filled', Retcode.DONE_PARTIAL],
      ['filled', Retcode.DONE],
    ]);
    expect(reply.results[5]?.volume).toBe(30);
    expect(reply.summary).toEqual({ requested: 7, filled: 2, failed: 5, unknown: 0 });
  });

  it('market closed and stale tickets in close batches', async () => {
    const master = h.id('master');
    const { order: ticket } = await t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    const tooMuch = await h.client.closeOrders({ accounts: [{ account_id: master, tickets: [ticket], volume: 0.5 }] }, {});
    expect(tooMuch.results[0]?.results[0]).toMatchObject({ status: 'rejected', retcode: Retcode.INVALID_CLOSE_VOLUME });

    h.sim.setMarketClosed('EURUSD', true);
    const closed = await h.client.closeOrders({ accounts: [{ account_id: master, tickets: [ticket] }] }, {});
    expect(closed.results[0]).toMatchObject({ status: 'failed', matched: 1, closed: 0 });
    expect(closed.results[0]?.results[0]).toMatchObject({ status: 'rejected', retcode: Retcode.MARKET_CLOSED });
    h.sim.setMarketClosed('EURUSD', false);

    await t.orderClose({ ticket });
    const stale = await h.client.closeOrders({ accounts: [{ account_id: master, tickets: [ticket] }] }, {});
    expect(stale.results[0]?.results[0]).toMatchObject({ ticket, retcode: Retcode.POSITION_CLOSED });
    expect(stale.results[0]?.results[0]?.status).not.toBe('closed');
  });
});

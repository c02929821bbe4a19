/** Multi-account batches (§2.4, §2.5) and their Idempotency-Key rules, against the simulator. */
import { afterEach, describe, expect, it } from 'vitest';

import {
  IdempotencyInFlightError,
  IdempotencyKeyReusedError,
  IdempotencyUnavailableError,
  OrderOutcomeUnknownError,
  type OrderBatchRequest,
} from '../../../src/fxsocket/index.js';
import { rejection, startHarness, until, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

function fanOut(): OrderBatchRequest {
  return {
    orders: [
      { account_id: h.id('master'), symbol: 'EURUSD' },
      { account_id: h.id('apex-follower'), symbol: 'EURUSDm', volume: 0.2 },
      { account_id: h.id('raw-follower'), symbol: 'EURUSD.raw', volume: 0.3 },
      { account_id: h.id('mt4-follower'), symbol: 'EURUSDi', slippage: 0 },
    ],
    defaults: { operation: 'Buy', volume: 0.1, comment: 'fxm:m1:1', expert_id: 4242 },
  };
}

function openCount(): number {
  return h.sim.accounts.reduce((sum, account) => sum + account.positions().length, 0);
}

describe('POST /v1/orders', () => {
  it('fans one order out with per-leg symbols and volumes; results are positional', async () => {
    h = await startHarness();
    const reply = await h.client.placeOrders(fanOut(), {});
    expect(reply.idempotent_replay).toBe(false);
    expect(reply.summary).toEqual({ requested: 4, filled: 4, failed: 0, unknown: 0 });
    expect(reply.results.map((r) => [r.symbol, r.volume, r.status, r.platform])).toEqual([
      ['EURUSD', 0.1, 'filled', 'mt5'],
      ['EURUSDm', 0.2, 'filled', 'mt5'],
      ['EURUSD.raw', 0.3, 'filled', 'mt5'],
      ['EURUSDi', 0.1, 'filled', 'mt4'],
    ]);
    expect(reply.results[3]?.deal).toBe(0);
    const mt4Row = h.sim.account('mt4-follower').positions()[0];
    expect(mt4Row).toMatchObject({ magic: 4242, comment: 'fxm:m1:1' });
  });

  it('an idempotent replay returns the stored reply and executes nothing twice', async () => {
    h = await startHarness();
    const first = await h.client.placeOrders(fanOut(), { idempotencyKey: 'm1:deal:1001' });
    expect(openCount()).toBe(4);
    const second = await h.client.placeOrders(fanOut(), { idempotencyKey: 'm1:deal:1001' });
    expect(second.idempotent_replay).toBe(true);
    expect(second.batch_id).toBe(first.batch_id);
    expect(second.results).toEqual(first.results);
    expect(openCount()).toBe(4);
  });

  it('the same key with another body is 422 idempotency_key_reused; nothing is sent', async () => {
    h = await startHarness();
    await h.client.placeOrders(fanOut(), { idempotencyKey: 'k-reuse' });
    const other = fanOut();
    other.defaults = { ...other.defaults, volume: 0.5 };
    const error = await rejection(h.client.placeOrders(other, { idempotencyKey: 'k-reuse' }));
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({ action: 'reject', context: { status: 422, idempotencyKey: 'k-reuse' } });
    expect(openCount()).toBe(4);
  });

  it('the same key while the first call runs is 409 idempotency_in_flight (retry with the same key)', async () => {
    h = await startHarness();
    h.sim.account('master').faults.set({ latencyMs: 1_500 });
    const first = h.client.placeOrders(fanOut(), { idempotencyKey: 'k-flight' });
    // The followers' legs (no latency) have run: the batch is registered and still running on the master leg.
    await until(() => h.sim.account('apex-follower').positions().length === 1);
    const error = await rejection(h.client.placeOrders(fanOut(), { idempotencyKey: 'k-flight' }));
    expect(error).toBeInstanceOf(IdempotencyInFlightError);
    expect(error).toMatchObject({ action: 'retry', context: { status: 409 } });
    await first;
    expect((await h.client.placeOrders(fanOut(), { idempotencyKey: 'k-flight' })).idempotent_replay).toBe(true);
    expect(openCount()).toBe(4);
  });

  it('idempotency unavailable is 503 (retry), nothing sent', async () => {
    h = await startHarness();
    h.sim.setIdempotencyAvailable(false);
    const error = await rejection(h.client.placeOrders(fanOut(), { idempotencyKey: 'k-503' }));
    expect(error).toBeInstanceOf(IdempotencyUnavailableError);
    expect(error).toMatchObject({ action: 'retry', context: { status: 503 } });
    expect(openCount()).toBe(0);
  });

  it('legs report timeout (executed, answer lost) and unavailable (EA not ready)', async () => {
    h = await startHarness();
    h.sim.account('apex-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    h.sim.account('raw-follower').faults.set({ startingForMs: 60_000 });
    const reply = await h.client.placeOrders(fanOut(), { idempotencyKey: 'k-legs' });
    expect(reply.results.map((r) => r.status)).toEqual(['filled', 'timeout', 'unavailable', 'filled']);
    expect(reply.summary).toMatchObject({ filled: 2, failed: 1, unknown: 1 });
    // The timed-out leg did execute: reconcile by reading the follower.
    expect(h.sim.account('apex-follower').positions()).toHaveLength(1);
    expect(h.sim.account('raw-follower').positions()).toHaveLength(0);
  });

  it('a client timeout on a batch is an unknown outcome; the replay with the same key answers it', async () => {
    h = await startHarness({}, { orderTimeoutMs: 150 });
    h.sim.account('master').faults.set({ latencyMs: 400 });
    const error = await rejection(h.client.placeOrders(fanOut(), { idempotencyKey: 'k-timeout' }));
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'timeout', context: { idempotencyKey: 'k-timeout' } });
    // The batch keeps running server-side; once it is done, the replay answers from the stored reply.
    await until(() => openCount() === 4);
    const replay = await h.client.placeOrders(fanOut(), { idempotencyKey: 'k-timeout', timeoutMs: 5_000 });
    expect(replay.idempotent_replay).toBe(true);
    expect(openCount()).toBe(4);
  });
});

describe('POST /v1/orders/close', () => {
  it('closes by selector (base symbol match, side, magic), by tickets, and answers nothing_matched', async () => {
    h = await startHarness();
    await h.client.placeOrders(fanOut(), {});
    const apex = await h.client.terminal(h.id('apex-follower'));
    await apex.orderSend({ symbol: 'EURUSDm', operation: 'Sell', volume: 0.1 });
    const masterTicket = h.sim.account('master').positions()[0]?.ticket ?? 0;

    const reply = await h.client.closeOrders(
      {
        accounts: [
          { account_id: h.id('apex-follower'), side: 'long' },
          { account_id: h.id('raw-follower'), magic: 4242 },
          { account_id: h.id('master'), tickets: [masterTicket], volume: 0.04 },
          { account_id: h.id('mt4-follower'), symbol: 'GBPUSDi' },
        ],
        defaults: { symbol: 'EURUSD', symbol_match: 'base' },
      },
      { idempotencyKey: 'close-1' },
    );
    expect(reply.results.map((r) => [r.status, r.matched, r.closed])).toEqual([
      ['closed', 1, 1],
      ['closed', 1, 1],
      ['closed', 1, 1],
      ['nothing_matched', 0, 0],
    ]);
    expect(reply.results[0]?.results[0]).toMatchObject({ symbol: 'EURUSDm', type: 'Buy', kind: 'position', status: 'closed', volume: 0.2 });
    expect(reply.results[2]?.results[0]).toMatchObject({ ticket: masterTicket, volume: 0.04 });
    expect(h.sim.account('apex-follower').positions().map((p) => p.type)).toEqual(['Sell']);
    expect(h.sim.account('master').positions()[0]?.lots).toBe(0.06);

    // A partial close replayed with its key must not close again (§2.5).
    const replay = await h.client.closeOrders(
      {
        accounts: [
          { account_id: h.id('apex-follower'), side: 'long' },
          { account_id: h.id('raw-follower'), magic: 4242 },
          { account_id: h.id('master'), tickets: [masterTicket], volume: 0.04 },
          { account_id: h.id('mt4-follower'), symbol: 'GBPUSDi' },
        ],
        defaults: { symbol: 'EURUSD', symbol_match: 'base' },
      },
      { idempotencyKey: 'close-1' },
    );
    expect(replay.idempotent_replay).toBe(true);
    expect(h.sim.account('master').positions()[0]?.lots).toBe(0.06);
  });

  it('closes everything with the literal star', async () => {
    h = await startHarness();
    await h.client.placeOrders(fanOut(), {});
    const reply = await h.client.closeOrders(
      { accounts: h.sim.accounts.map((a) => ({ account_id: a.id })), defaults: { symbol: '*' } },
      {},
    );
    expect(reply.summary).toMatchObject({ accounts: 4, matched: 4, closed: 4, failed: 0, unknown: 0, accounts_unknown: 0 });
    expect(openCount()).toBe(0);
  });
});

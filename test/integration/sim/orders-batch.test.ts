/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { afterEach, describe, expect, it } from 'vitest';
import { demoBroker } from '../../../src/sim/index.js';
import { call, quietSim, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

const orders = (h: Harness, body: unknown, headers?: Record<string, string>) =>
  call<any>(`${h.sim.url}/v1/orders`, { key: h.sim.apiKey, body, ...(headers ? { headers } : {}) });

async function customWorld(): Promise<Harness> {
  return quietSim({
    world: {
      brokers: [demoBroker('Demo Markets', { symbols: { GBPUSD: { tradeMode: 'Disabled' }, USDJPY: { tradeMode: 'CloseOnly' } } }), 'Raw Prime'],
      accounts: [
        { nickname: 'a', broker: 'Demo Markets', balance: 10_000, leverage: 100 },
        { nickname: 'poor', broker: 'Demo Markets', balance: 100, leverage: 100 },
        { nickname: 'net', broker: 'Raw Prime', currency: 'EUR', marginMode: 'Netting', balance: 50_000 },
      ],
    },
  });
}

describe('POST /v1/orders', () => {
  it('answers 200 with positional results for mixed legs, each with its retcode', async () => {
    h = await customWorld();
    const { sim } = h;
    const a = sim.account('a').id;
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    sim.account('a').faults.set({ closedSymbols: ['DE40'] });
    const r = await orders(h, {
      defaults: { operation: 'Buy', volume: 0.1, comment: 'copy', expert_id: 4242 },
      orders: [
        { account_id: a, symbol: 'EURUSD' },
        { account_id: a, symbol: 'EURUSD', volume: 0.015 },
        { account_id: sim.account('poor').id, symbol: 'XAUUSD', volume: 1 },
        { account_id: a, symbol: 'EURUSD', stop_loss: 1.2 },
        { account_id: a, symbol: 'GBPUSD' },
        { account_id: a, symbol: 'DE40' },
        { account_id: a, symbol: 'USDJPY' },
        { account_id: a, symbol: 'NOPE' },
        { account_id: sim.account('net').id, symbol: 'EURUSD.raw', operation: 'sell' },
      ],
    });
    expect(r.status).toBe(200);
    const rs = r.body.results as any[];
    expect(rs.map((x) => [x.status, x.retcode])).toEqual([
      ['filled', 10009],
      ['rejected', 10014],
      ['rejected', 10019],
      ['rejected', 10016],
      ['rejected', 10017],
      ['rejected', 10018],
      ['rejected', 10044],
      ['invalid', 0],
      ['filled', 10009],
    ]);
    expect(rs[0]).toMatchObject({ account_id: a, platform: 'mt5', symbol: 'EURUSD', operation: 'Buy', volume: 0.1, price: 1.1001, bid: 1.1, ask: 1.1001, retcode_description: expect.any(String) });
    expect(rs[0].order).toBeGreaterThan(0);
    expect(rs[0].deal).toBeGreaterThan(0);
    expect(Number.isInteger(rs[0].latency_ms)).toBe(true);
    expect(rs[8]).toMatchObject({ operation: 'Sell', platform: 'mt5' });
    expect(r.body.summary).toEqual({ requested: 9, filled: 2, failed: 7, unknown: 0 });
    expect(r.body.idempotent_replay).toBe(false);
    expect(typeof r.body.batch_id).toBe('string');
    expect(sim.account('a').positions()).toMatchObject([{ symbol: 'EURUSD', magic: 4242, comment: 'copy', lots: 0.1 }]);
  });

  it('fills partially above liquidity: status filled, volume = broker fill, 10010', async () => {
    h = await quietSim({ world: { brokers: ['Demo Markets'], accounts: [{ nickname: 'rich', broker: 'Demo Markets', balance: 10_000_000 }] } });
    const r = await orders(h, { orders: [{ account_id: h.sim.account('rich').id, symbol: 'EURUSD', operation: 'Buy', volume: 70 }] });
    expect(r.body.results[0]).toMatchObject({ status: 'filled', retcode: 10010, volume: 50 });
  });

  it('refuses the whole batch with 400 on unknown keys, bad values or missing fields; nothing is sent', async () => {
    h = await quietSim();
    const id = h.sim.account('master').id;
    const ok = { account_id: id, symbol: 'EURUSD', operation: 'Buy', volume: 0.01 };
    for (const body of [
      { orders: [ok, { ...ok, lots: 1 }] },
      { orders: [ok], defaults: { magic: 1 } },
      { orders: [ok], extra: true },
      { orders: [] },
      { orders: [{ ...ok, volume: -1 }] },
      { orders: [{ ...ok, operation: 'BuyLimit' }] },
      { orders: [{ ...ok, operation: 'BuyStopLimit', price: 1.2 }] },
      { orders: [{ account_id: id, symbol: 'EURUSD', volume: 0.01 }] },
      { orders: [{ ...ok, operation: 'Hold' }] },
    ]) {
      const r = await orders(h, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toBe('invalid_batch');
      expect(typeof r.body.detail).toBe('string');
    }
    const bad = await call<any>(`${h.sim.url}/v1/orders`, { key: h.sim.apiKey, body: '{"orders": [' });
    expect(bad.body.error).toBe('invalid_batch');
    const unknown = await orders(h, { orders: [ok, { ...ok, account_id: 'nope' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unknown_account');
    expect(h.sim.account('master').positions()).toEqual([]);
    expect(h.sim.stats().orders).toEqual({});
  });

  it('merges defaults with falsy leg values winning', async () => {
    h = await quietSim();
    const id = h.sim.account('master').id;
    const r = await orders(h, { defaults: { symbol: 'EURUSD', operation: 'Buy', volume: 0.02, comment: 'd', expert_id: 9 }, orders: [{ account_id: id, comment: '', expert_id: 0 }] });
    expect(r.body.results[0].status).toBe('filled');
    expect(h.sim.account('master').positions()[0]).toMatchObject({ comment: '', magic: 0, lots: 0.02 });
  });

  it('Idempotency-Key: replay sends nothing, other body → 422, in flight → 409, TTL 15 min', async () => {
    h = await quietSim();
    const { sim, clock } = h;
    const m = sim.account('master');
    const body = { orders: [{ account_id: m.id, symbol: 'EURUSD', operation: 'Buy', volume: 0.01 }] };
    const first = await orders(h, body, { 'idempotency-key': 'k1' });
    const again = await orders(h, body, { 'idempotency-key': 'k1' });
    expect(again.status).toBe(200);
    expect(again.body.idempotent_replay).toBe(true);
    expect(again.body.batch_id).toBe(first.body.batch_id);
    expect(again.body.results).toEqual(first.body.results);
    expect(m.positions()).toHaveLength(1);
    const reused = await orders(h, { orders: [{ ...body.orders[0], volume: 0.02 }] }, { 'idempotency-key': 'k1' });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toBe('idempotency_key_reused');
    expect(m.positions()).toHaveLength(1);
    // Key order in the body does not matter.
    const reordered = await orders(h, { orders: [{ volume: 0.01, operation: 'Buy', symbol: 'EURUSD', account_id: m.id }] }, { 'idempotency-key': 'k1' });
    expect(reordered.body.idempotent_replay).toBe(true);
    clock.advance(15 * 60_000 + 1);
    const expired = await orders(h, body, { 'idempotency-key': 'k1' });
    expect(expired.body.idempotent_replay).toBe(false);
    expect(m.positions()).toHaveLength(2);

    m.faults.set({ latencyMs: 300 });
    const slow = orders(h, body, { 'idempotency-key': 'k2' });
    await new Promise((r) => setTimeout(r, 50));
    const inFlight = await orders(h, body, { 'idempotency-key': 'k2' });
    expect(inFlight.status).toBe(409);
    expect(inFlight.body.error).toBe('idempotency_in_flight');
    expect((await slow).status).toBe(200);
    expect(m.positions()).toHaveLength(3);

    expect((await orders(h, body, { 'idempotency-key': 'x'.repeat(129) })).status).toBe(400);
    sim.setIdempotencyAvailable(false);
    const unavailable = await orders(h, body, { 'idempotency-key': 'k3' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error).toBe('idempotency_unavailable');
    expect(m.positions()).toHaveLength(3);
  });

  it('legs time out after executing (status timeout, order placed) and starting terminals are unavailable', async () => {
    h = await quietSim();
    const { sim, clock } = h;
    const apex = sim.account('apex-follower');
    const raw = sim.account('raw-follower');
    apex.faults.set({ batchLegTimeoutAfterExecute: 1 });
    raw.faults.set({ startingForMs: 5000 });
    const body = {
      orders: [
        { account_id: apex.id, symbol: 'EURUSDm', operation: 'Buy', volume: 0.01 },
        { account_id: raw.id, symbol: 'EURUSD.raw', operation: 'Buy', volume: 0.1 },
      ],
    };
    const r = await orders(h, body);
    expect(r.body.results.map((x: any) => x.status)).toEqual(['timeout', 'unavailable']);
    expect(r.body.results[0]).toMatchObject({ retcode: 0, order: 0, deal: 0 });
    expect(r.body.summary).toEqual({ requested: 2, filled: 0, failed: 1, unknown: 1 });
    expect(apex.positions()).toHaveLength(1);
    expect(raw.positions()).toHaveLength(0);
    clock.advance(5000);
    const r2 = await orders(h, body);
    expect(r2.body.results.map((x: any) => x.status)).toEqual(['filled', 'filled']);
    expect(sim.stats().faults).toMatchObject({ batchLegTimeout: 1, starting: 1 });
  });
});

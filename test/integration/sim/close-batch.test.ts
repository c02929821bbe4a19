/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { afterEach, describe, expect, it } from 'vitest';
import { fxSymbol } from '../../../src/sim/index.js';
import { call, quietSim, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

const close = (h: Harness, body: unknown) => call<any>(`${h.sim.url}/v1/orders/close`, { key: h.sim.apiKey, body });

describe('POST /v1/orders/close', () => {
  it('closes by selector with symbol_match base across suffixed symbols, leaving pending orders alone', async () => {
    h = await quietSim({
      world: {
        brokers: [
          {
            name: 'Odd',
            server: 'Odd-Live',
            symbols: [fxSymbol('EURUSD', 'EURUSD'), fxSymbol('EURUSD.raw', 'EURUSD'), fxSymbol('EURUSDm', 'EURUSD'), fxSymbol('EURUSDpro', 'EURUSD'), fxSymbol('GBPUSD', 'GBPUSD')],
          },
        ],
        accounts: [{ nickname: 'x', broker: 'Odd', balance: 100_000 }],
      },
    });
    const x = h.sim.account('x');
    for (const s of ['EURUSD', 'EURUSD.raw', 'EURUSDm', 'EURUSDpro', 'GBPUSD']) x.send({ symbol: s, operation: 'Buy', volume: 0.1 });
    x.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.1, magic: 5 });
    const pend = x.send({ symbol: 'EURUSDm', operation: 'BuyLimit', volume: 0.1, price: 1.07 });
    const r = await close(h, { accounts: [{ account_id: x.id, symbol: 'EURUSD', symbol_match: 'base', side: 'long' }] });
    expect(r.status).toBe(200);
    const leg = r.body.results[0];
    expect(leg).toMatchObject({ account_id: x.id, platform: 'mt5', status: 'closed', matched: 3, closed: 3 });
    expect(leg.results.map((t: any) => t.symbol).sort()).toEqual(['EURUSD', 'EURUSD.raw', 'EURUSDm']);
    expect(leg.results[0]).toMatchObject({ type: 'Buy', kind: 'position', volume: 0.1, status: 'closed', retcode: 10009 });
    expect(x.positions().map((p) => p.symbol).sort()).toEqual(['EURUSD', 'EURUSDm', 'EURUSDpro', 'GBPUSD']);
    // magic filter, then "*" with kind any takes the rest including the pending order.
    const byMagic = await close(h, { accounts: [{ account_id: x.id, symbol: '*', magic: 5 }] });
    expect(byMagic.body.results[0]).toMatchObject({ matched: 1, closed: 1 });
    const none = await close(h, { accounts: [{ account_id: x.id, symbol: 'USDJPY' }] });
    expect(none.body.results[0]).toMatchObject({ status: 'nothing_matched', matched: 0 });
    const all = await close(h, { defaults: { symbol: '*', kind: 'any' }, accounts: [{ account_id: x.id }] });
    expect(all.body.results[0]).toMatchObject({ status: 'closed', matched: 3 });
    expect(all.body.results[0].results.find((t: any) => t.ticket === pend.order)).toMatchObject({ kind: 'pending', status: 'closed' });
    expect(all.body.summary).toEqual({ accounts: 1, matched: 3, closed: 3, failed: 0, unknown: 0, accounts_unknown: 0 });
    expect(x.positions()).toEqual([]);
  });

  it('partial close via tickets, stale ticket 10036, over-close 10038', async () => {
    h = await quietSim();
    const m = h.sim.account('master');
    const a = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.5 });
    const b = m.send({ symbol: 'GBPUSD', operation: 'Sell', volume: 0.2 });
    const part = await close(h, { accounts: [{ account_id: m.id, tickets: [a.order, b.order], volume: 0.1 }] });
    expect(part.body.results[0]).toMatchObject({ status: 'closed', matched: 2, closed: 2 });
    expect(m.positions().map((p) => p.lots)).toEqual([0.4, 0.1]);
    const mixed = await close(h, { accounts: [{ account_id: m.id, tickets: [a.order, 12345], volume: 0.3 }] });
    const leg = mixed.body.results[0];
    expect(leg).toMatchObject({ status: 'partial', matched: 2, closed: 1 });
    expect(leg.results[1]).toMatchObject({ ticket: 12345, status: 'rejected', retcode: 10036 });
    const over = await close(h, { accounts: [{ account_id: m.id, tickets: [a.order], volume: 5 }] });
    expect(over.body.results[0]).toMatchObject({ status: 'failed', matched: 1, closed: 0 });
    expect(over.body.results[0].results[0]).toMatchObject({ status: 'rejected', retcode: 10038 });
    expect(over.body.summary).toMatchObject({ failed: 1, unknown: 0 });
    expect(m.positions().map((p) => p.lots)).toEqual([0.1, 0.1]);
  });

  it('validates leg combinations and accounts before sending anything', async () => {
    h = await quietSim();
    const id = h.sim.account('master').id;
    for (const body of [
      { accounts: [{ account_id: id, tickets: [1], symbol: 'EURUSD' }] },
      { accounts: [{ account_id: id, tickets: [1], side: 'long' }] },
      { accounts: [{ account_id: id, tickets: [] }] },
      { accounts: [{ account_id: id, tickets: [0] }] },
      { accounts: [{ account_id: id }] },
      { accounts: [{ account_id: id, symbol: 'EURUSD', symbol_match: 'fuzzy' }] },
      { accounts: [{ account_id: id, symbol: 'EURUSD', foo: 1 }] },
    ]) {
      const r = await close(h, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toBe('invalid_batch');
    }
    // tickets with a defaults symbol is fine: the selector fields of defaults do not apply to ticket legs.
    expect((await close(h, { defaults: { symbol: 'EURUSD' }, accounts: [{ account_id: id, tickets: [1] }] })).status).toBe(200);
    expect((await close(h, { accounts: [{ account_id: 'ghost', symbol: '*' }] })).body.error).toBe('unknown_account');
  });

  it('reports timeout legs as accounts_unknown while the closes really happened', async () => {
    h = await quietSim();
    const m = h.sim.account('master');
    m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    m.faults.set({ batchLegTimeoutAfterExecute: 1 });
    const r = await close(h, { accounts: [{ account_id: m.id, symbol: '*' }] });
    expect(r.body.results[0]).toMatchObject({ status: 'timeout', matched: 0 });
    expect(r.body.summary).toMatchObject({ accounts_unknown: 1 });
    expect(m.positions()).toEqual([]);
  });

  it('replays close batches by Idempotency-Key without closing twice', async () => {
    h = await quietSim();
    const m = h.sim.account('master');
    const a = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.5 });
    const body = { accounts: [{ account_id: m.id, tickets: [a.order], volume: 0.1 }] };
    const headers = { 'idempotency-key': 'close-1' };
    const first = await call<any>(`${h.sim.url}/v1/orders/close`, { key: h.sim.apiKey, body, headers });
    const second = await call<any>(`${h.sim.url}/v1/orders/close`, { key: h.sim.apiKey, body, headers });
    expect(first.body.idempotent_replay).toBe(false);
    expect(second.body.idempotent_replay).toBe(true);
    expect(m.positions()[0]?.lots).toBe(0.4);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { afterEach, describe, expect, it } from 'vitest';
import { call, quietSim, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

describe('terminal REST', () => {
  it('serves the read endpoints in camelCase with broker-time strings', async () => {
    h = await quietSim();
    const { sim } = h;
    const m = sim.account('master');
    const get = (p: string) => call<any>(`${m.restUrl}${p}`, { key: sim.apiKey });
    expect((await get('/AccountSummary')).body).toEqual({ balance: 10000, credit: 0, profit: 0, equity: 10000, margin: 0, freeMargin: 10000, marginLevel: 0, leverage: 100, currency: 'USD', type: 'Demo' });
    expect((await get('/AccountInfo')).body).toMatchObject({ login: m.login, server: 'DemoMarkets-Live', marginMode: 'Hedging', currency: 'USD', fifoClose: false });
    expect((await call<any>(`${sim.account('raw-follower').restUrl}/AccountInfo`, { key: sim.apiKey })).body.marginMode).toBe('Netting');
    expect((await get('/ServerTimezone')).body).toEqual({ serverTime: '2026-11-25T12:00:00.000Z', utcOffsetSeconds: 7200 });
    expect((await get('/symbols')).body).toEqual(['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US30', 'DE40']);
    expect((await get('/getQuote?symbol=EURUSD')).body).toMatchObject({ symbol: 'EURUSD', bid: expect.any(Number), ask: expect.any(Number), time: '2026-11-25T12:00:00.000Z', last: 0, volume: 0 });
    const info = (await get('/SymbolInfo?symbol=US30')).body;
    expect(info).toMatchObject({ symbol: 'US30', volumeMin: 0.1, volumeStep: 0.1, contractSize: 1, tradeMode: 'Full', currencyProfit: 'USD', digits: 1, point: 0.1 });
    expect(info.sessions.length).toBeGreaterThan(0);
    expect((await get('/getQuote?symbol=NOPE')).body).toMatchObject({ error: 'MRPC', command_id: expect.any(Number) });
    expect((await get('/getQuote')).status).toBe(400);
    const margin = (await get('/OrderCalcMargin?symbol=EURUSD&operation=Buy&volume=1&price=1.1')).body;
    expect(margin).toEqual({ symbol: 'EURUSD', operation: 'Buy', volume: 1, price: 1.1, margin: 1085, currency: 'USD' });
    expect((await get('/OrderCalcProfit?symbol=EURUSD&operation=Sell&volume=1&priceOpen=1.1&priceClose=1.09')).body.profit).toBe(1000);
    expect((await get('/OrderCalcMargin?symbol=EURUSD&operation=Buy&volume=0')).status).toBe(400);
    const st = (await get('/status')).body;
    expect(st).toMatchObject({ status: 'ready', broker: { connected: true, server: 'DemoMarkets-Live' }, bridge: { tradeEaReady: true } });
    expect((await get('/healthz')).body).toEqual({ status: 'ready', terminal: true, broker: true, account: true });
    const bars = await get('/PriceHistory?symbol=EURUSD&timeframe=H1&from=2026-11-25T00:00:00&to=2026-11-25T05:00:00');
    expect(bars.body).toHaveLength(6);
    expect((await get('/PriceHistory?symbol=EURUSD&timeframe=H1')).status).toBe(504);
    expect((await call(`${sim.account('mt4-follower').restUrl}/PriceHistory?symbol=EURUSDi&timeframe=H2&from=2026-11-25T00:00:00`, { key: sim.apiKey })).status).toBe(400);
  });

  it('auth: header or api_key query; 401 envelope; plain 404 for unknown account or path', async () => {
    h = await quietSim();
    const { sim } = h;
    const m = sim.account('master');
    expect((await call(`${m.restUrl}/AccountSummary?api_key=${sim.apiKey}`)).status).toBe(200);
    const no = await call<any>(`${m.restUrl}/AccountSummary`);
    expect(no.status).toBe(401);
    expect(no.body).toMatchObject({ error: 'MRPC_UNAUTHORIZED', message: expect.any(String), command_id: expect.any(Number) });
    const unknown = await call(`${sim.url}/mt5/00000000-0000-4000-8000-000000000000/AccountSummary`, { key: sim.apiKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBeUndefined();
    expect((await call(`${m.restUrl}/NoSuchThing`, { key: sim.apiKey })).status).toBe(404);
    expect((await call(`${sim.url}/mt4/${m.id}/AccountSummary`, { key: sim.apiKey })).status).toBe(404);
  });

  it('OrderSend / OrderModify / OrderClose / CloseAll / history', async () => {
    h = await quietSim();
    const { sim, clock } = h;
    const m = sim.account('master');
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const post = (p: string, body: unknown) => call<any>(`${m.restUrl}${p}`, { key: sim.apiKey, body });
    const sent = await post('/OrderSend', { symbol: 'EURUSD', operation: 'buy', volume: 0.2, stopLoss: 1.09, takeProfit: 1.12, comment: 'c', expertId: 77 });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ success: true, outcome: 'applied', retcode: 10009, volume: 0.2, price: 1.1001, bid: 1.1, ask: 1.1001, comment: expect.any(String) });
    const ticket = sent.body.order;
    expect((await post('/OrderModify', { ticket, takeProfit: 1.13 })).body.retcode).toBe(10009);
    expect((await post('/OrderModify', { ticket, takeProfit: 1.13 })).body).toMatchObject({ retcode: 10025, outcome: 'no_change', success: false });
    expect((await post('/OrderModify', { ticket, stopLoss: 0 })).body.retcode).toBe(10009);
    const row = (await call<any[]>(`${m.restUrl}/OpenedOrders`, { key: sim.apiKey })).body[0];
    expect(row).toMatchObject({ ticket, kind: 'Position', type: 'Buy', lots: 0.2, stopLoss: 0, takeProfit: 1.13, magic: 77, comment: 'c', openTime: '2026-11-25T12:00:00.000Z' });
    clock.advance(60_000);
    const part = await post('/OrderClose', { ticket, volume: 0.05 });
    expect(part.body).toMatchObject({ success: true, volume: 0.05 });
    expect(part.body.deal).toBeGreaterThan(0);
    expect((await post('/OrderClose', { ticket, volume: 1 })).body.retcode).toBe(10038);
    expect((await post('/OrderClose', { ticket: 1 })).body.retcode).toBe(10036);
    expect((await post('/OrderSend', { symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.1 })).body).toMatchObject({ error: 'MRPC_VALIDATION' });
    expect((await post('/OrderSend', { symbol: 'EURUSD', volume: 0.1 })).status).toBe(400);
    expect((await post('/OrderSend', '{nope')).status).toBe(400);
    expect((await post('/OrderSend', { symbol: 'EURUSD', operation: 'Buy', volume: 0 })).status).toBe(400);
    await post('/OrderSend', { symbol: 'GBPUSD', operation: 'SellLimit', volume: 0.1, price: 1.4 });
    const all = await post('/CloseAll', {});
    expect(all.body).toMatchObject({ requested: 1, closed: 1, failed: 0 });
    expect(all.body.results[0]).toMatchObject({ ticket, kind: 'position', success: true, retcode: 10009 });
    const withPending = await post('/CloseAll', { deletePending: true });
    expect(withPending.body.results[0]).toMatchObject({ kind: 'pending', success: true });
    const hist = (await call<any[]>(`${m.restUrl}/OrderHistory`, { key: sim.apiKey })).body;
    expect(hist.map((d) => [d.entry, d.type, d.volume, d.position])).toEqual([
      ['In', 'Buy', 0.2, ticket],
      ['Out', 'Sell', 0.05, ticket],
      ['Out', 'Sell', 0.15, ticket],
    ]);
    const ranged = (await call<any[]>(`${m.restUrl}/OrderHistory?from=2026-11-25T12:00:30&to=2026-11-25T13:00:00`, { key: sim.apiKey })).body;
    expect(ranged).toHaveLength(2);
    const ph = (await call<any[]>(`${m.restUrl}/PositionHistory`, { key: sim.apiKey })).body;
    expect(ph[0]).toMatchObject({ positionId: ticket, volume: 0.2, type: 'Buy', magic: 77 });
  });

  it('market closed by session on the sim clock (10018)', async () => {
    h = await quietSim();
    const { sim, clock } = h;
    const m = sim.account('master');
    const send = () => call<any>(`${m.restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'US30', operation: 'Buy', volume: 0.1 } });
    expect((await send()).body.retcode).toBe(10009);
    clock.set('2026-11-25T21:45:00Z'); // 23:45 broker time
    expect((await send()).body).toMatchObject({ retcode: 10018, outcome: 'rejected' });
    clock.set('2026-11-28T10:00:00Z'); // Saturday
    expect((await call<any>(`${m.restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'EURUSD', operation: 'Buy', volume: 0.1 } })).body.retcode).toBe(10018);
    clock.set('2026-11-30T10:00:00Z'); // Monday
    expect((await send()).body.retcode).toBe(10009);
    sim.setMarketClosed({ broker: 'Demo Markets', symbol: 'US30' }, true);
    expect((await send()).body.retcode).toBe(10018);
  });
});

describe('terminal faults', () => {
  it('503 on trading routes while starting; /status starting; /healthz 503 with a body', async () => {
    h = await quietSim({ terminalStartMs: 10_000 });
    const { sim, clock } = h;
    const m = sim.account('master');
    const send = () => call<any>(`${m.restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'EURUSD', operation: 'Buy', volume: 0.1 } });
    const r = await send();
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ error: expect.any(String), message: expect.any(String), command_id: expect.any(Number) });
    expect((await call<any>(`${m.restUrl}/status`, { key: sim.apiKey })).body).toMatchObject({ status: 'starting', bridge: { tradeEaReady: false, tradeEaHeartbeatAgeMs: -1 } });
    const hz = await call<any>(`${m.restUrl}/healthz`, { key: sim.apiKey });
    expect(hz.status).toBe(503);
    expect(hz.body.status).toBe('starting');
    expect((await call(`${m.restUrl}/livez`, { key: sim.apiKey })).status).toBe(200);
    expect((await call(`${m.restUrl}/AccountSummary`, { key: sim.apiKey })).status).toBe(200);
    clock.advance(10_000);
    expect((await send()).status).toBe(200);
    m.faults.set({ startingForMs: 1000 });
    expect((await send()).status).toBe(503);
  });

  it('504 MRPC_TIMEOUT whose trade executed anyway', async () => {
    h = await quietSim();
    const { sim } = h;
    const m = sim.account('master');
    m.faults.set({ timeout504Executed: 1 });
    const r = await call<any>(`${m.restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'EURUSD', operation: 'Buy', volume: 0.1 } });
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ error: 'MRPC_TIMEOUT', command_id: expect.any(Number) });
    expect(m.positions()).toHaveLength(1);
    expect((await call(`${m.restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'EURUSD', operation: 'Buy', volume: 0.1 } })).status).toBe(200);
    expect(sim.stats().faults.timeout504).toBe(1);
  });

  it('random 5xx with and without envelope, reproducible by seed; latency', async () => {
    const run = async (seed: number) => {
      h = await quietSim({ seed });
      const m = h.sim.account('master');
      m.faults.set({ error5xxRate: 0.5 });
      const statuses: number[] = [];
      const enveloped: boolean[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await call<any>(`${m.restUrl}/AccountSummary`, { key: h.sim.apiKey });
        statuses.push(r.status);
        if (r.status >= 500) enveloped.push(r.body?.error === 'MRPC');
      }
      await h.sim.close();
      return { statuses, enveloped };
    };
    const a = await run(3);
    const b = await run(3);
    expect(a).toEqual(b);
    expect(a.statuses.filter((s) => s >= 500).length).toBeGreaterThan(5);
    expect(a.statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(a.enveloped).toContain(true);
    expect(a.enveloped).toContain(false);

    h = await quietSim();
    const m = h.sim.account('master');
    m.faults.set({ latencyMs: 120, jitterMs: 30 });
    const t0 = performance.now();
    await call(`${m.restUrl}/AccountSummary`, { key: h.sim.apiKey });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    m.faults.clear();
    expect(m.faults.get().latencyMs ?? 0).toBe(0);
  });

  it('disconnected accounts: plain 502 at the terminal, unreachable legs', async () => {
    h = await quietSim();
    const { sim } = h;
    const apex = sim.account('apex-follower');
    const url = apex.restUrl;
    apex.setStatus('disconnected');
    expect((await call(`${url}/AccountSummary`, { key: sim.apiKey })).status).toBe(502);
    const r = await call<any>(`${sim.url}/v1/orders`, { key: sim.apiKey, body: { orders: [{ account_id: apex.id, symbol: 'EURUSDm', operation: 'Buy', volume: 0.01 }] } });
    expect(r.body.results[0].status).toBe('unreachable');
    expect((await call<any>(`${sim.url}/v1/accounts/${apex.id}`, { key: sim.apiKey })).body).toMatchObject({ status: 'disconnected', rest_url: '' });
  });
});

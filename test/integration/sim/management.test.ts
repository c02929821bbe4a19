/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { afterEach, describe, expect, it } from 'vitest';
import { call, quietSim, WsClient, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

describe('management API: auth and accounts', () => {
  it('401 without or with a bad key, error envelope {error, detail}', async () => {
    h = await quietSim();
    const none = await call(`${h.sim.url}/v1/accounts`);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: expect.any(String), detail: expect.any(String) });
    expect((await call(`${h.sim.url}/v1/accounts`, { key: 'fxs_live_nope' })).status).toBe(401);
  });

  it('lists accounts in snake_case with terminal URLs pointing at the simulator', async () => {
    h = await quietSim();
    const r = await call<any[]>(`${h.sim.url}/v1/accounts`, { key: h.sim.apiKey });
    expect(r.status).toBe(200);
    expect(r.body.map((a) => a.nickname)).toEqual(['master', 'apex-follower', 'raw-follower', 'mt4-follower']);
    const master = r.body[0];
    expect(Object.keys(master).sort()).toEqual(
      ['created_at', 'error', 'id', 'login', 'nickname', 'platform', 'proxy_address', 'proxy_local_port', 'proxy_type', 'rest_url', 'server', 'status', 'trade_ea_symbol', 'ws_url'].sort(),
    );
    expect(master).toMatchObject({
      platform: 'mt5',
      server: 'DemoMarkets-Live',
      status: 'connected',
      error: '',
      rest_url: `${h.sim.url}/mt5/${master.id}`,
      ws_url: `${h.sim.url.replace('http', 'ws')}/mt5/${master.id}/ws`,
      proxy_local_port: null,
    });
    expect(master.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(master.created_at).toMatch(/Z$/);
    const mt4 = r.body[3];
    expect(mt4.platform).toBe('mt4');
    expect(mt4.rest_url).toBe(`${h.sim.url}/mt4/${mt4.id}`);
    const one = await call(`${h.sim.url}/v1/accounts/${master.id}`, { key: h.sim.apiKey });
    expect(one.body).toEqual(master);
    expect((await call(`${h.sim.url}/v1/accounts/00000000-0000-4000-8000-000000000000`, { key: h.sim.apiKey })).status).toBe(404);
  });

  it('ids are stable for a seed and differ across seeds', async () => {
    h = await quietSim({ seed: 7 });
    const a = h.sim.account('master').id;
    await h.sim.close();
    h = await quietSim({ seed: 7 });
    expect(h.sim.account('master').id).toBe(a);
    await h.sim.close();
    h = await quietSim({ seed: 8 });
    expect(h.sim.account('master').id).not.toBe(a);
  });

  it('read-only keys: 403 on mutating routes; a selected scope hides other accounts everywhere', async () => {
    h = await quietSim({ apiKeys: { full: ['fxs_live_t'], readOnly: [{ key: 'fxs_ro_all', scope: 'all' }, { key: 'fxs_ro_one', scope: ['master'] }] } });
    const { sim } = h;
    const apex = sim.account('apex-follower');
    const ro = await call(`${sim.url}/v1/orders`, { key: 'fxs_ro_all', body: { orders: [{ account_id: apex.id, symbol: 'EURUSDm', operation: 'Buy', volume: 0.01 }] } });
    expect(ro.status).toBe(403);
    expect(ro.body).toMatchObject({ error: 'read_only' });
    expect((await call(`${sim.url}/v1/orders/close`, { key: 'fxs_ro_all', body: { accounts: [{ account_id: apex.id, symbol: '*' }] } })).status).toBe(403);
    expect(apex.positions()).toEqual([]);
    const list = await call<any[]>(`${sim.url}/v1/accounts`, { key: 'fxs_ro_one' });
    expect(list.body.map((a) => a.nickname)).toEqual(['master']);
    expect((await call(`${sim.url}/v1/accounts/${apex.id}`, { key: 'fxs_ro_one' })).status).toBe(404);
    const term = await call(`${apex.restUrl}/AccountSummary`, { key: 'fxs_ro_one' });
    expect(term.status).toBe(401);
    expect(term.body).toMatchObject({ error: 'MRPC_UNAUTHORIZED' });
    expect((await call(`${sim.account('master').restUrl}/AccountSummary`, { key: 'fxs_ro_one' })).status).toBe(200);
    await expect(WsClient.open(apex.wsUrl, 'fxs_ro_one')).rejects.toThrow(/401/);
    const ws = await WsClient.open(sim.account('master').wsUrl, 'fxs_ro_one');
    await ws.close();
    // Read-only keys cannot trade at the terminal either.
    const send = await call(`${sim.account('master').restUrl}/OrderSend`, { key: 'fxs_ro_one', body: { symbol: 'EURUSD', operation: 'Buy', volume: 0.01 } });
    expect(send.status).toBe(401);
  });

  it('connecting accounts have empty URLs until reachable; POST/PATCH/DELETE work', async () => {
    h = await quietSim({ linkDelayMs: 60_000 });
    const { sim, clock } = h;
    const created = await call<any>(`${sim.url}/v1/accounts`, {
      key: sim.apiKey,
      body: { server: 'ApexTrading-Real', login: 777001, password: 'secret', nickname: 'late' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'connecting', rest_url: '', ws_url: '', nickname: 'late', platform: 'mt5' });
    const id = created.body.id as string;
    const leg = { account_id: id, symbol: 'EURUSDm', operation: 'Buy', volume: 0.01 };
    const batch = await call<any>(`${sim.url}/v1/orders`, { key: sim.apiKey, body: { orders: [leg] } });
    expect(batch.body.results[0]).toMatchObject({ status: 'unreachable', retcode: 0 });
    const strict = await call<any>(`${sim.url}/v1/orders`, { key: sim.apiKey, body: { orders: [leg], require_reachable: true } });
    expect(strict.status).toBe(400);
    expect(strict.body.error).toBe('unreachable_account');
    clock.advance(60_000);
    const later = await call<any>(`${sim.url}/v1/accounts/${id}`, { key: sim.apiKey });
    expect(later.body).toMatchObject({ status: 'connected', rest_url: `${sim.url}/mt5/${id}` });
    expect((await call(`${sim.url}/v1/accounts`, { key: sim.apiKey, body: { server: 'Nowhere-Live', login: 1, password: 'x' } })).body).toMatchObject({ error: 'server_not_found' });
    expect((await call(`${sim.url}/v1/accounts`, { key: sim.apiKey, body: { server: 'ApexTrading-Real', login: 2, password: 'wrong' } })).body).toMatchObject({ error: 'invalid_credentials' });
    const patched = await call<any>(`${sim.url}/v1/accounts/${id}`, { method: 'PATCH', key: sim.apiKey, body: { trade_ea_symbol: 'EURUSDm' } });
    expect(patched.body).toMatchObject({ trade_ea_symbol: 'EURUSDm', status: 'connecting' });
    const del = await call(`${sim.url}/v1/accounts/${id}`, { method: 'DELETE', key: sim.apiKey });
    expect(del.status).toBe(204);
    expect((await call(`${sim.url}/v1/accounts/${id}`, { key: sim.apiKey })).status).toBe(404);
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type TradeFrameEvent } from '../../../src/sim/index.js';
import { call, quietSim, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.sim.close();
  h = undefined;
});

describe('simulator lifecycle and in-process API', () => {
  it('sim.close() leaves no handles: a child process exits on its own', async () => {
    const script = fileURLToPath(new URL('./fixtures/no-handles.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const child = spawn(process.execPath, [tsx, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child did not exit by itself: ${out}`));
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, out).toBe(0);
    expect(out).toMatch(/closed; demo trader actions: [1-9]/);
  }, 20_000);

  it('emits tradeFrame / orderReceived / request events and counts stats', async () => {
    h = await quietSim();
    const { sim } = h;
    const trades: TradeFrameEvent[] = [];
    const received: unknown[] = [];
    const requests: unknown[] = [];
    sim.events.on('tradeFrame', (e: TradeFrameEvent) => trades.push(e));
    sim.events.on('orderReceived', (e) => received.push(e));
    sim.events.on('request', (e) => requests.push(e));
    const m = sim.account('master');
    await call(`${sim.url}/v1/orders`, { key: sim.apiKey, body: { orders: [{ account_id: m.id, symbol: 'EURUSD', operation: 'Buy', volume: 0.01, comment: 'tag', expert_id: 5 }] } });
    expect(received).toEqual([{ accountId: m.id, via: 'batch', symbol: 'EURUSD', volume: 0.01, comment: 'tag', magic: 5, t: expect.any(BigInt) }]);
    expect(trades[0]).toMatchObject({ accountId: m.id, entry: 'In', magic: 5, comment: 'tag' });
    expect(typeof trades[0]?.t).toBe('bigint');
    expect(requests[0]).toMatchObject({ method: 'POST', route: '/v1/orders', status: 200 });
    await call(`${m.restUrl}/AccountSummary`, { key: sim.apiKey });
    const st = sim.stats();
    expect(st.requests).toMatchObject({ 'POST /v1/orders': 1, 'GET /AccountSummary': 1 });
    expect(st.orders).toEqual({ [m.id]: 1 });
  });

  it('custom worlds, run-time accounts and the demo trader', async () => {
    h = await quietSim({
      world: {
        brokers: ['Demo Markets', 'Classic FX'],
        accounts: [{ nickname: 'boss', broker: 'DemoMarkets-Live', balance: 50_000, leverage: 30 }],
      },
    });
    const { sim } = h;
    expect(sim.accounts.map((a) => a.nickname)).toEqual(['boss']);
    const added = sim.addAccount({ nickname: 'late4', broker: 'Classic FX', currency: 'GBP', balance: 1000 });
    expect(added).toMatchObject({ platform: 'mt4', marginMode: 'Hedging', currency: 'GBP', server: 'ClassicFX-Live' });
    const list = await call<Array<{ nickname: string; rest_url: string }>>(`${sim.url}/v1/accounts`, { key: sim.apiKey });
    expect(list.body.map((a) => a.nickname)).toEqual(['boss', 'late4']);
    expect((await call(`${added.restUrl}/AccountSummary`, { key: sim.apiKey })).status).toBe(200);
    expect(sim.account('boss').summary()).toMatchObject({ balance: 50_000, leverage: 30 });
    const sim2 = await createSimulator({ world: { brokers: ['Demo Markets'], accounts: [{ nickname: 'master', broker: 'Demo Markets' }] }, priceFeed: false, marketHours: 'always', demoTrader: { intervalMs: 60_000 } });
    try {
      for (let i = 0; i < 40; i++) sim2.demoTrader.step();
      expect(sim2.demoTrader.actions).toBe(40);
      expect(sim2.account('master').history().length).toBeGreaterThan(0);
    } finally {
      await sim2.close();
    }
  });

  it('fans one batch out to 1,000 follower legs', async () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => ({ nickname: `f${i}`, broker: i % 2 ? 'Apex Trading' : 'Raw Prime', balance: 10_000 }));
    h = await quietSim({ world: { brokers: ['Apex Trading', 'Raw Prime'], accounts } });
    const { sim } = h;
    const orders = sim.accounts.map((a) => ({ account_id: a.id, symbol: a.broker === 'Apex Trading' ? 'EURUSDm' : 'EURUSD.raw' }));
    const body = { defaults: { operation: 'Buy', volume: 0.1, comment: 'm1' }, orders };
    const r = await call<{ summary: { filled: number } }>(`${sim.url}/v1/orders`, { key: sim.apiKey, body });
    expect(r.body.summary.filled).toBe(1000);
    // Its speed is measured by `npm run bench`, not asserted here.
  });
});

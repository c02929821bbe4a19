/**
 * The composition root hands the front-end (a) every copier event since the engine started, even those emitted
 * before the chat existed, and (b) the FxSocket transport counters for /status. Real simulator, store and engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import type { RunningApp } from '../../../src/app.js';
import type { BrokerHealth } from '../../../src/bot/ports.js';
import { loadConfig } from '../../../src/config.js';
import { defaultFollower } from '../../../src/domain/config.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { createSimulator } from '../../../src/sim/index.js';
import type { Sim } from '../../../src/sim/index.js';
import { openStore } from '../../../src/store/index.js';

let sim: Sim;
let dir: string;
let app: RunningApp | undefined;

beforeAll(async () => {
  sim = await createSimulator({ seed: 5, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always' });
  dir = await mkdtemp(join(tmpdir(), 'fxmirror-start-app-'));
  const store = await openStore({ dataDir: dir });
  const master = sim.account('master').id;
  store.data.masters.push({ accountId: master, paused: false });
  store.data.followers.push(defaultFollower(sim.account('apex-follower').id, [master]));
  store.changed();
  await store.close();
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

it('the front-end gets the events from before it existed, in order, then live ones; and the transport counters', async () => {
  const config = loadConfig({ FXSOCKET_API_KEY: sim.apiKey, FXSOCKET_API_URL: sim.url, FXMIRROR_DATA: dir, FXMIRROR_LOG_LEVEL: 'silent' });
  const got: CopierEvent[] = [];
  let health: BrokerHealth | undefined;
  app = await startApp(config, pino({ level: 'silent' }), async (ctx) => {
    // Everything start-up does (recovery, the start-up reconciliation) is over before the chat subscribes.
    await ctx.engine.idle();
    ctx.events((event) => got.push(event));
    health = ctx.brokerHealth();
    return { stop: async () => undefined };
  });
  expect(got.filter((e) => e.type === 'reconciled').map((e) => e.type === 'reconciled' && e.trigger)).toEqual(['startup']);
  expect(health?.rest.calls).toBeGreaterThan(0);
  expect(health?.rest.failed).toBe(0);
  expect(health?.streams.length).toBeGreaterThanOrEqual(2);

  const r = sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
  const deadline = Date.now() + 10_000;
  while (!got.some((e) => e.type === 'copied' && e.event.ticket === r.order) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(got.some((e) => e.type === 'copied' && e.event.ticket === r.order)).toBe(true);
  expect(app.engine.control.status().masters).toHaveLength(1);
}, 30_000);

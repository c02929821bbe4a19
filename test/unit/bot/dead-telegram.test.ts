/**
 * A Telegram that does not answer must not delay a single copy: the real engine over the simulator, the bot's
 * notifier subscribed to it, and a Bot API server that never replies. Copies keep flowing at normal lag; when
 * Telegram comes back, the alerts arrive in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBot } from '../../../src/bot/create-bot.js';
import type { FxBot } from '../../../src/bot/create-bot.js';
import { LOCAL_BOT_INFO } from '../../../src/bot/local-api.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import { systemClock } from '../../../src/bot/ports.js';
import { startFakeBotApi } from './fake-bot-api.js';
import type { FakeBotApi } from './fake-bot-api.js';
import { ADMIN, chatUser, memoryLog, startEngineWorld, VIEWER, waitFor } from './harness.js';
import type { EngineWorld } from './harness.js';

let world: EngineWorld;
let api: FakeBotApi;
let fx: FxBot;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  api = await startFakeBotApi();
  api.setHandler(() => 'hang');
  fx = createBot({
    token: '123:dead',
    apiRoot: api.url,
    control: world.control,
    users: createMemoryUsers([chatUser(VIEWER, 'viewer')]),
    admins: [ADMIN],
    log: memoryLog(),
    clock: systemClock,
    botInfo: LOCAL_BOT_INFO,
    outbox: { sendTimeoutMs: 300, baseBackoffMs: 50, maxBackoffMs: 200, maxAttempts: 10_000 },
  });
  await fx.seedAdmins();
  world.subscribe(fx.notifier.notify);
}, 30_000);

afterAll(async () => {
  await fx?.outbox.stop(100);
  await api?.close();
  await world?.close();
});

it('copies flow at normal lag while Telegram hangs; alerts arrive later, in order', async () => {
  const master = world.sim.account('master');
  const tickets: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = master.send({ symbol: 'EURUSD', operation: i % 2 === 0 ? 'Buy' : 'Sell', volume: 0.1 });
    expect(r.success).toBe(true);
    tickets.push(r.order);
    await waitFor(
      () => world.events.some((e) => e.type === 'copied' && e.event.ticket === r.order && e.legs.every((l) => l.status === 'filled')),
      `copy of #${r.order}`,
    );
    // Every follower filled while no alert has reached Telegram: the copy path does not wait for the chat.
    expect(api.delivered()).toHaveLength(0);
  }
  // Nothing reached Telegram, but requests were tried (and timed out).
  await waitFor(() => api.requests.length > 0, 'attempts');
  expect(api.delivered()).toHaveLength(0);
  expect(fx.outbox.stats().queued).toBeGreaterThanOrEqual(6);

  api.setHandler(() => 'default');
  expect(await fx.outbox.flush(10_000)).toBe(true);
  for (const chat of [ADMIN, VIEWER]) {
    const got = api
      .delivered()
      .filter((r) => Number(r.body.chat_id) === chat)
      .flatMap((r) => [...String(r.body.text).matchAll(/open #(\d+)/g)].map((m) => Number(m[1])));
    expect(got).toEqual(tickets);
  }
  expect(fx.outbox.stats()).toMatchObject({ queued: 0, failed: 0 });
  expect(fx.outbox.stats().retried).toBeGreaterThan(0);
}, 30_000);

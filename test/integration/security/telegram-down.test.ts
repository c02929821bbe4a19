/**
 * B11: the whole app (main.ts as a child process) started while Telegram is unreachable. It must start and copy at
 * once, keep the alerts it produces meanwhile (bounded), and deliver them in order once Telegram answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppWorld } from './app-world.js';
import type { AppWorld } from './app-world.js';
import { startFakeTelegram } from './fake-telegram.js';
import type { FakeTelegram } from './fake-telegram.js';

const API_KEY = 'fxs_live_telegramDownAtStart1';
const BOT_TOKEN = '7000000001:AAtelegramDownAtStartToken_0123456789';
const ADMIN = 1001;

let world: AppWorld;
let telegram: FakeTelegram;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined | false | null, what: string, ms = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function openTickets(): number[] {
  return telegram.messagesTo(ADMIN).flatMap((m) => [...m.text.matchAll(/open #(\d+)/g)].map((x) => Number(x[1])));
}

beforeAll(async () => {
  telegram = await startFakeTelegram(BOT_TOKEN);
  await telegram.setMode('down');
  world = await startAppWorld({ apiKey: API_KEY, followers: ['apex-follower', 'mt4-follower'] });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await telegram?.close();
});

describe('Telegram down at start-up', () => {
  it('starts and copies without Telegram, then delivers the alerts held meanwhile, in order', async () => {
    world.start({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.url, FXMIRROR_ADMINS: String(ADMIN) });
    await world.waitLine(/telegram unreachable at start/, 30_000);

    const master = world.sim.account('master');
    const apex = world.sim.account('apex-follower');
    const tickets: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
      expect(r.success).toBe(true);
      tickets.push(r.order);
      await waitFor(() => apex.positions().length === i + 1, `copy ${i + 1} on apex`);
    }
    expect(telegram.sent).toHaveLength(0);

    await telegram.setMode('ok');
    await world.waitLine(/telegram bot polling/, 60_000);
    await waitFor(() => openTickets().length >= tickets.length, 'the held copy alerts', 30_000);
    expect(openTickets()).toEqual(tickets);

    world.app.kill('SIGTERM');
    expect(await world.exited()).toBe(0);
  }, 120_000);
});

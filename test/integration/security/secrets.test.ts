/**
 * Secrets stay secret: the whole app (main.ts as a child process) runs with a recognizable FxSocket API key and a
 * recognizable Telegram bot token, copies trades, survives dropped sockets, 5xx and 504s, a revoked key (401s and a
 * refused socket upgrade, whose URL carries the key), answers chat commands from its admin and a stranger, and stops.
 * Then every stdout and stderr line, every chat message it sent and the state file are searched for the key and the
 * token (whole, and their distinctive parts): they appear nowhere.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppWorld } from './app-world.js';
import type { AppWorld } from './app-world.js';
import { startFakeTelegram } from './fake-telegram.js';
import type { FakeTelegram } from './fake-telegram.js';

const API_KEY = 'fxs_live_SECRETCANARY123';
const BOT_TOKEN = '7312345678:AAFsecretCANARYbotTOKEN_0123456789xyz';
const ADMIN = 1001;
const STRANGER = 4242;
/** The needles: each secret whole and its distinctive part (a partial leak counts too). */
const NEEDLES = [API_KEY, 'SECRETCANARY123', BOT_TOKEN, 'AAFsecretCANARYbotTOKEN', encodeURIComponent(BOT_TOKEN)];

let world: AppWorld;
let telegram: FakeTelegram;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined | false | null, what: string, ms = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  telegram = await startFakeTelegram(BOT_TOKEN);
  world = await startAppWorld({ apiKey: API_KEY, followers: ['apex-follower', 'raw-follower', 'mt4-follower'] });
  world.start({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.url, FXMIRROR_ADMINS: String(ADMIN), FXMIRROR_LOG_LEVEL: 'trace' });
  await world.waitLine(/telegram bot polling/, 30_000);
}, 60_000);

afterAll(async () => {
  await world?.close();
  await telegram?.close();
});

describe('secrets in a whole demo run', () => {
  it('copies, survives faults and a revoked key, chats, and never shows the key or the token', async () => {
    const { sim } = world;
    const master = sim.account('master');
    const apex = sim.account('apex-follower');
    // Normal copying.
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3, stopLoss: 1.07, takeProfit: 1.1 });
    await waitFor(() => apex.positions().length === 1, 'a copy on apex');
    master.modify({ ticket: a.order, stopLoss: 1.072 });
    // Faults: dropped sockets, 5xx, a 504 that executed, a batch leg that times out after executing.
    for (const h of sim.accounts) h.dropConnections();
    apex.faults.set({ error5xxRate: 0.3, timeout504Executed: 1, batchLegTimeoutAfterExecute: 1 });
    const b = master.send({ symbol: 'XAUUSD', operation: 'Sell', volume: 0.05 });
    master.modify({ ticket: b.order, stopLoss: 2400 });
    await sleep(1500);
    apex.faults.clear();
    // The key is revoked: 401 on REST, the socket upgrade (whose URL carries the key) refused.
    sim.revokeApiKey(API_KEY);
    for (const h of sim.accounts) h.dropConnections();
    master.send({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.1 });
    await sleep(2500);
    sim.addApiKey(API_KEY);
    // Chat: the admin asks around; a stranger knocks.
    for (const text of ['/start', '/help', '/status', '/accounts', '/positions', '/history', `/why ${a.order}`, '/alerts', '/reconcile', '/whoami']) {
      telegram.say(ADMIN, text);
      await sleep(150);
    }
    telegram.say(STRANGER, '/start');
    telegram.say(STRANGER, '/status');
    master.close(a.order);
    await waitFor(() => telegram.messagesTo(ADMIN).length >= 10, 'answers to the admin');
    await waitFor(() => telegram.messagesTo(STRANGER).length >= 1, 'the stranger told their id');
    await sleep(1500);
    await world.app.stop();

    // The run did what it should (so the search below searched real output).
    expect(world.stderr.length).toBeGreaterThan(3);
    expect(telegram.sent.length).toBeGreaterThan(15);
    expect(telegram.messagesTo(ADMIN).some((m) => m.text.includes('EURUSD'))).toBe(true);
    expect(telegram.messagesTo(ADMIN).some((m) => /stream lost/.test(m.text))).toBe(true);
    expect(telegram.messagesTo(STRANGER).map((m) => m.text)).toEqual([`Your Telegram user id is <code>${STRANGER}</code>.`]);
    expect(telegram.unauthorized).toBe(0);

    const haystacks: [string, string[]][] = [
      ['stdout', world.stdout],
      ['stderr', world.stderr],
      ['chat', telegram.sent.map((m) => `${m.text} ${m.buttons.map((b) => `${b.text} ${b.data}`).join(' ')}`)],
      ['data directory', await Promise.all((await readdir(world.dataDir)).map((f) => readFile(join(world.dataDir, f), 'utf8')))],
      ['stdout file', [await readFile(join(world.dir, 'app.stdout.log'), 'utf8')]],
      ['stderr file', [await readFile(join(world.dir, 'app.stderr.log'), 'utf8')]],
    ];
    const leaks: string[] = [];
    for (const [where, lines] of haystacks) {
      for (const line of lines) for (const needle of NEEDLES) if (line.includes(needle)) leaks.push(`${where}: ${line.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  }, 90_000);
});

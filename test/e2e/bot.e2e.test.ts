/**
 * End to end over real HTTP: grammY long polling against telegram-test-api (a Bot API emulator), the real engine
 * over the simulator, several users with different roles. The emulator's gaps are stubbed in a TEST transformer
 * (design.md §6), never in the product: it answers getUpdates at once (we sleep on empty results), answers
 * setMyCommands/sendChatAction with HTTP 500 (answered locally here), returns null for edits, and dates bot
 * messages in milliseconds.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Transformer } from 'grammy';
import TelegramServerModule from 'telegram-test-api';
import type { StoredBotUpdate, TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramBot } from '../../src/bot/telegram.js';
import type { TelegramBot } from '../../src/bot/telegram.js';
import { createMemoryUsers } from '../../src/bot/memory-users.js';
import { systemClock } from '../../src/bot/ports.js';
import { ADMIN, chatUser, memoryLog, OWNER, startEngineWorld, STRANGER, VIEWER, waitFor } from '../unit/bot/harness.js';
import type { EngineWorld } from '../unit/bot/harness.js';

const TOKEN = '123456:e2e-test-token';
// CommonJS `module.exports = TelegramServer`: the default import is the class at runtime.
const TelegramServerClass = TelegramServerModule as unknown as typeof TelegramServer;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The emulator's gaps, patched for the test only. */
const emulatorGaps: Transformer = async (prev, method, payload, signal) => {
  if (method === 'setMyCommands' || method === 'deleteMyCommands' || method === 'sendChatAction') {
    return { ok: true, result: true } as never;
  }
  const res = await prev(method, payload, signal);
  if (method === 'getUpdates' && res.ok && Array.isArray(res.result) && res.result.length === 0) {
    // No long polling in the emulator: wait a little instead of spinning.
    await new Promise((r) => setTimeout(r, 50));
  }
  if (res.ok && res.result === null) return { ok: true, result: true } as never;
  if (method === 'sendMessage' && res.ok && typeof (res.result as { date?: number }).date === 'number') {
    const m = res.result as { date: number };
    if (m.date > 1e11) m.date = Math.floor(m.date / 1000);
  }
  return res;
};

let server: TelegramServer;
let world: EngineWorld;
let tg: TelegramBot;
const log = memoryLog();

/** A bot message as the emulator stores it: the raw sendMessage body (edits merged in). */
interface Stored extends Omit<StoredBotUpdate, 'message'> {
  message: { chat_id: number | string; text?: string; disable_notification?: boolean; reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] } };
}

function botMessages(chatId: number): Stored[] {
  return (server.storage.botMessages as unknown as Stored[]).filter((u) => String(u.message.chat_id) === String(chatId));
}

async function say(userId: number, text: string): Promise<void> {
  const client = server.getClient(TOKEN, { userId, chatId: userId, firstName: `u${userId}` });
  if (text.startsWith('/')) await client.sendCommand(client.makeCommand(text));
  else await client.sendMessage(client.makeMessage(text));
}

async function tap(userId: number, message: Stored, label: string): Promise<void> {
  const buttons: { text: string; callback_data?: string }[] = message.message.reply_markup?.inline_keyboard.flat() ?? [];
  const button = buttons.find((b) => b.text.includes(label));
  if (button?.callback_data === undefined) throw new Error(`no button ${label}`);
  const client = server.getClient(TOKEN, { userId, chatId: userId });
  await client.sendCallback(client.makeCallbackQuery(button.callback_data, { message: { message_id: message.messageId } }));
}

/** Sends a command and waits for the next bot message in that chat matching `match`. */
async function ask(userId: number, text: string, match: RegExp): Promise<Stored> {
  const before = botMessages(userId).length;
  await say(userId, text);
  return waitFor(() => botMessages(userId).slice(before).find((m) => match.test(String(m.message.text))), `${text} → ${match}`);
}

beforeAll(async () => {
  server = new TelegramServerClass({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  tg = createTelegramBot({
    token: TOKEN,
    apiRoot: server.config.apiURL,
    control: world.control,
    users: createMemoryUsers([chatUser(OWNER, 'owner', 'Olga'), chatUser(VIEWER, 'viewer', 'Viktor')]),
    events: world.subscribe,
    admins: [ADMIN],
    log,
    clock: systemClock,
    outbox: { sendTimeoutMs: 5000 },
  });
  tg.fx.bot.api.config.use(emulatorGaps);
  await tg.start();
}, 30_000);

afterAll(async () => {
  await tg?.stop();
  await world?.close();
  await server?.stop();
});

describe('fxmirror bot over a Bot API emulator', () => {
  it('an unknown user gets their id on /start and nothing else', async () => {
    await ask(STRANGER, '/start', /Your Telegram user id is <code>999<\/code>/);
    await say(STRANGER, '/status');
    await say(STRANGER, '/pause all');
    await new Promise((r) => setTimeout(r, 400));
    expect(botMessages(STRANGER).map((m) => m.message.text)).toEqual([`Your Telegram user id is <code>${STRANGER}</code>.`]);
    expect(world.control.status().paused).toBe(false);
  });

  it('roles: the viewer reads, the owner cannot touch another follower', async () => {
    await ask(VIEWER, '/status', /Masters/);
    await ask(VIEWER, '/pause all', /needs the admin or owner role; you are viewer/);
    await ask(OWNER, '/multiplier raw-follower 2', /not one of your followers/);
  });

  it('follow asks for confirmation, and the tap applies it', async () => {
    const confirm = await ask(ADMIN, '/follow mt4-follower master', /will copy every new trade/);
    await tap(ADMIN, confirm, 'Follow');
    await waitFor(() => world.control.status().followers.some((f) => f.id === world.ids.mt4), 'mt4 follows');
    await waitFor(() => /now copies/.test(String(botMessages(ADMIN).find((m) => m.messageId === confirm.messageId)?.message.text)), 'confirmation edited');
    await world.engine.idle();
  });

  it('pause and resume need no confirmation', async () => {
    await ask(OWNER, '/pause apex-follower', /paused/);
    expect(world.control.follower(world.ids.apex).paused).toBe(true);
    await ask(OWNER, '/resume apex-follower', /resumed/);
    expect(world.control.follower(world.ids.apex).paused).toBe(false);
  });

  it('a routine copy arrives silent, as one message with every follower', async () => {
    const before = botMessages(VIEWER).length;
    const r = world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    expect(r.success).toBe(true);
    const alert = await waitFor(() => botMessages(VIEWER).slice(before).find((m) => /open #/.test(String(m.message.text))), 'copy alert');
    expect(alert.message.disable_notification).toBe(true);
    expect(String(alert.message.text)).toMatch(/apex-follower[\s\S]*raw-follower[\s\S]*mt4-follower/);
    // The owner hears about their own follower only.
    const own = await waitFor(() => botMessages(OWNER).find((m) => /open #/.test(String(m.message.text))), 'owner copy alert');
    expect(String(own.message.text)).toContain('apex-follower');
    expect(String(own.message.text)).not.toContain('raw-follower');
    await world.engine.idle();
  });

  it('the multiplier change shows a preview and applies on confirmation', async () => {
    const confirm = await ask(OWNER, '/multiplier apex-follower 2', /larger lots/);
    expect(String(confirm.message.text)).toMatch(/0\.20 EURUSD(→EURUSDm)? → <b>0\.40<\/b>/);
    await tap(OWNER, confirm, 'Apply');
    await waitFor(() => {
      const s = world.control.follower(world.ids.apex).sizing;
      return s.mode === 'multiplier' && s.multiplier === 2;
    }, 'multiplier 2');
  });

  it('a margin rejection reaches the chat loud, with the numbers', async () => {
    // Leverage 1 on the MT4 follower: any lot needs far more margin than it has.
    world.sim.account('mt4-follower').setLeverage(1);
    await waitFor(() => world.engine.runtime.followers.get(world.ids.mt4)?.summary?.leverage === 1, 'leverage in the follower cache', 8000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const before = botMessages(ADMIN).length;
    const r = world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Sell', volume: 1 });
    expect(r.success).toBe(true);
    const alert = await waitFor(
      () => botMessages(ADMIN).slice(before).find((m) => /open #/.test(String(m.message.text)) && /mt4-follower/.test(String(m.message.text))),
      'rejection alert',
    );
    expect(String(alert.message.text)).toMatch(/mt4-follower<\/b>: (skipped|rejected) — [^\n]*margin/);
    expect(String(alert.message.text)).toMatch(/margin required [\d,.]+ (&gt;|vs) free [\d,.]+/);
    expect(alert.message.disable_notification).toBe(false);
  });

  it('outbox stats are exposed and nothing failed', () => {
    const stats = tg.stats();
    expect(stats.outbox.failed).toBe(0);
    expect(stats.outbox.sent).toBeGreaterThanOrEqual(3);
    expect(stats.notifier.received).toBeGreaterThan(0);
  });
});

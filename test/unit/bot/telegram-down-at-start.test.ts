/**
 * Telegram unreachable when the bot starts: the bot's start must not wait for it (copying never waits for the chat),
 * alerts produced meanwhile are held in the bounded outbox, and once Telegram answers they arrive in order. Real
 * engine over the simulator, a Bot API stand-in on loopback whose port is closed at first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrammyError } from 'grammy';
import { EventBacklog } from '../../../src/bot/event-backlog.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import { Outbox } from '../../../src/bot/outbox.js';
import { systemClock } from '../../../src/bot/ports.js';
import { createTelegramBot } from '../../../src/bot/telegram.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { startFakeTelegram } from '../../integration/security/fake-telegram.js';
import type { FakeTelegram } from '../../integration/security/fake-telegram.js';
import { startFakeBotApi } from './fake-bot-api.js';
import { ADMIN, chatUser, memoryLog, startEngineWorld, VIEWER, waitFor } from './harness.js';
import type { EngineWorld } from './harness.js';

const TOKEN = '424242:telegram-down-at-start-token';

let world: EngineWorld;
let tg: FakeTelegram;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  tg = await startFakeTelegram(TOKEN);
  await tg.setMode('down');
}, 30_000);

afterAll(async () => {
  await tg?.close();
  await world?.close();
});

function openTickets(chatId: number): number[] {
  return tg.messagesTo(chatId).flatMap((m) => [...m.text.matchAll(/open #(\d+)/g)].map((x) => Number(x[1])));
}

describe('Telegram down when the bot starts', () => {
  it('start resolves without Telegram; copies flow; alerts are held and arrive in order once Telegram answers', async () => {
    const log = memoryLog();
    const bot = createTelegramBot({
      token: TOKEN,
      apiRoot: tg.url,
      control: world.control,
      users: createMemoryUsers([chatUser(VIEWER, 'viewer')]),
      admins: [ADMIN],
      log,
      clock: systemClock,
      events: world.subscribe,
      connect: { attemptTimeoutMs: 2_000, baseMs: 50, maxMs: 200 },
      outbox: { baseBackoffMs: 50, maxBackoffMs: 200 },
    });
    try {
      await bot.start();
      expect(bot.online).toBe(false);
      expect(log.lines.some((l) => l.level === 'warn' && /telegram unreachable at start/.test(l.msg ?? ''))).toBe(true);

      const master = world.sim.account('master');
      const tickets: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = master.send({ symbol: 'EURUSD', operation: i % 2 === 0 ? 'Buy' : 'Sell', volume: 0.1 });
        expect(r.success).toBe(true);
        tickets.push(r.order);
        await waitFor(
          () => world.events.some((e) => e.type === 'copied' && e.event.ticket === r.order && e.legs.every((l) => l.status === 'filled')),
          `copy of #${r.order}`,
        );
      }
      // Copied while Telegram was away; every alert is waiting, none was given up.
      expect(tg.sent).toHaveLength(0);
      expect(bot.stats().outbox).toMatchObject({ failed: 0, sent: 0 });
      expect(bot.stats().outbox.queued).toBeGreaterThanOrEqual(2 * tickets.length);

      await tg.setMode('ok');
      await bot.whenOnline();
      await waitFor(() => openTickets(ADMIN).length >= tickets.length && openTickets(VIEWER).length >= tickets.length, 'the held alerts');
      expect(openTickets(ADMIN)).toEqual(tickets);
      expect(openTickets(VIEWER)).toEqual(tickets);
      expect(bot.online).toBe(true);
      expect(bot.stats().outbox).toMatchObject({ failed: 0, collapsed: 0 });
    } finally {
      await bot.stop();
    }
  }, 30_000);

  it('a token Telegram refuses still fails start-up, with the API error', async () => {
    await tg.setMode('ok');
    const bot = createTelegramBot({
      token: '424242:not-the-right-token',
      apiRoot: tg.url,
      control: world.control,
      users: createMemoryUsers(),
      admins: [ADMIN],
      log: memoryLog(),
      clock: systemClock,
      events: world.subscribe,
      syncMenus: false,
    });
    const error = await bot.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(401);
    await bot.stop();
  });
});

describe('held outbox', () => {
  it('queues nothing out while held, stays bounded, and sends in order on release', async () => {
    const api = await startFakeBotApi();
    const { Api } = await import('grammy');
    const outbox = new Outbox({ api: new Api('1:held', { apiRoot: api.url }), log: memoryLog(), clock: systemClock, maxQueuePerChat: 10 });
    try {
      outbox.hold();
      for (let i = 1; i <= 5; i++) outbox.enqueue({ chatId: 1, text: `loud ${i}`, silent: false, routine: false, kind: 'rejections' });
      for (let i = 1; i <= 200; i++) outbox.enqueue({ chatId: 2, text: `copy ${i}`, silent: true, routine: true, kind: 'copies' });
      expect(outbox.held).toBe(true);
      expect(api.requests).toHaveLength(0);
      // 200 routine messages for chat 2 fold into a summary: memory stays within the per-chat cap.
      expect(outbox.stats().queued).toBeLessThanOrEqual(5 + 10);
      expect(outbox.stats().collapsed).toBeGreaterThan(0);

      outbox.release();
      expect(await outbox.flush(10_000)).toBe(true);
      const to = (chat: number) => api.delivered('sendMessage').filter((r) => Number(r.body.chat_id) === chat).map((r) => String(r.body.text));
      expect(to(1)).toEqual(['loud 1', 'loud 2', 'loud 3', 'loud 4', 'loud 5']);
      expect(to(2).some((t) => /copies not shown one by one/.test(t))).toBe(true);
      expect(to(2).at(-1)).toBe('copy 200');
    } finally {
      await outbox.stop(100);
      await api.close();
    }
  });
});

describe('EventBacklog', () => {
  const halted = (n: number): CopierEvent => ({ type: 'halted', at: n, reason: `r${n}`, message: `m${n}` });

  it('hands what happened before the first subscriber to it, in order and bounded, then forwards live events', () => {
    const listeners = new Set<(e: CopierEvent) => void>();
    const emit = (e: CopierEvent) => {
      for (const l of listeners) l(e);
    };
    const log = memoryLog();
    const backlog = new EventBacklog({
      source: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      maxEvents: 3,
      log,
    });
    for (let i = 1; i <= 5; i++) emit(halted(i));
    expect(backlog.pending).toBe(3);
    expect(backlog.dropped).toBe(2);
    const got: number[] = [];
    const unsubscribe = backlog.subscribe((e) => got.push(e.type === 'halted' ? e.at : -1));
    expect(got).toEqual([3, 4, 5]);
    expect(log.lines.some((l) => l.level === 'warn' && (l.obj as { dropped?: number }).dropped === 2)).toBe(true);
    emit(halted(6));
    expect(got).toEqual([3, 4, 5, 6]);
    if (typeof unsubscribe === 'function') unsubscribe();
    emit(halted(7));
    expect(got).toEqual([3, 4, 5, 6]);
    backlog.close();
    expect(listeners.size).toBe(0);
  });
});

/**
 * The daily summary's chart attachment through the real bot, engine and simulator: `/alerts dailychart on|off` (and
 * its button) stores the setting; a daily summary is then followed, in that chat, by the P&L chart photo of the day
 * for each follower the user can see (owners: their own) that closed copies that day; users who left it off (the
 * default), or turned the daily summary off, get no photo. A user stored before the setting existed loads as off.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf } from '../../../src/bot/local-api.js';
import type { ApiCall } from '../../../src/bot/local-api.js';
import { dailyChartOn, defaultAlerts } from '../../../src/bot/ports.js';
import { assertTelegramPhoto } from '../../../src/charts/index.js';
import type { CopierEvent } from '../../../src/engine/index.js';
import { openStore, StoreUserDirectory } from '../../../src/store/index.js';
import { ADMIN, answers, chatUser, createHarness, masterRoundTrip, OWNER, startEngineWorld, texts, VIEWER } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

let world: EngineWorld;
let h: Harness;
const VIEWER_NO_DAILY = 444;

/** The broker's server date of now for a follower (the day its copies closed on, as the reports count days). */
function serverDate(nickname: string): string {
  return new Date(Date.now() + world.sim.account(nickname).terminal.account.broker.utcOffsetSeconds * 1000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'mt4'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  h = await createHarness({
    control: world.control,
    users: [chatUser(OWNER, 'owner', 'Olga'), chatUser(VIEWER, 'viewer', 'Viktor'), { ...chatUser(VIEWER_NO_DAILY, 'viewer'), alerts: { ...defaultAlerts(), daily: 'off' }, dailyChart: true }],
  });
  await masterRoundTrip(world, { symbol: 'EURUSD', operation: 'Buy', volume: 0.3, move: 0.002 });
  await world.control.follow(world.ids.raw, world.ids.master);
  await world.engine.idle();
}, 40_000);
afterAll(async () => world?.close());

describe('/alerts dailychart', () => {
  it('is off by default, set by command or by its button, and refused with a clear reply for anything but on/off', async () => {
    expect(dailyChartOn(h.users.get(OWNER)!)).toBe(false);
    const shown = texts(await h.send(OWNER, '/alerts'), OWNER)[0];
    expect(shown).toContain('🚫 dailychart: off');
    const on = texts(await h.send(OWNER, '/alerts dailychart on'), OWNER)[0];
    expect(on).toContain('🖼 dailychart: on');
    expect(h.users.get(OWNER)?.dailyChart).toBe(true);
    const tap = await h.tap(OWNER, h.last(OWNER), 'dailychart: on');
    expect(answers(tap)[0]?.payload.text).toBe('dailychart: off');
    expect(h.users.get(OWNER)?.dailyChart).toBe(false);
    expect(buttonsOf(h.last(OWNER).keyboard).map((b) => b.text)).toContain('🚫 dailychart: off');
    await h.tap(OWNER, h.last(OWNER), 'dailychart: off');
    expect(h.users.get(OWNER)?.dailyChart).toBe(true);
    const bad = texts(await h.send(OWNER, '/alerts dailychart silent'), OWNER);
    expect(bad).toEqual([expect.stringContaining("dailychart must be on or off, got 'silent'")]);
    expect(h.users.get(OWNER)?.dailyChart).toBe(true);
    expect(texts(await h.send(OWNER, '/whoami'), OWNER)[0]).toContain('dailychart on');
    await h.send(ADMIN, '/alerts dailychart on');
  });
});

describe('the daily summary with charts', () => {
  it('is followed by the P&L chart of the day for each visible follower with closes; owners only theirs', async () => {
    const day = serverDate('apex-follower');
    const event: CopierEvent = {
      type: 'daily_summary',
      at: Date.now(),
      day,
      rows: (['apex', 'mt4', 'raw'] as const).map((f) => ({ followerId: world.ids[f], followerName: `${f}-follower`, copied: 2, skipped: 0, rejected: 0, profit: 1 })),
    };
    const from = h.local.calls.length;
    h.fx.notifier.notify(event);
    h.fx.notifier.drainNow();
    await h.fx.dailyCharts.idle();
    expect(await h.fx.outbox.flush(10_000)).toBe(true);
    const calls = h.local.calls.slice(from);
    const inChat = (id: number): ApiCall[] => calls.filter((c) => Number(c.payload.chat_id) === id);
    const kinds = (id: number): string[] => inChat(id).map((c) => (c.method === 'sendPhoto' ? `photo:${String(c.payload.caption).match(/· (\S+): realized/)?.[1]}` : 'summary'));

    // The owner: the summary, then their follower's chart, and nothing about the others.
    expect(kinds(OWNER)).toEqual(['summary', 'photo:apex-follower']);
    const photo = [...h.local.messages.values()].find((m) => m.chatId === OWNER && m.photo !== undefined && m.text.includes(day));
    expect(photo).toBeDefined();
    expect(() => assertTelegramPhoto(Buffer.from(photo!.photo!.bytes))).not.toThrow();
    expect(photo!.text).toContain(`Daily chart ${day}`);
    expect(photo!.silent).toBe(true);
    // The admin sees every follower: raw closed nothing, so it has no picture.
    const mt4SameDay = serverDate('mt4-follower') === day;
    expect(kinds(ADMIN)).toEqual(['summary', 'photo:apex-follower', ...(mt4SameDay ? ['photo:mt4-follower'] : [])]);
    // Left at the default (off): the summary alone. Daily summary off: nothing, chart or not.
    expect(kinds(VIEWER)).toEqual(['summary']);
    expect(kinds(VIEWER_NO_DAILY)).toEqual([]);
  }, 20_000);
});

describe('stored users', () => {
  it('a user stored before the setting existed loads valid and reads as off; the setting survives a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxmirror-dailychart-'));
    try {
      let store = await openStore({ dataDir: dir, writeDelayMs: 1 });
      store.upsertUser({ id: 7, role: 'viewer', name: 'old', addedAt: 1, alerts: defaultAlerts() });
      await store.close();
      store = await openStore({ dataDir: dir, writeDelayMs: 1 });
      const users = new StoreUserDirectory(store);
      const old = users.get(7);
      expect(old).toBeDefined();
      expect('dailyChart' in old!).toBe(false);
      expect(dailyChartOn(old!)).toBe(false);
      await users.upsert({ ...old!, dailyChart: true });
      await store.close();
      store = await openStore({ dataDir: dir, writeDelayMs: 1 });
      expect(new StoreUserDirectory(store).get(7)?.dailyChart).toBe(true);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

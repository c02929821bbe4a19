/**
 * The chat, fuzzed over real HTTP against the whole app (main.ts with a bot token, the real engine and state file):
 * random commands and arguments from unknown users change nothing (configuration, users, pauses) and tell them
 * nothing but their own id on /start; random commands from allowed users (admin, owner, viewer) always get exactly
 * one non-empty reply, never an internal error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAlerts } from '../../../src/bot/ports.js';
import { startAppWorld } from './app-world.js';
import type { AppWorld } from './app-world.js';
import { startFakeTelegram } from './fake-telegram.js';
import type { FakeTelegram } from './fake-telegram.js';

const API_KEY = 'fxs_live_chatFuzzKey';
const BOT_TOKEN = '5551234567:AAchatFuzzBotToken_abcdefghijklmnop';
const ADMIN = 101;
const OWNER = 202;
const VIEWER = 303;
const STRANGERS = [404, 405, 9_000_001];

const COMMANDS = [
  'start', 'help', 'whoami', 'status', 'accounts', 'master', 'follow', 'unfollow', 'pause', 'resume', 'multiplier',
  'sizing', 'map', 'filter', 'risk', 'positions', 'reconcile', 'closeall', 'history', 'why', 'alerts', 'users',
  'nosuch', 'START', 'Pause',
];
const token = fc.oneof(
  fc.constantFrom('all', 'apex-follower', 'raw-follower', 'mt4-follower', 'master', '-', 'off', 'on', 'buy', 'fixed', 'maxlot', 'deny', 'allow',
    'EURUSD', 'XAUUSD', 'add', 'remove', 'admin', 'owner', 'viewer', '404', '0', '2', '0.5', '1e9', 'NaN', '-3', '<b>x</b>', '&amp;', '💥', 'copies',
    'silent', 'yes', '999999999999'),
  fc.string({ maxLength: 10 }).map((s) => s.replace(/\s/g, '')).filter((s) => s.length > 0),
  fc.integer({ min: -5, max: 1_000_000_000 }).map(String),
);
const commandLine = fc
  .tuple(fc.constantFrom(...COMMANDS), fc.array(token, { maxLength: 4 }), fc.boolean())
  .map(([cmd, args, mention]) => `/${cmd}${mention ? '@fxmirror_test_bot' : ''}${args.length > 0 ? ` ${args.join(' ')}` : ''}`);
const anyText = fc.oneof(commandLine, commandLine, commandLine, fc.string({ maxLength: 40 }).filter((s) => s.trim().length > 0));

let world: AppWorld;
let telegram: FakeTelegram;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function configuration(): Promise<unknown> {
  const state = JSON.parse(await readFile(join(world.dataDir, 'state.json'), 'utf8')) as Record<string, unknown>;
  const links = await readFile(join(world.dataDir, 'links.jsonl'), 'utf8').catch(() => '');
  return { masters: state['masters'], followers: state['followers'], users: state['users'], links, pending: state['pending'] };
}

beforeAll(async () => {
  telegram = await startFakeTelegram(BOT_TOKEN);
  world = await startAppWorld({
    apiKey: API_KEY,
    followers: ['apex-follower', 'raw-follower'],
    users: [
      { id: OWNER, role: 'owner', name: 'Olga', addedAt: 1, alerts: defaultAlerts() },
      { id: VIEWER, role: 'viewer', name: 'Viktor', addedAt: 1, alerts: defaultAlerts() },
    ],
  });
  // No timer reconciliation and no trading: every message an allowed user gets is a reply to what they sent.
  world.start({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.url, FXMIRROR_ADMINS: String(ADMIN), FXMIRROR_RECONCILE_SECONDS: '86400' });
  await world.waitLine(/telegram bot polling/, 30_000);
  await sleep(1500);
}, 60_000);

afterAll(async () => {
  await world?.close();
  await telegram?.close();
});

describe('chat fuzz over the whole app', () => {
  it('unknown users change nothing and learn nothing but their id', async () => {
    await world.app.stop();
    const before = await configuration();
    world.start({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.url, FXMIRROR_ADMINS: String(ADMIN), FXMIRROR_RECONCILE_SECONDS: '86400' });
    await world.waitLine(/telegram bot polling/, 30_000);
    const lines = fc.sample(fc.tuple(fc.constantFrom(...STRANGERS), anyText), { numRuns: 150, seed: 11 });
    // Every command, including the risky ones, straight from strangers too.
    for (const s of STRANGERS) for (const c of ['/pause all', '/closeall all', '/users add 404 admin', '/follow raw-follower master', '/multiplier apex-follower 50', '/master off']) lines.push([s, c]);
    for (const [id, text] of lines) {
      telegram.say(id, text);
      await sleep(20);
    }
    await sleep(3000);
    for (const id of STRANGERS) {
      const starts = lines.filter(([who, text]) => who === id && /^\/start(@fxmirror_test_bot)?(\s|$)/i.test(text)).length;
      expect(telegram.messagesTo(id).map((m) => m.text)).toEqual(Array.from({ length: starts }, () => `Your Telegram user id is <code>${id}</code>.`));
    }
    await world.app.stop();
    expect(await configuration()).toEqual(before);
    expect(world.sim.stats().orders).toEqual({});
  }, 120_000);

  it('allowed users always get exactly one clear reply', async () => {
    await world.app.stop();
    world.start({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.url, FXMIRROR_ADMINS: String(ADMIN), FXMIRROR_RECONCILE_SECONDS: '86400' });
    await world.waitLine(/telegram bot polling/, 30_000);
    await sleep(1500);
    const lines = fc.sample(fc.tuple(fc.constantFrom(ADMIN, OWNER, VIEWER), anyText), { numRuns: 70, seed: 12 });
    const problems: string[] = [];
    for (const [id, text] of lines) {
      // Alerts to admins about strangers are not replies; only count what answers this line.
      const mine = () => telegram.messagesTo(id).filter((m) => !/unknown users?/.test(m.text));
      const before = mine().length;
      telegram.say(id, text);
      const start = Date.now();
      while (mine().length === before && Date.now() - start < 4000) await sleep(20);
      await sleep(250);
      const replies = mine().slice(before);
      if (replies.length !== 1) problems.push(`${id} ${JSON.stringify(text)} → ${replies.length} replies: ${replies.map((r) => r.text.slice(0, 60)).join(' | ')}`);
      else if (replies[0] === undefined || replies[0].text.trim() === '' || /failed unexpectedly|internal error/i.test(replies[0].text)) problems.push(`${id} ${JSON.stringify(text)} → ${JSON.stringify(replies[0]?.text)}`);
    }
    expect(problems).toEqual([]);
  }, 180_000);
});

/**
 * Random command lines from allowed and unknown users: allowed users always get exactly one reply (or a picker),
 * the bot never throws; unknown users get their id on /start and nothing otherwise.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMIN, createHarness, OWNER, STRANGER, texts, VIEWER } from './harness.js';
import { FakeControl, IDS } from './fake-control.js';

const COMMANDS = [
  'start', 'help', 'whoami', 'status', 'accounts', 'master', 'follow', 'unfollow', 'pause', 'resume', 'multiplier',
  'sizing', 'map', 'filter', 'risk', 'positions', 'reconcile', 'closeall', 'history', 'why', 'alerts', 'users',
  'nosuch', 'START', 'x',
];

const token = fc.oneof(
  fc.constantFrom('alpha', 'beta', 'master', 'spare', 'all', IDS.alpha.slice(0, 8), IDS.beta, '-', 'off', 'on', 'buy', 'fixed', 'risk', 'maxlot',
    'deny', 'allow', 'sides', 'EURUSD', 'XAUUSD', 'add', 'remove', 'role', 'own', 'viewer', 'owner', 'admin', '444', '0', '2', '0.5', '100', '1e9',
    'NaN', '-3', '"quoted name"', '<b>', '&amp;', '💥', 'copies', 'silent', 'list', 'set'),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/\s/g, '')).filter((s) => s.length > 0),
  fc.integer({ min: -5, max: 1_000_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
);

const line = fc.tuple(fc.constantFrom(...COMMANDS), fc.array(token, { maxLength: 4 }), fc.boolean()).map(
  ([cmd, args, mention]) => `/${cmd}${mention ? '@fxmirror_bot' : ''}${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
);
const text = fc.oneof(line, line, line, fc.string({ maxLength: 30 }));
const sender = fc.constantFrom(ADMIN, OWNER, VIEWER, STRANGER, 5555);

describe('property: one clear reply', () => {
  it('allowed users get exactly one reply, unknown users only their id on /start', async () => {
    const h = await createHarness({ control: new FakeControl() });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(sender, text), { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const [userId, msg] of steps) {
          const allowed = userId === ADMIN || h.users.get(userId) !== undefined;
          const calls = await h.send(userId, msg);
          // The admins' grouped report about unknown users is not a reply.
          const replies = texts(calls, userId).filter((t) => !t.includes('attempts by unknown users') && !t.includes('attempt by unknown users'));
          if (allowed) {
            expect(replies, `${userId}: ${msg}`).toHaveLength(1);
            expect((replies[0] ?? '').trim().length).toBeGreaterThan(0);
            expect(replies[0]).not.toMatch(/failed unexpectedly/);
          } else {
            const isStart = /^\/start(@fxmirror_bot)?(\s|$)/i.test(msg);
            expect(replies, `${userId}: ${msg}`).toEqual(isStart ? [`Your Telegram user id is <code>${userId}</code>.`] : []);
            expect(calls.filter((c) => c.method !== 'sendMessage' || Number(c.payload.chat_id) !== userId).filter((c) => Number(c.payload.chat_id) === userId)).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('a tap on any button of any reply is answered exactly once and never throws', async () => {
    const h = await createHarness({ control: new FakeControl() });
    await fc.assert(
      fc.asyncProperty(line, fc.nat(), fc.constantFrom(ADMIN, OWNER, VIEWER, STRANGER), async (msg, pick, tapper) => {
        await h.send(ADMIN, msg);
        const last = [...h.local.messages.values()].filter((m) => m.chatId === ADMIN).at(-1);
        const buttons = last?.keyboard?.inline_keyboard.flat() ?? [];
        if (last === undefined || buttons.length === 0) return;
        const b = buttons[pick % buttons.length];
        const data = b !== undefined && 'callback_data' in b ? String(b.callback_data) : 'x';
        const calls = await h.tapData(tapper, last, data);
        expect(calls.filter((c) => c.method === 'answerCallbackQuery')).toHaveLength(1);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

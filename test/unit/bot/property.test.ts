/**
 * Random command lines and button taps from allowed and unknown users, over the real engine and the simulator:
 * allowed users always get exactly one reply (or a picker), the bot never throws; unknown users get their id on
 * /start and nothing otherwise; every tap is answered exactly once. Every reply is HTML Telegram would accept.
 *
 * One world is shared by all runs; each run starts from the same configuration (engine and chat users are put
 * back before it), so a command that changes the configuration cannot make a later run, or a shrink, differ.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountId, FollowerConfig } from '../../../src/domain/config.js';
import type { ApiCall } from '../../../src/bot/local-api.js';
import type { ChatUser } from '../../../src/bot/ports.js';
import { ADMIN, createHarness, OWNER, startEngineWorld, STRANGER, telegramHtmlProblems, texts, VIEWER, waitFor } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

const COMMANDS = [
  'start', 'help', 'whoami', 'status', 'accounts', 'master', 'follow', 'unfollow', 'pause', 'resume', 'multiplier',
  'sizing', 'map', 'filter', 'risk', 'positions', 'reconcile', 'closeall', 'history', 'why', 'alerts', 'users',
  'nosuch', 'START', 'x',
];

/** An account whose nickname needs escaping in every reply that names it. */
const ODD = 'beta <b> & co';

/** What a run starts from: the engine's configuration and the chat users. */
interface Snapshot {
  masters: { id: AccountId; paused: boolean }[];
  followers: FollowerConfig[];
  pausedAll: boolean;
  users: ChatUser[];
}

let world: EngineWorld;
let h: Harness;
let baseline: Snapshot;
let oddId: AccountId;
/** The master ticket of the copied trade. */
let ticket: number;

async function snapshot(): Promise<Snapshot> {
  const accounts = await world.control.listAccounts();
  return {
    masters: accounts.filter((a) => a.role === 'master').map((a) => ({ id: a.id, paused: a.paused })).sort((a, b) => a.id.localeCompare(b.id)),
    followers: accounts
      .filter((a) => a.role === 'follower')
      .map((a) => world.control.follower(a.id))
      .map((f) => ({ ...f, masters: [...f.masters].sort() }))
      .sort((a, b) => a.accountId.localeCompare(b.accountId)),
    pausedAll: world.control.status().paused,
    users: [...h.users.list()].sort((a, b) => a.id - b.id),
  };
}

/** Puts the engine configuration and the chat users back to `baseline`, through the control API. */
async function restore(): Promise<void> {
  const { control } = world;
  if (control.status().paused) await control.resume({ all: true });
  for (const u of h.users.list()) if (!baseline.users.some((b) => b.id === u.id)) await h.users.remove(u.id);
  for (const u of baseline.users) await h.users.upsert(u);

  const accounts = await control.listAccounts();
  const baseFollower = new Map(baseline.followers.map((f) => [f.accountId, f]));
  const baseMaster = new Map(baseline.masters.map((m) => [m.id, m]));
  for (const a of accounts) if (a.role === 'follower' && !baseFollower.has(a.id)) await control.unfollow(a.id);
  for (const m of baseline.masters) {
    const now = accounts.find((a) => a.id === m.id);
    if (now?.role !== 'master') await control.setMaster(m.id);
  }
  for (const f of baseline.followers) {
    const now = (await control.listAccounts()).find((a) => a.id === f.accountId);
    const current = now?.role === 'follower' ? control.follower(f.accountId) : null;
    for (const m of f.masters) if (!(current?.masters ?? []).includes(m)) await control.follow(f.accountId, m);
    for (const m of current?.masters ?? []) if (!f.masters.includes(m)) await control.unfollow(f.accountId, m);
    const cfg = control.follower(f.accountId);
    if (JSON.stringify(cfg.sizing) !== JSON.stringify(f.sizing)) await control.setSizing(f.accountId, f.sizing);
    if (JSON.stringify(cfg.filters) !== JSON.stringify(f.filters)) await control.setFilters(f.accountId, f.filters);
    if (JSON.stringify(cfg.risk) !== JSON.stringify(f.risk)) await control.setRisk(f.accountId, f.risk);
    for (const from of Object.keys(cfg.symbolMap)) if (!(from in f.symbolMap)) await control.setSymbolMapping(f.accountId, from, null);
    for (const [from, to] of Object.entries(f.symbolMap)) if (cfg.symbolMap[from] !== to) await control.setSymbolMapping(f.accountId, from, to);
    if (cfg.paused && !f.paused) await control.resume({ follower: f.accountId });
    if (cfg.ownerUserId !== f.ownerUserId) await control.setOwner(f.accountId, f.ownerUserId);
  }
  for (const a of await control.listAccounts()) {
    if (a.role === 'master' && !baseMaster.has(a.id)) await control.unsetMaster(a.id);
    if (a.role === 'master' && a.paused && baseMaster.get(a.id)?.paused === false) await control.resume({ master: a.id });
  }
  await world.engine.idle();
  expect(await snapshot(), 'restored configuration').toEqual(baseline);
}

beforeAll(async () => {
  world = await startEngineWorld({
    follow: ['apex', 'raw'],
    accounts: [{ nickname: ODD, broker: 'Classic FX', name: 'Odd <Name> & Sons', currency: 'USD', balance: 4_000, leverage: 100 }],
  });
  oddId = world.sim.account(ODD).id;
  await world.control.follow(oddId, world.ids.master);
  await world.control.setOwner(world.ids.apex, OWNER);
  await waitFor(() => world.engine.runtime.followers.get(oddId)?.summary, 'odd follower cache');
  h = await createHarness({ control: world.control });
  // One copied master trade, so /positions, /history, /why, previews and /closeall have rows.
  expect(world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 }).success).toBe(true);
  const copied = await waitFor(() => world.events.find((e) => e.type === 'copied' && e.event.kind === 'open'), 'first copy');
  ticket = copied.type === 'copied' ? copied.event.ticket : 0;
  await world.engine.idle();
  baseline = await snapshot();
  expect(baseline.followers.map((f) => f.accountId).sort()).toEqual([world.ids.apex, world.ids.raw, oddId].sort());
}, 30_000);
afterAll(async () => world?.close());

function arbitraries(): { line: fc.Arbitrary<string>; text: fc.Arbitrary<string> } {
  const token = fc.oneof(
    fc.constantFrom('master', 'apex-follower', 'raw-follower', 'mt4-follower', 'alpha', 'all', world.ids.apex.slice(0, 8), world.ids.raw, oddId.slice(0, 6),
      `"${ODD}"`, '-', 'off', 'on', 'buy', 'sell', 'fixed', 'risk', 'maxlot', 'deny', 'allow', 'sides', 'EURUSD', 'XAUUSD', 'EURUSDm', 'add', 'remove',
      'role', 'own', 'viewer', 'owner', 'admin', '444', String(VIEWER), String(OWNER), '0', '2', '0.5', '100', '1e9', 'NaN', '-3', '"quoted name"',
      '<b>', '&amp;', '💥', 'copies', 'silent', 'list', 'set', 'apply'),
    fc.string({ maxLength: 12 }).map((s) => s.replace(/\s/g, '')).filter((s) => s.length > 0),
    fc.integer({ min: -5, max: 1_000_000 }).map(String),
    fc.double({ noNaN: false }).map(String),
  );
  const random = fc.tuple(fc.constantFrom(...COMMANDS), fc.array(token, { maxLength: 4 }), fc.boolean()).map(
    ([cmd, args, mention]) => `/${cmd}${mention ? '@fxmirror_bot' : ''}${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
  );
  // Well-formed lines, so runs also reach pickers, confirmations and changes of the configuration.
  const follower = fc.constantFrom('apex-follower', 'raw-follower', `"${ODD}"`, 'mt4-follower');
  const account = fc.constantFrom('master', 'apex-follower', 'raw-follower', 'mt4-follower');
  const valid = fc.oneof(
    fc.constantFrom('/pause', '/resume', '/pause all', '/resume all', '/master', '/master list', '/follow', '/unfollow', '/multiplier', '/sizing', '/map',
      '/filter', '/risk', '/positions', '/reconcile', '/closeall', '/history', '/why', '/alerts', '/users', '/status', '/accounts', '/users list'),
    fc.tuple(fc.constantFrom('/pause', '/resume', '/multiplier', '/sizing', '/map', '/filter', '/risk', '/positions', '/reconcile', '/closeall', '/unfollow', '/history 5'), follower)
      .map(([c, f]) => `${c} ${f}`),
    fc.tuple(follower, fc.constantFrom('0.5', '2', '5')).map(([f, x]) => `/multiplier ${f} ${x}`),
    fc.tuple(follower, fc.constantFrom('fixed 0.3', 'risk_percent 1', 'multiplier 3', 'balance_ratio 1')).map(([f, x]) => `/sizing ${f} ${x}`),
    fc.tuple(follower, fc.constantFrom('EURUSD EURUSDm', 'XAUUSD -', 'EURUSD -')).map(([f, x]) => `/map ${f} ${x}`),
    fc.tuple(follower, fc.constantFrom('allow EURUSD', 'deny XAUUSD', 'sides buy', 'reverse on', 'sltp off', 'pending off')).map(([f, x]) => `/filter ${f} ${x}`),
    fc.tuple(follower, fc.constantFrom('maxlot 0.1', 'maxlot off', 'maxpos 3', 'margin block', 'marginuse 0.5', 'deviation 20', 'dailyloss 100')).map(
      ([f, x]) => `/risk ${f} ${x}`,
    ),
    fc.tuple(account, account).map(([f, m]) => `/follow ${f} ${m}`),
    fc.tuple(account, fc.constantFrom('', ' master')).map(([f, m]) => `/unfollow ${f}${m}`),
    fc.tuple(fc.constantFrom('set', 'remove'), account).map(([v, a]) => `/master ${v} ${a}`),
    fc.constantFrom(`/users add 444 viewer`, `/users remove ${VIEWER}`, `/users role ${OWNER} viewer`, `/users own ${VIEWER} raw-follower`,
      '/users disown apex-follower', '/alerts copies off', '/alerts all silent', '/why 1', `/why ${ticket}`, '/history 3'),
  );
  const line = fc.oneof(random, random, valid);
  return { line, text: fc.oneof(line, line, line, fc.string({ maxLength: 30 })) };
}

/** Every message text the bot sent or edited is non-empty HTML Telegram accepts, and no handler failed. */
function expectWellFormed(calls: readonly ApiCall[], what: string): void {
  for (const t of texts(calls)) {
    expect(t.trim().length, what).toBeGreaterThan(0);
    expect(t, what).not.toMatch(/failed unexpectedly/);
    expect(telegramHtmlProblems(t), `${what} → ${t}`).toEqual([]);
  }
}

/** The admins' grouped report about unknown users (sent by the outbox whenever it is due). */
function isUnknownReport(call: ApiCall): boolean {
  return call.method === 'sendMessage' && /attempts? by unknown users/.test(String(call.payload.text));
}

describe('the Telegram HTML check', () => {
  it('accepts what the formatters produce and rejects what Telegram would refuse', () => {
    expect(telegramHtmlProblems('<b>a &lt;b&gt; &amp; co</b> · <code>42</code> <i>x</i>')).toEqual([]);
    expect(telegramHtmlProblems('a <b> & co')).not.toEqual([]);
    expect(telegramHtmlProblems('a < b')).not.toEqual([]);
    expect(telegramHtmlProblems('<b>open')).not.toEqual([]);
    expect(telegramHtmlProblems('<b><i>x</b></i>')).not.toEqual([]);
    expect(telegramHtmlProblems('line<br>next')).not.toEqual([]);
    expect(telegramHtmlProblems('&nbsp;')).not.toEqual([]);
    expect(telegramHtmlProblems('x'.repeat(4097))).not.toEqual([]);
  });
});

const sender = fc.constantFrom(ADMIN, OWNER, VIEWER, STRANGER, 5555);

describe('property: one clear reply (real engine over the simulator)', () => {
  it('allowed users get exactly one reply, unknown users only their id on /start', async () => {
    const { text } = arbitraries();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(sender, text), { minLength: 1, maxLength: 6 }), async (steps) => {
        await restore();
        for (const [userId, msg] of steps) {
          const allowed = userId === ADMIN || h.users.get(userId) !== undefined;
          const calls = await h.send(userId, msg);
          // The admins' grouped report about unknown users is not a reply.
          const replies = texts(calls.filter((c) => !isUnknownReport(c)), userId);
          expectWellFormed(calls, `${userId}: ${msg}`);
          if (allowed) {
            expect(replies, `${userId}: ${msg}`).toHaveLength(1);
          } else {
            const isStart = /^\/start(@fxmirror_bot)?(\s|$)/i.test(msg);
            expect(replies, `${userId}: ${msg}`).toEqual(isStart ? [`Your Telegram user id is <code>${userId}</code>.`] : []);
            expect(calls.filter((c) => c.method !== 'sendMessage' && Number(c.payload.chat_id) === userId)).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('a tap on any button of any reply is answered exactly once and never throws', async () => {
    const { line } = arbitraries();
    const tap = fc.tuple(fc.nat(), fc.constantFrom(ADMIN, ADMIN, OWNER, VIEWER, STRANGER));
    await fc.assert(
      // A command from an admin, then up to three taps, each on a button of the admin's newest message that has any.
      fc.asyncProperty(line, fc.array(tap, { minLength: 1, maxLength: 3 }), async (msg, taps) => {
        await restore();
        expectWellFormed(await h.send(ADMIN, msg), `${ADMIN}: ${msg}`);
        let what = msg;
        for (const [pick, tapper] of taps) {
          const last = [...h.local.messages.values()].filter((m) => m.chatId === ADMIN && (m.keyboard?.inline_keyboard.length ?? 0) > 0).at(-1);
          const buttons = last?.keyboard?.inline_keyboard.flat() ?? [];
          if (last === undefined || buttons.length === 0) return;
          const b = buttons[pick % buttons.length];
          const data = b !== undefined && 'callback_data' in b ? String(b.callback_data) : 'x';
          what += ` → ${tapper} taps ${b?.text ?? '?'} (${data})`;
          const calls = await h.tapData(tapper, last, data);
          expect(calls.filter((c) => c.method === 'answerCallbackQuery'), what).toHaveLength(1);
          expectWellFormed(calls, what);
          if (tapper === STRANGER) {
            // An unknown user's tap is answered with nothing shown, and nothing else happens.
            expect(calls.filter((c) => !isUnknownReport(c)).map((c) => c.method), what).toEqual(['answerCallbackQuery']);
            expect(calls.find((c) => c.method === 'answerCallbackQuery')?.payload.text, what).toBeUndefined();
          }
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

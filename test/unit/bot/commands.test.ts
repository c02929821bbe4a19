/**
 * Every command through `bot.handleUpdate`, over the real engine and the simulator: roles, happy paths, bad
 * arguments, pickers, confirmations (binding, expiry, reuse, role re-check), stale commands, groups.
 * Tests in this file share one world and run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf } from '../../../src/bot/local-api.js';
import { ADMIN, answers, chatUser, createHarness, OWNER, sent, startEngineWorld, STRANGER, texts, VIEWER, waitFor } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

let world: EngineWorld;
let h: Harness;
const TTL = 120_000;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  h = await createHarness({ control: world.control, confirmTtlMs: TTL });
  // One master trade, so sizing previews have history and /positions, /history and /why have rows.
  const r = world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.37 });
  expect(r.success).toBe(true);
  await waitFor(() => world.events.some((e) => e.type === 'copied' && e.event.kind === 'open'), 'first copy');
  await world.engine.idle();
}, 30_000);
afterAll(async () => world?.close());

/** The single reply text to a command (fails when there is not exactly one message). */
async function reply(userId: number, text: string): Promise<string> {
  const calls = await h.send(userId, text);
  const out = texts(calls, userId);
  expect(out, `${text} → ${JSON.stringify(out)}`).toHaveLength(1);
  return out[0] as string;
}

describe('access', () => {
  it('an unknown user gets only their id on /start and nothing otherwise', async () => {
    const start = await h.send(STRANGER, '/start');
    expect(texts(start)).toEqual([`Your Telegram user id is <code>${STRANGER}</code>.`]);
    for (const cmd of ['/help', '/status', '/pause all', 'hello', '/closeall apex-follower']) {
      expect(await h.send(STRANGER, cmd)).toEqual([]);
    }
  });

  it("an unknown user's button tap is answered with nothing shown", async () => {
    const calls = await h.tapData(STRANGER, { chatId: STRANGER, messageId: 1, text: '', keyboard: null, silent: false, edits: 0 }, 'r:/pause all');
    expect(calls.map((c) => c.method)).toEqual(['answerCallbackQuery']);
    expect(calls[0]?.payload.text).toBeUndefined();
    expect(world.control.status().paused).toBe(false);
  });

  it('reports unknown attempts to admins in one grouped message', async () => {
    h.fx.reporter.flush();
    await h.fx.outbox.flush(2000);
    const reports = sent(h.local.calls, ADMIN).filter((c) => String(c.payload.text).includes('unknown users'));
    expect(reports).toHaveLength(1);
    expect(String(reports[0]?.payload.text)).toMatch(/7 attempts by unknown users/);
    expect(String(reports[0]?.payload.text)).toContain(`<code>${STRANGER}</code>`);
  });

  it('/start and /whoami for known users tell the role', async () => {
    expect(await reply(ADMIN, '/start')).toContain('admin');
    expect(await reply(VIEWER, '/whoami')).toMatch(/Role: <b>viewer<\/b>/);
    const whoOwner = await reply(OWNER, '/whoami');
    expect(whoOwner).toContain('apex-follower');
  });

  it('/help lists only what the role may use', async () => {
    const admin = await reply(ADMIN, '/help');
    const owner = await reply(OWNER, '/help');
    const viewer = await reply(VIEWER, '/help');
    expect(admin).toContain('/users');
    expect(admin).toContain('/closeall');
    expect(owner).toContain('/closeall');
    expect(owner).toContain('/multiplier');
    expect(owner).not.toContain('/users');
    expect(viewer).not.toMatch(/\/pause|\/multiplier|\/closeall|\/users|\/follow/);
    expect(viewer).toContain('/status');
  });

  it('a command for a higher role is refused with the reason', async () => {
    expect(await reply(VIEWER, '/pause apex-follower')).toContain('/pause needs the admin or owner role; you are viewer');
    expect(await reply(OWNER, '/users')).toContain('needs the admin role');
    expect(await reply(OWNER, '/pause all')).toContain('needs the admin role');
    expect(await reply(OWNER, '/multiplier raw-follower 2')).toContain('not one of your followers');
  });

  it('a command older than 60 s is not run and the user is told', async () => {
    const date = Math.floor((h.clock.now() - 90_000) / 1000);
    const calls = await h.send(ADMIN, '/pause all', { date });
    expect(texts(calls)).toHaveLength(1);
    expect(texts(calls)[0]).toMatch(/Not run: \/pause was sent 1 min ago/);
    expect(world.control.status().paused).toBe(false);
  });

  it('unknown commands and plain text get one short answer', async () => {
    expect(await reply(VIEWER, '/frobnicate')).toContain('Unknown command /frobnicate');
    expect(await reply(VIEWER, 'hello there')).toContain('I only understand commands');
  });

  it('works in groups per user id: known users answered, unknown silent', async () => {
    const group = -100123;
    const calls = await h.send(VIEWER, '/status@fxmirror_bot', { chatId: group });
    expect(texts(calls, group)).toHaveLength(1);
    expect(await h.send(STRANGER, '/status@fxmirror_bot', { chatId: group })).toEqual([]);
    // Plain chatter and commands for other bots are ignored in a group.
    expect(texts(await h.send(VIEWER, 'hi all', { chatId: group }))).toEqual([]);
    expect(texts(await h.send(VIEWER, '/status@otherbot', { chatId: group }))).toEqual([]);
    expect(await h.send(STRANGER, '/start@otherbot', { chatId: group })).toEqual([]);
    expect(texts(await h.send(VIEWER, '/nosuch@fxmirror_bot', { chatId: group }), group)[0]).toContain('Unknown command /nosuch');
  });

  it('commands are case-insensitive', async () => {
    expect(await reply(VIEWER, '/Status')).toContain('<b>Masters</b>');
  });
});

describe('read commands', () => {
  it('/status shows masters, followers, lag, with a Refresh button that edits in place', async () => {
    const text = await reply(VIEWER, '/status');
    expect(text).toContain('<b>Masters</b>');
    expect(text).toContain('apex-follower');
    expect(text).toMatch(/Copy lag: p50/);
    const msg = h.last(VIEWER);
    const calls = await h.tap(VIEWER, msg, 'Refresh');
    expect(calls.map((c) => c.method).sort()).toEqual(['answerCallbackQuery', 'editMessageText']);
  });

  it('/accounts: all for viewers, own followers and their masters for owners', async () => {
    const all = await reply(VIEWER, '/accounts');
    expect(all).toContain('Accounts (4)');
    const mine = await reply(OWNER, '/accounts');
    expect(mine).toContain('apex-follower');
    expect(mine).toContain('master');
    expect(mine).not.toContain('raw-follower');
  });

  it('/positions lists copies; owners see only their own', async () => {
    expect(await reply(VIEWER, '/positions')).toMatch(/apex-follower[\s\S]*raw-follower|raw-follower[\s\S]*apex-follower/);
    const own = await reply(OWNER, '/positions');
    expect(own).toContain('apex-follower');
    expect(own).not.toContain('raw-follower');
    expect(await reply(OWNER, '/positions raw-follower')).toContain('not one of your followers');
  });

  it('/history and /why answer from the journal; bad numbers are explained', async () => {
    expect(await reply(VIEWER, '/history 5')).toMatch(/Last \d+ copy result/);
    expect(await reply(VIEWER, '/history abc')).toContain("'abc' is neither a count (a whole number between 1 and 50) nor an account. Usage: /history [n] [follower]");
    expect(await reply(VIEWER, '/history 500')).toContain('between 1 and 50');
    const ticket = world.sim.account('master').positions()[0]?.ticket;
    expect(ticket).toBeDefined();
    expect(await reply(VIEWER, `/why ${ticket}`)).toContain(`Ticket #${ticket}`);
    expect(await reply(VIEWER, '/why twelve')).toContain("ticket must be a ticket number (digits), got 'twelve'");
    // Without a ticket: recent tickets as buttons.
    await reply(VIEWER, '/why');
    expect(buttonsOf(h.last(VIEWER).keyboard).map((b) => b.text)).toContain(`#${ticket}`);
  });

  it('/master lists masters; set/remove need admin', async () => {
    expect(await reply(VIEWER, '/master')).toContain('Masters (1)');
    expect(await reply(VIEWER, '/master set mt4-follower')).toContain('needs the admin role');
    expect(await reply(ADMIN, '/master bogus')).toContain("action must be one of list, set, remove, got 'bogus'");
  });
});

describe('sizing with preview and confirmation', () => {
  it('validates the multiplier with a specific message', async () => {
    expect(await reply(OWNER, '/multiplier apex-follower abc')).toBe(
      "⚠️ multiplier must be a number between 0.01 and 100, got 'abc'. Usage: /multiplier &lt;follower&gt; &lt;x&gt;",
    );
    expect(await reply(OWNER, '/multiplier apex-follower 1000')).toContain('between 0.01 and 100');
    expect(await reply(OWNER, '/multiplier apex-follower 2 3')).toContain("too many arguments: '3'");
    expect(await reply(OWNER, '/multiplier nobody 2')).toContain("No account 'nobody'");
  });

  it('a smaller multiplier applies at once and shows the preview', async () => {
    const text = await reply(OWNER, '/multiplier apex-follower 0.5');
    expect(text).toContain('multiplier ×1 → multiplier ×0.5');
    expect(text).toMatch(/Last 1 master trade/);
    expect(text).toContain('0.37 EURUSD');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 0.5 });
  });

  it('a larger multiplier previews and asks; other users cannot confirm; apply once', async () => {
    const text = await reply(OWNER, '/multiplier apex-follower 2');
    expect(text).toContain('larger lots');
    expect(text).toContain('0.74'); // 0.37 × 2
    const msg = h.last(OWNER);
    expect(buttonsOf(msg.keyboard).map((b) => b.text)).toEqual(['✅ Apply', '✖ Cancel']);
    const applyData = buttonsOf(msg.keyboard)[0]?.data ?? '';
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 0.5 });

    // Another user (even an admin) tapping it is refused.
    const other = await h.tap(ADMIN, msg, 'Apply');
    expect(answers(other)[0]?.payload.text).toContain('belongs to someone else');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 0.5 });

    const ok = await h.tap(OWNER, msg, 'Apply');
    expect(answers(ok)).toHaveLength(1);
    expect(texts(ok)[0]).toContain('multiplier ×0.5 → multiplier ×2');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 2 });

    const again = await h.tapData(OWNER, msg, applyData);
    expect(answers(again)[0]?.payload.text).toContain('Already done');
  });

  it('an expired confirmation is refused', async () => {
    await reply(OWNER, '/multiplier apex-follower 3');
    const msg = h.last(OWNER);
    const data = buttonsOf(msg.keyboard)[0]?.data ?? '';
    h.clock.advance(TTL + 1000);
    const calls = await h.tapData(OWNER, msg, data);
    expect(answers(calls)[0]?.payload.text).toContain('Expired');
    expect(texts(calls)[0]).toContain('expired; nothing was changed');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 2 });
  });

  it('the role is re-checked on the tap', async () => {
    await reply(OWNER, '/multiplier apex-follower 4');
    const msg = h.last(OWNER);
    await h.users.upsert(chatUser(OWNER, 'viewer', 'Olga'));
    try {
      const calls = await h.tap(OWNER, msg, 'Apply');
      expect(texts(calls)[0]).toContain('you are viewer now');
      expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 2 });
    } finally {
      await h.users.upsert(chatUser(OWNER, 'owner', 'Olga'));
    }
  });

  it('cancel changes nothing', async () => {
    await reply(OWNER, '/multiplier apex-follower 5');
    const calls = await h.tap(OWNER, h.last(OWNER), 'Cancel');
    expect(texts(calls)[0]).toContain('Cancelled');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 2 });
  });

  it('pickers: /multiplier without arguments offers followers, then values', async () => {
    await reply(OWNER, '/multiplier');
    const pick = h.last(OWNER);
    expect(buttonsOf(pick.keyboard).map((b) => b.text)).toEqual([expect.stringContaining('apex-follower')]);
    const step2 = await h.tap(OWNER, pick, 'apex-follower');
    expect(answers(step2)).toHaveLength(1);
    expect(texts(step2)[0]).toContain('New multiplier?');
    const values = h.local.messages.get(pick.messageId);
    expect(buttonsOf(values?.keyboard).map((b) => b.text)).toContain('×0.5');
    const step3 = await h.tap(OWNER, values!, '×0.5');
    expect(texts(step3)[0]).toContain('multiplier ×2 → multiplier ×0.5');
  });

  it('/sizing validates the mode and value, and confirms a mode change that grows lots', async () => {
    expect(await reply(OWNER, '/sizing apex-follower kelly 2')).toContain(
      "mode must be one of multiplier, fixed, balance_ratio, equity_ratio, risk_percent, got 'kelly'",
    );
    expect(await reply(OWNER, '/sizing apex-follower fixed 0')).toContain("lots must be a lot size between 0.01 and 100, got '0'");
    const text = await reply(OWNER, '/sizing apex-follower fixed 1');
    expect(text).toContain('fixed 1.00 lots');
    expect(text).toContain('larger lots');
    await h.tap(OWNER, h.last(OWNER), 'Apply');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'fixed', lots: 1 });
    const back = await reply(OWNER, '/sizing apex-follower multiplier 1');
    expect(back).toContain('✅');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });
  });
});

describe('settings', () => {
  it('/map shows, sets and removes; bad input is explained', async () => {
    expect(await reply(OWNER, '/map apex-follower')).toContain('Symbol map of');
    expect(await reply(OWNER, '/map apex-follower XAUUSD')).toContain('to is missing: expected a follower symbol, or - to remove the mapping');
    expect(await reply(OWNER, '/map apex-follower EURUSD EURUSDm')).toContain('EURUSD → EURUSDm');
    expect(world.control.symbolMap(world.ids.apex)).toEqual({ EURUSD: 'EURUSDm' });
    expect(await reply(OWNER, '/map apex-follower EURUSD -')).toContain('mapping removed');
    expect(await reply(VIEWER, '/map apex-follower EURUSD EURUSDm')).toContain('Viewers can only look');
  });

  it('/filter shows and sets', async () => {
    expect(await reply(VIEWER, '/filter apex-follower')).toContain('sides: both');
    expect(await reply(OWNER, '/filter apex-follower sides up')).toContain("sides must be one of both, buy, sell, got 'up'");
    expect(await reply(OWNER, '/filter apex-follower deny XAUUSD US30')).toContain('deny: XAUUSD, US30');
    expect(world.control.follower(world.ids.apex).filters.symbolsDeny).toEqual(['XAUUSD', 'US30']);
    expect(await reply(OWNER, '/filter apex-follower deny -')).toContain('deny: none');
  });

  it('/risk: tightening applies, loosening asks', async () => {
    expect(await reply(OWNER, '/risk apex-follower maxlot 5')).toContain('maxlot: 5');
    expect(world.control.follower(world.ids.apex).risk.maxLot).toBe(5);
    expect(await reply(OWNER, '/risk apex-follower maxlot off')).toContain('loosens a risk limit');
    await h.tap(OWNER, h.last(OWNER), 'Apply');
    expect(world.control.follower(world.ids.apex).risk.maxLot).toBeNull();
    expect(await reply(OWNER, '/risk apex-follower margin maybe')).toContain("margin must be one of skip, reduce, off, got 'maybe'");
  });

  it('/pause and /resume a follower, a master, everything', async () => {
    expect(await reply(OWNER, '/pause apex-follower')).toContain('paused');
    expect(world.control.follower(world.ids.apex).paused).toBe(true);
    expect(await reply(OWNER, '/resume apex-follower')).toContain('resumed');
    expect(world.control.follower(world.ids.apex).paused).toBe(false);
    expect(await reply(ADMIN, '/pause master')).toContain('Master');
    expect(world.control.status().masters[0]?.paused).toBe(true);
    await reply(ADMIN, '/resume master');
    expect(await reply(ADMIN, '/pause all')).toContain('paused');
    expect(world.control.status().paused).toBe(true);
    await reply(ADMIN, '/resume all');
    expect(world.control.status().paused).toBe(false);
  });

  it('/pause without arguments offers a picker', async () => {
    await reply(ADMIN, '/pause');
    const labels = buttonsOf(h.last(ADMIN).keyboard).map((b) => b.text);
    expect(labels).toEqual(expect.arrayContaining(['⏸ Everything', expect.stringContaining('Master master'), expect.stringContaining('apex-follower')]));
    await reply(OWNER, '/pause');
    expect(buttonsOf(h.last(OWNER).keyboard).map((b) => b.text)).toEqual([expect.stringContaining('apex-follower')]);
  });

  it('/alerts sets levels by command and by tapping', async () => {
    expect(await reply(VIEWER, '/alerts copies loud')).toContain("level must be one of on, silent, off, got 'loud'");
    expect(await reply(VIEWER, '/alerts copies off')).toContain('copies: off');
    expect(h.users.get(VIEWER)?.alerts.copies).toBe('off');
    const msg = h.last(VIEWER);
    const calls = await h.tap(VIEWER, msg, 'copies: off');
    expect(answers(calls)[0]?.payload.text).toBe('copies: on');
    expect(h.users.get(VIEWER)?.alerts.copies).toBe('on');
  });
});

describe('follow, reconcile, close all, users', () => {
  it('/follow previews and asks; applying makes the account copy', async () => {
    expect(await reply(ADMIN, '/follow mt4-follower')).toContain('Which master');
    const text = await reply(ADMIN, '/follow mt4-follower master');
    expect(text).toContain('will copy every new trade');
    expect(world.control.status().followers.map((f) => f.id)).not.toContain(world.ids.mt4);
    const calls = await h.tap(ADMIN, h.last(ADMIN), 'Follow');
    expect(texts(calls)[0]).toContain('now copies');
    expect(world.control.follower(world.ids.mt4).masters).toEqual([world.ids.master]);
    expect(await reply(ADMIN, '/follow mt4-follower master')).toContain('already copies');
    expect(await reply(OWNER, '/follow raw-follower master')).toContain('not one of your followers');
  });

  it('/unfollow stops copying', async () => {
    expect(await reply(ADMIN, '/unfollow mt4-follower')).toContain('no longer copies');
    expect(await reply(ADMIN, '/unfollow mt4-follower')).toContain('not a follower');
  });

  it('/reconcile shows a clean diff', async () => {
    expect(await reply(ADMIN, '/reconcile')).toMatch(/copies match the masters|would do/);
    expect(await reply(OWNER, '/reconcile')).toMatch(/copies match the masters|would do/);
  });

  it('/closeall previews and closes after confirmation', async () => {
    await waitFor(() => world.sim.account('apex-follower').positions().length > 0, 'apex copy');
    const text = await reply(OWNER, '/closeall apex-follower');
    expect(text).toMatch(/Close 1 position/);
    const calls = await h.tap(OWNER, h.last(OWNER), 'Close all');
    expect(texts(calls)[0]).toMatch(/1 closed, 0 failed/);
    expect(world.sim.account('apex-follower').positions()).toHaveLength(0);
    expect(await reply(OWNER, '/closeall apex-follower')).toContain('no open positions');
  });

  it('/users adds, changes roles, assigns owners and removes', async () => {
    expect(await reply(ADMIN, '/users add 444 viewer Bob')).toContain('Added <code>444</code> Bob as <b>viewer</b>');
    expect(await reply(444, '/status')).toContain('Masters');
    expect(await reply(ADMIN, '/users role 444 owner')).toContain('now <b>owner</b>');
    expect(await reply(ADMIN, '/users own 444 raw-follower')).toContain('belongs to <code>444</code>');
    expect(await reply(444, '/pause raw-follower')).toContain('paused');
    await reply(444, '/resume raw-follower');
    expect(await reply(ADMIN, '/users role 444 god')).toContain("role must be one of admin, owner, viewer, got 'god'");
    expect(await reply(ADMIN, `/users remove ${ADMIN}`)).toContain('FXMIRROR_ADMINS');
    expect(await reply(ADMIN, '/users remove 444')).toContain('Removed');
    expect(await h.send(444, '/status')).toEqual([]);
    expect(await reply(ADMIN, '/users add abc viewer')).toContain("user id must be a numeric Telegram user id, got 'abc'");
  });

  it('menus follow user changes (setMyCommands per chat scope)', async () => {
    await h.fx.menus.syncAll();
    const calls = h.local.calls.filter((c) => c.method === 'setMyCommands');
    const scoped = (id: number) =>
      calls.filter((c) => (c.payload.scope as { chat_id?: number } | undefined)?.chat_id === id).at(-1)?.payload.commands as { command: string }[];
    expect(scoped(ADMIN).map((c) => c.command)).toContain('users');
    expect(scoped(VIEWER).map((c) => c.command)).not.toContain('pause');
    const def = calls.find((c) => c.payload.scope === undefined);
    expect(def?.payload.commands).toEqual([{ command: 'start', description: 'show your Telegram id' }]);
  });
});

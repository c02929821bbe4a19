/**
 * The Mini App's HTTP API end to end: the real server on port 0 over the real engine and simulator (loopback), the
 * state store in a temp dir, and the chat's bot recording what it sends. Sign-in with Telegram initData (valid,
 * forged, tampered, expired), roles (deny by default, viewers read only, owners only their own followers), the
 * multiplier's preview and confirmation (bound to user, action and arguments, expiring, single use), and the
 * refusals: 401, 403 cross-site, 404, 405, 413, 415, 421.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, OWNER, startEngineWorld, STRANGER, VIEWER, waitFor } from '../../unit/bot/harness.js';
import type { EngineWorld } from '../../unit/bot/harness.js';
import { call, initDataFor, signIn, startWebRig } from './webapp-harness.js';
import type { WebRig } from './webapp-harness.js';

let world: EngineWorld;
let rig: WebRig;
let tokens: { admin: string; owner: string; viewer: string };

interface FollowerJson {
  id: string;
  name: string;
  state: string;
  canManage: boolean;
  multiplier: number | null;
}
interface DashboardJson {
  user: { id: number; role: string };
  followers: FollowerJson[];
  masters: { id: string }[];
  positions: { master: { ticket: number; symbol: string }; copies: { followerId: string; masterTicket: number }[] }[];
  otherPositions: unknown[];
  alerts: { type: string; text: string }[];
  panels: { id: string; source: string | null }[];
}

async function dashboard(token: string): Promise<DashboardJson> {
  const r = await call(rig.web, 'GET', '/api/dashboard', { token });
  expect(r.status).toBe(200);
  return r.json as unknown as DashboardJson;
}

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  rig = await startWebRig(world);
  // One master trade, copied to both followers: the dashboard pairs the copies with it, the preview sizes it.
  const r = world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
  expect(r.success).toBe(true);
  await waitFor(() => world.events.some((e) => e.type === 'copied' && e.event.ticket === r.order), 'copy of the master trade');
  await waitFor(
    () => world.control.masterPositions().some((p) => p.ticket === r.order) && ['apex', 'raw'].every((f) => world.engine.runtime.followers.get(world.ids[f as 'apex'])?.positions.length === 1),
    'positions in the caches',
  );
  const now = rig.clock.now();
  tokens = { admin: await signIn(rig.web, ADMIN, now), owner: await signIn(rig.web, OWNER, now), viewer: await signIn(rig.web, VIEWER, now) };
}, 30_000);

afterAll(async () => {
  await rig?.close();
  await world?.close();
});

describe('sign-in with Telegram initData', () => {
  it('valid initData gives a session for the Telegram user with their role, and the dashboard', async () => {
    const r = await call(rig.web, 'POST', '/api/session', { body: { initData: initDataFor(ADMIN, rig.clock.now() - 60_000) } });
    expect(r.status).toBe(200);
    expect(r.json.user).toEqual({ id: ADMIN, name: `u${ADMIN}`, role: 'admin' });
    expect(String(r.json.token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const view = await dashboard(String(r.json.token));
    expect(view.user).toMatchObject({ id: ADMIN, role: 'admin' });
    expect(view.followers.map((f) => f.name).sort()).toEqual(['apex-follower', 'raw-follower']);
    expect(view.followers.every((f) => f.state === 'copying' && f.canManage)).toBe(true);
    expect(view.masters.map((m) => m.id)).toEqual([world.ids.master]);
    // The master's position with both copies beside it.
    const group = view.positions.find((g) => g.master.symbol === 'EURUSD');
    expect(group?.copies.map((c) => c.followerId).sort()).toEqual([world.ids.apex, world.ids.raw].sort());
    expect(view.alerts.some((a) => a.type === 'copied' && /apex-follower/.test(a.text))).toBe(true);
    expect(view.panels.map((p) => [p.id, p.source])).toEqual([
      ['pnl-today', '/api/panels/pnl-today'],
      ['copy-quality', '/api/panels/copy-quality'],
      ['charts', '/api/panels/charts'],
    ]);
  });

  it('forged, tampered, expired or future initData: 401 and nothing else', async () => {
    const now = rig.clock.now();
    const forged = initDataFor(ADMIN, now, '654321:some-other-bot-token-abcdefgh');
    const tampered = initDataFor(VIEWER, now).replace(encodeURIComponent(`"id":${VIEWER}`), encodeURIComponent(`"id":${ADMIN}`));
    expect(tampered).not.toBe(initDataFor(VIEWER, now));
    const expired = initDataFor(ADMIN, now - 3601_000);
    const future = initDataFor(ADMIN, now + 10 * 60_000);
    for (const initData of [forged, tampered, expired, future, 'user=%7B%22id%22%3A111%7D&auth_date=1&hash=00', '', 42]) {
      const r = await call(rig.web, 'POST', '/api/session', { body: { initData } });
      expect(r.status, String(initData)).toBe(401);
      expect(Object.keys(r.json).sort()).toEqual(['error', 'message']);
      expect(r.json.error).toBe('unauthorized');
      expect(r.body).not.toMatch(/expired|signature|hash/i);
    }
    // Just inside the configured age it is accepted.
    const fresh = await call(rig.web, 'POST', '/api/session', { body: { initData: initDataFor(ADMIN, now - 3590_000) } });
    expect(fresh.status).toBe(200);
  });

  it('a Telegram user the directory does not know is told their id and nothing else', async () => {
    const r = await call(rig.web, 'POST', '/api/session', { body: { initData: initDataFor(STRANGER, rig.clock.now()) } });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('no_access');
    expect(String(r.json.message)).toContain(String(STRANGER));
    expect(r.body).not.toMatch(/follower|master/);
  });

  it('the API needs a live session: none, a made-up one, or an expired one is 401', async () => {
    expect((await call(rig.web, 'GET', '/api/dashboard')).status).toBe(401);
    expect((await call(rig.web, 'GET', '/api/dashboard', { token: 'A'.repeat(43) })).status).toBe(401);
    // A user id in the page counts for nothing: only the session does.
    const r = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { body: { userId: ADMIN } });
    expect(r.status).toBe(401);
    expect(world.control.follower(world.ids.raw).paused).toBe(false);

    const token = await signIn(rig.web, VIEWER, rig.clock.now());
    rig.clock.advance(15 * 60_000);
    expect((await call(rig.web, 'GET', '/api/dashboard', { token })).status).toBe(401);
    rig.clock.advance(-15 * 60_000);
    const out = await signIn(rig.web, VIEWER, rig.clock.now());
    expect((await call(rig.web, 'POST', '/api/logout', { token: out, body: {} })).status).toBe(200);
    expect((await call(rig.web, 'GET', '/api/dashboard', { token: out })).status).toBe(401);
  });
});

describe('roles', () => {
  it('a viewer sees everything and can change nothing', async () => {
    const view = await dashboard(tokens.viewer);
    expect(view.followers).toHaveLength(2);
    expect(view.followers.every((f) => !f.canManage)).toBe(true);
    for (const path of [`/api/followers/${world.ids.apex}/pause`, `/api/followers/${world.ids.raw}/resume`, `/api/followers/${world.ids.apex}/multiplier`]) {
      const r = await call(rig.web, 'POST', path, { token: tokens.viewer, body: { multiplier: 2 } });
      expect(r.status, path).toBe(403);
      expect(r.json.error).toBe('viewer_read_only');
    }
    expect(world.control.follower(world.ids.apex).paused).toBe(false);
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });
  });

  it("an owner sees and changes only their own follower; the pause is announced in their chat", async () => {
    const view = await dashboard(tokens.owner);
    expect(view.followers.map((f) => f.name)).toEqual(['apex-follower']);
    expect(view.positions.flatMap((g) => g.copies.map((c) => c.followerId))).toEqual([world.ids.apex]);
    expect(view.alerts.every((a) => !/raw-follower/.test(a.text))).toBe(true);

    const other = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { token: tokens.owner, body: {} });
    expect(other.status).toBe(403);
    expect(other.json.error).toBe('not_your_follower');
    expect(world.control.follower(world.ids.raw).paused).toBe(false);
    const resize = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/multiplier`, { token: tokens.owner, body: { multiplier: 0.5 } });
    expect(resize.status).toBe(403);

    const mine = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/pause`, { token: tokens.owner, body: {} });
    expect(mine.status).toBe(200);
    expect(mine.json.follower).toEqual({ id: world.ids.apex, paused: true });
    expect(world.control.follower(world.ids.apex).paused).toBe(true);
    expect((await dashboard(tokens.owner)).followers[0]?.state).toBe('paused');
    await waitFor(() => rig.transcript(OWNER).find((t) => /apex-follower<\/b> paused from the dashboard/.test(t)), 'pause announced in the chat');

    expect((await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/resume`, { token: tokens.owner, body: {} })).status).toBe(200);
    expect(world.control.follower(world.ids.apex).paused).toBe(false);
    await waitFor(() => rig.transcript(OWNER).find((t) => /resumed from the dashboard/.test(t)), 'resume announced');
  });

  it('a follower stopped by its daily loss limit shows as stopped, with the reason', async () => {
    world.store.data.followers.find((f) => f.accountId === world.ids.raw)!.paused = true;
    world.store.data.followers.find((f) => f.accountId === world.ids.raw)!.pausedReason = 'daily_loss_limit';
    try {
      const raw = (await dashboard(tokens.admin)).followers.find((f) => f.id === world.ids.raw) as FollowerJson & { stateText: string };
      expect(raw.state).toBe('stopped');
      expect(raw.stateText).toBe('stopped: daily loss limit reached');
    } finally {
      await world.control.resume({ follower: world.ids.raw });
    }
  });
});

describe('multiplier: the chat’s preview and confirmation', () => {
  it('larger lots: a preview and a confirmation; applied once; a replay is refused', async () => {
    const ask = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/multiplier`, { token: tokens.owner, body: { multiplier: 2 } });
    expect(ask.status).toBe(200);
    expect(ask.json.status).toBe('confirm');
    expect(ask.json.nextText).toBe('multiplier ×2');
    const preview = ask.json.preview as { masterVolume: number; volume: number | null; symbol: string }[];
    expect(preview.find((p) => p.symbol === 'EURUSD')).toMatchObject({ masterVolume: 0.2, volume: 0.4 });
    // Nothing changes before the confirmation.
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });
    const { token } = ask.json.confirmation as { token: string };

    // Bound to the user who asked: the admin cannot use the owner's confirmation.
    const stolen = await call(rig.web, 'POST', `/api/confirmations/${token}/apply`, { token: tokens.admin, body: {} });
    expect(stolen.status).toBe(403);
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });

    const apply = await call(rig.web, 'POST', `/api/confirmations/${token}/apply`, { token: tokens.owner, body: {} });
    expect(apply.status).toBe(200);
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 2 });
    await waitFor(() => rig.transcript(OWNER).find((t) => /multiplier ×1 → multiplier ×2 \(confirmed in the dashboard\)/.test(t)), 'change announced');

    const replay = await call(rig.web, 'POST', `/api/confirmations/${token}/apply`, { token: tokens.owner, body: {} });
    expect(replay.status).toBe(409);
    expect(replay.json.error).toBe('confirmation_used');
  });

  it('smaller lots apply at once, with the preview, as in the chat', async () => {
    const r = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/multiplier`, { token: tokens.owner, body: { multiplier: '0.5' } });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('applied');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 0.5 });
    await waitFor(() => rig.transcript(OWNER).find((t) => /multiplier ×2 → multiplier ×0\.5 \(from the dashboard\)[\s\S]*Last 1 master trade/.test(t)), 'announced with preview');
    const same = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/multiplier`, { token: tokens.owner, body: { multiplier: 0.5 } });
    expect(same.json.status).toBe('unchanged');
  });

  it('an expired confirmation, a cancelled one, and one whose owner lost the follower change nothing', async () => {
    const ask = async () => {
      const r = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/multiplier`, { token: tokens.owner, body: { multiplier: 3 } });
      expect(r.json.status).toBe('confirm');
      return String((r.json.confirmation as { token: string }).token);
    };
    const late = await ask();
    rig.clock.advance(121_000);
    try {
      const r = await call(rig.web, 'POST', `/api/confirmations/${late}/apply`, { token: await signIn(rig.web, OWNER, rig.clock.now()), body: {} });
      expect(r.status).toBe(410);
    } finally {
      rig.clock.advance(-121_000);
    }
    const cancelled = await ask();
    expect((await call(rig.web, 'POST', `/api/confirmations/${cancelled}/cancel`, { token: tokens.owner, body: {} })).json.status).toBe('cancelled');
    expect((await call(rig.web, 'POST', `/api/confirmations/${cancelled}/apply`, { token: tokens.owner, body: {} })).status).toBe(409);

    const orphaned = await ask();
    await world.control.setOwner(world.ids.apex, null);
    try {
      const r = await call(rig.web, 'POST', `/api/confirmations/${orphaned}/apply`, { token: tokens.owner, body: {} });
      expect(r.status).toBe(403);
    } finally {
      await world.control.setOwner(world.ids.apex, OWNER);
    }
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 0.5 });
    expect((await call(rig.web, 'POST', '/api/confirmations/not-a-token/apply', { token: tokens.owner, body: {} })).status).toBe(404);
  });

  it('a bad multiplier is refused with the chat’s wording', async () => {
    for (const multiplier of [0, 101, 'two', null, [2]]) {
      const r = await call(rig.web, 'POST', `/api/followers/${world.ids.apex}/multiplier`, { token: tokens.owner, body: { multiplier } });
      expect(r.status, String(multiplier)).toBe(400);
      expect(r.json.message).toBe('The multiplier must be a number between 0.01 and 100.');
    }
    const unknown = await call(rig.web, 'POST', '/api/followers/no-such-account/pause', { token: tokens.admin, body: {} });
    expect(unknown.status).toBe(404);
  });
});

describe('refusals', () => {
  it('413 for an oversized body, 415 for anything but JSON, 400 for broken JSON', async () => {
    const big = await call(rig.web, 'POST', '/api/session', { body: { initData: 'x'.repeat(20_000) } });
    expect(big.status).toBe(413);
    const bigPause = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { token: tokens.admin, body: { pad: 'x'.repeat(40_000) } });
    expect(bigPause.status).toBe(413);
    expect(world.control.follower(world.ids.raw).paused).toBe(false);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']) {
      const r = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { token: tokens.admin, body: '{}', headers: { 'content-type': type } });
      expect(r.status, type).toBe(415);
    }
    const none = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { token: tokens.admin, body: '{}' });
    expect(none.status).toBe(415);
    const broken = await call(rig.web, 'POST', `/api/followers/${world.ids.raw}/pause`, { token: tokens.admin, body: '{"x":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(world.control.follower(world.ids.raw).paused).toBe(false);
  });

  it('cross-site requests are refused (Origin, Sec-Fetch-Site), and no CORS header is ever sent', async () => {
    const path = `/api/followers/${world.ids.raw}/pause`;
    const variants: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of variants) {
      const r = await call(rig.web, 'POST', path, { token: tokens.admin, body: {}, headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.json.error).toBe('cross_origin');
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(world.control.follower(world.ids.raw).paused).toBe(false);
    const options = await call(rig.web, 'OPTIONS', path, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(options.status).toBe(405);
    expect(options.headers['access-control-allow-origin']).toBeUndefined();
    // The page's own requests pass.
    const own = await call(rig.web, 'GET', '/api/dashboard', { token: tokens.admin, headers: { origin: `http://127.0.0.1:${rig.web.port}`, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
  });

  it('404 for unknown routes, 405 for wrong methods, 421 for a foreign Host', async () => {
    expect((await call(rig.web, 'GET', '/api/nothing', { token: tokens.admin })).status).toBe(404);
    expect((await call(rig.web, 'GET', '/etc/passwd')).status).toBe(404);
    expect((await call(rig.web, 'GET', '/../../package.json')).status).toBe(404);
    const wrong = await call(rig.web, 'GET', `/api/followers/${world.ids.raw}/pause`, { token: tokens.admin });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect((await call(rig.web, 'PUT', '/api/session', { body: {} })).status).toBe(405);
    const page = await call(rig.web, 'DELETE', '/');
    expect(page.status).toBe(405);
    expect(page.headers.allow).toBe('GET, HEAD');
    expect((await call(rig.web, 'GET', '/', { host: 'attacker.example' })).status).toBe(421);
    expect((await call(rig.web, 'GET', '/', { host: `localhost:${rig.web.port}` })).status).toBe(200);
  });

  it('security headers on the page and the API: a CSP without inline scripts, nosniff, framing by Telegram only', async () => {
    for (const r of [await call(rig.web, 'GET', '/'), await call(rig.web, 'GET', '/app.js'), await call(rig.web, 'GET', '/api/dashboard')]) {
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toMatch(/frame-ancestors 'self' https:\/\/web\.telegram\.org/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    const html = (await call(rig.web, 'GET', '/')).body;
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|style=|https?:\/\//i);
  });
});

describe('the demo login and the extension point', () => {
  it('with a bot token there is no login route; without one, a link logs in once and initData is refused', async () => {
    expect((await call(rig.web, 'POST', '/api/demo-login', { body: { token: 'x' } })).status).toBe(404);
    const demo = await startWebRig(world, { botToken: null, demoUserId: ADMIN });
    try {
      const link = demo.web.demoLoginLink();
      expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${demo.web.port}/#login=[A-Za-z0-9_-]{32}$`));
      const token = String(link).split('#login=')[1];
      const first = await call(demo.web, 'POST', '/api/demo-login', { body: { token } });
      expect(first.status).toBe(200);
      expect(first.json.user).toMatchObject({ id: ADMIN, role: 'admin' });
      expect((await call(demo.web, 'POST', '/api/demo-login', { body: { token } })).status).toBe(401);
      expect((await call(demo.web, 'POST', '/api/session', { body: { initData: initDataFor(ADMIN, demo.clock.now()) } })).status).toBe(401);
    } finally {
      await demo.close();
    }
  });

  it('a panel plugs in as a route plus a panel source, under the same session and role checks', async () => {
    const ext = await startWebRig(world, {
      routes: [{ method: 'GET', path: '/api/panels/pnl-today', roles: ['admin'], handle: (req) => ({ status: 200, json: { kind: 'stats', items: [{ label: 'user', value: String(req.user?.id) }] } }) }],
      panels: [{ id: 'pnl-today', title: "Today's P&L", source: '/api/panels/pnl-today', description: 'P&L today' }],
    });
    try {
      const admin = await signIn(ext.web, ADMIN, ext.clock.now());
      const view = (await call(ext.web, 'GET', '/api/dashboard', { token: admin })).json as unknown as DashboardJson;
      expect(view.panels.map((p) => [p.id, p.source])).toEqual([
        ['pnl-today', '/api/panels/pnl-today'],
        ['copy-quality', '/api/panels/copy-quality'],
        ['charts', '/api/panels/charts'],
      ]);
      expect((await call(ext.web, 'GET', '/api/panels/pnl-today', { token: admin })).json).toEqual({ kind: 'stats', items: [{ label: 'user', value: String(ADMIN) }] });
      expect((await call(ext.web, 'GET', '/api/panels/pnl-today')).status).toBe(401);
      expect((await call(ext.web, 'GET', '/api/panels/pnl-today', { token: await signIn(ext.web, VIEWER, ext.clock.now()) })).status).toBe(403);
    } finally {
      await ext.close();
    }
  });
});

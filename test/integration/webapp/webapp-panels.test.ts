/**
 * The Mini App's money panels over HTTP, on the real server, engine and simulator: today's P&L and copy quality per
 * follower from the same reports the chat uses, the charts as PNG images, every panel and image limited to what the
 * session's user may see (an owner's other followers read as unknown), bad chart arguments refused; and the bound on
 * sign-in attempts (429 with Retry-After, then allowed again once the window has passed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtMinor } from '../../../src/bot/format/reports.js';
import { CHART_SIZE, pngSize } from '../../../src/charts/index.js';
import { ADMIN, OWNER, startEngineWorld, VIEWER, waitFor } from '../../unit/bot/harness.js';
import type { EngineWorld } from '../../unit/bot/harness.js';
import { call, initDataFor, signIn, startWebRig } from './webapp-harness.js';
import type { WebRig } from './webapp-harness.js';

let world: EngineWorld;
let rig: WebRig;
let tokens: { admin: string; owner: string; viewer: string };

interface TableJson {
  kind: 'table';
  columns: string[];
  rows: string[][];
  note?: string;
}
interface ImagesJson {
  kind: 'images';
  images: { src: string; alt: string }[];
}

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  rig = await startWebRig(world);
  // One round trip: opened and closed on the master, copied to both followers, so today has realized P&L.
  const master = world.sim.account('master');
  const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
  expect(r.success).toBe(true);
  await waitFor(() => world.events.filter((e) => e.type === 'copied' && e.event.kind === 'open' && e.event.ticket === r.order).length > 0, 'copied open');
  await world.engine.idle();
  world.sim.movePrice({ instrument: 'EURUSD' }, 0.002);
  master.close(r.order);
  await waitFor(() => world.events.some((e) => e.type === 'copied' && e.event.kind === 'close' && e.event.ticket === r.order), 'copied close');
  await world.engine.idle();
  const now = rig.clock.now();
  tokens = { admin: await signIn(rig.web, ADMIN, now), owner: await signIn(rig.web, OWNER, now), viewer: await signIn(rig.web, VIEWER, now) };
}, 40_000);

afterAll(async () => {
  await rig?.close();
  await world?.close();
});

const names = (t: TableJson): string[] => t.rows.map((r) => r[0] ?? '').sort();

describe("today's P&L panel", () => {
  it('one row per visible follower with the closed copies, their P&L and the master scaled, as the reports compute them', async () => {
    const r = await call(rig.web, 'GET', '/api/panels/pnl-today', { token: tokens.admin });
    expect(r.status).toBe(200);
    const t = r.json as unknown as TableJson;
    expect(t.kind).toBe('table');
    expect(t.columns).toEqual(['Follower', 'Closed', 'P&L', 'Master (scaled)', 'Win rate']);
    expect(names(t)).toEqual(['apex-follower', 'raw-follower']);
    for (const key of ['apex', 'raw'] as const) {
      const report = await world.control.profitReport(world.ids[key], { kind: 'today' });
      expect(report.figures.trades).toBe(1);
      expect(report.figures.net).toBeGreaterThan(0);
      const row = t.rows.find((x) => x[0] === `${key}-follower`);
      expect(row).toEqual([
        `${key}-follower`,
        '1',
        `${fmtMinor(report.figures.net, report.follower.digits)} ${report.follower.currency}`,
        `${fmtMinor(report.masterScaled.net, report.follower.digits)} ${report.follower.currency}`,
        '100%',
      ]);
    }
  });

  it('an owner sees only their own follower; a viewer sees all; no session is a 401', async () => {
    expect(names((await call(rig.web, 'GET', '/api/panels/pnl-today', { token: tokens.owner })).json as unknown as TableJson)).toEqual(['apex-follower']);
    expect(names((await call(rig.web, 'GET', '/api/panels/pnl-today', { token: tokens.viewer })).json as unknown as TableJson)).toEqual(['apex-follower', 'raw-follower']);
    expect((await call(rig.web, 'GET', '/api/panels/pnl-today')).status).toBe(401);
  });
});

describe('copy quality panel', () => {
  it('per visible follower: tracking error, slippage, lots copied, not copied, latency', async () => {
    const t = (await call(rig.web, 'GET', '/api/panels/copy-quality', { token: tokens.admin })).json as unknown as TableJson;
    expect(t.columns).toEqual(['Follower', 'Tracking error', 'Slippage', 'Lots copied', 'Not copied', 'Latency p50 / p95']);
    expect(names(t)).toEqual(['apex-follower', 'raw-follower']);
    const q = await world.control.qualityReport(world.ids.apex, { kind: 'days', days: 7 });
    const row = t.rows.find((x) => x[0] === 'apex-follower') ?? [];
    expect(row[1]).toBe(q.compared === 0 ? '—' : `${fmtMinor(q.trackingError, q.follower.digits)} ${q.follower.currency}`);
    expect(row[4]).toBe(String(q.notCopied.reduce((n, x) => n + x.trades, 0)));
    expect(row[5]).toMatch(/^\d+ ms \/ \d+ ms$/);
    const mine = (await call(rig.web, 'GET', '/api/panels/copy-quality', { token: tokens.owner })).json as unknown as TableJson;
    expect(names(mine)).toEqual(['apex-follower']);
  });
});

describe('charts panel', () => {
  it('lists one P&L chart per visible follower, each a PNG of the chart size served under the session', async () => {
    const admin = (await call(rig.web, 'GET', '/api/panels/charts', { token: tokens.admin })).json as unknown as ImagesJson;
    expect(admin.kind).toBe('images');
    expect(admin.images.map((i) => i.src).sort()).toEqual([world.ids.apex, world.ids.raw].map((id) => `/api/charts/${encodeURIComponent(id)}/pnl?period=30d`).sort());
    const owner = (await call(rig.web, 'GET', '/api/panels/charts', { token: tokens.owner })).json as unknown as ImagesJson;
    expect(owner.images.map((i) => i.alt)).toEqual(['apex-follower: cumulative P&L against the master, last 30 days']);
    const png = await call(rig.web, 'GET', owner.images[0]?.src ?? '', { token: tokens.owner });
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(pngSize(png.raw)).toEqual(CHART_SIZE);
    for (const kind of ['latency', 'slippage']) {
      const d = await call(rig.web, 'GET', `/api/charts/${encodeURIComponent(world.ids.apex)}/${kind}?period=7d`, { token: tokens.viewer });
      expect(d.status, kind).toBe(200);
      expect(pngSize(d.raw)).toEqual(CHART_SIZE);
    }
  });

  it("another owner's follower reads exactly as an unknown one; bad kinds and periods are refused; no session is a 401", async () => {
    const other = await call(rig.web, 'GET', `/api/charts/${encodeURIComponent(world.ids.raw)}/pnl`, { token: tokens.owner });
    const unknown = await call(rig.web, 'GET', '/api/charts/no-such-follower/pnl', { token: tokens.owner });
    expect(other.status).toBe(404);
    expect(other.json).toEqual(unknown.json);
    const apex = encodeURIComponent(world.ids.apex);
    const bad = await call(rig.web, 'GET', `/api/charts/${apex}/candles`, { token: tokens.admin });
    expect([bad.status, bad.json.error]).toEqual([400, 'invalid_chart']);
    const banana = await call(rig.web, 'GET', `/api/charts/${apex}/pnl?period=banana`, { token: tokens.admin });
    expect([banana.status, banana.json.error]).toEqual([400, 'invalid_period']);
    const future = await call(rig.web, 'GET', `/api/charts/${apex}/pnl?period=2099-01-01`, { token: tokens.admin });
    expect([future.status, future.json.error]).toEqual([400, 'period_in_future']);
    expect((await call(rig.web, 'GET', `/api/charts/${apex}/pnl`)).status).toBe(401);
  });
});

describe('sign-in attempts', () => {
  it('past the limit per minute: 429 with Retry-After and nothing else; allowed again once the window has passed', async () => {
    const limited = await startWebRig(world, { signInsPerMinute: 3 });
    try {
      const attempt = () => call(limited.web, 'POST', '/api/session', { body: { initData: initDataFor(ADMIN, limited.clock.now()) } });
      // Failed attempts count as much as good ones: that is what guessing looks like.
      expect((await call(limited.web, 'POST', '/api/session', { body: { initData: 'forged' } })).status).toBe(401);
      expect((await attempt()).status).toBe(200);
      expect((await attempt()).status).toBe(200);
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.json.error).toBe('too_many_requests');
      expect(refused.json.token).toBeUndefined();
      limited.clock.advance(30_000);
      expect((await attempt()).headers['retry-after']).toBe('30');
      limited.clock.advance(30_001);
      expect((await attempt()).status).toBe(200);
      // A session's own requests are not sign-ins: they are never limited by it.
      const token = await signIn(limited.web, VIEWER, limited.clock.now()).catch(() => null);
      expect(token).not.toBeNull();
      for (let i = 0; i < 5; i++) expect((await call(limited.web, 'GET', '/api/dashboard', { token: token ?? '' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

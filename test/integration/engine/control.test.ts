/**
 * The control API (design.md §5.3) against a running copier: each call's effect on what gets copied, and the
 * RejectedError code every bad input gets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Sizing } from '../../../src/domain/config.js';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

/** The `code` of the RejectedError a call throws (sync or async), or a failure when it does not throw one. */
async function codeOf(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (error) {
    const e = error as { name?: string; code?: string };
    expect(e.name).toBe('RejectedError');
    return e.code ?? 'no code';
  }
  throw new Error('expected a RejectedError');
}

describe('engine: control API', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('accounts, masters and following: happy paths and refusals', async () => {
    world = await startWorld();
    const w = world;
    const c = w.engine.control;
    const accounts = await c.listAccounts();
    expect(accounts.map((a) => [a.nickname, a.role])).toEqual([
      ['master', 'none'],
      ['apex-follower', 'none'],
      ['raw-follower', 'none'],
      ['mt4-follower', 'none'],
    ]);
    expect(await c.resolveAccount('Apex-Follower')).toBe(w.ids.apex);
    expect(await c.resolveAccount(w.ids.raw.slice(0, 8))).toBe(w.ids.raw);
    expect(await codeOf(() => c.resolveAccount('nobody'))).toBe('unknown_account');
    expect(await codeOf(() => c.resolveAccount('  '))).toBe('unknown_account');

    expect(await codeOf(() => c.follow(w.ids.apex, w.ids.master))).toBe('not_a_master');
    expect(await codeOf(() => c.setMaster('00000000-0000-0000-0000-000000000000'))).toBe('unknown_account');
    await c.setMaster(w.ids.master);
    expect(await codeOf(() => c.follow(w.ids.master, w.ids.master))).toBe('self_follow');
    expect(await codeOf(() => c.follow('00000000-0000-0000-0000-000000000000', w.ids.master))).toBe('unknown_account');
    const cfg = await c.follow(w.ids.apex, w.ids.master);
    expect(cfg).toMatchObject({ accountId: w.ids.apex, masters: [w.ids.master], sizing: { mode: 'multiplier', multiplier: 1 }, paused: false });
    expect(await codeOf(() => c.setMaster(w.ids.apex))).toBe('account_is_follower');
    await c.setMaster(w.ids.mt4);
    expect(await codeOf(() => c.follow(w.ids.mt4, w.ids.master))).toBe('account_is_master');
    await c.unsetMaster(w.ids.mt4);
    expect(await codeOf(() => c.unsetMaster(w.ids.mt4))).toBe('not_a_master');
    await c.follow(w.ids.raw, w.ids.master);
    expect((await c.listAccounts()).map((a) => a.role)).toEqual(['master', 'follower', 'follower', 'none']);

    expect(await codeOf(() => c.unfollow(w.ids.mt4))).toBe('not_a_follower');
    expect(await codeOf(() => c.unfollow(w.ids.apex, w.ids.raw))).toBe('not_following');
    await c.unfollow(w.ids.raw);
    expect(c.status().followers.map((f) => f.id)).toEqual([w.ids.apex]);
    expect(await codeOf(() => c.follower(w.ids.raw))).toBe('not_a_follower');

    // An unfollowed account gets nothing; the remaining follower does.
    await w.engine.idle();
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(copied.legs.map((l) => l.followerId)).toEqual([w.ids.apex]);
    expect(c.status()).toMatchObject({ halted: null, pendingLegs: 0, masters: [{ id: w.ids.master, streaming: true }] });
    expect(c.status().followers[0]).toMatchObject({ id: w.ids.apex, openCopies: 1 });
  });

  it('pause and resume: new exposure stops, closes still go through', async () => {
    world = await startWorld({ follow: ['apex', 'mt4'] });
    const w = world;
    const c = w.engine.control;
    const master = w.sim.account('master');
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, first.order, 'open');
    await w.engine.idle();

    await c.pause({ follower: w.ids.apex });
    expect(c.follower(w.ids.apex)).toMatchObject({ paused: true, pausedReason: 'user' });
    const second = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    const skipped = await waitCopied(w, second.order, 'open');
    expect(legOf(skipped, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'paused' });
    expect(legOf(skipped, w, 'mt4').status).toBe('filled');
    await w.engine.idle();
    // A paused follower's existing copy still follows the master's close.
    master.close(first.order);
    const closed = await waitCopied(w, first.order, 'close');
    expect(legOf(closed, w, 'apex').status).toBe('closed');
    await w.engine.idle();

    await c.resume({ follower: w.ids.apex });
    await c.pause({ master: w.ids.master });
    const third = master.send({ symbol: 'GBPUSD', operation: 'Sell', volume: 0.1 });
    const masterPaused = await waitCopied(w, third.order, 'open');
    expect(masterPaused.legs.map((l) => l.reason)).toEqual(['master_paused', 'master_paused']);
    await w.engine.idle();
    await c.resume({ master: w.ids.master });
    await c.pause({ all: true });
    expect(c.status().paused).toBe(true);
    await c.resume({ all: true });
    expect(c.status().paused).toBe(false);
    const fourth = master.send({ symbol: 'GBPUSD', operation: 'Sell', volume: 0.1 });
    const resumed = await waitCopied(w, fourth.order, 'open');
    expect(resumed.legs.map((l) => l.status)).toEqual(['filled', 'filled']);
    expect(await codeOf(() => c.pause({ follower: w.ids.raw }))).toBe('not_a_follower');
    expect(await codeOf(() => c.pause({ master: w.ids.apex }))).toBe('not_a_master');
  });

  it('sizing, preview, symbol map, filters and risk change what is copied; bad input is refused', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const c = w.engine.control;
    const master = w.sim.account('master');
    const open = async (symbol: string, operation: 'Buy' | 'Sell', volume: number) => {
      const r = master.send({ symbol, operation, volume });
      expect(r.success).toBe(true);
      const copied = await waitCopied(w, r.order, 'open');
      await w.engine.idle();
      return legOf(copied, w, 'apex');
    };

    // Sizing and its preview over the master's recent opens.
    expect(await open('EURUSD', 'Buy', 0.2)).toMatchObject({ status: 'filled', volume: 0.2 });
    const preview = await c.previewSizing(w.ids.apex, { mode: 'multiplier', multiplier: 2.5 });
    expect(preview).toEqual([expect.objectContaining({ symbol: 'EURUSD', followerSymbol: 'EURUSDm', masterVolume: 0.2, volume: 0.5, skipped: null })]);
    const tiny = await c.previewSizing(w.ids.apex, { mode: 'fixed', lots: 0.001 });
    expect(tiny[0]).toMatchObject({ volume: null, skipped: 'below_min_volume' });
    expect((await c.setSizing(w.ids.apex, { mode: 'multiplier', multiplier: 2.5 })).sizing).toEqual({ mode: 'multiplier', multiplier: 2.5 });
    expect(await open('EURUSD', 'Buy', 0.2)).toMatchObject({ volume: 0.5 });
    for (const bad of [{ mode: 'multiplier', multiplier: 0 }, { mode: 'fixed', lots: -1 }, { mode: 'percent', percent: 1 }, { mode: 'risk_percent', percent: 101 }]) {
      expect(await codeOf(() => c.setSizing(w.ids.apex, bad as unknown as Sizing))).toBe('invalid_sizing');
    }
    expect(await codeOf(() => c.previewSizing(w.ids.apex, { mode: 'multiplier', multiplier: Number.NaN }))).toBe('invalid_sizing');
    expect(await codeOf(() => c.setSizing(w.ids.raw, { mode: 'fixed', lots: 1 }))).toBe('not_a_follower');
    await c.setSizing(w.ids.apex, { mode: 'multiplier', multiplier: 1 });

    // An explicit symbol map wins over automatic resolution.
    expect(await c.setSymbolMapping(w.ids.apex, 'XAUUSD', 'GOLD')).toEqual({ XAUUSD: 'GOLD' });
    expect(await c.setSymbolMapping(w.ids.apex, 'US30', 'DJ30')).toEqual({ XAUUSD: 'GOLD', US30: 'DJ30' });
    expect(await c.setSymbolMapping(w.ids.apex, 'US30', null)).toEqual({ XAUUSD: 'GOLD' });
    expect(c.symbolMap(w.ids.apex)).toEqual({ XAUUSD: 'GOLD' });
    expect(await codeOf(() => c.setSymbolMapping(w.ids.apex, 'XAUUSD', 'XAUUSD.pro'))).toBe('unknown_symbol');
    expect(await codeOf(() => c.setSymbolMapping(w.ids.apex, 'bad symbol!', 'GOLD'))).toBe('invalid_symbol');
    expect(await codeOf(() => c.setSymbolMapping(w.ids.apex, 'US30', null))).toBe('no_mapping');
    await c.setSymbolMapping(w.ids.apex, 'GBPUSD', 'USDJPYm');
    expect(await open('GBPUSD', 'Sell', 0.1)).toMatchObject({ status: 'filled', symbol: 'USDJPYm' });
    await c.setSymbolMapping(w.ids.apex, 'GBPUSD', null);

    // Filters.
    expect(await c.setFilters(w.ids.apex, { symbolsDeny: ['GBPUSD'], sides: 'buy' })).toMatchObject({ symbolsDeny: ['GBPUSD'], sides: 'buy' });
    expect(await open('GBPUSD', 'Buy', 0.1)).toMatchObject({ status: 'skipped', reason: 'symbol_denied' });
    expect(await open('USDJPY', 'Sell', 0.1)).toMatchObject({ status: 'skipped', reason: 'side_filtered' });
    await c.setFilters(w.ids.apex, { symbolsDeny: [], sides: 'both', symbolsAllow: ['XAUUSD'] });
    expect(await open('EURUSD', 'Sell', 0.1)).toMatchObject({ status: 'skipped', reason: 'symbol_not_allowed' });
    await c.setFilters(w.ids.apex, { symbolsAllow: [] });
    expect(await codeOf(() => c.setFilters(w.ids.apex, { sides: 'up' } as never))).toBe('invalid_filters');
    expect(await codeOf(() => c.setFilters(w.ids.apex, { unknown: true } as never))).toBe('invalid_filters');

    // Risk limits.
    expect(await c.setRisk(w.ids.apex, { maxLot: 0.15 })).toMatchObject({ maxLot: 0.15 });
    const clamped = await open('EURUSD', 'Buy', 0.5);
    expect(clamped).toMatchObject({ status: 'filled', volume: 0.15 });
    expect(clamped.reason).toContain('max_lot');
    await c.setRisk(w.ids.apex, { maxLot: null, closeOnly: true });
    expect(await open('EURUSD', 'Buy', 0.1)).toMatchObject({ status: 'skipped', reason: 'close_only' });
    const openCopies = copiesOn(w, 'apex').length;
    await c.setRisk(w.ids.apex, { closeOnly: false, maxOpenPositions: openCopies });
    expect(await open('EURUSD', 'Buy', 0.1)).toMatchObject({ status: 'skipped', reason: 'max_open_positions', detail: { open: openCopies, max: openCopies } });
    for (const bad of [{ maxLot: -1 }, { marginCheck: 'maybe' }, { marginUsageMax: 2 }, { belowMin: 'round_down' }, { maxOpenPositions: 0.5 }, { extra: 1 }]) {
      expect(await codeOf(() => c.setRisk(w.ids.apex, bad as never))).toBe('invalid_risk');
    }
    // Settings are durable: they are in the state file the store wrote.
    expect(w.store.state.followers.find((f) => f.accountId === w.ids.apex)?.risk).toMatchObject({ maxOpenPositions: openCopies, closeOnly: false });
  });

  it('positions, close all, history and why', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const c = w.engine.control;
    const master = w.sim.account('master');
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
    const b = master.send({ symbol: 'USDJPY', operation: 'Sell', volume: 0.2 });
    const copiedA = await waitCopied(w, a.order, 'open');
    await waitCopied(w, b.order, 'open');
    await w.engine.idle();
    // A hand trade on the follower is listed but not as a copy.
    expect(w.sim.account('apex-follower').send({ symbol: 'GBPUSDm', operation: 'Buy', volume: 0.01 }).success).toBe(true);
    await waitFor(() => w.engine.runtime.followers.get(w.ids.apex)?.positions.length === 3, 'apex cache');

    const positions = await c.positions(w.ids.apex);
    expect(positions.map((p) => [p.symbol, p.volume, p.masterTicket]).sort()).toEqual(
      [
        ['EURUSDm', 0.3, a.order],
        ['GBPUSDm', 0.01, null],
        ['USDJPYm', 0.2, b.order],
      ].sort(),
    );
    expect((await c.positions()).filter((p) => p.followerId === w.ids.raw)).toHaveLength(2);
    expect(await codeOf(() => c.positions(w.ids.mt4))).toBe('not_a_follower');

    // why: by master ticket and by follower ticket.
    const apexTicket = legOf(copiedA, w, 'apex').ticket ?? 0;
    expect(c.why(a.order).map((r) => [r.followerId, r.status])).toEqual([
      [w.ids.apex, 'filled'],
      [w.ids.raw, 'filled'],
    ]);
    expect(c.why(apexTicket)).toEqual([expect.objectContaining({ followerId: w.ids.apex, masterTicket: a.order, followerTicket: apexTicket, symbol: 'EURUSDm' })]);
    expect(c.why(999_999_999)).toEqual([]);
    expect(await codeOf(() => c.why(0))).toBe('invalid_ticket');
    expect(await codeOf(() => c.why(1.5))).toBe('invalid_ticket');

    // Close all: the copies go, the hand trade stays, and reconciliation does not bring them back.
    const result = await c.closeAll(w.ids.apex);
    expect(result).toMatchObject({ followerId: w.ids.apex, closed: 2, failed: 0, unknown: 0 });
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'apex copies closed');
    expect(w.sim.account('apex-follower').positions().map((p) => p.symbol)).toEqual(['GBPUSDm']);
    const report = await c.reconcile({ followerId: w.ids.apex, apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'apex')).toHaveLength(0);
    expect(copiesOn(w, 'raw')).toHaveLength(2);
    expect(await codeOf(() => c.closeAll(w.ids.mt4))).toBe('not_a_follower');
    expect(await codeOf(() => c.reconcile({ followerId: w.ids.mt4, apply: false }))).toBe('not_a_follower');

    // The master's close of a closed-all copy is skipped as detached; the other follower closes.
    master.close(a.order);
    const closed = await waitCopied(w, a.order, 'close');
    expect(legOf(closed, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'detached' });
    expect(legOf(closed, w, 'raw').status).toBe('closed');
    await w.engine.idle();

    // History: newest first, bounded, per follower.
    const all = c.history();
    expect(all[0]).toMatchObject({ masterTicket: a.order, eventKind: 'close' });
    expect(c.history({ limit: 1 })).toHaveLength(1);
    expect(c.history({ followerId: w.ids.raw }).every((r) => r.followerId === w.ids.raw)).toBe(true);
    expect(c.history({ followerId: w.ids.raw }).map((r) => [r.eventKind, r.status])).toEqual([
      ['close', 'closed'],
      ['open', 'filled'],
      ['open', 'filled'],
    ]);
  });
});

/**
 * Every sizing mode end to end (design.md §3, Planning): the follower lot each mode computes from live account
 * state, rounded down to the follower symbol's step, and the risk-percent skip when the master sets no stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { FollowerName, World } from './harness.js';

/** Lots rounded down to a step, as exact decimals. */
function floorTo(lots: number, step: number): number {
  const steps = Math.floor(lots / step + 1e-9);
  return Math.round(steps * step * 1e8) / 1e8;
}

describe('engine: sizing modes end to end', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function openAndCopy(w: World, order: { symbol: string; operation: string; volume: number; stopLoss?: number }) {
    const r = w.sim.account('master').send(order);
    expect(r.success).toBe(true);
    const copied = await waitCopied(w, r.order, 'open');
    await w.engine.idle();
    return { ticket: r.order, copied };
  }

  it('multiplier: master lot × multiplier, rounded down to each follower’s step', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    await w.engine.control.setSizing(w.ids.apex, { mode: 'multiplier', multiplier: 2 });
    await w.engine.control.setSizing(w.ids.raw, { mode: 'multiplier', multiplier: 1.5 });
    await w.engine.control.setSizing(w.ids.mt4, { mode: 'multiplier', multiplier: 0.5 });
    const { copied } = await openAndCopy(w, { symbol: 'EURUSD', operation: 'Buy', volume: 0.13 });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.26 });
    // 0.195 → 0.1 on a 0.1 step; 0.065 → 0.06 on a 0.01 step, each with the rounding named.
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', volume: 0.1 });
    expect(legOf(copied, w, 'raw').reason).toContain('volume_rounded');
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'filled', volume: 0.06 });
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.26 && copiesOn(w, 'raw')[0]?.lots === 0.1 && copiesOn(w, 'mt4')[0]?.lots === 0.06, 'books');
  });

  it('fixed: the same lot whatever the master trades', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    await w.engine.control.setSizing(w.ids.apex, { mode: 'fixed', lots: 0.05 });
    await w.engine.control.setSizing(w.ids.raw, { mode: 'fixed', lots: 0.3 });
    const { copied } = await openAndCopy(w, { symbol: 'GBPUSD', operation: 'Sell', volume: 1.7 });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', symbol: 'GBPUSDm', volume: 0.05 });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', symbol: 'GBPUSD.raw', volume: 0.3 });
  });

  it('balance_ratio: master lot × follower balance ÷ master balance × multiplier', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    for (const f of ['apex', 'raw', 'mt4'] as const) await w.engine.control.setSizing(w.ids[f], { mode: 'balance_ratio', multiplier: 1 });
    await w.engine.control.setSizing(w.ids.apex, { mode: 'balance_ratio', multiplier: 1.5 });
    // Balances: master 10 000, apex 5 000, raw 20 000, mt4 3 000.
    const { copied } = await openAndCopy(w, { symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.3 });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', volume: 0.8 });
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'filled', volume: 0.12 });
  });

  it('equity_ratio: follows equity, not balance', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const apex = w.sim.account('apex-follower');
    // A losing hand trade on the follower pulls its equity well under its balance.
    expect(apex.send({ symbol: 'GOLD', operation: 'Buy', volume: 0.5 }).success).toBe(true);
    const gold = w.sim.quote('Apex Trading', 'GOLD');
    w.sim.setQuote({ broker: 'Apex Trading', symbol: 'GOLD' }, gold.bid - 20.5);
    const equity = apex.summary().equity;
    expect(equity).toBeLessThan(4000);
    await waitFor(() => w.engine.runtime.followers.get(w.ids.apex)?.summary?.equity === equity, 'apex equity in the cache');
    await w.engine.control.setSizing(w.ids.apex, { mode: 'equity_ratio', multiplier: 1 });
    const masterEquity = w.sim.account('master').summary().equity;
    const expected = floorTo((1.0 * equity) / masterEquity, 0.01);
    expect(expected).toBeLessThan(0.5); // what balance_ratio would give
    const { copied } = await openAndCopy(w, { symbol: 'EURUSD', operation: 'Buy', volume: 1.0 });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', volume: expected });
  });

  it('risk_percent: the lot that loses the given share of equity at the master’s stop', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    for (const f of ['apex', 'raw', 'mt4'] as const) await w.engine.control.setSizing(w.ids[f], { mode: 'risk_percent', percent: 1 });
    const ask = w.sim.quote('Demo Markets', 'EURUSD').ask;
    const stopLoss = Math.round((ask - 0.004) * 1e5) / 1e5;
    const { copied } = await openAndCopy(w, { symbol: 'EURUSD', operation: 'Buy', volume: 0.01, stopLoss });
    const distance = Math.abs(ask - stopLoss);
    const expected = (f: FollowerName, symbol: string, step: number): number => {
      const cache = w.engine.runtime.followers.get(w.ids[f]);
      const spec = cache?.specs.get(symbol);
      const equity = w.sim.account(w.ids[f]).summary().equity;
      if (!spec) throw new Error(`no spec for ${symbol}`);
      return floorTo((equity * 0.01) / ((distance / spec.tickSize) * spec.tickValue), step);
    };
    // Apex: 1 % of 5 000 USD = 50; 400 points × 1 USD = 400 per lot → 0.125 → 0.12.
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.12 });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', volume: expected('raw', 'EURUSD.raw', 0.1) });
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'filled', volume: expected('mt4', 'EURUSDi', 0.01) });
    await waitFor(() => copiesOn(w, 'apex')[0]?.stopLoss === stopLoss, 'stop copied with the open');
  });

  it('risk_percent without a master stop loss: skipped with no_stop_loss', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    await w.engine.control.setSizing(w.ids.apex, { mode: 'risk_percent', percent: 2 });
    const { copied } = await openAndCopy(w, { symbol: 'EURUSD', operation: 'Sell', volume: 0.5 });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'no_stop_loss', volume: null });
    expect(copiesOn(w, 'apex')).toHaveLength(0);
    expect(w.engine.control.why(copied.event.ticket).map((r) => r.reason)).toContain('no_stop_loss');
  });
});

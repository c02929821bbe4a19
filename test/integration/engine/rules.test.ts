/**
 * Rules with their reasons (design.md §3, Planning): the margin pre-check in its three modes with the numbers, an
 * unknown symbol, the minimum lot (skip or round up) and reverse copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: rules end to end', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  /** Squeezes apex to a small free margin and waits until the copier's cache has seen it. */
  async function squeezeApex(w: World, balance: number): Promise<void> {
    w.sim.account('apex-follower').setBalance(balance);
    await waitFor(() => w.engine.runtime.followers.get(w.ids.apex)?.summary?.freeMargin === balance, 'apex free margin in the cache');
  }

  it('margin check skip: the leg is skipped with the required and free margin', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    await squeezeApex(w, 60);
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 1 });
    const copied = await waitCopied(w, r.order, 'open');
    const leg = legOf(copied, w, 'apex');
    expect(leg).toMatchObject({ status: 'skipped', reason: 'insufficient_margin' });
    // 1 lot EURUSD at 1:500 = 200 EUR of margin, in USD; 90 % of 60 may be used.
    expect(leg.detail.required).toBeCloseTo(200 * 1.085, 0);
    expect(leg.detail.free).toBe(60);
    expect(leg.detail.allowed).toBe(54);
    expect(legOf(copied, w, 'raw').status).toBe('filled');
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);
  });

  it('margin check reduce: the lot is cut to what fits', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    await w.engine.control.setRisk(w.ids.apex, { marginCheck: 'reduce' });
    await squeezeApex(w, 60);
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 1 });
    const copied = await waitCopied(w, r.order, 'open');
    const leg = legOf(copied, w, 'apex');
    // 54 / 217.0 per lot = 0.2488 → 0.24.
    expect(leg).toMatchObject({ status: 'filled', volume: 0.24 });
    expect(leg.reason).toContain('margin_reduced');
    expect(leg.detail).toMatchObject({ from: 1, to: 0.24, free: 60 });
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.24, 'reduced copy');
  });

  it('margin check off: the broker refuses with 10019 and the leg says so, with the numbers', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    await w.engine.control.setRisk(w.ids.apex, { marginCheck: 'off' });
    await squeezeApex(w, 60);
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 1 });
    const copied = await waitCopied(w, r.order, 'open');
    const leg = legOf(copied, w, 'apex');
    expect(leg).toMatchObject({ status: 'rejected', retcode: 10019, reason: 'no_money' });
    expect(leg.detail.required).toBeCloseTo(200 * 1.085, 0);
    expect(leg.detail.free).toBe(60);
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);
  });

  it('a symbol the follower’s broker does not list is skipped with symbol_not_found; aliases are found', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    await w.engine.control.setRisk(w.ids.apex, { belowMin: 'round_up' });
    const r = w.sim.account('master').send({ symbol: 'DE40', operation: 'Buy', volume: 0.5 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'skipped', reason: 'symbol_not_found', detail: { symbol: 'DE40' } });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'skipped', reason: 'symbol_not_found' });
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', symbol: 'GER40', volume: 1 });
    await w.engine.idle();
    const gold = w.sim.account('master').send({ symbol: 'XAUUSD', operation: 'Sell', volume: 0.02 });
    const g = await waitCopied(w, gold.order, 'open');
    expect(legOf(g, w, 'apex')).toMatchObject({ status: 'filled', symbol: 'GOLD', volume: 0.02 });
    expect(legOf(g, w, 'mt4')).toMatchObject({ status: 'filled', symbol: 'XAUUSDi', volume: 0.02 });
    expect(legOf(g, w, 'raw')).toMatchObject({ status: 'skipped', reason: 'below_min_volume' });
  });

  it('below the minimum lot: skipped by default, rounded up to the minimum when asked', async () => {
    world = await startWorld({ follow: ['raw', 'apex'] });
    const w = world;
    const master = w.sim.account('master');
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.05 });
    const a = await waitCopied(w, first.order, 'open');
    expect(legOf(a, w, 'raw')).toMatchObject({ status: 'skipped', reason: 'below_min_volume', detail: { lots: 0.05, min: 0.1 } });
    expect(legOf(a, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.05 });
    await w.engine.idle();
    expect(copiesOn(w, 'raw')).toHaveLength(0);

    await w.engine.control.setRisk(w.ids.raw, { belowMin: 'round_up' });
    const second = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.05 });
    const b = await waitCopied(w, second.order, 'open');
    expect(legOf(b, w, 'raw')).toMatchObject({ status: 'filled', volume: 0.1 });
    expect(legOf(b, w, 'raw').reason).toContain('rounded_up_to_min');
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.1, 'raw rounded-up copy');
  });

  it('reverse copy: buy becomes sell, SL and TP swap, also when they change', async () => {
    world = await startWorld({ follow: ['apex', 'mt4'] });
    const w = world;
    await w.engine.control.setFilters(w.ids.apex, { reverse: true });
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2, stopLoss: 1.075, takeProfit: 1.1 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.2 });
    expect(legOf(copied, w, 'apex').reason).toContain('reversed');
    await waitFor(() => copiesOn(w, 'apex')[0] && copiesOn(w, 'mt4')[0], 'copies');
    expect(copiesOn(w, 'apex')[0]).toMatchObject({ type: 'Sell', stopLoss: 1.1, takeProfit: 1.075 });
    expect(copiesOn(w, 'mt4')[0]).toMatchObject({ type: 'Buy', stopLoss: 1.075, takeProfit: 1.1 });
    await w.engine.idle();

    // The master tightens its TP: the reversed copy's SL follows; its TP stays.
    expect(master.modify({ ticket: r.order, takeProfit: 1.095 }).success).toBe(true);
    await waitCopied(w, r.order, 'modify');
    await waitFor(() => copiesOn(w, 'apex')[0]?.stopLoss === 1.095, 'reversed SL moved');
    expect(copiesOn(w, 'apex')[0]?.takeProfit).toBe(1.075);
    await w.engine.idle();

    master.close(r.order);
    await waitCopied(w, r.order, 'close');
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'mt4').length === 0, 'closed');
  });
});

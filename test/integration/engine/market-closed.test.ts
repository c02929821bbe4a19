/**
 * Market closed (design.md §3, Execution): a leg the broker refuses with 10018 is queued, not dropped, and filled
 * once the market opens; it survives a restart, never doubles with reconciliation, and is reported when it expires
 * or when the master closes meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, resolvedEvents, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: market closed', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('queues the leg while the market is closed and fills it at the open', async () => {
    world = await startWorld({ follow: ['apex', 'mt4'] });
    const w = world;
    w.sim.setMarketClosed('EURUSDm', true);
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3, stopLoss: 1.075 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'queued', reason: 'market_closed', volume: 0.3 });
    expect(legOf(copied, w, 'mt4').status).toBe('filled');
    expect(w.engine.control.status().pendingLegs).toBe(1);
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);

    w.sim.setMarketClosed('EURUSDm', false);
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'queued'), 'queued leg resolved');
    expect(resolved.leg).toMatchObject({ followerId: w.ids.apex, status: 'filled', reason: 'filled_at_open', symbol: 'EURUSDm', volume: 0.3 });
    await waitFor(() => copiesOn(w, 'apex').length === 1, 'apex copy');
    expect(copiesOn(w, 'apex')[0]).toMatchObject({ lots: 0.3, stopLoss: 1.075 });
    expect(w.engine.control.status().pendingLegs).toBe(0);
    await w.engine.idle();

    // The late copy is a normal copy: the master's close reaches it.
    w.sim.account('master').close(r.order);
    const closed = await waitCopied(w, r.order, 'close');
    expect(legOf(closed, w, 'apex').status).toBe('closed');
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'apex closed');
  });

  it('a queued open follows the master meanwhile: its SL/TP move and its partial close reach the copy at the open', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    w.sim.setMarketClosed('EURUSDm', true);
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.5, stopLoss: 1.075 });
    expect(legOf(await waitCopied(w, r.order, 'open'), w, 'apex').status).toBe('queued');
    expect(master.modify({ ticket: r.order, stopLoss: 1.07, takeProfit: 1.2 }).success).toBe(true);
    await waitCopied(w, r.order, 'modify');
    expect(master.close(r.order, 0.2).success).toBe(true);
    await waitCopied(w, r.order, 'close');
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);

    w.sim.setMarketClosed('EURUSDm', false);
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'queued'), 'queued leg resolved');
    expect(resolved.leg).toMatchObject({ status: 'filled', volume: 0.3 });
    await waitFor(() => copiesOn(w, 'apex').length === 1, 'apex copy');
    expect(copiesOn(w, 'apex')[0]).toMatchObject({ lots: 0.3, stopLoss: 1.07, takeProfit: 1.2 });
  });

  it('a queued leg survives a restart and is not doubled by reconciliation when the market opens', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    w.sim.setMarketClosed('EURUSDm', true);
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.2 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(legOf(copied, w, 'apex').status).toBe('queued');
    await w.engine.idle();

    await w.restart();
    await w.engine.idle();
    expect(w.engine.control.status().pendingLegs).toBe(1);
    // The market opens and a reconciliation runs before the queued leg's timer: one copy, not two.
    w.sim.setMarketClosed('EURUSDm', false);
    await w.engine.control.reconcile({ apply: true });
    await waitFor(() => resolvedEvents(w).some((e) => e.was === 'queued') || copiesOn(w, 'apex').length > 0, 'copied after the open');
    await waitFor(() => w.engine.control.status().pendingLegs === 0, 'queue drained');
    await w.engine.idle();
    await w.engine.control.reconcile({ apply: true });
    expect(copiesOn(w, 'apex')).toHaveLength(1);
    expect(copiesOn(w, 'apex')[0]).toMatchObject({ type: 'Sell', lots: 0.2 });
  });

  it('reports the leg when the market stays closed past the expiry, and drops it when the master closes first', async () => {
    world = await startWorld({ follow: ['apex', 'raw'], engine: { marketClosedExpiryMs: 1500 } });
    const w = world;
    w.sim.setMarketClosed('EURUSDm', true);
    w.sim.setMarketClosed('GBPUSD.raw', true);
    const master = w.sim.account('master');
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, a.order, 'open');
    const b = master.send({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.2 });
    await waitCopied(w, b.order, 'open');
    await w.engine.idle();
    master.close(b.order);
    await waitCopied(w, b.order, 'close');

    const expired = await waitFor(() => resolvedEvents(w).find((e) => e.leg.followerId === w.ids.apex), 'apex leg reported');
    expect(expired.leg).toMatchObject({ status: 'rejected', reason: 'market_closed_expired' });
    const dropped = await waitFor(() => resolvedEvents(w).find((e) => e.leg.followerId === w.ids.raw && e.leg.symbol === 'GBPUSD.raw'), 'raw leg dropped');
    expect(dropped.leg).toMatchObject({ status: 'skipped', reason: 'master_closed_while_queued' });
    await w.engine.idle();
    expect(w.engine.control.status().pendingLegs).toBe(0);
    expect(copiesOn(w, 'apex')).toHaveLength(0);
    expect(w.sim.account('raw-follower').positions().filter((p) => p.symbol === 'GBPUSD.raw')).toHaveLength(0);
  });
});

/**
 * Copy semantics on every follower (design.md §3): the right symbol and exact lot per broker, partial closes by the
 * same fraction rounded down to step, SL/TP modifications that never touch the side that did not change, and
 * pending orders placed, moved, deleted and triggered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apexTrading, demoWorld } from '../../../src/sim/index.js';
import { alwaysOpenWorld, copiedOf, copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: copy semantics on every follower', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('opens, partially closes by the same fraction rounded down to step, then closes the rest', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const open = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.8 });
    expect(open.success).toBe(true);
    const copied = await waitCopied(w, open.order, 'open');
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', symbol: 'EURUSDm', volume: 0.8 });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', symbol: 'EURUSD.raw', volume: 0.8 });
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'filled', symbol: 'EURUSDi', volume: 0.8 });
    await w.engine.idle();

    // 0.25 of 0.8 = 31.25 %: apex 80 steps → 25 steps (0.25); raw 8 steps → 2.5 → 2 steps (0.2); mt4 like apex.
    master.close(open.order, 0.25);
    const partial = await waitCopied(w, open.order, 'close');
    expect(legOf(partial, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.25 });
    expect(legOf(partial, w, 'raw')).toMatchObject({ status: 'closed', volume: 0.2 });
    expect(legOf(partial, w, 'mt4')).toMatchObject({ status: 'closed', volume: 0.25 });
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.55 && copiesOn(w, 'raw')[0]?.lots === 0.6, 'partial close on followers');
    // MT4 reopens the rest of a partial close under a new ticket ("from #…"): the copy must still be tracked.
    await waitFor(() => w.sim.account('mt4-follower').positions().some((p) => p.lots === 0.55), 'mt4 remainder');
    await w.engine.idle();

    master.close(open.order);
    const full = await waitCopied(w, open.order, 'close', 2);
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(full, w, f).status).toBe('closed');
    await waitFor(() => ['apex-follower', 'raw-follower', 'mt4-follower'].every((n) => w.sim.account(n).positions().length === 0), 'every copy closed');
  });

  it('closes the whole copy when a partial close would leave less than the minimum', async () => {
    // Apex with a 0.1 minimum on a 0.01 step: a partial close leaving 0.05 must close all of it.
    const base = demoWorld();
    const apex = apexTrading();
    apex.symbols = apex.symbols.map((s) => (s.name === 'EURUSDm' ? { ...s, volumeMin: 0.1 } : s));
    world = await startWorld({ follow: ['apex'], sim: { world: alwaysOpenWorld({ ...base, brokers: base.brokers.map((b) => (typeof b !== 'string' && b.name === 'Apex Trading' ? apex : b)) }) } });
    const w = world;
    const master = w.sim.account('master');
    const open = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.5 });
    await waitCopied(w, open.order, 'open');
    await w.engine.idle();
    master.close(open.order, 0.45);
    const partial = await waitCopied(w, open.order, 'close');
    expect(legOf(partial, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.5 });
    expect(legOf(partial, w, 'apex').reason).toContain('close_remainder_below_min');
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'apex copy closed whole');
    expect(master.positions()[0]?.lots).toBe(0.05);
  });

  it('copies SL/TP at open and changes only the side the master changed', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const open = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3, stopLoss: 1.075, takeProfit: 1.1 });
    const copied = await waitCopied(w, open.order, 'open');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(copied, w, f).status).toBe('filled');
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      await waitFor(() => copiesOn(w, f)[0]?.stopLoss === 1.075 && copiesOn(w, f)[0]?.takeProfit === 1.1, `${f} SL/TP at open`);
    }
    await w.engine.idle();
    // The levels travelled with the open itself: no copy was ever unprotected waiting for a follow-up modify.
    expect(copiedOf(w, open.order, 'modify')).toEqual([]);

    // The apex owner moved the copy's TP by hand: a master SL change must leave it where it is.
    const apexCopy = copiesOn(w, 'apex')[0];
    expect(w.sim.account('apex-follower').modify({ ticket: apexCopy?.ticket ?? 0, takeProfit: 1.105 }).success).toBe(true);
    expect(master.modify({ ticket: open.order, stopLoss: 1.078 }).success).toBe(true);
    const mod = await waitCopied(w, open.order, 'modify');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(mod, w, f).status).toBe('modified');
    await waitFor(() => copiesOn(w, 'raw')[0]?.stopLoss === 1.078 && copiesOn(w, 'mt4')[0]?.stopLoss === 1.078, 'SL moved');
    await waitFor(() => copiesOn(w, 'apex')[0]?.stopLoss === 1.078, 'apex SL moved');
    expect(copiesOn(w, 'apex')[0]?.takeProfit).toBe(1.105);
    expect(copiesOn(w, 'raw')[0]?.takeProfit).toBe(1.1);
    await w.engine.idle();

    // The master removes its TP: the followers' TP is cleared, their SL kept.
    expect(master.modify({ ticket: open.order, takeProfit: 0 }).success).toBe(true);
    await waitCopied(w, open.order, 'modify', 2);
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      await waitFor(() => copiesOn(w, f)[0]?.takeProfit === 0, `${f} TP cleared`);
      expect(copiesOn(w, f)[0]?.stopLoss).toBe(1.078);
    }
  });

  it('places, moves and deletes pending orders on every follower', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const placed = master.send({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.35, price: 1.07, stopLoss: 1.06, takeProfit: 1.09 });
    expect(placed.success).toBe(true);
    const copied = await waitCopied(w, placed.order, 'pending_place');
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'filled', action: 'place_pending', symbol: 'EURUSDm', volume: 0.35 });
    expect(legOf(copied, w, 'raw')).toMatchObject({ status: 'filled', action: 'place_pending', symbol: 'EURUSD.raw', volume: 0.3 });
    expect(legOf(copied, w, 'mt4')).toMatchObject({ status: 'filled', action: 'place_pending', symbol: 'EURUSDi', volume: 0.35 });
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      await waitFor(() => copiesOn(w, f)[0], `${f} pending`);
      expect(copiesOn(w, f)[0]).toMatchObject({ kind: 'Pending', type: 'BuyLimit', openPrice: 1.07, stopLoss: 1.06, takeProfit: 1.09 });
    }
    await w.engine.idle();

    expect(master.modify({ ticket: placed.order, price: 1.068, stopLoss: 1.058 }).success).toBe(true);
    const moved = await waitCopied(w, placed.order, 'pending_modify');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(moved, w, f).status).toBe('modified');
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      await waitFor(() => copiesOn(w, f)[0]?.openPrice === 1.068, `${f} pending moved`);
      expect(copiesOn(w, f)[0]).toMatchObject({ stopLoss: 1.058, takeProfit: 1.09 });
    }
    await w.engine.idle();

    expect(master.close(placed.order).success).toBe(true);
    const deleted = await waitCopied(w, placed.order, 'pending_delete');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(deleted, w, f)).toMatchObject({ status: 'closed', action: 'delete_pending' });
    await waitFor(() => (['apex', 'raw', 'mt4'] as const).every((f) => copiesOn(w, f).length === 0), 'pendings deleted');
  });

  it('a master pending that triggers: the followers’ own pendings fill, nothing is opened twice, and the close closes them', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const placed = master.send({ symbol: 'EURUSD', operation: 'BuyStop', volume: 0.4, price: 1.09 });
    expect(placed.success).toBe(true);
    await waitCopied(w, placed.order, 'pending_place');
    for (const f of ['apex', 'raw', 'mt4'] as const) await waitFor(() => copiesOn(w, f)[0]?.kind === 'Pending', `${f} pending`);
    await w.engine.idle();

    // The price rises through the trigger at every broker: every pending fills on its own.
    w.sim.setQuote({ instrument: 'EURUSD' }, 1.0915);
    const opened = await waitCopied(w, placed.order, 'open');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(opened, w, f)).toMatchObject({ status: 'skipped', reason: 'pending_copy_exists' });
    await waitFor(() => (['apex', 'raw', 'mt4'] as const).every((f) => copiesOn(w, f).length === 1 && copiesOn(w, f)[0]?.kind === 'Position'), 'follower pendings filled');
    expect(copiesOn(w, 'apex')[0]?.lots).toBe(0.4);
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.4);
    await w.engine.idle();

    // Partial close of the triggered position reaches the copies too.
    master.close(placed.order, 0.2);
    const partial = await waitCopied(w, placed.order, 'close');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(partial, w, f)).toMatchObject({ status: 'closed', volume: 0.2 });
    await w.engine.idle();
    master.close(placed.order);
    await waitCopied(w, placed.order, 'close', 2);
    await waitFor(() => (['apex', 'raw', 'mt4'] as const).every((f) => w.sim.account(w.ids[f]).positions().length === 0), 'copies closed');
  });

  it('a master pending that triggers while the follower’s copy has not: the follower keeps waiting at its own price', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const placed = master.send({ symbol: 'EURUSD', operation: 'BuyStop', volume: 0.1, price: 1.09 });
    await waitCopied(w, placed.order, 'pending_place');
    await waitFor(() => copiesOn(w, 'apex')[0]?.kind === 'Pending', 'apex pending');
    await w.engine.idle();
    // Only the master's broker moves.
    w.sim.setQuote('EURUSD', 1.0915);
    const opened = await waitCopied(w, placed.order, 'open');
    expect(legOf(opened, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'pending_copy_exists' });
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(1);
    expect(copiesOn(w, 'apex')[0]?.kind).toBe('Pending');
    // The master closes: the follower's still-pending copy is deleted, not left behind.
    master.close(placed.order);
    const closed = await waitCopied(w, placed.order, 'close');
    expect(legOf(closed, w, 'apex')).toMatchObject({ status: 'closed', action: 'delete_pending' });
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'pending copy deleted');
  });
});

/**
 * Netting shares the follower's open orders cannot show. A pending copy that triggers into a net position that it
 * flattens leaves no row at all; one that only shrinks the net row leaves a row that is no longer one copy's alone.
 * And a batch that lands after the process that sent it was killed, for a master position that opens and closes while the
 * copier is down: on a netting follower the order merges into a row that keeps another copy's ticket and tag, so
 * neither the open orders nor reconciliation can see it. Start-up recovery finds it in the follower's own deals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyComment } from '../../../src/domain/tags.js';
import { copiesOn, legOf, MAGIC, openCopied, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

/** Places a master EURUSD stop order, waits for its pending copy on `raw`, then moves the price to `quote` through both triggers. */
async function triggerCopiedPending(w: World, order: { operation: 'BuyStop' | 'SellStop'; volume: number; price: number }, quote: number): Promise<{ order: number }> {
  const placed = w.sim.account('master').send({ symbol: 'EURUSD', ...order });
  await waitCopied(w, placed.order, 'pending_place');
  await waitFor(() => copiesOn(w, 'raw').some((r) => r.kind === 'Pending'), 'raw pending copy');
  await w.engine.idle();
  w.sim.setQuote({ instrument: 'EURUSD' }, quote);
  await waitCopied(w, placed.order, 'open');
  return placed;
}

describe('engine: netting shares hidden from the open orders', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a share a killed process opened for a position gone by the restart is adopted from the follower’s deals and taken out', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    // Two tracked copies share the row, so its volume alone says nothing about any one share.
    const [kept = 0, other = 0] = await openCopied(w, [
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.3 },
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.2 },
    ]);
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.5, 'raw at 0.5');

    await w.restart({}, async () => {
      // While the copier is down: the master opens a position, the dead process's batch for it lands on the follower
      // (same tag and magic a copy carries), and the master closes it again.
      const gone = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
      const landed = w.sim.account('raw-follower').send({ symbol: 'EURUSD.raw', operation: 'Buy', volume: 0.2, comment: copyComment(w.ids.master, gone.order), magic: MAGIC });
      expect(landed.success).toBe(true);
      expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.7);
      master.close(gone.order);
    });
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.5, 'the untracked 0.2 taken out');
    await w.engine.idle();
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw').map((r) => r.lots)).toEqual([0.5]);
    // The next start (a restart, or a cluster partition's next owner) finds the same deals in the follower's history:
    // they were dealt with, and no share of the row is taken for them again.
    await w.restart();
    await w.engine.idle();
    const afterRestart = await w.engine.control.reconcile({ apply: true });
    expect(afterRestart.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw').map((r) => r.lots)).toEqual([0.5]);
    // The copies that were tracked all along still follow their masters.
    master.close(kept);
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.2, 'raw at 0.2');
    master.close(other);
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'flat after both positions close');
  });

  it('a pending copy that filled into the net position and flattened it stays a live share (not a pending deleted unfilled)', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    await openCopied(w, [{ symbol: 'EURUSD', operation: 'Sell', volume: 0.2 }]);
    // The price rises through the trigger at every broker: the follower's buy 0.2 fills against its sell 0.2.
    const placed = await triggerCopiedPending(w, { operation: 'BuyStop', volume: 0.2, price: 1.09 }, 1.0915);
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'raw flat');
    await w.engine.idle();
    // The filled copy still follows its master: the partial close of the buy sells 0.1 on the follower.
    master.close(placed.order, 0.1);
    const partial = await waitCopied(w, placed.order, 'close');
    expect(legOf(partial, w, 'raw')).toMatchObject({ status: 'filled', volume: 0.1 });
    await waitFor(() => copiesOn(w, 'raw')[0]?.type === 'Sell' && copiesOn(w, 'raw')[0]?.lots === 0.1, 'raw net sell 0.1');
    await w.engine.idle();
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    // And so does reconciliation, when it is the first to look.
    const again = master.send({ symbol: 'EURUSD', operation: 'BuyStop', volume: 0.1, price: 1.095 });
    await waitCopied(w, again.order, 'pending_place');
    await waitFor(() => copiesOn(w, 'raw').some((r) => r.kind === 'Pending'), 'raw second pending copy');
    await w.engine.idle();
    w.sim.setQuote({ instrument: 'EURUSD' }, 1.0955);
    await waitCopied(w, again.order, 'open');
    await waitFor(() => copiesOn(w, 'raw').filter((r) => r.kind === 'Position').length === 0 && !copiesOn(w, 'raw').some((r) => r.kind === 'Pending'), 'raw flat again');
    await w.engine.idle();
    const second = await w.engine.control.reconcile({ apply: true });
    expect(second.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(w.engine.runtime.ledger.ofMaster(w.ids.master, again.order).map((l) => [l.kind, l.status])).toEqual([['position', 'open']]);
  });
  it('closing one share of a netting position that another order’s filled pending copy now shares trades against it, and the filled share stays', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    const [buy] = await openCopied(w, [{ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 }]);
    // The price falls through the trigger at every broker: the follower's sell 0.2 fills against its buy 0.3.
    const placed = await triggerCopiedPending(w, { operation: 'SellStop', volume: 0.2, price: 1.08 }, 1.0795);
    await waitFor(() => copiesOn(w, 'raw').length === 1 && copiesOn(w, 'raw')[0]?.type === 'Buy' && copiesOn(w, 'raw')[0]?.lots === 0.1, 'raw net buy 0.1');
    await w.engine.idle();
    // Closing the buy's 0.3 by ticket would close the 0.1 left and take the sell's share with it.
    master.close(buy ?? 0);
    const closed = await waitCopied(w, buy ?? 0, 'close');
    expect(legOf(closed, w, 'raw')).toMatchObject({ status: 'filled', volume: 0.3 });
    await waitFor(() => copiesOn(w, 'raw').length === 1 && copiesOn(w, 'raw')[0]?.type === 'Sell' && copiesOn(w, 'raw')[0]?.lots === 0.2, 'raw net sell 0.2');
    await w.engine.idle();
    expect(w.engine.runtime.ledger.ofMaster(w.ids.master, placed.order).map((l) => [l.kind, l.status, l.volume])).toEqual([['position', 'open', 0.2]]);
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
  });
});

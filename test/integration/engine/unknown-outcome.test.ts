/**
 * Unknown outcomes (design.md §3, Execution): a leg whose answer was lost after it executed is never re-sent blindly;
 * the follower's open orders are read and the tag decides. No duplicate, and the ledger ends up right.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, resolvedEvents, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: unknown outcomes', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('an open leg that timed out after executing is resolved from the follower’s orders by its tag', async () => {
    world = await startWorld({ follow: ['apex', 'mt4'] });
    const w = world;
    let received = 0;
    w.sim.events.on('orderReceived', (e: { accountId: string }) => {
      if (e.accountId === w.ids.apex) received++;
    });
    w.sim.account('apex-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    const r = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    const copied = await waitCopied(w, r.order, 'open');
    expect(legOf(copied, w, 'apex')).toMatchObject({ status: 'unknown', symbol: 'EURUSDm' });
    expect(legOf(copied, w, 'mt4').status).toBe('filled');

    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown' && e.leg.followerId === w.ids.apex), 'leg resolved');
    expect(resolved.leg).toMatchObject({ status: 'filled', reason: 'resolved_from_open_orders', volume: 0.4 });
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(1);
    expect(resolved.leg.ticket).toBe(copiesOn(w, 'apex')[0]?.ticket);
    expect(received).toBe(1);

    // Reconciliation finds nothing to do (in particular nothing "missing" to open again).
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'apex')).toHaveLength(1);

    // The resolved copy is linked: the master's close reaches it.
    w.sim.account('master').close(r.order);
    const closed = await waitCopied(w, r.order, 'close');
    expect(legOf(closed, w, 'apex').status).toBe('closed');
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'apex closed');
    expect(received).toBe(2);
  });

  it('a partial close that timed out after executing is settled as closed, and the copy keeps its share', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.8 });
    await waitCopied(w, r.order, 'open');
    await w.engine.idle();
    w.sim.account('apex-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    master.close(r.order, 0.3);
    const partial = await waitCopied(w, r.order, 'close');
    expect(legOf(partial, w, 'apex').status).toBe('unknown');
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'partial close resolved');
    expect(resolved.leg).toMatchObject({ status: 'closed', reason: 'resolved_from_open_orders' });
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.5, 'apex at 0.5');
    // Exactly once: a second close of 0.3 would have left 0.2.
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'apex')[0]?.lots).toBe(0.5);
    master.close(r.order, 0.25);
    const second = await waitCopied(w, r.order, 'close', 2);
    expect(legOf(second, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.25 });
  });

  it('an SL change whose answer was lost (504 after executing) is settled from the follower’s row', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 1.07 });
    await waitCopied(w, r.order, 'open');
    await w.engine.idle();
    w.sim.account('apex-follower').faults.set({ timeout504Executed: 1 });
    master.modify({ ticket: r.order, stopLoss: 1.072 });
    const mod = await waitCopied(w, r.order, 'modify');
    expect(legOf(mod, w, 'apex').status).toBe('unknown');
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'modify resolved');
    expect(resolved.leg).toMatchObject({ status: 'modified', reason: 'resolved_from_open_orders' });
    expect(copiesOn(w, 'apex')[0]?.stopLoss).toBe(1.072);
  });
});

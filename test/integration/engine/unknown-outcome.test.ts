/**
 * Unknown outcomes (design.md §3, Execution): a leg whose answer was lost after it executed is never re-sent blindly;
 * the follower's open orders are read and the tag decides. No duplicate, and the ledger ends up right.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, openCopied, resolvedEvents, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

/** Partially closes master position `ticket` while the raw follower's next batch leg executes and its answer is lost. */
async function closeWithLostAnswer(w: World, ticket: number, volume: number): Promise<void> {
  w.sim.account('raw-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
  w.sim.account('master').close(ticket, volume);
  const partial = await waitCopied(w, ticket, 'close');
  expect(legOf(partial, w, 'raw').status).toBe('unknown');
}

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

  it('an add to a netting position that timed out after executing is settled from the net volume, and nothing is opened again', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
    await waitCopied(w, first.order, 'open');
    await w.engine.idle();
    let received = 0;
    w.sim.events.on('orderReceived', (e: { accountId: string }) => {
      if (e.accountId === w.ids.raw) received++;
    });
    w.sim.account('raw-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    const second = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    const copied = await waitCopied(w, second.order, 'open');
    expect(legOf(copied, w, 'raw').status).toBe('unknown');
    // The add merged into the first copy's row, which keeps the first copy's ticket and tag.
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown' && e.leg.followerId === w.ids.raw), 'add resolved');
    expect(resolved.leg).toMatchObject({ status: 'filled', reason: 'resolved_from_open_orders', volume: 0.2 });
    await w.engine.idle();
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(received).toBe(1);
    expect(copiesOn(w, 'raw').map((r) => r.lots)).toEqual([0.5]);
    // The share is linked: the master's close of the add takes exactly its 0.2 out.
    master.close(second.order);
    const closed = await waitCopied(w, second.order, 'close');
    expect(legOf(closed, w, 'raw').status).not.toBe('skipped');
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.3, 'raw back at 0.3');
  });

  it('a settle read that fails is read again: the partial close is settled before the next close plans from it', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.42 });
    await waitCopied(w, r.order, 'open');
    await w.engine.idle();
    const apex = w.sim.account('apex-follower');
    apex.faults.set({ batchLegTimeoutAfterExecute: 1 });
    master.close(r.order, 0.1);
    const partial = await waitCopied(w, r.order, 'close');
    expect(legOf(partial, w, 'apex').status).toBe('unknown');
    // The next two reads of the follower's orders (the settle's first read among them) fail with a 5xx.
    const reads = { failed: 0 };
    apex.faults.set({ error5xxRate: 1 });
    w.sim.events.on('request', (e: { route: string; status: number }) => {
      if (e.route === '/OpenedOrders' && e.status >= 500 && ++reads.failed === 2) apex.faults.set({ error5xxRate: 0 });
    });
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'partial close resolved');
    expect(reads.failed).toBe(2);
    expect(resolved.leg).toMatchObject({ status: 'closed', reason: 'resolved_from_open_orders' });
    await w.engine.idle();
    master.close(r.order, 0.12);
    const second = await waitCopied(w, r.order, 'close', 2);
    // From the settled 0.32 (of 0.32 on the master): 0.12, not 0.42 × 0.12 ÷ 0.32 = 0.15 from the stale 0.42.
    expect(legOf(second, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.12 });
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.2, 'apex at 0.2');
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('reconciliation leaves a netting row alone while a close on it is being settled (no second close of the same share)', async () => {
    world = await startWorld({ follow: ['raw'], engine: { unknownResolveDelayMs: 3_000 } });
    const w = world;
    const [a = 0] = await openCopied(w, [
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.4 },
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.2 },
    ]);
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.6, 'raw at 0.6');
    await closeWithLostAnswer(w, a, 0.2);
    // The close executed (the row is at 0.4) but the ledger still says 0.4 for this share until it is settled.
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.4, 'raw at 0.4');
    const during = await w.engine.control.reconcile({ apply: true });
    expect(during.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.4);
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'close resolved', 8_000);
    expect(resolved.leg).toMatchObject({ status: 'closed', reason: 'resolved_from_open_orders' });
    await w.engine.idle();
    const after = await w.engine.control.reconcile({ apply: true });
    expect(after.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.4);
  });

  it('a partial close of a netting row holding shares on both sides is settled from the row’s net volume', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const [a = 0] = await openCopied(w, [
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.6 },
      { symbol: 'EURUSD', operation: 'Sell', volume: 0.2 },
    ]);
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.4, 'raw net buy 0.4');
    await closeWithLostAnswer(w, a, 0.2);
    // Buy 0.6 and sell 0.2 on the row: it held 0.4, not 0.8, before the close took 0.2 out.
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'close resolved');
    expect(resolved.leg).toMatchObject({ status: 'closed', reason: 'resolved_from_open_orders' });
    await w.engine.idle();
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.2);
    const after = await w.engine.control.reconcile({ apply: true });
    expect(after.followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('an order against a flat netting position that timed out after executing is settled from the new row it opened', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const [a = 0] = await openCopied(w, [
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.3 },
      { symbol: 'EURUSD', operation: 'Sell', volume: 0.3 },
    ]);
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'flat: no row');
    // The buy share shrinks by a sell against it; the account is flat, so the sell opens a new row.
    await closeWithLostAnswer(w, a, 0.1);
    const resolved = await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'offset resolved');
    expect(resolved.leg).toMatchObject({ status: 'filled', reason: 'resolved_from_open_orders' });
    await w.engine.idle();
    const after = await w.engine.control.reconcile({ apply: true });
    expect(after.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw').map((r) => [r.type, r.lots])).toEqual([['Sell', 0.1]]);
  });

  it('a reconciliation fix on a shared netting row whose outcome is unknown is settled from the net volume, never sent again', async () => {
    // maxCopyAgeMs 1: the partial close missed while down is not replayed at start-up; reconciliation fixes it.
    world = await startWorld({ follow: ['raw'], engine: { maxCopyAgeMs: 1, unknownResolveDelayMs: 1_500 } });
    const w = world;
    const master = w.sim.account('master');
    const [a = 0] = await openCopied(w, [
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.4 },
      { symbol: 'EURUSD', operation: 'Buy', volume: 0.2 },
    ]);
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.6, 'raw at 0.6');
    let sent = 0;
    w.sim.events.on('orderReceived', (e: { accountId: string }) => {
      if (e.accountId === w.ids.raw) sent++;
    });
    await w.restart({}, async () => {
      master.close(a, 0.2);
      w.sim.account('raw-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    });
    // The start-up run shrinks the share by 0.2; its answer is lost after it executed.
    await waitFor(() => copiesOn(w, 'raw')[0]?.lots === 0.4, 'raw at 0.4');
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
    await waitFor(() => resolvedEvents(w).find((e) => e.was === 'unknown'), 'fix resolved', 8_000);
    await w.engine.idle();
    const after = await w.engine.control.reconcile({ apply: true });
    expect(after.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.4);
    expect(sent).toBe(1);
  });
  it('a reconciliation reduction of a hedging copy whose answer was lost is taken as done: a late master close of the same deal is not applied twice', async () => {
    // maxCopyAgeMs 1: the partial close missed while down is not replayed at start-up; reconciliation fixes it.
    world = await startWorld({ follow: ['apex'], engine: { maxCopyAgeMs: 1 } });
    const w = world;
    const master = w.sim.account('master');
    const [a = 0] = await openCopied(w, [{ symbol: 'EURUSD', operation: 'Buy', volume: 0.38 }]);
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.38, 'apex at 0.38');
    let sent = 0;
    w.sim.events.on('orderReceived', (e: { accountId: string }) => {
      if (e.accountId === w.ids.apex) sent++;
    });
    await w.restart({}, async () => {
      master.close(a, 0.04);
      w.sim.account('apex-follower').faults.set({ batchLegTimeoutAfterExecute: 1 });
    });
    // The start-up run shrinks the copy by 0.04; its answer is lost after it executed.
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.34, 'apex at 0.34');
    await w.engine.idle();
    // The ledger holds the reduction, so the master's partial close (0.38 → 0.34), were it to arrive now, is already
    // reflected in every link; and the next run finds nothing to fix.
    expect(w.engine.runtime.ledger.ofMaster(w.ids.master, a).map((l) => [l.volume, l.masterVolume])).toEqual([[0.34, 0.34]]);
    const after = await w.engine.control.reconcile({ apply: true });
    expect(after.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'apex').map((r) => r.lots)).toEqual([0.34]);
    expect(sent).toBe(1);
  });

});

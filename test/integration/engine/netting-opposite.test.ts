/**
 * A netting follower copying a hedging master that holds both sides of a symbol: the follower's one position is the
 * net of its shares, and closing a share on the other side of the net must trade against it (an order on the other
 * side), not close the net position by ticket, which would trade the wrong way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

const net = (w: World): number =>
  Math.round(copiesOn(w, 'raw').filter((r) => r.symbol === 'EURUSD.raw').reduce((s, r) => s + (r.type === 'Buy' ? r.lots : -r.lots), 0) * 1e8) / 1e8;

describe('engine: netting follower, master on both sides', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('keeps the follower net equal to the master net through opens and closes on both sides', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    const buy = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    await waitCopied(w, buy.order, 'open');
    const sell = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.6 });
    await waitCopied(w, sell.order, 'open');
    await w.engine.idle();
    await waitFor(() => net(w) === -0.2, 'net sell 0.2');

    // The buy share is on the other side of the net: closing it sells 0.4 more.
    master.close(buy.order, 0.2);
    const part = await waitCopied(w, buy.order, 'close');
    expect(legOf(part, w, 'raw')).toMatchObject({ status: 'filled', action: 'close', volume: 0.2 });
    await waitFor(() => net(w) === -0.4, 'net sell 0.4 after the partial close of the buy');
    master.close(buy.order);
    await waitCopied(w, buy.order, 'close', 2);
    await waitFor(() => net(w) === -0.6, 'net sell 0.6 after the buy is gone');

    // The sell share is the net now: a close by ticket.
    master.close(sell.order);
    const closed = await waitCopied(w, sell.order, 'close');
    expect(legOf(closed, w, 'raw')).toMatchObject({ status: 'closed', action: 'close' });
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'flat');
    await w.engine.idle();
    const again = await w.engine.control.reconcile({ apply: false });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
  });
  it('shares that cancel out (a flat netting position) are not taken for copies closed by hand', async () => {
    world = await startWorld({ follow: ['raw'] });
    const w = world;
    const master = w.sim.account('master');
    const buy = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    await waitCopied(w, buy.order, 'open');
    const sell = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.4 });
    await waitCopied(w, sell.order, 'open');
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'flat: no position on the netting follower');
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(w.engine.runtime.ledger.openOfFollower(w.ids.raw)).toHaveLength(2);

    // Closing one side brings the other side's exposure back.
    master.close(buy.order);
    await waitCopied(w, buy.order, 'close');
    await waitFor(() => net(w) === -0.4, 'net sell 0.4');
    master.close(sell.order);
    await waitCopied(w, sell.order, 'close');
    await waitFor(() => copiesOn(w, 'raw').length === 0, 'flat again');
  });
});

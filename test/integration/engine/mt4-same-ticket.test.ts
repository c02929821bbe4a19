/**
 * Issue 13's field report: a partially closed copy on an MT4 follower with a 0.1-lot step must survive a master stream
 * drop and the reconnect reconciliation untouched, while the trade opened in the gap is copied, under both readings
 * of an MT4 partial close (the ticket kept, or the rest reopened under a new one: src/sim/variant.ts).
 *
 * The cause was not the ticket: a 0.1-lot copy of a master halved to 0.05 keeps its 0.1 (half a step cannot be
 * closed: close_below_step), and reconciliation rounded the ledger's ratio (0.05) to the grid and closed the copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoBroker, demoWorld } from '../../../src/sim/index.js';
import type { WorldVariant } from '../../../src/sim/variant.js';
import { alwaysOpenWorld, copiesOn, startWorld, suiteVariant, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

/** The demo world with Classic FX trading EURUSDi in 0.1-lot steps (0.1 minimum). */
function coarseMt4World() {
  const base = demoWorld();
  return alwaysOpenWorld({
    ...base,
    brokers: base.brokers.map((b) => (typeof b !== 'string' && b.name === 'Classic FX' ? demoBroker('Classic FX', { symbols: { EURUSDi: { volumeMin: 0.1, volumeStep: 0.1 } } }) : b)),
  });
}

describe.each<WorldVariant['mt4PartialClose']>(['same_ticket', 'new_ticket'])('engine: MT4 partial close (%s) then a dropped master stream', (reading) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('leaves a copy whose partial close was below one step alone after a 2 s master outage', async () => {
    world = await startWorld({ follow: ['mt4'], sim: { variant: { ...suiteVariant(), mt4PartialClose: reading }, world: coarseMt4World() } });
    const w = world;
    const master = w.sim.account('master');
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, first.order, 'open');
    await waitFor(() => copiesOn(w, 'mt4')[0]?.lots === 0.1, 'copy of 0.1 lots');
    await w.engine.idle();
    const copy = copiesOn(w, 'mt4')[0];

    expect(master.close(first.order, 0.05).success).toBe(true);
    const half = await waitCopied(w, first.order, 'close');
    expect(half.legs[0]).toMatchObject({ status: 'skipped', reason: 'close_below_step' });
    await w.engine.idle();

    // The master is unreachable for 2 s; it opens another trade meanwhile.
    const reconciledBefore = w.events.filter((e) => e.type === 'reconciled' && e.trigger === 'connect').length;
    master.setStatus('disconnected');
    const second = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.3 });
    expect(second.success).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    master.setStatus('connected');
    await waitFor(() => w.events.filter((e) => e.type === 'reconciled' && e.trigger === 'connect').length > reconciledBefore, 'reconnect reconciliation', 15_000);
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'mt4').length === 2, 'the gap trade copied');
    expect(copiesOn(w, 'mt4').find((c) => c.ticket === copy?.ticket)).toMatchObject({ lots: 0.1, type: 'Buy' });
    expect((await w.engine.control.reconcile({ apply: false })).followers.flatMap((f) => f.actions)).toEqual([]);

    expect(master.close(first.order).success).toBe(true);
    await waitCopied(w, first.order, 'close', 2);
    await waitFor(() => copiesOn(w, 'mt4').length === 1 && copiesOn(w, 'mt4')[0]?.type === 'Sell', 'the rest closed with the master');
  });

  it('leaves the partially closed copy alone and copies the trade opened in the gap', async () => {
    world = await startWorld({ follow: ['mt4'], sim: { variant: { ...suiteVariant(), mt4PartialClose: reading }, world: coarseMt4World() } });
    const w = world;
    const master = w.sim.account('master');
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    await waitCopied(w, first.order, 'open');
    await waitFor(() => copiesOn(w, 'mt4')[0]?.lots === 0.4, 'copy of 0.4 lots');
    await w.engine.idle();
    const ticketBefore = copiesOn(w, 'mt4')[0]?.ticket;

    expect(master.close(first.order, 0.2).success).toBe(true);
    await waitCopied(w, first.order, 'close');
    await waitFor(() => copiesOn(w, 'mt4')[0]?.lots === 0.2, 'copy reduced to 0.2');
    await w.engine.idle();
    const rest = copiesOn(w, 'mt4')[0];
    if (reading === 'same_ticket') expect(rest?.ticket).toBe(ticketBefore);
    else expect(rest?.ticket).not.toBe(ticketBefore);

    const reconciledBefore = w.events.filter((e) => e.type === 'reconciled' && e.trigger === 'connect').length;
    expect(master.dropConnections()).toBeGreaterThan(0);
    const second = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.3 });
    expect(second.success).toBe(true);
    await waitFor(() => w.events.filter((e) => e.type === 'reconciled' && e.trigger === 'connect').length > reconciledBefore, 'reconnect reconciliation', 10_000);
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'mt4').length === 2, 'the gap trade copied');

    const copies = copiesOn(w, 'mt4');
    expect(copies.find((c) => c.ticket === rest?.ticket)).toMatchObject({ lots: 0.2, type: 'Buy' });
    expect(copies.find((c) => c.ticket !== rest?.ticket)).toMatchObject({ lots: 0.3, type: 'Sell' });
    const again = await w.engine.control.reconcile({ apply: false });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);

    // The copy still follows the master: closing the rest closes it.
    expect(master.close(first.order).success).toBe(true);
    await waitCopied(w, first.order, 'close', 2);
    await waitFor(() => copiesOn(w, 'mt4').length === 1, 'rest closed');
  });
});

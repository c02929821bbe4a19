/**
 * Reconciliation against the broker (design.md §3, Reconciliation and State): a copy the follower's owner closed by
 * hand is detached and never reopened; a lost state file is rebuilt from the broker's tags alone.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FILE } from '../../../src/store/index.js';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: reconciliation', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a missing copy the rules keep it from opening is journaled with its reason, once', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    // 0.05 lots is below Raw Prime's 0.1 minimum: the follower that joins now can get no copy of it.
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.05 });
    await waitCopied(w, r.order, 'open');
    await w.engine.control.follow(w.ids.raw, w.ids.master);
    await w.engine.idle();
    const skips = () => w.store.data.journal.filter((j) => j.followerId === w.ids.raw && j.masterTicket === r.order);
    await w.engine.control.reconcile({ apply: true });
    await w.engine.control.reconcile({ apply: true });
    expect(skips().map((j) => [j.eventId, j.action, j.status, j.reason, j.detail['by']])).toEqual([[`rec:${r.order}`, 'open', 'skipped', 'below_min_volume', 'reconciliation']]);
    expect(copiesOn(w, 'raw')).toEqual([]);
  });

  it('a copy closed by hand on the follower is marked detached and never reopened', async () => {
    world = await startWorld({ follow: ['apex', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    await waitCopied(w, r.order, 'open');
    await waitFor(() => copiesOn(w, 'apex').length === 1 && copiesOn(w, 'mt4').length === 1, 'copies');
    await w.engine.idle();

    const ticket = copiesOn(w, 'apex')[0]?.ticket ?? 0;
    expect(w.sim.account('apex-follower').close(ticket).success).toBe(true);

    const first = await w.engine.control.reconcile({ apply: true });
    const apexActions = first.followers.find((f) => f.followerId === w.ids.apex)?.actions ?? [];
    expect(apexActions).toEqual([expect.objectContaining({ kind: 'mark_detached', masterTicket: r.order, followerTicket: ticket, result: 'done' })]);
    expect(first.followers.find((f) => f.followerId === w.ids.mt4)?.actions).toEqual([]);
    const second = await w.engine.control.reconcile({ apply: true });
    expect(second.followers.flatMap((f) => f.actions)).toEqual([]);
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);
    expect(w.engine.runtime.ledger.ofFollower(w.ids.apex).map((l) => l.status)).toEqual(['detached']);

    // Later master events leave the detached copy alone; the other follower still follows.
    master.modify({ ticket: r.order, stopLoss: 1.07 });
    const mod = await waitCopied(w, r.order, 'modify');
    expect(legOf(mod, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'detached' });
    expect(legOf(mod, w, 'mt4').status).toBe('modified');
    await w.engine.idle();
    master.close(r.order);
    const closed = await waitCopied(w, r.order, 'close');
    expect(legOf(closed, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'detached' });
    expect(legOf(closed, w, 'mt4').status).toBe('closed');
    await w.engine.idle();
    expect(copiesOn(w, 'apex')).toHaveLength(0);
  });

  it('a pending copy gone from the follower unfilled is detached and reported as such, not as a position closed by hand', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.2, price: 1.05 });
    await waitCopied(w, r.order, 'pending_place');
    await w.engine.idle();
    const ticket = copiesOn(w, 'apex')[0]?.ticket ?? 0;
    // The broker cancels it (no margin when it triggered) or the owner deletes it: either way it is gone unfilled.
    expect(w.sim.account('apex-follower').close(ticket).success).toBe(true);
    const report = await w.engine.control.reconcile({ apply: true });
    const actions = report.followers.flatMap((f) => f.actions);
    expect(actions).toEqual([expect.objectContaining({ kind: 'mark_detached', masterTicket: r.order, followerTicket: ticket, result: 'done' })]);
    expect(actions[0]?.note).toMatch(/^pending copy gone from the follower unfilled/);
    expect((await w.engine.control.reconcile({ apply: true })).followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('a volume fix on MT4 (whose partial close reopens the rest under a new ticket) keeps the link right for later closes', async () => {
    world = await startWorld({ follow: ['mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    await waitCopied(w, r.order, 'open');
    await waitFor(() => copiesOn(w, 'mt4').length === 1, 'copy');
    await w.engine.idle();
    const opened = copiesOn(w, 'mt4')[0]?.lots ?? 0;

    // A partial close the copier never hears of (the master's socket is down): reconciliation fixes the volume.
    const connectRuns = () => w.events.filter((e) => e.type === 'reconciled' && e.trigger === 'connect').length;
    const before = connectRuns();
    expect(master.dropConnections()).toBeGreaterThan(0);
    expect(master.close(r.order, 0.2).success).toBe(true);
    await waitFor(() => connectRuns() > before, 'reconnect reconciliation', 10_000);
    await w.engine.idle();
    const rows = copiesOn(w, 'mt4');
    expect(rows.map((x) => x.lots)).toEqual([opened / 2]);
    const [link] = w.engine.runtime.ledger.openOfFollower(w.ids.mt4);
    expect(link).toMatchObject({ followerTicket: rows[0]?.ticket, volume: opened / 2, masterVolume: 0.2 });

    // The next live partial close takes the right share of what is left.
    master.close(r.order, 0.1);
    await waitCopied(w, r.order, 'close');
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'mt4').reduce((t, x) => t + x.lots, 0) === opened / 4, 'a quarter of the copy left');
  });

  it('a deleted state file is rebuilt from the broker’s tags, and the master’s closes still reach the copies', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    const master = w.sim.account('master');
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
    const b = master.send({ symbol: 'XAUUSD', operation: 'Sell', volume: 0.2 });
    await waitCopied(w, a.order, 'open');
    await waitCopied(w, b.order, 'open');
    await waitFor(() => (['apex', 'raw', 'mt4'] as const).every((f) => copiesOn(w, f).length === 2), 'copies');
    await w.engine.idle();
    const before = (['apex', 'raw', 'mt4'] as const).map((f) => copiesOn(w, f).map((p) => [p.ticket, p.lots]));

    await w.restart(undefined, async () => {
      await stat(join(w.dir, STATE_FILE));
      await rm(join(w.dir, STATE_FILE));
    });
    expect(w.engine.control.status().masters).toEqual([]);
    expect(w.engine.runtime.ledger.all()).toEqual([]);
    await w.engine.control.setMaster(w.ids.master);
    for (const f of ['apex', 'raw', 'mt4'] as const) await w.engine.control.follow(w.ids[f], w.ids.master);
    await w.engine.idle();

    const report = await w.engine.control.reconcile({ apply: true });
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      const actions = report.followers.find((x) => x.followerId === w.ids[f])?.actions ?? [];
      expect(actions.map((x) => [x.kind, x.result]), f).toEqual([
        ['adopt', 'done'],
        ['adopt', 'done'],
      ]);
      expect(actions.map((x) => x.masterTicket).sort()).toEqual([a.order, b.order].sort());
    }
    expect((await w.engine.control.reconcile({ apply: true })).followers.flatMap((f) => f.actions)).toEqual([]);
    // Nothing was opened or closed by the rebuild.
    expect((['apex', 'raw', 'mt4'] as const).map((f) => copiesOn(w, f).map((p) => [p.ticket, p.lots]))).toEqual(before);

    master.close(a.order);
    const closed = await waitCopied(w, a.order, 'close');
    for (const f of ['apex', 'raw', 'mt4'] as const) expect(legOf(closed, w, f).status).toBe('closed');
    await w.engine.idle();
    master.close(b.order, 0.1);
    const partial = await waitCopied(w, b.order, 'close');
    expect(legOf(partial, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.1 });
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'apex').length === 1 && copiesOn(w, 'apex')[0]?.lots === 0.1 && copiesOn(w, 'raw').length === 1 && copiesOn(w, 'mt4').length === 1, 'closes reached the adopted copies');
    expect(copiesOn(w, 'raw')[0]).toMatchObject({ symbol: 'XAUUSD.raw', lots: 0.1 });
  });
});

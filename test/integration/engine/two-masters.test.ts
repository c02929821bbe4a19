/**
 * Two masters (design.md §3): a follower copying both keeps their copies apart by the tag; a close of one master's
 * position closes only that master's copies, also on a netting follower where both copies share one position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseCopyComment, masterShortId } from '../../../src/domain/tags.js';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: a follower of two masters', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('closes only the copies of the master that closed', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const second = w.sim.addAccount({ nickname: 'master-2', broker: 'Demo Markets', currency: 'USD', balance: 10_000, leverage: 100, marginMode: 'Hedging' });
    await w.engine.control.listAccounts();
    await w.engine.control.setMaster(second.id);
    await w.engine.control.follow(w.ids.apex, second.id);
    await w.engine.control.follow(w.ids.raw, second.id);
    expect(w.engine.control.follower(w.ids.apex).masters).toEqual([w.ids.master, second.id]);
    await w.engine.idle();
    await waitFor(() => w.engine.control.status().masters.every((m) => m.streaming), 'both masters streaming');

    const one = w.sim.account('master');
    const a = one.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.5 });
    const b = second.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
    const c = second.send({ symbol: 'GBPUSD', operation: 'Sell', volume: 0.2 });
    const ca = await waitCopied(w, a.order, 'open');
    const cb = await waitCopied(w, b.order, 'open');
    await waitCopied(w, c.order, 'open');
    expect(ca.masterId).toBe(w.ids.master);
    expect(cb.masterId).toBe(second.id);
    expect(legOf(cb, w, 'apex')).toMatchObject({ status: 'filled', volume: 0.3 });
    await w.engine.idle();

    // Apex (hedging) holds one copy per master position, each tagged with its master.
    await waitFor(() => copiesOn(w, 'apex').length === 3, 'apex copies');
    const tags = copiesOn(w, 'apex').map((p) => parseCopyComment(p.comment)?.masterShort);
    expect(tags.filter((t) => t === masterShortId(w.ids.master))).toHaveLength(1);
    expect(tags.filter((t) => t === masterShortId(second.id))).toHaveLength(2);
    // Raw (netting) nets both masters' EURUSD into one 0.8 position.
    await waitFor(() => copiesOn(w, 'raw').find((p) => p.symbol === 'EURUSD.raw')?.lots === 0.8, 'raw netted EURUSD');

    one.close(a.order);
    const closed = await waitCopied(w, a.order, 'close');
    expect(closed.legs.map((l) => l.status)).toEqual(['closed', 'closed']);
    expect(legOf(closed, w, 'raw')).toMatchObject({ volume: 0.5 });
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'apex').length === 2, 'apex: the other master’s copies stay');
    for (const p of copiesOn(w, 'apex')) expect(parseCopyComment(p.comment)?.masterShort).toBe(masterShortId(second.id));
    await waitFor(() => copiesOn(w, 'raw').find((p) => p.symbol === 'EURUSD.raw')?.lots === 0.3, 'raw keeps master 2’s share');

    second.close(b.order);
    await waitCopied(w, b.order, 'close');
    await waitFor(() => copiesOn(w, 'raw').every((p) => p.symbol !== 'EURUSD.raw') && copiesOn(w, 'apex').length === 1, 'master 2 EURUSD closed');
    expect(copiesOn(w, 'apex')[0]?.symbol).toBe('GBPUSDm');
    await w.engine.idle();

    // Nothing left to fix: reconciliation agrees.
    const report = await w.engine.control.reconcile({ apply: false });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
  });
});

/**
 * Reconciliation never acts on a copy it cannot prove wrong (issue 13): before closing or shrinking a follower
 * position it reads the follower's open orders again and checks the row against its tag and the ledger; when they
 * disagree it reports once and leaves the position. The ledger is bent by hand here to make them disagree, as a
 * broker that rewrites tickets or a damaged state file would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CopierEvent } from '../../../src/engine/index.js';
import { copiesOn, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

type Reconciled = Extract<CopierEvent, { type: 'reconciled' }>;

/** Closes a master position with its frames dropped, so only reconciliation (after the warning) sees the close. */
async function closeUnseen(w: World, ticket: number): Promise<Reconciled> {
  const master = w.sim.account('master');
  const before = w.events.length;
  master.faults.set({ dropFramesNext: 2 });
  expect(master.close(ticket).success).toBe(true);
  const run = await waitFor(() => w.events.slice(before).find((e): e is Reconciled => e.type === 'reconciled' && e.report.followers.some((f) => f.actions.length > 0)), 'a reconciliation that found something', 10_000);
  await w.engine.idle();
  return run;
}

describe('engine: reconciliation proves a copy wrong before closing it', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a ledger link pointing at the owner’s own trade (no copier magic): reported, the trade left open', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, a.order, 'open');
    await w.engine.idle();
    const apex = w.sim.account('apex-follower');
    const own = apex.send({ symbol: 'EURUSDm', operation: 'Buy', volume: 0.1, comment: 'my own trade' });
    expect(own.success).toBe(true);
    const link = w.engine.runtime.ledger.ofFollower(w.ids.apex).find((l) => l.masterTicket === a.order);
    if (!link) throw new Error('no link');
    const realCopy = link.followerTicket;
    link.followerTicket = own.order;

    const run = await closeUnseen(w, a.order);
    const actions = run.report.followers.flatMap((f) => f.actions).filter((x) => x.masterTicket === a.order);
    // The real copy, tagged for a master position that is gone, is closed (its tag proves it); the owner's trade is not.
    expect(actions).toEqual([
      expect.objectContaining({ kind: 'close_orphan', followerTicket: realCopy, result: 'done' }),
      expect.objectContaining({ kind: 'close_orphan', followerTicket: own.order, result: 'left' }),
    ]);
    expect(actions[1]?.note).toMatch(/left as it is: #\d+: it does not carry the copier's magic number/);
    expect(run.changed).toBe(true);
    expect(apex.positions().some((p) => p.ticket === own.order)).toBe(true);
    await waitFor(() => !apex.positions().some((p) => p.ticket === realCopy), 'the real copy closed');

    // Later runs leave it again, quietly: reported once.
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([expect.objectContaining({ followerTicket: own.order, result: 'left' })]);
    const last = w.events.filter((e): e is Reconciled => e.type === 'reconciled').at(-1);
    expect(last?.changed).toBe(false);
    expect(apex.positions().some((p) => p.ticket === own.order)).toBe(true);
  });

  it('a ledger link on a copy whose tag names another, open master position: reported, the copy left open', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    const a = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, a.order, 'open');
    const b = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    await waitCopied(w, b.order, 'open');
    await w.engine.idle();
    const links = w.engine.runtime.ledger.ofFollower(w.ids.apex);
    const la = links.find((l) => l.masterTicket === a.order);
    const lb = links.find((l) => l.masterTicket === b.order);
    if (!la || !lb) throw new Error('no links');
    const copyOfB = lb.followerTicket;
    // The ledger says A's copy is B's row.
    la.followerTicket = copyOfB;
    la.volume = lb.volume;

    const run = await closeUnseen(w, a.order);
    const left = run.report.followers.flatMap((f) => f.actions).find((x) => x.masterTicket === a.order && x.followerTicket === copyOfB);
    expect(left).toMatchObject({ result: 'left' });
    expect(left?.note).toMatch(/its tag names master #\d+, the ledger another/);
    expect(copiesOn(w, 'apex').some((p) => p.ticket === copyOfB && p.lots === 0.2)).toBe(true);
  });
});

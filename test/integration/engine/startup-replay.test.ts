/**
 * Start-up replay of master deals never recorded as processed, when a follower already holds a tagged copy made under
 * another Idempotency-Key (a reconciliation open, or a cluster worker's, that the process which sent it never
 * recorded). The replay's own key cannot deduplicate that copy: only its tag can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyComment } from '../../../src/domain/tags.js';
import { copiesOn, copiedOf, legOf, MAGIC, startWorld, waitFor } from './harness.js';
import type { World } from './harness.js';

/** The master opens 0.3 lots and a copy sent under another key lands on apex (same tag and magic), unrecorded. */
function openWithUnrecordedCopy(w: World): { ticket: number; landed: number } {
  const opened = w.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
  expect(opened.success).toBe(true);
  const copy = w.sim.account('apex-follower').send({ symbol: 'EURUSDm', operation: 'Buy', volume: 0.3, comment: copyComment(w.ids.master, opened.order), magic: MAGIC });
  expect(copy.success).toBe(true);
  return { ticket: opened.order, landed: copy.order };
}

/**
 * Restarts the copier; while it is down the master opens and an unrecorded copy lands on apex
 * (`openWithUnrecordedCopy`), then `meanwhile` runs with the master ticket.
 */
async function restartOverUnrecordedCopy(
  w: World,
  meanwhile: (ticket: number) => Promise<void> | void = () => undefined,
  options: Parameters<World['restart']>[0] = {},
): Promise<{ ticket: number; landed: number }> {
  let made = { ticket: 0, landed: 0 };
  await w.restart(options, async () => {
    made = openWithUnrecordedCopy(w);
    await meanwhile(made.ticket);
  });
  return made;
}

describe('engine: start-up replay and copies made under another key', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a replayed open leaves out the follower that shows a tagged copy, opens the others, and the copy is adopted', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const master = w.sim.account('master');
    // While the copier is down the master opens, and a copy opened under another key lands on apex (same tag and
    // magic); the copier that sent it never recorded it.
    const { ticket, landed } = await restartOverUnrecordedCopy(w);
    const [replayed] = await waitFor(() => { const c = copiedOf(w, ticket, 'open'); return c.length > 0 ? c : null; }, 'the deal replayed');
    await w.engine.idle();
    if (replayed === undefined) throw new Error('no replay');
    expect(legOf(replayed, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'already_copied' });
    expect(legOf(replayed, w, 'raw').status).toBe('filled');
    await waitFor(() => copiesOn(w, 'raw').length === 1, 'raw copy');
    expect(copiesOn(w, 'apex').map((r) => r.ticket)).toEqual([landed]);
    // The replay linked the tagged copy: it follows the master from now on.
    expect(w.engine.runtime.ledger.ofMaster(w.ids.master, ticket).filter((l) => l.status === 'open').map((l) => l.followerTicket)).toContain(landed);
    master.close(ticket);
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'raw').length === 0, 'both copies closed with the master');
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('a partial close replayed after the open reduces the tagged copy by its share of the volume it was opened for', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const master = w.sim.account('master');
    // While the copier is down: the master opens 0.3, the copy a stopped process sent lands on apex unrecorded, and
    // the master closes two thirds.
    const { ticket, landed } = await restartOverUnrecordedCopy(w, (t) => void expect(master.close(t, 0.2).success).toBe(true));
    await waitFor(() => (copiedOf(w, ticket, 'close').length > 0 ? true : null), 'the partial close replayed');
    await w.engine.idle();
    const [open] = copiedOf(w, ticket, 'open');
    const [close] = copiedOf(w, ticket, 'close');
    if (open === undefined || close === undefined) throw new Error('no replay');
    expect(legOf(open, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'already_copied' });
    // The replayed open linked apex's copy against the 0.3 lots it was sized from, so the close took its share.
    expect(legOf(close, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.2 });
    expect(copiesOn(w, 'apex').map((r) => [r.ticket, r.lots])).toEqual([[landed, 0.1]]);
    expect(copiesOn(w, 'raw').map((r) => r.lots)).toEqual([0.1]);
    const link = w.engine.runtime.ledger.ofMasterOnFollower(w.ids.master, ticket, w.ids.apex).find((l) => l.status === 'open');
    expect([link?.followerTicket, link?.volume, link?.masterVolume]).toEqual([landed, 0.1, 0.1]);
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('a close finding the copy on the follower under its tag, with no link, links it against the volume before the close and takes its share', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    const master = w.sim.account('master');
    // Past maxCopyAgeMs the open is not replayed at start-up (as when Redis lost it), while the close is.
    const { ticket, landed } = await restartOverUnrecordedCopy(
      w,
      async (t) => {
        await new Promise((r) => setTimeout(r, 4_500));
        expect(master.close(t, 0.2).success).toBe(true);
      },
      { maxCopyAgeMs: 4_000 },
    );
    await waitFor(() => (copiedOf(w, ticket, 'close').length > 0 ? true : null), 'the partial close replayed');
    await w.engine.idle();
    expect(copiedOf(w, ticket, 'open')).toEqual([]);
    const [close] = copiedOf(w, ticket, 'close');
    if (close === undefined) throw new Error('no replay');
    expect(legOf(close, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.2 });
    expect(copiesOn(w, 'apex').map((r) => [r.ticket, r.lots])).toEqual([[landed, 0.1]]);
    const link = w.engine.runtime.ledger.ofMasterOnFollower(w.ids.master, ticket, w.ids.apex).find((l) => l.status === 'open');
    expect([link?.followerTicket, link?.volume, link?.masterVolume]).toEqual([landed, 0.1, 0.1]);
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
  }, 20_000);
});

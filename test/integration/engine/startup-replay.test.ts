/**
 * Start-up replay of master deals never recorded as processed, when a follower already holds a tagged copy made under
 * another Idempotency-Key (a reconciliation open, or a cluster worker's, that the process which sent it never
 * recorded). The replay's own key cannot deduplicate that copy: only its tag can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyComment } from '../../../src/domain/tags.js';
import { copiesOn, copiedOf, legOf, MAGIC, startWorld, waitFor } from './harness.js';
import type { World } from './harness.js';

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
    let ticket = 0;
    let landed = 0;
    await w.restart({}, async () => {
      // While the copier is down the master opens, and a copy opened under another key lands on apex (same tag and
      // magic); the copier that sent it never recorded it.
      const opened = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
      expect(opened.success).toBe(true);
      ticket = opened.order;
      const copy = w.sim.account('apex-follower').send({ symbol: 'EURUSDm', operation: 'Buy', volume: 0.3, comment: copyComment(w.ids.master, ticket), magic: MAGIC });
      expect(copy.success).toBe(true);
      landed = copy.order;
    });
    const [replayed] = await waitFor(() => { const c = copiedOf(w, ticket, 'open'); return c.length > 0 ? c : null; }, 'the deal replayed');
    await w.engine.idle();
    if (replayed === undefined) throw new Error('no replay');
    expect(legOf(replayed, w, 'apex')).toMatchObject({ status: 'skipped', reason: 'already_copied' });
    expect(legOf(replayed, w, 'raw').status).toBe('filled');
    await waitFor(() => copiesOn(w, 'raw').length === 1, 'raw copy');
    expect(copiesOn(w, 'apex').map((r) => r.ticket)).toEqual([landed]);
    // Start-up reconciliation took the tagged copy into the ledger: it follows the master from now on.
    expect(w.engine.runtime.ledger.ofMaster(w.ids.master, ticket).filter((l) => l.status === 'open').map((l) => l.followerTicket)).toContain(landed);
    master.close(ticket);
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'raw').length === 0, 'both copies closed with the master');
    const again = await w.engine.control.reconcile({ apply: true });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);
  });
});

/**
 * An MT4 master (issue 13, "a ticket that changed without a matching deal"): MetaTrader 4 reopens what a partial close
 * leaves under a new ticket commented `from #<old>`, with no deal of its own. The copies are the rest's copies: they
 * must neither be closed as orphans and reopened (churn at the spread), nor be forgotten when the rest closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoWorld } from '../../../src/sim/index.js';
import type { WorldVariant } from '../../../src/sim/variant.js';
import { alwaysOpenWorld, copiesOn, startWorld, suiteVariant, waitFor } from './harness.js';
import type { World } from './harness.js';

function mt4MasterWorld() {
  const base = demoWorld();
  return alwaysOpenWorld({ ...base, accounts: base.accounts.map((a) => (a.nickname === 'master' ? { ...a, broker: 'Classic FX', marginMode: 'Hedging' as const } : a)) });
}

describe.each<WorldVariant['mt4PartialClose']>(['new_ticket', 'same_ticket'])('engine: an MT4 master’s partial close (%s)', (reading) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const start = () => startWorld({ follow: ['apex', 'raw'], sim: { world: mt4MasterWorld(), variant: { ...suiteVariant(), mt4PartialClose: reading } } });

  it('reduces the copies, leaves them to the rest, and closes them with it', async () => {
    world = await start();
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.4 });
    expect(r.success).toBe(true);
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.4 && copiesOn(w, 'raw').length === 1, 'copies');
    await w.engine.idle();
    const copy = copiesOn(w, 'apex')[0]?.ticket;

    expect(master.close(r.order, 0.2).success).toBe(true);
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.2, 'copy reduced');
    const rest = master.positions()[0];
    if (reading === 'new_ticket') expect(rest).toMatchObject({ lots: 0.2, comment: `from #${r.order}` });
    else expect(rest).toMatchObject({ ticket: r.order, lots: 0.2 });
    await w.engine.idle();
    await waitFor(() => w.engine.runtime.ledger.openOfFollower(w.ids.apex).every((l) => l.masterTicket === rest?.ticket), 'links on the rest');
    // Past the grace the stream gets, so a read would reconcile what the stream did not say.
    await new Promise((res) => setTimeout(res, 5_200));
    const report = await w.engine.control.reconcile({ apply: true });
    expect(report.followers.flatMap((f) => f.actions)).toEqual([]);
    expect(copiesOn(w, 'apex').map((c) => c.ticket)).toEqual([copy]);

    // A second partial close of the rest, then the full close: both reach the copies live.
    expect(master.close(rest?.ticket ?? 0, 0.1).success).toBe(true);
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.1, 'copy reduced again');
    await w.engine.idle();
    const last = master.positions()[0];
    expect(master.close(last?.ticket ?? 0).success).toBe(true);
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'raw').length === 0, 'copies closed with the master');
  }, 30_000);

  it('a partial close made while the copier was down: the copy is fixed to the rest, not closed and reopened', async () => {
    world = await start();
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.4 });
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.4, 'copy');
    await w.engine.idle();
    const copy = copiesOn(w, 'apex')[0]?.ticket;
    await w.restart({}, async () => {
      expect(master.close(r.order, 0.2).success).toBe(true);
    });
    await w.engine.idle();
    await waitFor(() => copiesOn(w, 'apex')[0]?.lots === 0.2, 'copy reduced by reconciliation');
    expect(copiesOn(w, 'apex').map((c) => c.ticket)).toEqual([copy]);
    const rest = master.positions()[0];
    expect(w.engine.runtime.ledger.openOfFollower(w.ids.apex).map((l) => l.masterTicket)).toEqual([rest?.ticket]);
    expect(master.close(rest?.ticket ?? 0).success).toBe(true);
    await waitFor(() => copiesOn(w, 'apex').length === 0, 'copy closed with the rest');
  }, 30_000);
});

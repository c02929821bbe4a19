import { afterEach, describe, expect, it } from 'vitest';
import { copiesOn, legOf, startWorld, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: opens and closes on every follower', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('copies a master open to each follower with its own symbol name and lot rules, then closes', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const master = world.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.37 });
    expect(r.success).toBe(true);
    const w = world;
    await waitFor(() => copiesOn(w, 'apex').length === 1 && copiesOn(w, 'raw').length === 1 && copiesOn(w, 'mt4').length === 1, 'copies on all followers');
    expect(copiesOn(w, 'apex')[0]).toMatchObject({ symbol: 'EURUSDm', lots: 0.37, type: 'Buy' });
    expect(copiesOn(w, 'raw')[0]?.symbol).toBe('EURUSD.raw');
    expect(copiesOn(w, 'raw')[0]?.lots).toBe(0.3); // Raw Prime: step 0.1, rounded down
    await w.engine.idle();
    master.close(r.order);
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'raw').length === 0 && copiesOn(w, 'mt4').length === 0, 'copies closed');
    await w.engine.idle();
    // The master position is gone: its links are history and leave the state file.
    expect(w.store.data.links.filter((l) => l.masterTicket === r.order)).toEqual([]);
  });
});

describe('engine: a partial close right after a restart', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('loads the copy symbol’s volume grid it needs instead of skipping the close (spec_unknown)', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.4 });
    await waitCopied(w, r.order, 'open');
    await w.engine.idle();
    // A fresh process whose start-up reads of the master fail: nothing loads the copy symbols' specs at start.
    await w.restart({}, async () => master.faults.set({ error5xxRate: 1 }));
    await w.engine.idle();
    master.faults.set({ error5xxRate: 0 });
    master.close(r.order, 0.2);
    const closed = await waitCopied(w, r.order, 'close');
    expect(legOf(closed, w, 'apex')).toMatchObject({ status: 'closed', volume: 0.2 });
    expect(legOf(closed, w, 'raw')).toMatchObject({ status: 'closed', volume: 0.2 });
  });
});

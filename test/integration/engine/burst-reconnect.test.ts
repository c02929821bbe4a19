/**
 * A burst of 50 master trades with the master's socket dropped in the middle (design.md §3, Reconciliation): trade
 * frames from the gap are lost, and the reconciliation run on reconnect must leave every follower matching the master
 * (one copy per master position with the right volume, or on a netting follower one position per symbol with the
 * sum), with no orphans. Copying then goes on normally, including partial closes of positions opened in the gap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseCopyComment } from '../../../src/domain/tags.js';
import type { CopierEvent } from '../../../src/engine/index.js';
import { copiesOn, startWorld, waitFor } from './harness.js';
import type { World } from './harness.js';

/** Same side per symbol, so the netting follower's book is a plain sum. Volumes are 0.1 multiples (Raw Prime's step). */
const PLAN: { symbol: string; operation: 'Buy' | 'Sell' }[] = [
  { symbol: 'EURUSD', operation: 'Buy' },
  { symbol: 'GBPUSD', operation: 'Sell' },
  { symbol: 'USDJPY', operation: 'Buy' },
  { symbol: 'XAUUSD', operation: 'Sell' },
];

const round = (x: number): number => Math.round(x * 1e8) / 1e8;

describe('engine: burst with a dropped master socket', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  /** Every open master position has one live copy per hedging follower with its volume; the netting one sums. */
  function expectMatching(w: World): void {
    const master = w.sim.account('master').positions().filter((p) => p.kind === 'Position');
    for (const f of ['apex', 'mt4'] as const) {
      const rows = copiesOn(w, f);
      const links = w.engine.runtime.ledger.openOfFollower(w.ids[f]);
      expect(rows.length, `${f}: one copy per master position`).toBe(master.length);
      for (const m of master) {
        const mine = links.filter((l) => l.masterTicket === m.ticket);
        expect(mine, `${f}: links of #${m.ticket}`).toHaveLength(1);
        const row = rows.find((r) => r.ticket === mine[0]?.followerTicket);
        expect(row?.lots, `${f}: volume of the copy of #${m.ticket}`).toBe(m.lots);
        // Tags are kept on MT5; an MT4 split rest carries "from #…" and is tracked by the ledger only.
        if (f === 'apex') expect(parseCopyComment(row?.comment ?? '')?.masterTicket).toBe(m.ticket);
      }
    }
    const raw = copiesOn(w, 'raw');
    for (const { symbol } of PLAN) {
      const want = round(master.filter((p) => p.symbol === symbol).reduce((s, p) => s + p.lots, 0));
      const have = raw.filter((r) => r.symbol === `${symbol}.raw`);
      if (want === 0) expect(have, `raw: nothing on ${symbol}`).toHaveLength(0);
      else expect(have.map((r) => r.lots), `raw: ${symbol} nets to the master's sum`).toEqual([want]);
    }
  }

  it('matches the master after the reconnect reconciliation', async () => {
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'] });
    const w = world;
    // Room for the whole burst on every follower.
    w.sim.account('apex-follower').setBalance(100_000);
    w.sim.account('raw-follower').setBalance(100_000);
    w.sim.account('mt4-follower').setBalance(100_000);
    await waitFor(() => (['apex', 'raw', 'mt4'] as const).every((f) => (w.engine.runtime.followers.get(w.ids[f])?.summary?.balance ?? 0) >= 100_000), 'balances in the cache');
    const master = w.sim.account('master');
    master.setBalance(100_000);

    // A deterministic mix of opens, partial and full closes.
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const open: number[] = [];
    const step = (i: number): void => {
      const positions = master.positions();
      if (open.length < 3 || (open.length < 12 && rnd() < 0.6)) {
        const p = PLAN[i % PLAN.length] ?? PLAN[0];
        const volume = round(0.1 * (1 + Math.floor(rnd() * 4)));
        const r = master.send({ symbol: p?.symbol ?? 'EURUSD', operation: p?.operation ?? 'Buy', volume });
        expect(r.success).toBe(true);
        open.push(r.order);
        return;
      }
      const ticket = open[Math.floor(rnd() * open.length)] ?? 0;
      const row = positions.find((r) => r.ticket === ticket);
      if (row && row.lots >= 0.2 && rnd() < 0.4) {
        expect(master.close(ticket, 0.1).success).toBe(true);
      } else {
        expect(master.close(ticket).success).toBe(true);
        open.splice(open.indexOf(ticket), 1);
      }
    };

    for (let i = 0; i < 25; i++) step(i);
    await w.engine.idle();
    await waitFor(() => w.engine.metrics.eventsProcessed >= 25, 'first half copied');
    const reconciledBefore = w.events.filter((e) => e.type === 'reconciled').length;

    // The master's socket drops; the second half happens while it is down (its trade frames are lost).
    expect(master.dropConnections()).toBeGreaterThan(0);
    const gapStart = master.positions().map((p) => p.ticket);
    for (let i = 25; i < 50; i++) step(i);
    const openedInGap = master.positions().filter((p) => !gapStart.includes(p.ticket));

    const isConnectRun = (e: CopierEvent): boolean => e.type === 'reconciled' && e.trigger === 'connect';
    await waitFor(() => w.events.filter((e) => e.type === 'reconciled').length > reconciledBefore && w.events.some(isConnectRun), 'reconnect reconciliation', 10_000);
    await w.engine.idle();
    expectMatching(w);
    const again = await w.engine.control.reconcile({ apply: false });
    expect(again.followers.flatMap((f) => f.actions)).toEqual([]);

    // Live copying goes on, also for a position first seen after the gap: a partial close stays partial.
    const target = openedInGap.find((p) => p.lots >= 0.2) ?? master.positions().find((p) => p.lots >= 0.2);
    expect(target).toBeDefined();
    const before = w.events.length;
    master.close(target?.ticket ?? 0, 0.1);
    await waitFor(() => w.events.slice(before).some((e) => e.type === 'copied' && e.event.ticket === target?.ticket), 'gap position partial close copied');
    await w.engine.idle();
    await waitFor(() => {
      try {
        expectMatching(w);
        return true;
      } catch {
        return false;
      }
    }, 'followers match after the partial close');
    expectMatching(w);
  });
});

/**
 * Contract anomalies end to end on the simulator: frames the FxSocket contract does not describe, and a master ticket
 * that changes without a deal, reach the chat as one `contract_anomaly` event per (account, kind, ticket), and the
 * copier does nothing about them: no copy, no close, no ledger change. The simulator is faithful, so the odd frames
 * are put on its sockets through its hub (`sim.internals.hub.publish`), exactly as a bridge would send them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CopierEvent } from '../../../src/engine/events.js';
import type { OpenedOrder } from '../../../src/sim/index.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';
import { copiedOf, copiesOn, startWorld, suiteVariant, waitCopied, waitFor } from './harness.js';
import type { World } from './harness.js';

type Anomaly = Extract<CopierEvent, { type: 'contract_anomaly' }>;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const anomaliesOf = (w: World): Anomaly[] => w.events.filter((e): e is Anomaly => e.type === 'contract_anomaly');

/** Sends a raw frame to the account's sockets subscribed to `key` (`positions`, `terminal`, `account`, …). */
function inject(w: World, accountId: string, key: string, frame: string): void {
  w.sim.internals.hub.publish(accountId, key, frame);
}

/** The master's rows as a positions frame, with `from` renumbered to `to` (comment cleared, as a rewriting bridge would). */
function renumbered(rows: OpenedOrder[], from: number, to: number): string {
  return JSON.stringify({ type: 'positions', data: rows.map((r) => (r.ticket === from ? { ...r, ticket: to, comment: '' } : r)) });
}

describe('engine: contract anomalies', () => {
  it('unknown and unreadable frames alert once per account and kind, and change nothing', async () => {
    world = await startWorld({ follow: ['apex'], engine: { anomalyGraceMs: 150 } });
    const w = world;
    const master = w.sim.account('master');
    const opened = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, opened.order, 'open');
    await w.engine.idle();
    const copiesBefore = copiesOn(w, 'apex');
    const copiedBefore = w.events.filter((e) => e.type === 'copied').length;
    const linksBefore = structuredClone(w.engine.runtime.ledger.all());

    inject(w, w.ids.master, 'terminal', rawFixture('anomaly/order-update.json'));
    inject(w, w.ids.master, 'terminal', rawFixture('anomaly/order-update.json'));
    inject(w, w.ids.master, 'terminal', rawFixture('ws/unknown-type.json'));
    // A positions frame without its list: never read as "no positions" (that would close every copy).
    inject(w, w.ids.master, 'positions', rawFixture('anomaly/positions-object-data.json'));
    inject(w, w.ids.apex, 'account', rawFixture('anomaly/order-update.json'));
    await waitFor(() => anomaliesOf(w).length >= 3 && w.engine.runtime.anomalies.stats().repeated >= 2, 'the anomalies and their repeats');

    expect(
      anomaliesOf(w)
        .map((a) => [a.accountId, a.role, a.kind, a.ticket])
        .sort(),
    ).toEqual(
      [
        [w.ids.master, 'master', 'malformed_frame', null],
        [w.ids.master, 'master', 'unknown_frame', null],
        [w.ids.apex, 'follower', 'unknown_frame', null],
      ].sort(),
    );
    const masterUnknown = anomaliesOf(w).find((a) => a.accountId === w.ids.master && a.kind === 'unknown_frame');
    expect(masterUnknown?.accountName).toBe(w.engine.runtime.accountName(w.ids.master));
    expect(masterUnknown?.detail).toContain('"order_update"');
    expect(w.engine.runtime.anomalies.stats()).toEqual({ reported: 3, repeated: 2 });

    // Nothing acted on: no copy event, the follower's copy and the ledger as they were, the master still tracked.
    await w.engine.idle();
    expect(w.events.filter((e) => e.type === 'copied')).toHaveLength(copiedBefore);
    expect(copiesOn(w, 'apex')).toEqual(copiesBefore);
    expect(w.engine.runtime.ledger.all()).toEqual(linksBefore);
    expect(w.engine.runtime.masters.get(w.ids.master)?.feed.book.positions.has(opened.order)).toBe(true);
    expect((await w.engine.control.reconcile({ apply: false })).followers.flatMap((f) => f.actions)).toEqual([]);
  });

  it('a master ticket renumbered without a deal is reported once and not copied as a new open', async () => {
    world = await startWorld({ follow: ['apex'], engine: { anomalyGraceMs: 150 } });
    const w = world;
    const master = w.sim.account('master');
    // A close and an open of the same symbol and side, with their deals: no anomaly.
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, first.order, 'open');
    expect(master.close(first.order).success).toBe(true);
    const opened = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, first.order, 'close');
    await waitCopied(w, opened.order, 'open');
    await w.engine.idle();
    const copiesBefore = copiesOn(w, 'apex');
    expect(copiesBefore).toHaveLength(1);
    const linksBefore = structuredClone(w.engine.runtime.ledger.all());

    const ghost = opened.order + 900_000;
    const rows = master.positions();
    inject(w, w.ids.master, 'positions', renumbered(rows, opened.order, ghost));
    const report = await waitFor(() => anomaliesOf(w).find((a) => a.kind === 'ticket_changed_without_deal'), 'the ticket-change anomaly');
    expect(report).toMatchObject({ accountId: w.ids.master, role: 'master', ticket: opened.order });
    expect(report.detail).toBe(
      `#${opened.order} (buy 0.1 EURUSD) left the positions list and #${ghost} (buy 0.1 EURUSD) appeared, with no trade frame for either; #${ghost} is not copied as a new open`,
    );

    // Back, and renumbered again: the way back is a change of its own (#ghost left), the repeat is not alerted again.
    inject(w, w.ids.master, 'positions', JSON.stringify({ type: 'positions', data: rows }));
    await waitFor(() => anomaliesOf(w).some((a) => a.ticket === ghost), 'the change back');
    inject(w, w.ids.master, 'positions', renumbered(rows, opened.order, ghost));
    await waitFor(() => w.engine.runtime.anomalies.stats().repeated === 1, 'the repeated change');
    expect(anomaliesOf(w).map((a) => [a.kind, a.ticket])).toEqual([
      ['ticket_changed_without_deal', opened.order],
      ['ticket_changed_without_deal', ghost],
    ]);

    // Not acted on: the renumbered ticket was never copied, the follower's copy and the ledger are untouched.
    await w.engine.idle();
    expect(copiedOf(w, ghost)).toEqual([]);
    expect(copiedOf(w, opened.order).map((e) => e.event.kind)).toEqual(['open']);
    expect(copiesOn(w, 'apex')).toEqual(copiesBefore);
    expect(w.engine.runtime.ledger.all()).toEqual(linksBefore);
  });

  it('an MT4 master partial close (rest under a new ticket, or the ticket kept) is no anomaly', async () => {
    world = await startWorld({ engine: { anomalyGraceMs: 150 } });
    const w = world;
    await w.engine.control.setMaster(w.ids.mt4);
    await w.engine.control.follow(w.ids.apex, w.ids.mt4);
    await w.engine.idle();
    await waitFor(() => w.engine.runtime.followers.get(w.ids.apex)?.summary != null, 'follower cache');
    const master = w.sim.account('mt4-follower');
    const opened = master.send({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.1 });
    await waitCopied(w, opened.order, 'open');
    await w.engine.idle();
    expect(master.close(opened.order, 0.04).success).toBe(true);
    await waitCopied(w, opened.order, 'close');
    await w.engine.idle();
    const rest = master.positions();
    expect(rest.map((r) => r.lots)).toEqual([0.06]);
    expect(rest[0]?.ticket === opened.order).toBe(suiteVariant().mt4PartialClose === 'same_ticket');

    // A renumbering after it is reported after its own grace period: whatever the partial close left is judged by then.
    const live = rest[0]?.ticket ?? 0;
    inject(w, w.ids.mt4, 'positions', renumbered(rest, live, live + 900_000));
    await waitFor(() => anomaliesOf(w).length > 0, 'the renumbering anomaly');
    expect(anomaliesOf(w).map((a) => [a.kind, a.ticket])).toEqual([['ticket_changed_without_deal', live]]);
  });
});

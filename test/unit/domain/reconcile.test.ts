import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CopyLink } from '../../../src/domain/ledger.js';
import type { ReconcileAction, ReconcileFollowerInput, ReconcileInput } from '../../../src/domain/reconcile.js';
import { isClean, reconcile } from '../../../src/domain/reconcile.js';
import { copyComment } from '../../../src/domain/tags.js';
import { partialCloseVolume, roundLots } from '../../../src/domain/volume.js';
import type { OpenedOrder } from '../../../src/domain/trading.js';
import { follower, FOLLOWER, link, MAGIC, MASTER, row, spec, summary } from './fixtures.js';

const NOW = 1_700_000_000_000;

function masterRow(ticket: number, over: Partial<OpenedOrder> = {}): OpenedOrder {
  return row({ ticket, lots: 1, openPrice: 1.1, ...over });
}
function copyRow(followerTicket: number, masterTicket: number, over: Partial<OpenedOrder> = {}): OpenedOrder {
  return row({ ticket: followerTicket, magic: MAGIC, comment: copyComment(MASTER, masterTicket), lots: 1, ...over });
}

function input(master: OpenedOrder[], rows: OpenedOrder[], links: CopyLink[], over: Parameters<typeof follower>[0] = {}, openTimes?: Map<number, number>): ReconcileInput {
  const f: ReconcileFollowerInput = { ...follower({ links, ...over }), rows };
  return {
    now: NOW,
    magic: MAGIC,
    master: { accountId: MASTER, summary: summary(), rows: master, openTimeMs: openTimes ?? new Map(master.map((r) => [r.ticket, NOW - 1_000])) },
    followers: [f],
    limits: { maxAgeMs: 60_000, maxDeviationPoints: 50 },
  };
}

describe('reconcile examples', () => {
  it('clean state gives no actions', () => {
    const r = reconcile(input([masterRow(5001)], [copyRow(9001, 5001)], [link()]));
    expect(r).toEqual({ actions: [], skipped: [] });
    expect(isClean(r)).toBe(true);
  });

  it('open_missing for a fresh master position without a copy', () => {
    const r = reconcile(input([masterRow(5001, { openPrice: 1.10002, stopLoss: 1.09 })], [], []));
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]).toMatchObject({
      action: 'open_missing',
      followerId: FOLLOWER,
      masterTicket: 5001,
      ageMs: 1_000,
      deviationPoints: 0,
      leg: { action: 'open', symbol: 'EURUSD', volume: 1, stopLoss: 1.09, comment: copyComment(MASTER, 5001), magic: MAGIC },
    });
  });

  it('report_stale when too old, moved too far, or the age is unknown', () => {
    const old = reconcile(input([masterRow(5001)], [], [], {}, new Map([[5001, NOW - 120_000]])));
    expect(old.actions).toEqual([
      { action: 'report_stale', followerId: FOLLOWER, masterTicket: 5001, symbol: 'EURUSD', why: 'too_old', ageMs: 120_000, deviationPoints: 2, maxAgeMs: 60_000, maxDeviationPoints: 50 },
    ]);
    const moved = reconcile(input([masterRow(5001, { openPrice: 1.099 })], [], []));
    expect(moved.actions[0]).toMatchObject({ action: 'report_stale', why: 'price_moved', deviationPoints: 102 });
    const unknown = reconcile(input([masterRow(5001)], [], [], {}, new Map()));
    expect(unknown.actions[0]).toMatchObject({ action: 'report_stale', why: 'age_unknown', ageMs: null });
    expect(isClean(old)).toBe(true);
  });

  it('missing pending orders are placed whatever their age', () => {
    const r = reconcile(input([masterRow(7001, { kind: 'Pending', type: 'SellLimit', openPrice: 1.12 })], [], [], {}, new Map()));
    expect(r.actions[0]).toMatchObject({ action: 'open_missing', leg: { action: 'place_pending', operation: 'SellLimit', price: 1.12 } });
  });

  it('filtered or paused followers: the missing copy is a silent skip', () => {
    const r = reconcile(input([masterRow(5001)], [], [], { cfg: (c) => (c.paused = true) }));
    expect(r).toEqual({ actions: [], skipped: [{ followerId: FOLLOWER, masterTicket: 5001, reason: 'paused', detail: { by: 'user' } }] });
  });

  it('close_orphan for a copy whose master position is gone (linked or only tagged)', () => {
    const linked = reconcile(input([], [copyRow(9001, 5001)], [link()]));
    expect(linked.actions).toEqual([
      { action: 'close_orphan', followerId: FOLLOWER, masterTicket: 5001, ticket: 9001, symbol: 'EURUSD', kind: 'position', volume: null, link: link() },
    ]);
    const tagged = reconcile(input([], [copyRow(9002, 5002, { kind: 'Pending', type: 'BuyLimit' })], []));
    expect(tagged.actions[0]).toMatchObject({ action: 'close_orphan', ticket: 9002, kind: 'pending', link: null });
  });

  it('ignores rows without the magic number or a valid tag', () => {
    const r = reconcile(input([], [row({ ticket: 1, magic: MAGIC, comment: 'manual' }), row({ ticket: 2, magic: 1, comment: copyComment(MASTER, 5001) })], []));
    expect(r.actions).toEqual([]);
  });

  it('mark_detached when the follower closed the copy by hand while the master is open; link_closed when both are gone', () => {
    expect(reconcile(input([masterRow(5001)], [], [link()])).actions).toEqual([
      { action: 'mark_detached', followerId: FOLLOWER, masterTicket: 5001, followerTicket: 9001, symbol: 'EURUSD', pending: false },
    ]);
    expect(reconcile(input([], [], [link()])).actions).toEqual([{ action: 'link_closed', followerId: FOLLOWER, masterTicket: 5001, followerTicket: 9001 }]);
  });

  it('never acts on detached links, and never reopens a closed one', () => {
    const r = reconcile(input([masterRow(5001), masterRow(5002)], [], [link({ status: 'detached' }), link({ masterTicket: 5002, followerTicket: 9002, status: 'closed' })]));
    expect(r.actions).toEqual([]);
    // A row still present on a detached link (owner re-tagged?) is left alone even when the master is gone.
    expect(reconcile(input([], [copyRow(9001, 5001)], [link({ status: 'detached' })])).actions).toEqual([]);
  });

  it('adopt a tagged row the ledger does not know', () => {
    const r = reconcile(input([masterRow(5001, { lots: 2 })], [copyRow(9001, 5001, { lots: 0.5, type: 'Sell' })], []));
    expect(r.actions).toEqual([
      {
        action: 'adopt',
        followerId: FOLLOWER,
        link: { masterId: MASTER, masterTicket: 5001, followerId: FOLLOWER, followerTicket: 9001, kind: 'position', followerSymbol: 'EURUSD', masterSymbol: 'EURUSD', side: 'sell', volume: 0.5, masterVolume: 2, openedAt: NOW, status: 'open' },
      },
    ]);
  });

  it('fix_volume reduces after a missed partial close', () => {
    // Link: 0.5 follower for 1.0 master. Master is now 0.4 → target 0.2.
    const r = reconcile(input([masterRow(5001, { lots: 0.4 })], [copyRow(9001, 5001, { lots: 0.5 })], [link({ volume: 0.5, masterVolume: 1 })]));
    expect(r.actions).toEqual([
      { action: 'fix_volume', followerId: FOLLOWER, masterTicket: 5001, symbol: 'EURUSD', current: 0.5, target: 0.2, masterVolume: 0.4, close: [{ ticket: 9001, volume: 0.3 }], open: null, links: [{ followerTicket: 9001, volume: 0.2, masterVolume: 0.4 }] },
    ]);
  });

  it('fix_volume tops up after a missed add, with the master’s stops', () => {
    const r = reconcile(input([masterRow(5001, { lots: 1.5, stopLoss: 1.09 })], [copyRow(9001, 5001, { lots: 0.5, stopLoss: 1.09 })], [link({ volume: 0.5, masterVolume: 1 })]));
    expect(r.actions[0]).toMatchObject({
      action: 'fix_volume',
      current: 0.5,
      target: 0.75,
      close: [],
      open: { action: 'open', volume: 0.25, stopLoss: 1.09, comment: copyComment(MASTER, 5001) },
      links: [{ followerTicket: 9001, volume: 0.5, masterVolume: 1.5 }],
    });
  });

  it('fix_volume tops up no further than sizing the master’s volume now gives (a ledger ratio left off by an unsettled close)', () => {
    // The ledger says 0.27 for 0.2 on the master (ratio 1.35), though sizing is 1:1: a close whose outcome was never
    // settled left it there. The row holds 0.17; topping up to 0.27 would add exposure the rules never asked for.
    const r = reconcile(input([masterRow(5001, { lots: 0.2 })], [copyRow(9001, 5001, { lots: 0.17 })], [link({ volume: 0.27, masterVolume: 0.2 })], { cfg: (c) => { c.sizing = { mode: 'multiplier', multiplier: 1 }; } }));
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]).toMatchObject({ action: 'fix_volume', current: 0.17, target: 0.2, close: [], open: { action: 'open', volume: 0.03 } });
    // At or above what sizing gives, nothing is added.
    const at = reconcile(input([masterRow(5001, { lots: 0.2 })], [copyRow(9001, 5001, { lots: 0.2 })], [link({ volume: 0.27, masterVolume: 0.2 })], { cfg: (c) => { c.sizing = { mode: 'multiplier', multiplier: 1 }; } }));
    expect(at.actions).toEqual([]);
  });

  it('fix_stops sets a copy’s SL/TP to the master’s (a modify missed while down), mapped as the live path maps them', () => {
    const master = masterRow(5001, { stopLoss: 1.09, takeProfit: 1.12 });
    const r = reconcile(input([master], [copyRow(9001, 5001, { stopLoss: 1.08 })], [link()]));
    expect(r.actions).toEqual([
      {
        action: 'fix_stops',
        followerId: FOLLOWER,
        masterTicket: 5001,
        symbol: 'EURUSD',
        kind: 'position',
        leg: { action: 'modify', followerId: FOLLOWER, masterTicket: 5001, ticket: 9001, stopLoss: 1.09, takeProfit: 1.12, reasons: [] },
        was: { price: 1.10002, stopLoss: 1.08, takeProfit: 0 },
      },
    ]);
    // Reversed copies carry the master's TP as their SL.
    const reversed = reconcile(input([master], [copyRow(9001, 5001, { type: 'Sell', stopLoss: 1.12, takeProfit: 1.09 })], [link({ side: 'sell' })], { cfg: (c) => (c.filters.reverse = true) }));
    expect(reversed.actions).toEqual([]);
    // Without SL/TP copying, the copy's levels are its own.
    expect(reconcile(input([master], [copyRow(9001, 5001)], [link()], { cfg: (c) => (c.filters.copySlTp = false) })).actions).toEqual([]);
    // A shared netting row is left alone.
    const shared = [link(), link({ masterId: 'other', masterTicket: 1 })];
    expect(reconcile(input([master], [copyRow(9001, 5001)], shared, { marginMode: 'Netting' })).actions.filter((a) => a.action === 'fix_stops')).toEqual([]);
  });

  it('fix_stops moves a pending copy to the master’s price, keeping its own levels when SL/TP are not copied', () => {
    const master = masterRow(7001, { kind: 'Pending', type: 'BuyLimit', openPrice: 1.095, stopLoss: 1.09 });
    const copy = copyRow(9100, 7001, { kind: 'Pending', type: 'BuyLimit', openPrice: 1.097, stopLoss: 1.09 });
    const pendingLink = link({ masterTicket: 7001, followerTicket: 9100, kind: 'pending' });
    expect(reconcile(input([master], [copy], [pendingLink])).actions).toMatchObject([
      { action: 'fix_stops', kind: 'pending', leg: { ticket: 9100, price: 1.095, stopLoss: 1.09, takeProfit: 0 }, was: { price: 1.097 } },
    ]);
    const own = reconcile(input([master], [{ ...copy, stopLoss: 1.085 }], [pendingLink], { cfg: (c) => (c.filters.copySlTp = false) }));
    expect(own.actions).toMatchObject([{ action: 'fix_stops', leg: { price: 1.095, stopLoss: 1.085, takeProfit: 0 } }]);
  });

  it('leaves busy master tickets (a change still on its way through the live path) alone', () => {
    const busy = new Set([5001, 5002, 5003]);
    const base = input(
      [masterRow(5001), masterRow(5002, { lots: 2, stopLoss: 1.05 })],
      [copyRow(9002, 5002), copyRow(9003, 5003)],
      [link({ masterTicket: 5002, followerTicket: 9002 }), link({ masterTicket: 5003, followerTicket: 9003 })],
    );
    // Without `busy`: open 5001, fix 5002's volume and stops, close the orphan copy of 5003.
    expect(reconcile(base).actions.map((a) => a.action).sort()).toEqual(['close_orphan', 'fix_stops', 'fix_volume', 'open_missing']);
    const r = reconcile({ ...base, master: { ...base.master, busy } });
    expect(r.actions).toEqual([]);
    // An untagged-by-the-ledger row of a busy ticket is still adopted: that only records what exists.
    const adopt = input([masterRow(5001)], [copyRow(9001, 5001)], []);
    expect(reconcile({ ...adopt, master: { ...adopt.master, busy } }).actions.map((a) => a.action)).toEqual(['adopt']);
  });

  it('a top-up that the rules forbid is a skip, not an action', () => {
    const r = reconcile(input([masterRow(5001, { lots: 1.5 })], [copyRow(9001, 5001, { lots: 0.5 })], [link({ volume: 0.5, masterVolume: 1 })], { cfg: (c) => (c.risk.closeOnly = true) }));
    expect(r).toEqual({ actions: [], skipped: [{ followerId: FOLLOWER, masterTicket: 5001, reason: 'close_only', detail: {} }] });
  });

  it('differences under one step are not drift', () => {
    const r = reconcile(input([masterRow(5001, { lots: 0.33 })], [copyRow(9001, 5001, { lots: 0.1 })], [link({ volume: 0.1, masterVolume: 0.33 })]));
    expect(r.actions).toEqual([]);
  });

  it('a copy the live path left larger by a close smaller than one step is not drift (issue 13: 0.1 lots, step 0.1, master halved)', () => {
    const coarse = new Map([['EURUSD', spec('EURUSD', { volumeMin: 0.1, volumeStep: 0.1 })]]);
    const r = reconcile(input([masterRow(5001, { lots: 0.05 })], [copyRow(9001, 5001, { lots: 0.1 })], [link({ volume: 0.1, masterVolume: 0.1 })], { specs: coarse }));
    expect(r.actions).toEqual([]);
    // Off by one whole step or more it is drift, and a rest below the minimum takes the whole copy, as a partial close does.
    const far = reconcile(input([masterRow(5001, { lots: 0.1 })], [copyRow(9001, 5001, { lots: 0.3 })], [link({ volume: 0.3, masterVolume: 0.3 })], { specs: coarse }));
    expect(far.actions).toEqual([expect.objectContaining({ action: 'fix_volume', current: 0.3, target: 0.1, close: [{ ticket: 9001, volume: 0.2 }] })]);
    const minAboveStep = new Map([['EURUSD', spec('EURUSD', { volumeMin: 0.1, volumeStep: 0.05 })]]);
    const belowMin = reconcile(input([masterRow(5001, { lots: 0.04 })], [copyRow(9001, 5001, { lots: 0.2 })], [link({ volume: 0.2, masterVolume: 0.4 })], { specs: minAboveStep }));
    expect(belowMin.actions).toEqual([expect.objectContaining({ action: 'fix_volume', current: 0.2, target: 0, close: [{ ticket: 9001, volume: null }] })]);
  });

  it('netting: a share the live path kept through a close below one step is not closed', () => {
    const coarse = new Map([['EURUSD', spec('EURUSD', { volumeMin: 0.1, volumeStep: 0.1 })]]);
    const links = [link({ volume: 0.1, masterVolume: 0.1 }), link({ masterId: 'other', masterTicket: 1, volume: 0.2 })];
    const r = reconcile(input([masterRow(5001, { lots: 0.05 })], [copyRow(9001, 5001, { lots: 0.3 })], links, { specs: coarse, marginMode: 'Netting' }));
    expect(r.actions).toEqual([]);
  });

  it('netting: an orphan share on the other side of the net is closed by an order against it, not by ticket', () => {
    // Net sell 0.1 = a buy share of 0.4 (master 5001, gone) and a sell share of 0.5 (master 1 of another master).
    const links = [link({ volume: 0.4, side: 'buy' }), link({ masterId: 'other', masterTicket: 1, volume: 0.5, side: 'sell' })];
    const r = reconcile(input([], [copyRow(9001, 5001, { type: 'Sell', lots: 0.1 })], links, { marginMode: 'Netting' }));
    expect(r.actions).toMatchObject([
      {
        action: 'fix_volume',
        masterTicket: 5001,
        current: 0.4,
        target: 0,
        close: [],
        open: { action: 'open', operation: 'Sell', side: 'sell', volume: 0.4, offsets: [{ followerTicket: 9001, volumeBefore: 0.4, volumeAfter: 0, masterVolumeAfter: 0 }] },
        links: [{ followerTicket: 9001, volume: 0, masterVolume: 0 }],
      },
    ]);
  });

  it('netting: shares that cancel out leave no position, which is not a copy closed by hand', () => {
    // Master 5001 bought 0.3, master 1 (another master) sold 0.3: the netting follower is flat, its row gone.
    const links = [link({ volume: 0.3, side: 'buy' }), link({ masterId: 'other', masterTicket: 1, volume: 0.3, side: 'sell' })];
    expect(reconcile(input([masterRow(5001, { lots: 0.3 })], [], links, { marginMode: 'Netting' })).actions).toEqual([]);
    // Master 5001 is gone: its buy share comes out with a sell, which brings back the other master's sell exposure.
    const r = reconcile(input([], [], links, { marginMode: 'Netting' }));
    expect(r.actions).toMatchObject([{ action: 'fix_volume', masterTicket: 5001, target: 0, open: { operation: 'Sell', volume: 0.3, offsets: [{ volumeAfter: 0 }] } }]);
    // On a hedging follower a missing row is still a copy closed by hand.
    expect(reconcile(input([masterRow(5001, { lots: 0.3 })], [], links)).actions.map((a) => a.action)).toEqual(['mark_detached']);
  });

  it('a row with a leg being settled (busyRows) is left alone: its shares are neither detached, fixed nor closed', () => {
    // The row is gone and the ledger's shares (buy 0.7 here, sell 0.3 of another master) do not cancel out: a close of
    // the buy share executed, but its outcome is still being settled, so the ledger has not caught up yet.
    const links = [link({ volume: 0.7, side: 'buy' }), link({ masterId: 'other', masterTicket: 1, volume: 0.3, side: 'sell' })];
    const waiting = reconcile(input([masterRow(5001, { lots: 0.3 })], [], links, { marginMode: 'Netting' }));
    expect(waiting.actions.map((a) => a.action)).toEqual(['mark_detached']);
    const f = { ...input([masterRow(5001, { lots: 0.3 })], [], links, { marginMode: 'Netting' }) };
    const busy = reconcile({ ...f, followers: f.followers.map((x) => ({ ...x, busyRows: new Set([9001]) })) });
    expect(busy.actions).toEqual([]);
    // A tagged row of a gone master is not closed as an orphan while a leg on it is being settled either.
    const tagged = input([], [copyRow(9002, 5002)], []);
    expect(reconcile(tagged).actions.map((a) => a.action)).toEqual(['close_orphan']);
    expect(reconcile({ ...tagged, followers: tagged.followers.map((x) => ({ ...x, busyRows: new Set([9002]) })) }).actions).toEqual([]);
  });

  it('netting: an orphan share of a shared position closes only that share', () => {
    const links = [link({ volume: 0.2 }), link({ masterId: 'other', masterTicket: 1, volume: 0.3 })];
    const r = reconcile(input([], [copyRow(9001, 5001, { lots: 0.5 })], links, { marginMode: 'Netting' }));
    expect(r.actions).toEqual([{ action: 'close_orphan', followerId: FOLLOWER, masterTicket: 5001, ticket: 9001, symbol: 'EURUSD', kind: 'position', volume: 0.2, link: links[0] }]);
  });

  it('only followers of the master are reconciled', () => {
    const i = input([masterRow(5001)], [], []);
    const f = i.followers[0]!;
    const r = reconcile({ ...i, followers: [{ ...f, config: { ...f.config, masters: ['x'] } }] });
    expect(r.actions).toEqual([]);
  });
});

/** A small broker + ledger model that applies reconciliation actions, for the idempotency property. */
interface World {
  master: OpenedOrder[];
  rows: OpenedOrder[];
  links: CopyLink[];
  openTimes: Map<number, number>;
  bid: number;
  ask: number;
  paused: boolean;
}

function toInput(w: World): ReconcileInput {
  const specs = new Map([['EURUSD', spec('EURUSD', { bid: w.bid, ask: w.ask })]]);
  const f: ReconcileFollowerInput = { ...follower({ links: w.links, specs, cfg: (c) => (c.paused = w.paused) }), rows: w.rows };
  return {
    now: NOW,
    magic: MAGIC,
    master: { accountId: MASTER, summary: summary(), rows: w.master, openTimeMs: w.openTimes },
    followers: [f],
    limits: { maxAgeMs: 60_000, maxDeviationPoints: 50 },
  };
}

function apply(w: World, actions: readonly ReconcileAction[]): World {
  let next = 50_000;
  const rows = w.rows.map((r) => ({ ...r }));
  const links = w.links.map((l) => ({ ...l }));
  const masterLots = (t: number): number => w.master.find((m) => m.ticket === t)?.lots ?? 0;
  const closeTicket = (ticket: number, volume: number | null): void => {
    const i = rows.findIndex((r) => r.ticket === ticket);
    if (i < 0) return;
    const r = rows[i]!;
    const left = volume === null ? 0 : Math.round((r.lots - volume) * 100) / 100;
    if (left <= 0) rows.splice(i, 1);
    else r.lots = left;
  };
  const openLeg = (leg: { symbol: string; operation: string; volume: number; comment: string; magic: number; masterTicket: number; side: 'buy' | 'sell'; stopLoss: number; takeProfit: number; price?: number }, pending: boolean): void => {
    const ticket = next++;
    rows.push(row({ ticket, symbol: leg.symbol, type: leg.operation, kind: pending ? 'Pending' : 'Position', lots: leg.volume, magic: leg.magic, comment: leg.comment, stopLoss: leg.stopLoss, takeProfit: leg.takeProfit, ...(pending && leg.price !== undefined ? { openPrice: leg.price } : {}) }));
    links.push(link({ masterTicket: leg.masterTicket, followerTicket: ticket, kind: pending ? 'pending' : 'position', side: leg.side, volume: leg.volume, masterVolume: masterLots(leg.masterTicket) }));
  };
  const setLink = (pred: (l: CopyLink) => boolean, patch: Partial<CopyLink>): void => {
    for (const l of links) if (pred(l)) Object.assign(l, patch);
  };
  for (const a of actions) {
    switch (a.action) {
      case 'open_missing':
        openLeg(a.leg, a.leg.action === 'place_pending');
        break;
      case 'report_stale':
        break;
      case 'close_orphan':
        closeTicket(a.ticket, a.volume);
        if (a.link !== null) setLink((l) => l.followerTicket === a.link?.followerTicket && l.masterTicket === a.link.masterTicket, { status: 'closed' });
        break;
      case 'fix_volume':
        for (const c of a.close) closeTicket(c.ticket, c.volume);
        for (const u of a.links) setLink((l) => l.followerTicket === u.followerTicket && l.status === 'open', { volume: u.volume, masterVolume: u.masterVolume, ...(u.volume === 0 ? { status: 'closed' as const } : {}) });
        if (a.open !== null) openLeg(a.open, false);
        break;
      case 'fix_stops': {
        const r = rows.find((x) => x.ticket === a.leg.ticket);
        if (r !== undefined) {
          if (a.leg.stopLoss !== undefined) r.stopLoss = a.leg.stopLoss;
          if (a.leg.takeProfit !== undefined) r.takeProfit = a.leg.takeProfit;
          if (a.leg.price !== undefined) r.openPrice = a.leg.price;
        }
        break;
      }
      case 'mark_detached':
        setLink((l) => l.followerTicket === a.followerTicket && l.masterTicket === a.masterTicket && l.status === 'open', { status: 'detached' });
        break;
      case 'link_closed':
        setLink((l) => l.followerTicket === a.followerTicket && l.masterTicket === a.masterTicket && l.status === 'open', { status: 'closed' });
        break;
      case 'adopt':
        links.push({ ...a.link });
        break;
    }
  }
  return { ...w, rows, links };
}

/** Per master ticket, one of the situations a follower can be in. */
type Situation = 'none' | 'synced' | 'untracked' | 'gone' | 'detached' | 'closed' | 'drift';

const worldArb: fc.Arbitrary<World> = fc
  .record({
    masters: fc.array(
      fc.record({
        ticket: fc.integer({ min: 1, max: 40 }),
        inMaster: fc.boolean(),
        pending: fc.boolean(),
        lots: fc.integer({ min: 1, max: 300 }),
        followerLots: fc.integer({ min: 1, max: 300 }),
        linkMasterLots: fc.integer({ min: 1, max: 300 }),
        situation: fc.constantFrom<Situation>('none', 'synced', 'untracked', 'gone', 'detached', 'closed', 'drift'),
        age: fc.constantFrom(1_000, 120_000, -1),
        side: fc.constantFrom('Buy', 'Sell'),
        stopLoss: fc.constantFrom(0, 1.05),
        copyStopLoss: fc.constantFrom(0, 1.05, 1.04),
      }),
      { maxLength: 8 },
    ),
    manual: fc.array(fc.record({ magic: fc.constantFrom(0, MAGIC), comment: fc.constantFrom('', 'manual', 'fxm:zzzzzzz:1:00') }), { maxLength: 3 }),
    bid: fc.constantFrom(1.1, 1.2),
    paused: fc.boolean(),
  })
  .map(({ masters, manual, bid, paused }) => {
    const seen = new Set<number>();
    const w: World = { master: [], rows: [], links: [], openTimes: new Map(), bid, ask: bid + 0.00002, paused };
    let ft = 9000;
    for (const m of masters) {
      if (seen.has(m.ticket)) continue;
      seen.add(m.ticket);
      const kind = m.pending ? 'Pending' : 'Position';
      const type = m.pending ? `${m.side}Limit` : m.side;
      if (m.inMaster) {
        w.master.push(row({ ticket: 5000 + m.ticket, lots: m.lots / 100, kind, type, openPrice: 1.1, stopLoss: m.stopLoss }));
        if (m.age >= 0) w.openTimes.set(5000 + m.ticket, NOW - m.age);
      }
      const mt = 5000 + m.ticket;
      const fticket = ft++;
      const lots = m.situation === 'drift' ? m.followerLots / 100 : m.lots / 100;
      const copy = row({ ticket: fticket, lots, kind, type, magic: MAGIC, comment: copyComment(MASTER, mt), stopLoss: m.copyStopLoss });
      const l = link({ masterTicket: mt, followerTicket: fticket, kind: m.pending ? 'pending' : 'position', side: m.side === 'Buy' ? 'buy' : 'sell', volume: lots, masterVolume: m.situation === 'drift' ? m.linkMasterLots / 100 : m.lots / 100 });
      switch (m.situation) {
        case 'none':
          break;
        case 'synced':
        case 'drift':
          w.rows.push(copy);
          w.links.push(l);
          break;
        case 'untracked':
          w.rows.push(copy);
          break;
        case 'gone':
          w.links.push(l);
          break;
        case 'detached':
          w.links.push({ ...l, status: 'detached' });
          break;
        case 'closed':
          w.links.push({ ...l, status: 'closed' });
          break;
      }
    }
    manual.forEach((m, i) => w.rows.push(row({ ticket: 100 + i, magic: m.magic, comment: m.comment })));
    return w;
  });

describe('reconcile properties', () => {
  it('agrees with the live path: after any partial close planned by partialCloseVolume, the copy is not drift', () => {
    fc.assert(
      fc.property(
        fc.constantFrom({ min: 0.01, step: 0.01 }, { min: 0.1, step: 0.1 }, { min: 0.1, step: 0.01 }, { min: 1, step: 1 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 99 }),
        (grid, copySteps, masterSteps, closePct) => {
          const copyLots = roundLots(Math.max(grid.min, copySteps * grid.step));
          const masterLots = roundLots(masterSteps * 0.01);
          const closed = roundLots(Math.floor((masterSteps * closePct) / 100) * 0.01);
          fc.pre(closed > 0 && closed < masterLots);
          const s = spec('EURUSD', { volumeMin: grid.min, volumeStep: grid.step });
          const p = partialCloseVolume(copyLots, closed / masterLots, s);
          fc.pre(!p.whole);
          // The ledger after the live path: the copy's new volume; the master volume moves on even when nothing closed.
          const after = roundLots(copyLots - p.volume);
          const l = link({ volume: after, masterVolume: p.volume === 0 ? masterLots : roundLots(masterLots - closed) });
          const r = reconcile(input([masterRow(5001, { lots: roundLots(masterLots - closed) })], [copyRow(9001, 5001, { lots: after })], [l], { specs: new Map([['EURUSD', s]]) }));
          expect(r.actions).toEqual([]);
        },
      ),
    );
  });

  it('is idempotent: applying its actions yields a clean second run', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const first = reconcile(toInput(w));
        const after = apply(w, first.actions);
        const second = reconcile(toInput(after));
        expect(second.actions.filter((a) => a.action !== 'report_stale')).toEqual([]);
        expect(isClean(second)).toBe(true);
        // And a third run is identical to the second (stable).
        expect(reconcile(toInput(apply(after, second.actions)))).toEqual(second);
      }),
      { numRuns: 2_000 },
    );
  });

  it('is deterministic and never touches detached links or untagged rows', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const a = reconcile(toInput(w));
        expect(reconcile(toInput(w))).toEqual(a);
        const detachedTickets = new Set(w.links.filter((l) => l.status === 'detached').map((l) => l.followerTicket));
        const copies = new Set(w.rows.filter((r) => r.magic === MAGIC && r.comment.startsWith('fxm:') && r.ticket >= 9000).map((r) => r.ticket));
        for (const act of a.actions) {
          const tickets =
            act.action === 'close_orphan' ? [act.ticket] : act.action === 'fix_volume' ? act.close.map((c) => c.ticket) : act.action === 'mark_detached' || act.action === 'link_closed' ? [act.followerTicket] : [];
          for (const t of tickets) {
            expect(detachedTickets.has(t)).toBe(false);
            if (act.action !== 'mark_detached' && act.action !== 'link_closed') expect(copies.has(t)).toBe(true);
          }
          if (act.action === 'open_missing' || (act.action === 'fix_volume' && act.open !== null)) expect(w.paused).toBe(false);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

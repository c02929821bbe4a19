/**
 * Reconciliation diff (design.md §3, Reconciliation), pure: the master's open rows against each follower's tagged
 * copies and the ledger. Produces actions with the numbers for the report; the engine executes them and the store
 * applies the link changes. Running it again on the resulting state yields no changing action.
 *
 * Decisions where the contract is silent:
 * - A master position is "missing" on a follower only when the follower has NO link for it at all (open, detached or
 *   closed) and no tagged row: a closed link while the master is still open means the copy was closed on purpose
 *   (e.g. a remainder below the minimum), so it is never reopened.
 * - Drift is measured against the ledger's ratio (`link.volume ÷ link.masterVolume × master lots now`), not by sizing
 *   again: sizing by balance or equity moves with the account and would "fix" every copy on every run. Sizing is the
 *   fallback when the link has no master volume. Shared netting positions are not drift-checked.
 * - Missing pending orders are placed regardless of age (nothing has filled yet); missing positions must be fresh.
 * - Intentional skips (filters, pause, margin) of a missing copy are listed in `skipped`, not reported as actions.
 * - SL/TP of a position copy and price/SL/TP of a pending copy follow the master's (mapped as the live path maps
 *   them): a modification missed while the copier was down is applied here. Shared netting rows are left alone.
 * - Master tickets in `master.busy` (a change the stream reported but the copier has not applied yet, or the stream
 *   and the read disagree) are left alone: the live path is about to apply that change, and doing it here as well
 *   would apply it twice. Adopting a tagged row is still done (it only records what exists). Follower rows in a
 *   follower's `busyRows` (a leg on them is being settled) are left alone entirely.
 */
import { splitFromComment } from './detect.js';
import type { CopyLink } from './ledger.js';
import type { FollowerPlanInput, LegPlan, PlanContext, CloseTicket } from './plan.js';
import { offsetOrder, planOpen, planPendingPlace, roundPrice } from './plan.js';
import type { ReasonCode } from './reasons.js';
import { checkCloseOnly, checkMargin, checkPaused, checkTradeMode, deviationPoints, mapStops, oppositeSide } from './rules.js';
import { sizeVolume } from './sizing.js';
import type { AliasTable } from './symbols.js';
import { copyComment, isCopyOf, parseCopyComment } from './tags.js';
import type { AccountSummary, OpenedOrder, SymbolSpec } from './trading.js';
import { sideOf } from './trading.js';
import { lotsToStepsFloor, lotsToStepsRound, normalizeVolume, roundLots, stepsToLots, volumeGrid } from './volume.js';
import type { VolumeGrid } from './volume.js';

type Detail = Record<string, number | string>;

/** A follower as reconciliation sees it: the planner's input plus its open rows. */
export interface ReconcileFollowerInput extends FollowerPlanInput {
  /** Every open row of the follower (`/OpenedOrders` or the `positions` topic); non-copies are ignored. */
  rows: readonly OpenedOrder[];
  /**
   * Follower tickets with a leg whose outcome is still being settled (any master): every link on them is left alone
   * this run. Their row may already show the order's effect while the ledger does not, and on a netting row that
   * mismatch looks like shares closed by hand.
   */
  busyRows?: ReadonlySet<number>;
}

/** Inputs of one reconciliation run for one master. */
export interface ReconcileInput {
  now: number;
  magic: number;
  master: {
    accountId: string;
    summary: AccountSummary | null;
    paused?: boolean;
    /** The master's open rows: positions and pending orders. */
    rows: readonly OpenedOrder[];
    /** Master ticket → open time in epoch ms (the row's server-time `openTime` converted by the caller). */
    openTimeMs: ReadonlyMap<number, number>;
    /** Master tickets with a change still on its way through the live path: not touched this run. */
    busy?: ReadonlySet<number>;
  };
  followers: readonly ReconcileFollowerInput[];
  limits: {
    /** A missing copy of a position older than this is reported, not opened. */
    maxAgeMs: number;
    /** A missing copy whose follower price is more than this many points worse than the master's open is reported. */
    maxDeviationPoints: number;
  };
  aliases?: AliasTable;
}

export type OpenLeg = Extract<LegPlan, { action: 'open' }>;
export type PendingLeg = Extract<LegPlan, { action: 'place_pending' }>;
export type ModifyLeg = Extract<LegPlan, { action: 'modify' }>;

/** One thing reconciliation found, with what to do about it. */
export type ReconcileAction =
  /** A fresh master position or pending order without a copy: send `leg`. */
  | { action: 'open_missing'; followerId: string; masterTicket: number; leg: OpenLeg | PendingLeg; ageMs: number | null; deviationPoints: number | null }
  /** A master position without a copy that is too old or has moved too far: tell the user, send nothing. */
  | {
      action: 'report_stale';
      followerId: string;
      masterTicket: number;
      symbol: string;
      why: 'too_old' | 'price_moved' | 'age_unknown';
      ageMs: number | null;
      deviationPoints: number | null;
      maxAgeMs: number;
      maxDeviationPoints: number;
    }
  /** A follower copy whose master position or order is gone: close (or delete) it; `volume: null` = whole. */
  | {
      action: 'close_orphan';
      followerId: string;
      masterTicket: number;
      ticket: number;
      symbol: string;
      kind: 'position' | 'pending';
      volume: number | null;
      /** The link to mark closed, if the ledger had one. */
      link: CopyLink | null;
    }
  /** Follower volume differs from the target by at least one step: close `close` or open `open`, then set the links. */
  | {
      action: 'fix_volume';
      followerId: string;
      masterTicket: number;
      symbol: string;
      current: number;
      target: number;
      masterVolume: number;
      close: CloseTicket[];
      open: OpenLeg | null;
      /** New `volume`/`masterVolume` of the links after the fix (by follower ticket). */
      links: { followerTicket: number; volume: number; masterVolume: number }[];
    }
  /** A copy's SL/TP (or pending price) differs from the master's: send `leg` (absolute values). */
  | {
      action: 'fix_stops';
      followerId: string;
      masterTicket: number;
      symbol: string;
      kind: 'position' | 'pending';
      leg: ModifyLeg;
      /** The copy's levels before. */
      was: { price: number; stopLoss: number; takeProfit: number };
    }
  /** The ledger's copy is gone from the follower while the master is open: the owner closed it; never reopen. */
  | {
      action: 'mark_detached';
      followerId: string;
      masterTicket: number;
      followerTicket: number;
      symbol: string;
      /** The copy was a pending order: it left the follower unfilled (cancelled by the broker, e.g. no margin when it triggered, or deleted by hand). */
      pending: boolean;
    }
  /** A tagged follower row the ledger does not know: add this link (rebuilds state from the broker alone). */
  | { action: 'adopt'; followerId: string; link: CopyLink }
  /** The ledger's copy and the master position are both gone: close the link. */
  | { action: 'link_closed'; followerId: string; masterTicket: number; followerTicket: number };

export type ReconcileActionKind = ReconcileAction['action'];

/** A missing copy that the planner would skip anyway (filtered, paused, margin…): not an action. */
export interface ReconcileSkip {
  followerId: string;
  masterTicket: number;
  reason: ReasonCode;
  detail: Detail;
}

export interface ReconcileResult {
  actions: ReconcileAction[];
  skipped: ReconcileSkip[];
}

/** True when a result changes nothing (stale reports alone are not changes). */
export function isClean(result: ReconcileResult): boolean {
  return result.actions.every((a) => a.action === 'report_stale');
}

const isPendingRow = (r: OpenedOrder): boolean => r.kind === 'Pending';

/** Runs the diff for every follower of the master, in input order. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const result: ReconcileResult = { actions: [], skipped: [] };
  for (const f of input.followers) {
    if (!f.config.masters.includes(input.master.accountId)) continue;
    reconcileFollower(input, f, result);
  }
  return result;
}

function reconcileFollower(input: ReconcileInput, f: ReconcileFollowerInput, out: ReconcileResult): void {
  const masterId = input.master.accountId;
  const followerId = f.config.accountId;
  const masterRows = new Map(input.master.rows.map((r) => [r.ticket, r] as const));
  const rowByTicket = new Map(f.rows.map((r) => [r.ticket, r] as const));
  const successors = splitSuccessors(input.master.rows);
  const copies = f.rows.filter((r) => isCopyOf(r, input.magic, masterId));
  const ctx: PlanContext = {
    now: input.now,
    magic: input.magic,
    master: { accountId: masterId, summary: input.master.summary, paused: input.master.paused ?? false },
    followers: [f],
    ...(input.aliases === undefined ? {} : { aliases: input.aliases }),
  };

  // Links that claim a follower row: open or detached ones (detached rows are never touched).
  const claimed = new Set(f.links.filter((l) => l.status !== 'closed').map((l) => l.followerTicket));
  const links: CopyLink[] = f.links.filter((l) => l.masterId === masterId);
  const busy = input.master.busy ?? new Set<number>();
  const busyRows = f.busyRows ?? new Set<number>();

  // 1. Tagged rows the ledger does not know: adopt when the master still has it, close otherwise.
  for (const row of copies) {
    if (claimed.has(row.ticket) || busyRows.has(row.ticket)) continue;
    const tag = parseCopyComment(row.comment);
    if (tag === null) continue;
    const master = masterRows.get(liveTicket(tag.masterTicket, masterRows, successors));
    if (master === undefined) {
      if (!busy.has(tag.masterTicket)) out.actions.push(orphan(followerId, tag.masterTicket, row, null, null));
      continue;
    }
    const link: CopyLink = {
      masterId,
      masterTicket: master.ticket,
      followerId,
      followerTicket: row.ticket,
      kind: isPendingRow(row) ? 'pending' : 'position',
      followerSymbol: row.symbol,
      masterSymbol: master.symbol,
      side: sideOf(row.type),
      volume: row.lots,
      masterVolume: master.lots,
      openedAt: input.now,
      status: 'open',
    };
    out.actions.push({ action: 'adopt', followerId, link });
    links.push(link);
  }

  // 2. Open links: detached, closed, orphaned, or live (then drift-checked).
  const live = new Map<number, CopyLink[]>();
  const wholeClosed = new Set<number>();
  for (const l of links) {
    if (l.status !== 'open' || busy.has(l.masterTicket) || busyRows.has(l.followerTicket)) continue;
    const row = rowByTicket.get(l.followerTicket);
    const master = masterRows.get(l.masterTicket);
    if (row === undefined) {
      if (f.marginMode === 'Netting' && l.kind === 'position' && sharesNetFlat(f, l.followerSymbol)) {
        // Shares on both sides that cancel out leave no position on a netting account: nobody closed anything by
        // hand. A share whose master is gone is taken out by an order against it (the others' exposure comes back).
        if (master === undefined) out.actions.push(offsetFix(input, f, l, l.followerSymbol, l.volume, 0));
        continue;
      }
      out.actions.push(
        master === undefined
          ? { action: 'link_closed', followerId, masterTicket: l.masterTicket, followerTicket: l.followerTicket }
          : { action: 'mark_detached', followerId, masterTicket: l.masterTicket, followerTicket: l.followerTicket, symbol: l.followerSymbol, pending: l.kind === 'pending' },
      );
      continue;
    }
    if (master === undefined) {
      // On a netting follower the row may also hold other master positions' shares: close only this link's share,
      // unless every link on the row is an orphan of this master, then the row goes once, whole.
      const others = f.links.filter((o) => o !== l && o.status === 'open' && o.followerTicket === l.followerTicket);
      const allOrphans = others.every((o) => o.masterId === masterId && !masterRows.has(o.masterTicket));
      if (allOrphans && wholeClosed.has(l.followerTicket)) {
        out.actions.push({ action: 'link_closed', followerId, masterTicket: l.masterTicket, followerTicket: l.followerTicket });
      } else if (!allOrphans && !closableByTicket(row, l.side, l.volume)) {
        // A share on the other side of the net (or larger than it): closing by ticket would trade the wrong way.
        out.actions.push(offsetFix(input, f, l, row.symbol, l.volume, 0));
      } else {
        if (allOrphans) wholeClosed.add(l.followerTicket);
        out.actions.push(orphan(followerId, l.masterTicket, row, l, allOrphans ? null : l.volume));
      }
      continue;
    }
    live.set(l.masterTicket, [...(live.get(l.masterTicket) ?? []), l]);
  }
  for (const [masterTicket, group] of [...live.entries()].sort((a, b) => a[0] - b[0])) {
    const master = masterRows.get(masterTicket);
    if (master === undefined) continue;
    driftCheck(input, f, ctx, master, group, rowByTicket, out);
    stopsCheck(f, master, group, rowByTicket, out);
  }

  // 3. Master rows without any link or tagged copy on this follower.
  const known = new Set(links.map((l) => l.masterTicket));
  for (const row of copies) {
    const tag = parseCopyComment(row.comment);
    if (tag !== null) known.add(liveTicket(tag.masterTicket, masterRows, successors));
  }
  for (const master of [...masterRows.values()].sort((a, b) => a.ticket - b.ticket)) {
    if (known.has(master.ticket) || busy.has(master.ticket)) continue;
    missing(input, f, ctx, master, out);
  }
}

/** MT4 partial closes visible in the master's rows: the gone ticket → the ticket its rest reopened under (`from #`). */
export function splitSuccessors(rows: readonly OpenedOrder[]): Map<number, number> {
  const live = new Set(rows.map((r) => r.ticket));
  const out = new Map<number, number>();
  for (const r of rows) {
    const from = r.kind === 'Position' ? splitFromComment(r.comment) : null;
    if (from !== null && !live.has(from)) out.set(from, r.ticket);
  }
  return out;
}

/** The master ticket a copy tagged for `ticket` belongs to now: itself, or the rest of its MT4 partial closes. */
function liveTicket(ticket: number, masterRows: ReadonlyMap<number, OpenedOrder>, successors: ReadonlyMap<number, number>): number {
  let t = ticket;
  for (let hop = 0; hop < 100 && !masterRows.has(t); hop++) {
    const next = successors.get(t);
    if (next === undefined) break;
    t = next;
  }
  return masterRows.has(t) ? t : ticket;
}

function orphan(followerId: string, masterTicket: number, row: OpenedOrder, link: CopyLink | null, volume: number | null): ReconcileAction {
  return {
    action: 'close_orphan',
    followerId,
    masterTicket,
    ticket: row.ticket,
    symbol: row.symbol,
    kind: isPendingRow(row) ? 'pending' : 'position',
    volume,
    link,
  };
}

function missing(input: ReconcileInput, f: ReconcileFollowerInput, ctx: PlanContext, master: OpenedOrder, out: ReconcileResult): void {
  const followerId = f.config.accountId;
  const base = { masterId: input.master.accountId, detectedAt: input.now, symbol: master.symbol, stopLoss: master.stopLoss, takeProfit: master.takeProfit, volume: master.lots, price: master.openPrice };
  if (isPendingRow(master)) {
    const leg = planPendingPlace({ ...base, kind: 'pending_place', eventId: `r${master.ticket}`, order: master.ticket, operation: master.type }, f, ctx);
    if (leg.action === 'place_pending') {
      out.actions.push({ action: 'open_missing', followerId, masterTicket: master.ticket, leg, ageMs: null, deviationPoints: null });
    } else if (leg.action === 'skip') {
      out.skipped.push({ followerId, masterTicket: master.ticket, reason: leg.reason, detail: leg.detail });
    }
    return;
  }
  const leg = planOpen(
    { ...base, kind: 'open', eventId: `r${master.ticket}`, position: master.ticket, deal: 0, side: sideOf(master.type), volumeBefore: 0, fromPendingOrder: null },
    f,
    ctx,
  );
  if (leg.action === 'skip') {
    out.skipped.push({ followerId, masterTicket: master.ticket, reason: leg.reason, detail: leg.detail });
    return;
  }
  if (leg.action !== 'open') return;
  const { maxAgeMs, maxDeviationPoints } = input.limits;
  const openTime = input.master.openTimeMs.get(master.ticket);
  const ageMs = openTime === undefined ? null : input.now - openTime;
  const spec = f.specs.get(leg.symbol);
  const price = spec === undefined ? 0 : leg.side === 'buy' ? spec.ask : spec.bid;
  const dev = spec !== undefined && price > 0 && spec.point > 0 && master.openPrice > 0 ? deviationPoints(leg.side, master.openPrice, price, spec.point) : null;
  const stale = (why: 'too_old' | 'price_moved' | 'age_unknown'): void => {
    out.actions.push({ action: 'report_stale', followerId, masterTicket: master.ticket, symbol: master.symbol, why, ageMs, deviationPoints: dev, maxAgeMs, maxDeviationPoints });
  };
  if (ageMs === null) return stale('age_unknown');
  if (ageMs > maxAgeMs) return stale('too_old');
  // Without a follower quote the move cannot be measured; opening blind could copy at any price.
  if (dev === null || dev > maxDeviationPoints) return stale('price_moved');
  out.actions.push({ action: 'open_missing', followerId, masterTicket: master.ticket, leg, ageMs, deviationPoints: dev });
}

function driftCheck(
  input: ReconcileInput,
  f: ReconcileFollowerInput,
  ctx: PlanContext,
  master: OpenedOrder,
  group: readonly CopyLink[],
  rowByTicket: ReadonlyMap<number, OpenedOrder>,
  out: ReconcileResult,
): void {
  if (isPendingRow(master) || group.some((l) => l.kind !== 'position')) return;
  const rows = [...new Set(group.map((l) => l.followerTicket))].map((t) => rowByTicket.get(t));
  if (rows.some((r) => r === undefined || isPendingRow(r))) return;
  const shared = f.links.some((o) => o.status === 'open' && !group.includes(o) && group.some((l) => l.followerTicket === o.followerTicket));
  const first = group[0];
  if (first === undefined) return;
  const spec: SymbolSpec | undefined = f.specs.get(first.followerSymbol);
  if (spec === undefined) return;
  const grid = volumeGrid(spec);
  if (shared) {
    sharedDrift(input, f, ctx, master, group, spec, rows[0], out);
    return;
  }
  const current = roundLots(rows.reduce((s, r) => s + (r?.lots ?? 0), 0));

  const ideal = driftTarget(f, ctx, master, group, spec);
  if (ideal === null) return;
  const currentSteps = lotsToStepsRound(current, grid);
  let targetSteps = stepsToward(currentSteps, ideal, grid);
  let target = stepsToLots(targetSteps, grid);
  if (targetSteps > currentSteps) {
    // A top-up adds exposure: never past what sizing the master's position now would give. The ledger's ratio can be
    // off when a close's outcome was never settled and a later partial close was planned from the old volume.
    const sized = sizedTarget(f, ctx, master, group, spec);
    if (sized !== null && lotsToStepsRound(sized, grid) < targetSteps) {
      targetSteps = Math.max(currentSteps, lotsToStepsRound(sized, grid));
      target = stepsToLots(targetSteps, grid);
    }
  }
  if (currentSteps === targetSteps) return;

  const followerId = f.config.accountId;
  const masterVolume = master.lots;
  const base = { action: 'fix_volume' as const, followerId, masterTicket: master.ticket, symbol: first.followerSymbol, current, target, masterVolume };
  const sortedRows = (rows as OpenedOrder[]).slice().sort((a, b) => b.ticket - a.ticket);

  if (targetSteps < currentSteps) {
    let toClose = currentSteps - targetSteps;
    const close: CloseTicket[] = [];
    const after = new Map<number, number>();
    for (const r of sortedRows) {
      const have = lotsToStepsRound(r.lots, grid);
      let take = Math.min(have, toClose);
      // A partial close must leave at least the minimum; otherwise leave the minimum and take less here.
      if (take < have && have - take < grid.minSteps) take = Math.max(0, have - grid.minSteps);
      if (take === 0) {
        after.set(r.ticket, have);
        continue;
      }
      close.push({ ticket: r.ticket, volume: take === have ? null : stepsToLots(take, grid) });
      after.set(r.ticket, have - take);
      toClose -= take;
    }
    if (close.length === 0) return;
    out.actions.push({ ...base, close, open: null, links: linkUpdates(group, after, grid, masterVolume) });
    return;
  }

  const cfg = f.config;
  const block = [checkPaused(cfg), checkCloseOnly(cfg.risk), checkTradeMode(spec.tradeMode, { kind: 'open', side: first.side })].find((d) => !d.ok);
  if (block !== undefined && !block.ok) {
    out.skipped.push({ followerId, masterTicket: master.ticket, reason: block.reason, detail: block.detail });
    return;
  }
  if (ctx.master.paused === true) {
    out.skipped.push({ followerId, masterTicket: master.ticket, reason: 'master_paused', detail: {} });
    return;
  }
  const add = normalizeVolume(stepsToLots(targetSteps - currentSteps, grid), spec, 'skip');
  if (!add.ok) {
    out.skipped.push({ followerId, masterTicket: master.ticket, reason: add.reason, detail: add.detail });
    return;
  }
  const perLot = f.marginPerLot.get(first.followerSymbol);
  const margin = checkMargin({
    volume: add.volume,
    marginPerLot: perLot === undefined ? null : perLot[first.side],
    freeMargin: f.summary?.freeMargin ?? null,
    risk: cfg.risk,
    spec,
  });
  if (!margin.ok) {
    out.skipped.push({ followerId, masterTicket: master.ticket, reason: margin.reason, detail: margin.detail });
    return;
  }
  const template = sortedRows[0];
  // The top-up gets the master's levels, as the copy it adds to does (stopsCheck); without SL/TP copying, the copy's own.
  const stops = cfg.filters.copySlTp ? mapStops(cfg.filters, master) : { stopLoss: template?.stopLoss ?? 0, takeProfit: template?.takeProfit ?? 0 };
  const open: OpenLeg = {
    action: 'open',
    followerId,
    masterTicket: master.ticket,
    symbol: first.followerSymbol,
    operation: first.side === 'buy' ? 'Buy' : 'Sell',
    side: first.side,
    volume: margin.volume,
    stopLoss: roundPrice(stops.stopLoss, spec),
    takeProfit: roundPrice(stops.takeProfit, spec),
    comment: copyComment(input.master.accountId, master.ticket),
    magic: input.magic,
    reasons: margin.reasons,
  };
  const after = new Map(sortedRows.map((r) => [r.ticket, lotsToStepsRound(r.lots, grid)] as const));
  out.actions.push({ ...base, close: [], open, links: linkUpdates(group, after, grid, masterVolume) });
}

/**
 * Drift of a master position whose copy is a share of a netting position that other copies share too: the row's
 * volume cannot say what this share holds, so the ledger's share is measured against the target. Only a share that
 * is too large is fixed (a close of the difference from the net position, e.g. a master partial close lost in a
 * reconnect gap); a top-up of a shared position is left to the live copy path.
 */
function sharedDrift(
  input: ReconcileInput,
  f: ReconcileFollowerInput,
  ctx: PlanContext,
  master: OpenedOrder,
  group: readonly CopyLink[],
  spec: SymbolSpec,
  row: OpenedOrder | undefined,
  out: ReconcileResult,
): void {
  const link = group[0];
  if (group.length !== 1 || link === undefined || row === undefined) return;
  const grid = volumeGrid(spec);
  const ideal = driftTarget(f, ctx, master, group, spec);
  if (ideal === null) return;
  const currentSteps = lotsToStepsRound(link.volume, grid);
  const rowSteps = lotsToStepsRound(row.lots, grid);
  let take = Math.min(currentSteps - stepsToward(currentSteps, ideal, grid), rowSteps);
  if (take <= 0) return;
  // The net position must keep at least the minimum (or go entirely).
  if (take < rowSteps && rowSteps - take < grid.minSteps) take = Math.max(0, rowSteps - grid.minSteps);
  if (take === 0) return;
  const after = currentSteps - take;
  if (!closableByTicket(row, link.side, stepsToLots(take, grid))) {
    out.actions.push(offsetFix(input, f, link, row.symbol, stepsToLots(take, grid), master.lots));
    return;
  }
  out.actions.push({
    action: 'fix_volume',
    followerId: f.config.accountId,
    masterTicket: master.ticket,
    symbol: link.followerSymbol,
    current: link.volume,
    target: stepsToLots(after, grid),
    masterVolume: master.lots,
    close: [{ ticket: row.ticket, volume: take === rowSteps ? null : stepsToLots(take, grid) }],
    open: null,
    links: [{ followerTicket: row.ticket, volume: stepsToLots(Math.max(0, after), grid), masterVolume: master.lots }],
  });
}

/**
 * SL/TP (and a pending copy's price) against the master's, mapped and rounded as the live path does. Rows shared with
 * other links (netting) and copies made without SL/TP (`copySlTp` off) are not touched.
 */
function stopsCheck(
  f: ReconcileFollowerInput,
  master: OpenedOrder,
  group: readonly CopyLink[],
  rowByTicket: ReadonlyMap<number, OpenedOrder>,
  out: ReconcileResult,
): void {
  const masterPending = isPendingRow(master);
  const filters = f.config.filters;
  for (const followerTicket of [...new Set(group.map((l) => l.followerTicket))].sort((a, b) => a - b)) {
    const row = rowByTicket.get(followerTicket);
    const link = group.find((l) => l.followerTicket === followerTicket);
    if (row === undefined || link === undefined || isPendingRow(row) !== masterPending) continue;
    if (f.links.some((o) => o.status === 'open' && o.followerTicket === followerTicket && !group.includes(o))) continue;
    const spec = f.specs.get(row.symbol);
    const leg: ModifyLeg = { action: 'modify', followerId: f.config.accountId, masterTicket: master.ticket, ticket: followerTicket, reasons: [] };
    let differs = false;
    if (filters.copySlTp) {
      const want = mapStops(filters, master);
      const sl = roundPrice(want.stopLoss, spec);
      const tp = roundPrice(want.takeProfit, spec);
      leg.stopLoss = sl;
      leg.takeProfit = tp;
      differs = sl !== row.stopLoss || tp !== row.takeProfit;
    }
    if (masterPending) {
      const price = roundPrice(master.openPrice, spec);
      leg.price = price;
      differs = differs || price !== row.openPrice;
    }
    if (!differs) continue;
    if (!filters.copySlTp) {
      // Only the price moves: keep the copy's own levels.
      leg.stopLoss = row.stopLoss;
      leg.takeProfit = row.takeProfit;
    }
    out.actions.push({
      action: 'fix_stops',
      followerId: f.config.accountId,
      masterTicket: master.ticket,
      symbol: row.symbol,
      kind: masterPending ? 'pending' : 'position',
      leg,
      was: { price: row.openPrice, stopLoss: row.stopLoss, takeProfit: row.takeProfit },
    });
  }
}

/** True when this follower's live position shares on `symbol` (all masters) cancel out: a flat netting position. */
function sharesNetFlat(f: ReconcileFollowerInput, symbol: string): boolean {
  let net = 0;
  for (const o of f.links) if (o.status === 'open' && o.kind === 'position' && o.followerSymbol === symbol) net += o.side === 'buy' ? o.volume : -o.volume;
  return Math.abs(net) < 1e-9;
}

/** True when `volume` of a `side` share can be closed by ticket: the net row is on that side and holds it. */
function closableByTicket(row: OpenedOrder, side: 'buy' | 'sell', volume: number): boolean {
  return sideOf(row.type) === side && row.lots >= volume - 1e-9;
}

/**
 * Shrinks a netting share by `volume` with an order on the other side (see `offsets` in plan.ts): a `fix_volume`
 * whose open leg closes the share. `masterVolume` is the link's master volume after (0 when the master is gone).
 */
function offsetFix(input: ReconcileInput, f: ReconcileFollowerInput, link: CopyLink, symbol: string, volume: number, masterVolume: number): ReconcileAction {
  const after = roundLots(link.volume - volume);
  const change = { masterTicket: link.masterTicket, followerTicket: link.followerTicket, volumeBefore: link.volume, volumeAfter: after, masterVolumeAfter: after > 0 ? masterVolume : 0 };
  return {
    action: 'fix_volume',
    followerId: f.config.accountId,
    masterTicket: link.masterTicket,
    symbol,
    current: link.volume,
    target: after,
    masterVolume,
    close: [],
    open: offsetOrder(link, volume, input.magic, [change], []),
    links: [{ followerTicket: link.followerTicket, volume: after, masterVolume: after > 0 ? masterVolume : 0 }],
  };
}

/** Link volumes after a fix: each link takes its follower ticket's remaining volume (one link per ticket here). */
function linkUpdates(
  group: readonly CopyLink[],
  afterSteps: ReadonlyMap<number, number>,
  grid: ReturnType<typeof volumeGrid>,
  masterVolume: number,
): { followerTicket: number; volume: number; masterVolume: number }[] {
  return [...afterSteps.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([t]) => group.some((l) => l.followerTicket === t))
    .map(([followerTicket, steps]) => ({ followerTicket, volume: stepsToLots(steps, grid), masterVolume }));
}

/** What the follower should hold for `master` now: the ledger ratio, or sizing when the ratio is unknown. */
/**
 * The volume the copy should have now, off the grid: the ledger's ratio times the master's volume (or sized afresh
 * when a link has no master volume). {@link stepsToward} puts it on the grid the way the live path rounds.
 */
function driftTarget(f: ReconcileFollowerInput, ctx: PlanContext, master: OpenedOrder, group: readonly CopyLink[], spec: SymbolSpec): number | null {
  if (group.every((l) => l.masterVolume > 0)) return group.reduce((s, l) => s + (l.volume * master.lots) / l.masterVolume, 0);
  return sizedTarget(f, ctx, master, group, spec);
}

/**
 * The step count a copy of `currentSteps` is fixed to for the volume it should have (`ideal`), rounded as the live
 * path rounds, so reconciliation only acts on a copy the live path would not have left as it is:
 * - it moves by whole steps toward `ideal`, rounded down: a gap under one step is no drift. A partial close closes
 *   its share rounded down to the step and skips one smaller than a step (close_below_step), so a copy larger than
 *   the ratio by less than a step is what the live path decided. Rounding `ideal` to the grid first closed a correct
 *   0.1-lot copy (step 0.1) of a master halved to 0.05 (issue 13);
 * - a reduction that would leave less than the minimum takes the whole copy, as a partial close does;
 * - an increase stops at the symbol's maximum.
 */
function stepsToward(currentSteps: number, ideal: number, grid: VolumeGrid): number {
  const current = stepsToLots(currentSteps, grid);
  if (!(ideal > 0)) return 0;
  if (ideal < current) {
    const close = lotsToStepsFloor(current - ideal, grid);
    const rest = currentSteps - close;
    return rest > 0 && rest < grid.minSteps ? 0 : rest;
  }
  return Math.max(currentSteps, Math.min(grid.maxSteps, currentSteps + lotsToStepsFloor(ideal - current, grid)));
}

/** The copy's volume sized afresh from the master's volume now (the follower's sizing rule), or null when it cannot be. */
function sizedTarget(f: ReconcileFollowerInput, ctx: PlanContext, master: OpenedOrder, group: readonly CopyLink[], spec: SymbolSpec): number | null {
  const cfg = f.config;
  const first = group[0];
  const masterSide = sideOf(master.type);
  const reversed = first !== undefined && first.side === oppositeSide(masterSide);
  const sized = sizeVolume(
    cfg.sizing,
    {
      masterVolume: master.lots,
      masterSummary: ctx.master.summary,
      followerSummary: f.summary,
      entryPrice: master.openPrice,
      stopLoss: reversed ? master.takeProfit : master.stopLoss,
      followerSpec: spec,
    },
    spec,
    cfg.risk,
  );
  return sized.ok ? sized.volume : null;
}

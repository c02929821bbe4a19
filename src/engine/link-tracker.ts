/**
 * Keeps copy links on the follower tickets they live under now: netting merges, MT4 partial-close splits and
 * triggered pending copies, from the followers' cached rows (re-read only where the cache may be behind).
 */
import type { FollowerConfig } from '../domain/config.js';
import { splitFromComment } from '../domain/detect.js';
import type { MasterBook, MasterSplit } from '../domain/detect.js';
import type { MasterEvent } from '../domain/events.js';
import type { CopyLink } from '../domain/ledger.js';
import type { LegPlan } from '../domain/plan.js';
import { copyComment } from '../domain/tags.js';
import { sideOf } from '../domain/trading.js';
import type { HistoryDeal, OpenedOrder } from '../domain/trading.js';
import type { EventFacts } from './apply-results.js';
import { sleepOn } from './clock.js';
import type { LegExecution } from './executor.js';
import type { FollowerState } from './follower-state.js';
import type { LedgerIndex } from './ledger-index.js';
import type { Clock, Logger } from './ports.js';
import { retryRead } from './retry-read.js';

/** Waits between attempts of a follower history read (a transient 5xx must not make a filled copy look deleted). */
const HISTORY_READ_WAITS_MS = [250, 500, 1_000] as const;

/** What the link tracker reads: follower caches, the ledger, the masters' books. */
export interface LinkTrackerDeps {
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly ledger: LedgerIndex;
  readonly log: Logger;
  readonly clock: Clock;
  /** Magic number on every follower order. */
  readonly magic: number;
  /** The book of a running master, or undefined. */
  masterBook(masterId: string): MasterBook | undefined;
  /** The account's platform, when the account is known. */
  platformOf(accountId: string): string | undefined;
}

/** Retargets links to live tickets and refreshes follower rows where a link may be stale. */
export class LinkTracker {
  constructor(private readonly deps: LinkTrackerDeps) {}

  /** True when the master order has filled: its ticket is a position in the master's book. */
  private readonly masterFilled = (masterId: string, ticket: number): boolean => this.deps.masterBook(masterId)?.positions.has(ticket) === true;

  /**
   * Keeps open links on the follower's live tickets, from its cached rows:
   * - a pending copy that filled is a position copy once the master's order has filled too (the master's ticket is
   *   then a position in its book);
   * - MT4 reopens what a partial close leaves under a new ticket commented `from #<old ticket>`, and the comment tag is
   *   gone from it: the link follows the new ticket, or the rest would look closed by hand;
   * - on a netting account an order merges into the symbol's one position, whose ticket is the first order's; the
   *   ticket a later fill reports is the order's.
   */
  retargetLinks(followerId: string): void {
    const f = this.deps.followers.get(followerId);
    if (!f) return;
    const magic = this.deps.magic;
    const rows = rowsByTicket(f.positions);
    // MT4 split rests by the ticket they came from, built once and only when a link lost its row.
    let splits: Map<number, OpenedOrder> | null = null;
    for (const link of this.deps.ledger.ofFollower(followerId)) {
      if (link.status !== 'open') continue;
      const row = rows.get(link.followerTicket);
      if (link.kind === 'pending') {
        if (row?.kind === 'Position' && this.deps.masterBook(link.masterId)?.positions.has(link.masterTicket)) link.kind = 'position';
        continue;
      }
      if (row) continue;
      if (splits === null) {
        splits = new Map();
        for (const p of f.positions) {
          const from = p.kind === 'Position' && p.magic === magic ? splitFromComment(p.comment) : null;
          if (from !== null) splits.set(from, p);
        }
      }
      const rest = splits.get(link.followerTicket);
      if (rest && rest.symbol === link.followerSymbol) {
        link.followerTicket = rest.ticket;
        continue;
      }
      if (f.marginMode !== 'Netting') continue;
      const net = f.positions.find((p) => p.kind === 'Position' && p.symbol === link.followerSymbol && p.magic === magic);
      if (net) link.followerTicket = net.ticket;
    }
  }

  /**
   * Before a close or SL/TP change: a follower whose copy of a triggered master pending is still a pending link, while
   * its cached row is not yet a position, re-reads its rows (its own fill may be moments old), so the close reaches it.
   */
  async freshenTriggered(event: MasterEvent, followers: readonly FollowerConfig[]): Promise<void> {
    if (event.kind !== 'close' && event.kind !== 'modify') return;
    const withPending: { f: FollowerState; links: CopyLink[] }[] = [];
    for (const cfg of followers) {
      const f = this.deps.followers.get(cfg.accountId);
      if (!f) continue;
      const links = this.deps.ledger.ofMasterOnFollower(event.masterId, event.position, f.id).filter((l) => l.status === 'open' && l.kind === 'pending');
      if (links.length > 0) withPending.push({ f, links });
    }
    if (withPending.length === 0) return;
    const reads = withPending
      .filter(({ f, links }) => links.some((l) => f.positions.find((p) => p.ticket === l.followerTicket)?.kind !== 'Position'))
      .map(({ f }) => f.refreshPositions().catch((e: unknown) => this.deps.log.warn({ followerId: f.id, err: String(e) }, 'follower orders unavailable')));
    if (reads.length > 0) await Promise.all(reads);
    // Still no position under the pending's ticket on a netting account: it may have filled into the net position.
    await Promise.all(withPending.filter(({ f }) => f.marginMode === 'Netting').map(({ f }) => this.resolveNettingFills(f.id, this.masterFilled)));
  }

  /**
   * Before a close on a netting account: another master order's pending copy may have filled into the net row this
   * close trades on (its row is gone, its master order has filled). Until that link is a share of the row, the planner
   * takes the row for this close's alone and closes it by ticket, taking the filled share with it. So, for the netting
   * followers with such a link on a symbol this close touches, the deals decide first (`resolveNettingFills`). No read
   * when there is no such link, the common case.
   */
  async resolveFillsSharingClose(event: MasterEvent, followers: readonly FollowerConfig[]): Promise<void> {
    if (event.kind !== 'close') return;
    const due: string[] = [];
    for (const cfg of followers) {
      const f = this.deps.followers.get(cfg.accountId);
      if (!f || f.marginMode !== 'Netting') continue;
      const symbols = new Set(
        this.deps.ledger
          .ofMasterOnFollower(event.masterId, event.position, f.id)
          .filter((l) => l.status === 'open' && l.kind === 'position')
          .map((l) => l.followerSymbol),
      );
      if (symbols.size === 0) continue;
      const rows = rowsByTicket(f.positions);
      const suspect = this.deps.ledger
        .ofFollower(f.id)
        .some((l) => l.status === 'open' && l.kind === 'pending' && symbols.has(l.followerSymbol) && !rows.has(l.followerTicket) && this.masterFilled(l.masterId, l.masterTicket));
      if (suspect) due.push(f.id);
    }
    if (due.length > 0) await Promise.all(due.map((id) => this.resolveNettingFills(id, this.masterFilled)));
  }

  /**
   * On a netting account a pending copy that triggers merges into the symbol's one position, and when it flattens that
   * position no row is left at all: its ticket never shows as a position, so the link would look like a pending
   * deleted unfilled. For links of master orders that have filled (`masterFilled`) whose row is gone, the follower's
   * deals decide: a deal of that order means it filled, and the link becomes a position share on the net row (or on
   * none, when the account is flat). Read only when such a link exists; a failed read leaves the links as they are.
   */
  async resolveNettingFills(followerId: string, masterFilled: (masterId: string, masterTicket: number) => boolean): Promise<boolean> {
    const f = this.deps.followers.get(followerId);
    if (!f || f.marginMode !== 'Netting') return false;
    const rows = rowsByTicket(f.positions);
    const suspects = this.deps.ledger
      .ofFollower(followerId)
      .filter((l) => l.status === 'open' && l.kind === 'pending' && !rows.has(l.followerTicket) && masterFilled(l.masterId, l.masterTicket));
    if (suspects.length === 0) return false;
    let deals: HistoryDeal[];
    try {
      deals = await retryRead(() => f.terminal.orderHistory(), sleepOn(this.deps.clock), HISTORY_READ_WAITS_MS);
    } catch (error) {
      this.deps.log.warn({ followerId, err: String(error) }, 'follower history unavailable; filled pending copies not checked');
      return false;
    }
    const filledOrders = new Set(deals.filter((d) => d.entry === 'In' || d.entry === 'Out' || d.entry === 'InOut').map((d) => d.order));
    let changed = false;
    for (const link of suspects) {
      if (!filledOrders.has(link.followerTicket)) continue;
      link.kind = 'position';
      // On the net row, or (flat) with the shares it cancelled out, so they are one position to the planner.
      const net = f.positions.find((p) => p.kind === 'Position' && p.symbol === link.followerSymbol);
      const sibling = this.deps.ledger
        .ofFollower(followerId)
        .find((o) => o !== link && o.status === 'open' && o.kind === 'position' && o.followerSymbol === link.followerSymbol);
      const ticket = net?.ticket ?? sibling?.followerTicket;
      if (ticket !== undefined) link.followerTicket = ticket;
      changed = true;
    }
    return changed;
  }

  /**
   * A replayed open or pending placement whose copy is already on the follower under its tag, in no link
   * (`already_copied`): the process that sent it died before it recorded the answer. The copy is linked here, against
   * the master volume the event sized it from, so the master's closes replayed after it reduce it by their share.
   * Left to reconciliation, the row would be adopted against the master's volume by then, and the reductions it
   * missed would become the copy's ratio. Returns the links added.
   */
  adoptReplayedCopies(plans: readonly LegPlan[], facts: EventFacts): CopyLink[] {
    const masterVolume = facts.masterVolumeAfter;
    if ((facts.kind !== 'open' && facts.kind !== 'pending_place') || masterVolume === null || !(masterVolume > 0)) return [];
    const added: CopyLink[] = [];
    for (const plan of plans) {
      if (plan.action !== 'skip' || plan.reason !== 'already_copied') continue;
      added.push(...this.adoptTagged(plan.followerId, facts.masterId, plan.masterTicket, facts.masterSymbol, masterVolume, facts.at));
    }
    this.logAdopted(facts.masterId, facts.eventId, added);
    return added;
  }

  /**
   * Before a close: a follower whose copy of the position is on its rows under the tag, in no link, lost the link
   * (a stopped worker's unrecorded open, or a Redis that restarted without its last second of writes). The copy
   * is linked first, against the master's volume before this close, the volume it last followed if this is the first
   * close since, so the close takes its share of it instead of being skipped for want of a link. Only followers with
   * no live link of the position are looked at, so the common close reads nothing more. Returns the links added.
   */
  adoptBeforeClose(event: MasterEvent, followers: readonly FollowerConfig[]): CopyLink[] {
    if (event.kind !== 'close' || !(event.volumeBefore > 0)) return [];
    const added: CopyLink[] = [];
    for (const cfg of followers) {
      added.push(...this.adoptTagged(cfg.accountId, event.masterId, event.position, event.symbol, event.volumeBefore, event.detectedAt));
    }
    this.logAdopted(event.masterId, event.eventId, added);
    return added;
  }

  /**
   * Links the follower's rows tagged as copies of the master ticket, when no link of that ticket is live there. A row
   * another open link claims (a netting row shared with another master position) is left to reconciliation.
   */
  private adoptTagged(followerId: string, masterId: string, masterTicket: number, masterSymbol: string, masterVolume: number, at: number): CopyLink[] {
    const f = this.deps.followers.get(followerId);
    if (!f) return [];
    const ledger = this.deps.ledger;
    for (const l of ledger.ofMasterOnFollower(masterId, masterTicket, followerId)) if (l.status !== 'closed') return [];
    const tag = copyComment(masterId, masterTicket);
    const magic = this.deps.magic;
    let claimed: Set<number> | null = null;
    const added: CopyLink[] = [];
    for (const row of f.positions) {
      if (row.magic !== magic || row.comment !== tag) continue;
      claimed ??= new Set(ledger.ofFollower(followerId).filter((l) => l.status === 'open').map((l) => l.followerTicket));
      if (claimed.has(row.ticket)) continue;
      const link: CopyLink = {
        masterId,
        masterTicket,
        followerId,
        followerTicket: row.ticket,
        kind: row.kind === 'Pending' ? 'pending' : 'position',
        followerSymbol: row.symbol,
        masterSymbol,
        side: sideOf(row.type),
        volume: row.lots,
        masterVolume,
        openedAt: at,
        status: 'open',
      };
      ledger.add(link);
      added.push(link);
    }
    return added;
  }

  private logAdopted(masterId: string, eventId: string, added: readonly CopyLink[]): void {
    if (added.length === 0) return;
    this.deps.log.info(
      { masterId, eventId, copies: added.map((l) => ({ followerId: l.followerId, followerTicket: l.followerTicket, volume: l.volume, masterVolume: l.masterVolume })) },
      'linked tagged copies that no link held (a stopped process sent them)',
    );
  }

  /**
   * An MT4 master's partial close reopens the rest under a new ticket (`from #<old>`): the copies are the rest's now,
   * so every open link of the old ticket moves to the new one (the copies' tags keep naming the old ticket; see
   * `splitPredecessors`). True when a link moved.
   */
  followMasterSplits(masterId: string, splits: readonly MasterSplit[]): boolean {
    let moved = false;
    for (const { from, to } of splits) {
      for (const link of [...this.deps.ledger.ofMaster(masterId, from)]) {
        if (link.status !== 'open') continue;
        this.deps.ledger.rekey(link, to);
        moved = true;
      }
    }
    return moved;
  }

  /** After partial closes on MT4 followers: read their rows now, so the next event finds the reopened rest. */
  async followSplits(executions: readonly LegExecution[]): Promise<void> {
    const reads: Promise<unknown>[] = [];
    for (const exec of executions) {
      const plan = exec.plan;
      if (plan.action !== 'close' || (exec.status !== 'closed' && exec.status !== 'partial')) continue;
      if (!plan.tickets.some((t) => t.volume !== null) || this.deps.platformOf(plan.followerId) !== 'mt4') continue;
      const f = this.deps.followers.get(plan.followerId);
      if (!f) continue;
      reads.push(
        f
          .refreshPositions()
          .then(() => this.retargetLinks(f.id))
          .catch((e: unknown) => this.deps.log.warn({ followerId: f.id, err: String(e) }, 'follower orders unavailable after a partial close')),
      );
    }
    if (reads.length > 0) await Promise.all(reads);
  }
}

/** Rows by ticket, built once per positions list (the cache replaces the whole list on every frame). */
const rowIndex = new WeakMap<readonly OpenedOrder[], Map<number, OpenedOrder>>();
function rowsByTicket(rows: readonly OpenedOrder[]): Map<number, OpenedOrder> {
  let map = rowIndex.get(rows);
  if (!map) {
    map = new Map(rows.map((r) => [r.ticket, r] as const));
    rowIndex.set(rows, map);
  }
  return map;
}

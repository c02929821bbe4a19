/**
 * Keeps copy links on the follower tickets they live under now: netting merges, MT4 partial-close splits and
 * triggered pending copies, from the followers' cached rows (re-read only where the cache may be behind).
 */
import type { FollowerConfig } from '../domain/config.js';
import type { MasterBook } from '../domain/detect.js';
import type { MasterEvent } from '../domain/events.js';
import type { OpenedOrder } from '../domain/trading.js';
import type { LegExecution } from './executor.js';
import type { FollowerState } from './follower-state.js';
import type { LedgerIndex } from './ledger-index.js';
import type { Logger } from './ports.js';

/** What the link tracker reads: follower caches, the ledger, the masters' books. */
export interface LinkTrackerDeps {
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly ledger: LedgerIndex;
  readonly log: Logger;
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
          const from = p.kind === 'Position' && p.magic === magic ? splitFrom(p.comment) : null;
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
    const reads: Promise<unknown>[] = [];
    for (const cfg of followers) {
      const f = this.deps.followers.get(cfg.accountId);
      if (!f) continue;
      const stale = this.deps.ledger.ofMaster(event.masterId, event.position).some(
        (l) => l.followerId === f.id && l.status === 'open' && l.kind === 'pending' && f.positions.find((p) => p.ticket === l.followerTicket)?.kind !== 'Position',
      );
      if (stale) reads.push(f.refreshPositions().catch((e: unknown) => this.deps.log.warn({ followerId: f.id, err: String(e) }, 'follower orders unavailable')));
    }
    if (reads.length > 0) await Promise.all(reads);
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

/** The ticket an MT4 row was split from by a partial close (`from #123`), or null. */
function splitFrom(comment: string): number | null {
  const m = /from #(\d+)/.exec(comment);
  return m?.[1] === undefined ? null : Number(m[1]);
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

/**
 * The open copies the daily risk budget counts (domain/daily-risk.ts), from a follower's hot cache. Its rows arrive on
 * the `positions` stream a moment after a batch reply, so a copy filled or placed a moment ago may not be among them
 * yet, and the next master event would be sized as if it did not exist. Every copy the copier opens on a follower
 * whose budget is being watched is therefore noted with its entry and stop, and counted until the rows show it.
 */
import type { OpenCopyRisk } from '../domain/daily-risk.js';
import type { CopyLink } from '../domain/ledger.js';
import type { OpenedOrder } from '../domain/trading.js';
import { sideOf } from '../domain/trading.js';

/** Most copies noted per follower; the oldest go first (they are the likeliest to be in the rows already). */
const MAX_NOTED = 1_000;

interface Noted {
  copy: OpenCopyRisk;
  /**
   * Lots of the row under the same ticket in the rows last seen before the note, or null. A netting fill reports the
   * net row's ticket, which a frame from before the fill already shows: only a change of its lots shows the fill.
   */
  lotsBefore: number | null;
}

/** Copies the copier opened whose rows the follower's cache may not show yet, per follower and ticket. */
export class FreshCopies {
  private readonly noted = new Map<string, Map<number, Noted>>();
  /** The rows each watched follower's budget was last computed from. */
  private readonly lastRows = new Map<string, readonly OpenedOrder[]>();

  /** Notes a copy just filled or placed (its ticket as the broker answered). Only watched followers' copies are kept. */
  record(followerId: string, copy: OpenCopyRisk): void {
    const rows = this.lastRows.get(followerId);
    if (rows === undefined) return;
    let copies = this.noted.get(followerId);
    if (copies === undefined) {
      copies = new Map();
      this.noted.set(followerId, copies);
    }
    const before = rows.find((r) => r.ticket === copy.ticket);
    copies.delete(copy.ticket);
    copies.set(copy.ticket, { copy, lotsBefore: before === undefined ? null : before.lots });
    if (copies.size > MAX_NOTED) copies.delete(copies.keys().next().value as number);
  }

  /** How many copies are noted for a follower. */
  count(followerId: string): number {
    return this.noted.get(followerId)?.size ?? 0;
  }

  /**
   * The follower's open copies, and from now on its copies are noted: its rows carrying the copier's magic, plus the
   * noted copies the rows do not show yet whose link is still open. A noted copy is forgotten once a row under its
   * ticket shows it (a new row, or a netting row whose lots changed) or its link has closed or moved to another ticket.
   */
  openCopies(followerId: string, rows: readonly OpenedOrder[], magic: number, links: readonly CopyLink[]): OpenCopyRisk[] {
    this.lastRows.set(followerId, rows);
    const out: OpenCopyRisk[] = [];
    const lotsByTicket = new Map<number, number>();
    for (const r of rows) {
      lotsByTicket.set(r.ticket, r.lots);
      if (r.magic !== magic) continue;
      out.push({ ticket: r.ticket, symbol: r.symbol, side: sideOf(r.type), lots: r.lots, entryPrice: r.openPrice, stopLoss: r.stopLoss, pending: r.kind === 'Pending' });
    }
    const copies = this.noted.get(followerId);
    if (copies === undefined) return out;
    const linked = new Set<number>();
    for (const l of links) if (l.status === 'open') linked.add(l.followerTicket);
    for (const [ticket, n] of copies) {
      const lots = lotsByTicket.get(ticket);
      if ((lots !== undefined && lots !== n.lotsBefore) || !linked.has(ticket)) copies.delete(ticket);
      else out.push(n.copy);
    }
    if (copies.size === 0) this.noted.delete(followerId);
    return out;
  }

  /** Stops watching a follower (no daily loss limit any more, or it stopped following). */
  forget(followerId: string): void {
    this.noted.delete(followerId);
    this.lastRows.delete(followerId);
  }
}

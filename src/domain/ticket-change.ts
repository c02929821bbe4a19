/**
 * Master tickets that change without a deal (a contract anomaly, never acted on). Every open and close is a deal with
 * its own trade frame (fxsocket-api.md §4.5), so a position that leaves the positions list while another of the same
 * symbol and side appears in the same list is explained by trade frames of those tickets, or by an MT4 partial close,
 * whose rest reopens under a new ticket commented `from #<old>` (detect.ts follows that one). Anything else is a
 * bridge that renumbered a position, or a broker that rewrote the `from #` comment: the copier cannot tell which, so
 * the engine reports it and changes nothing. Pure: call it with the book as it was before the list is applied.
 */
import { splitFromComment } from './detect.js';
import type { MasterBook } from './detect.js';
import type { OpenedOrder, Side } from './trading.js';
import { isPendingOperation, sideOf } from './trading.js';

/** One position that left the list, paired with the one that appeared in its place. */
export interface TicketChange {
  /** The ticket that disappeared (the one the copies follow). */
  from: number;
  /** The ticket that appeared. */
  to: number;
  symbol: string;
  side: Side;
  /** Lots of `from` in the last list that showed it, or those its deals account for. */
  fromLots: number;
  toLots: number;
}

const isPendingRow = (row: OpenedOrder): boolean => row.kind === 'Pending' || (row.kind !== 'Position' && isPendingOperation(row.type));

/**
 * Pairs each position of `book` that `rows` no longer list with a position `rows` list for the first time, on the same
 * symbol and side, lowest tickets first. Not paired: MT4 partial-close rests (`from #<old>` naming a position that
 * left, as detect.ts follows them), positions never seen in a list (their In deal came but no list yet), and every
 * list while the book is not primed or is resyncing after a gap (deals from a gap are lost by contract, §5).
 */
export function ticketChanges(book: MasterBook, rows: readonly OpenedOrder[]): TicketChange[] {
  if (!book.primed || book.resyncLots === true) return [];
  const listed = new Set<number>();
  for (const row of rows) if (!isPendingRow(row)) listed.add(row.ticket);
  const gone = [...book.positions.values()].filter((p) => p.seenInList && !listed.has(p.position)).sort((a, b) => a.position - b.position);
  if (gone.length === 0) return [];
  const goneTickets = new Set(gone.map((p) => p.position));
  const paired = new Set<number>();
  // The rests of MT4 partial closes are the same position under a new ticket: detect.ts moves the book to them.
  const appeared: OpenedOrder[] = [];
  for (const row of rows) {
    if (isPendingRow(row) || book.positions.has(row.ticket)) continue;
    const from = splitFromComment(row.comment);
    const parent = from !== null && goneTickets.has(from) ? book.positions.get(from) : undefined;
    if (parent !== undefined && parent.symbol === row.symbol && parent.side === sideOf(row.type)) {
      paired.add(parent.position);
      continue;
    }
    appeared.push(row);
  }
  appeared.sort((a, b) => a.ticket - b.ticket);
  const out: TicketChange[] = [];
  for (const row of appeared) {
    const side = sideOf(row.type);
    const old = gone.find((p) => !paired.has(p.position) && p.symbol === row.symbol && p.side === side);
    if (old === undefined) continue;
    paired.add(old.position);
    out.push({ from: old.position, to: row.ticket, symbol: row.symbol, side, fromLots: old.listLots ?? old.dealVolume, toLots: row.lots });
  }
  return out;
}

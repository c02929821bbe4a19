/**
 * `/PositionHistory` rows → trades. A row is one closed position (MT5) or one closed order or closed part of one (MT4,
 * where a partial close reopens the rest under a new ticket whose comment is `from #<old ticket>`; such a chain is one
 * trade, keyed by its first ticket). Follower rows are matched to master positions by the copy's tag (magic number and
 * comment, domain/tags.ts); rows without one are the owner's own trades and are left out.
 */
import { parseCopyComment } from '../tags.js';
import { sideOf, type PositionTrade, type Side } from '../trading.js';
import { sumMinor, toMinor, type Minor } from './money.js';
import { copyKeyText, type ClosedCopy, type CopyKey, type MasterTrade, type TradeBook } from './types.js';

/**
 * UTC ms of a terminal time (broker server time with a cosmetic `Z`, sometimes without millis; §3.1): the wall-clock
 * part is read as server time, whatever zone designator it carries, and the offset taken off. Null when unreadable.
 */
export function serverTimeToUtc(text: string, utcOffsetSeconds: number): number | null {
  if (typeof text !== 'string' || text === '') return null;
  const wall = text.trim().replace(/(?:[zZ]|[+-]\d\d:?\d\d)$/, '');
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/.test(wall)) return null;
  const ms = Date.parse(`${wall.replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms - utcOffsetSeconds * 1000 : null;
}

/** A UTC instant as a terminal time string (the form the history bounds are sent in). */
export function utcToServerTime(utcMs: number, utcOffsetSeconds: number): string {
  return new Date(utcMs + utcOffsetSeconds * 1000).toISOString();
}

/** One readable history row: a closed position or closed part, in UTC and minor units. */
export interface ClosedPart {
  ticket: number;
  symbol: string;
  side: Side;
  volume: number;
  openMs: number;
  openPrice: number;
  closeMs: number;
  closePrice: number;
  profit: Minor;
  swap: Minor;
  commission: Minor;
  magic: number;
  comment: string;
}

/** Rows parsed, and how many were not trades (balance rows, pending orders, unreadable times or amounts). */
export interface ParsedParts {
  parts: ClosedPart[];
  skipped: number;
}

/** Reads `/PositionHistory` rows; rows that are not closed Buy/Sell trades with readable times are skipped. */
export function closedParts(rows: readonly PositionTrade[], utcOffsetSeconds: number, digits: number): ParsedParts {
  const parts: ClosedPart[] = [];
  let skipped = 0;
  for (const r of rows) {
    const openMs = serverTimeToUtc(r.openTime, utcOffsetSeconds);
    const closeMs = serverTimeToUtc(r.closeTime, utcOffsetSeconds);
    if ((r.type !== 'Buy' && r.type !== 'Sell') || r.symbol === '' || !(r.volume > 0) || openMs === null || closeMs === null) {
      skipped++;
      continue;
    }
    try {
      parts.push({
        ticket: r.positionId,
        symbol: r.symbol,
        side: sideOf(r.type),
        volume: r.volume,
        openMs,
        openPrice: r.openPrice,
        closeMs,
        closePrice: r.closePrice,
        // A missing swap decodes as 0 (older bridges): the sum stays right.
        profit: toMinor(r.profit, digits),
        swap: toMinor(r.swap, digits),
        commission: toMinor(r.commission, digits),
        magic: r.magic,
        comment: r.comment,
      });
    } catch {
      skipped++;
    }
  }
  return { parts, skipped };
}

const FROM_RE = /^from #(\d{1,18})$/;

/** The ticket an MT4 split row came from (`from #123`), or null. */
export function splitFrom(comment: string): number | null {
  const m = FROM_RE.exec(comment.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Where a ticket's chain of MT4 splits starts, and that first row's comment. */
export interface ChainRoot {
  root: number;
  comment: string;
  /** False when the chain names a ticket none of the rows have (read further back to find it). */
  resolved: boolean;
}

/** A resolver of split chains over known rows (closed parts and still-open rows alike). */
export function chainResolver(rows: Iterable<{ ticket: number; comment: string }>): (ticket: number) => ChainRoot {
  const comments = new Map<number, string>();
  for (const r of rows) if (!comments.has(r.ticket)) comments.set(r.ticket, r.comment);
  return (ticket) => {
    let at = ticket;
    const seen = new Set<number>();
    for (;;) {
      const comment = comments.get(at);
      if (comment === undefined) return { root: at, comment: '', resolved: false };
      const from = splitFrom(comment);
      if (from === null || seen.has(from)) return { root: at, comment, resolved: true };
      seen.add(at);
      at = from;
    }
  };
}

/** Volume-weighted sums of parts into one trade book. */
function bookOf(parts: readonly ClosedPart[]): TradeBook {
  const first = parts[0] as ClosedPart;
  let volume = 0;
  let openValue = 0;
  let closeValue = 0;
  let openMs = first.openMs;
  let closeMs = first.closeMs;
  const tickets = new Set<number>();
  for (const p of parts) {
    volume += p.volume;
    openValue += p.openPrice * p.volume;
    closeValue += p.closePrice * p.volume;
    openMs = Math.min(openMs, p.openMs);
    closeMs = Math.max(closeMs, p.closeMs);
    tickets.add(p.ticket);
  }
  const profit = sumMinor(parts.map((p) => p.profit));
  const swap = sumMinor(parts.map((p) => p.swap));
  const commission = sumMinor(parts.map((p) => p.commission));
  return {
    symbol: first.symbol,
    side: first.side,
    volume: Math.round(volume * 1e8) / 1e8,
    openMs,
    openPrice: openValue / volume,
    closeMs,
    closePrice: closeValue / volume,
    profit,
    swap,
    commission,
    net: sumMinor([profit, swap, commission]),
    tickets: [...tickets].sort((a, b) => a - b),
  };
}

/** How follower rows are recognised as copies: the copier's magic number and the masters its tags may name. */
export interface CopyTagContext {
  magic: number;
  /** Master short id (domain/tags.ts `masterShortId`) → master account id. */
  masters: ReadonlyMap<string, string>;
}

/** The master position a follower row copies, from its chain root's tag; null for a row that is not a copy. */
function keyOfRow(magic: number, comment: string, ctx: CopyTagContext): CopyKey | null {
  if (magic !== ctx.magic) return null;
  const tag = parseCopyComment(comment);
  if (tag === null) return null;
  const masterId = ctx.masters.get(tag.masterShort);
  return masterId === undefined ? null : { masterId, masterTicket: tag.masterTicket };
}

/** A follower's closed copies, the copies still (partly) open, and split chains whose first row was not read. */
export interface FollowerCopies {
  copies: ClosedCopy[];
  /** Copy keys (`copyKeyText`) with a row still open on the follower. */
  openKeys: Set<string>;
  /** Tickets split chains name that no row has (MT4: read further back). */
  unresolved: number[];
}

/**
 * A hedging or MT4 follower's copies from its `/PositionHistory` parts and its open rows (`/OpenedOrders`). A copy is
 * closed when none of its rows is open any more: a master position that was added to (netting master) or split
 * (MT4) can be copied by several follower rows.
 */
export function positionCopies(
  parts: readonly ClosedPart[],
  open: readonly { ticket: number; comment: string; magic: number }[],
  ctx: CopyTagContext,
): FollowerCopies {
  const rootOf = chainResolver([...parts, ...open]);
  const magicOf = new Map<number, number>();
  for (const r of [...parts, ...open]) if (!magicOf.has(r.ticket)) magicOf.set(r.ticket, r.magic);
  const keyOf = (ticket: number, fallbackMagic: number): { key: CopyKey | null; resolved: boolean; root: number } => {
    const root = rootOf(ticket);
    return { key: keyOfRow(magicOf.get(root.root) ?? fallbackMagic, root.comment, ctx), resolved: root.resolved, root: root.root };
  };
  const openKeys = new Set<string>();
  const unresolved = new Set<number>();
  for (const o of open) {
    const k = keyOf(o.ticket, o.magic);
    if (k.key !== null) openKeys.add(copyKeyText(k.key));
    else if (!k.resolved) unresolved.add(k.root);
  }
  const groups = new Map<string, { key: CopyKey; parts: ClosedPart[] }>();
  for (const p of parts) {
    const k = keyOf(p.ticket, p.magic);
    if (k.key === null) {
      if (!k.resolved) unresolved.add(k.root);
      continue;
    }
    const text = copyKeyText(k.key);
    const g = groups.get(text);
    if (g) g.parts.push(p);
    else groups.set(text, { key: k.key, parts: [p] });
  }
  const copies: ClosedCopy[] = [];
  for (const [text, g] of groups) {
    if (openKeys.has(text)) continue;
    copies.push({ key: g.key, ...bookOf(g.parts) });
  }
  copies.sort(byClose);
  return { copies, openKeys, unresolved: [...unresolved].sort((a, b) => a - b) };
}

/**
 * A master's trades from its `/PositionHistory` parts and open rows, keyed by the ticket its copies' tags name (the
 * position id; for an MT4 split chain, its first ticket). A trade with a row still open is not closed.
 */
export function masterTrades(masterId: string, parts: readonly ClosedPart[], open: readonly { ticket: number; comment: string }[]): Map<number, MasterTrade> {
  const rootOf = chainResolver([...parts, ...open]);
  const openRoots = new Set(open.map((o) => rootOf(o.ticket).root));
  const groups = new Map<number, ClosedPart[]>();
  for (const p of parts) {
    const root = rootOf(p.ticket).root;
    const g = groups.get(root);
    if (g) g.push(p);
    else groups.set(root, [p]);
  }
  const out = new Map<number, MasterTrade>();
  for (const [ticket, g] of groups) out.set(ticket, { masterId, ticket, closed: !openRoots.has(ticket), ...bookOf(g) });
  return out;
}

/** Close time, then the first ticket: a stable order for curves and tables. */
export function byClose(a: { closeMs: number; tickets: number[] }, b: { closeMs: number; tickets: number[] }): number {
  return a.closeMs - b.closeMs || (a.tickets[0] ?? 0) - (b.tickets[0] ?? 0);
}

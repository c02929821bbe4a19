/**
 * Master-event detection (design.md §3, Detection): turns the master's `trade` frames and successive `positions`
 * lists into MasterEvents. Pure: the caller owns the book and passes the time.
 *
 * Deals decide opens and closes (`In`, `Out`, `InOut`); the positions list decides SL/TP changes and pending orders,
 * which produce no deal (fxsocket-api.md §4.5). A position first seen in a positions frame is not an open by itself:
 * its `In` deal is. If that deal was lost (a dropped socket), reconciliation finds the position, not this module.
 */
import type { MasterEvent } from './events.js';
import type { OpenedOrder, Side, TradeDeal } from './trading.js';
import { isPendingOperation, sideOf } from './trading.js';

/** What the book knows of one open master position. */
export interface TrackedPosition {
  position: number;
  symbol: string;
  side: Side;
  /** Lots accounted for by deals seen (the volume followers were told about). */
  dealVolume: number;
  /** SL/TP followers were last told about. */
  stopLoss: number;
  takeProfit: number;
  /** Seen in a positions frame (its SL/TP are known). */
  seenInList: boolean;
  /** Lots in the last positions frame that listed it. */
  listLots?: number;
}

/** What the book knows of one master pending order. */
export interface TrackedPending {
  order: number;
  symbol: string;
  operation: string;
  volume: number;
  price: number;
  stopLoss: number;
  takeProfit: number;
}

/** The master's book as the detector tracks it. Mutated by the functions below. */
export interface MasterBook {
  masterId: string;
  positions: Map<number, TrackedPosition>;
  pendings: Map<number, TrackedPending>;
  /** Pending tickets that disappeared together with a same-ticket position appearing (triggered, not deleted). */
  triggered: Set<number>;
  /** True once a positions list has been applied (the first one is a baseline, not a change). */
  primed: boolean;
  /**
   * Set after a reconnect or a server warning: deals from the gap are lost (fxsocket-api.md §5), so the next
   * positions list resets the lots the book counts from deals to what the master holds.
   */
  resyncLots?: boolean;
  /**
   * MT4 partial closes the book followed (see `applyPositions`): the closed ticket → the ticket its rest lives on,
   * kept so a late trade frame of the old ticket still reaches the rest. Bounded.
   */
  splitTo?: Map<number, number>;
  /** Splits found since the caller last drained them (the engine moves the copy links to the new ticket). */
  splits?: MasterSplit[];
}

/** An MT4 master position whose rest a partial close reopened under a new ticket (comment `from #<from>`). */
export interface MasterSplit {
  from: number;
  to: number;
}

const MAX_SPLITS_REMEMBERED = 1_000;

/** The ticket a row was split from by an MT4 partial close (`from #123` in its comment), or null. */
export function splitFromComment(comment: string): number | null {
  const m = /from #(\d+)/.exec(comment);
  if (m?.[1] === undefined) return null;
  const t = Number(m[1]);
  return Number.isSafeInteger(t) ? t : null;
}

export function createMasterBook(masterId: string): MasterBook {
  return { masterId, positions: new Map(), pendings: new Map(), triggered: new Set(), primed: false };
}

/** Lots as exact decimals: volumes are sums of broker lots, so eight decimals remove binary noise. */
function lots(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

function dealEventId(deal: TradeDeal, suffix = ''): string {
  // MT4 reports deal 0 on every event (§4.5); the order ticket, entry and time identify it there.
  const base = deal.deal > 0 ? `d${deal.deal}` : `o${deal.order}:${deal.entry}:${deal.volume}:${deal.time}`;
  return base + suffix;
}

/**
 * Applies a non-degraded trade frame. Returns the events it implies (an `InOut` gives a close and an open).
 * A degraded deal (`entry: "Unknown"`) must first be resolved with {@link resolveDegradedEntry}.
 */
export function applyDeal(book: MasterBook, deal: TradeDeal, now: number): MasterEvent[] {
  const base = { masterId: book.masterId, detectedAt: now };
  const events: MasterEvent[] = [];
  const tracked = book.positions.get(deal.position);
  if (deal.entry === 'In') {
    const side = sideOf(deal.type);
    const fromPending = book.triggered.has(deal.position) || book.pendings.has(deal.position) ? deal.position : null;
    if (fromPending !== null) {
      book.triggered.delete(deal.position);
      book.pendings.delete(deal.position);
    }
    const volumeBefore = tracked?.dealVolume ?? 0;
    const entry = tracked ?? {
      position: deal.position,
      symbol: deal.symbol,
      side,
      dealVolume: 0,
      stopLoss: 0,
      takeProfit: 0,
      seenInList: false,
    };
    entry.dealVolume = lots(entry.dealVolume + deal.volume);
    book.positions.set(deal.position, entry);
    events.push({
      ...base,
      kind: 'open',
      eventId: dealEventId(deal),
      position: deal.position,
      deal: deal.deal,
      symbol: deal.symbol,
      side: entry.side,
      volume: deal.volume,
      volumeBefore,
      price: deal.price,
      stopLoss: entry.stopLoss,
      takeProfit: entry.takeProfit,
      fromPendingOrder: fromPending,
    });
    return events;
  }
  if (deal.entry === 'Out' && tracked === undefined && book.splitTo?.has(deal.position) === true) {
    // The Out deal of an MT4 partial close arriving after the positions list that showed the rest under its new
    // ticket: it closes part of that rest's position, not a whole unknown one.
    const to = book.splitTo.get(deal.position) as number;
    const rest = book.positions.get(to);
    if (rest !== undefined) {
      const before = lots(rest.dealVolume + deal.volume);
      events.push({ ...base, kind: 'close', eventId: dealEventId(deal), position: to, deal: deal.deal, symbol: deal.symbol, side: rest.side, volume: deal.volume, volumeBefore: before, price: deal.price });
      return events;
    }
  }
  if (deal.entry === 'Out' || deal.entry === 'InOut') {
    // A position whose In deal was never seen (opened while the stream was down) is known by its listed lots: a
    // partial close of it must stay partial.
    const before = tracked === undefined ? deal.volume : tracked.dealVolume > 0 ? tracked.dealVolume : (tracked.listLots ?? deal.volume);
    const side: Side = tracked?.side ?? (sideOf(deal.type) === 'buy' ? 'sell' : 'buy');
    const closed = deal.entry === 'InOut' ? before : Math.min(deal.volume, before);
    events.push({
      ...base,
      kind: 'close',
      eventId: dealEventId(deal, deal.entry === 'InOut' ? ':c' : ''),
      position: deal.position,
      deal: deal.deal,
      symbol: deal.symbol,
      side,
      volume: closed,
      volumeBefore: before,
      price: deal.price,
    });
    const remaining = lots(before - closed);
    if (remaining > 0 && tracked) tracked.dealVolume = remaining;
    else book.positions.delete(deal.position);
    if (deal.entry === 'InOut') {
      // Netting reversal: the deal's volume minus what it closed opens the opposite side (§4.5).
      const opened = lots(deal.volume - before);
      if (opened > 0) {
        const newSide = sideOf(deal.type);
        book.positions.set(deal.position, {
          position: deal.position,
          symbol: deal.symbol,
          side: newSide,
          dealVolume: opened,
          stopLoss: 0,
          takeProfit: 0,
          seenInList: false,
        });
        events.push({
          ...base,
          kind: 'open',
          eventId: dealEventId(deal, ':o'),
          position: deal.position,
          deal: deal.deal,
          symbol: deal.symbol,
          side: newSide,
          volume: opened,
          volumeBefore: 0,
          price: deal.price,
          stopLoss: 0,
          takeProfit: 0,
          fromPendingOrder: null,
        });
      }
    }
  }
  return events;
}

/**
 * Resolves a degraded deal's entry from the master's open orders read right after it (never guessed, §4.5):
 * the position's volume now against what the book knew tells an open, an add, a partial or a full close.
 * Returns null when the rows cannot decide (the caller then reconciles).
 */
export function resolveDegradedEntry(
  book: MasterBook,
  deal: TradeDeal,
  openRows: readonly OpenedOrder[],
): 'In' | 'Out' | null {
  const tracked = book.positions.get(deal.position);
  const row = openRows.find((r) => r.ticket === deal.position && r.kind === 'Position');
  if (!tracked) return row ? 'In' : null;
  if (!row) return 'Out';
  const delta = lots(row.lots - tracked.dealVolume);
  if (Math.abs(delta - deal.volume) < 1e-9) return 'In';
  if (Math.abs(delta + deal.volume) < 1e-9) return 'Out';
  return null;
}

/**
 * Applies a full positions list (the `positions` frame is always complete, §4.3). Emits SL/TP modifies for known
 * positions and pending place/modify/delete. The first list only primes the book.
 */
export function applyPositions(book: MasterBook, rows: readonly OpenedOrder[], now: number): MasterEvent[] {
  const base = { masterId: book.masterId, detectedAt: now };
  const events: MasterEvent[] = [];
  const primed = book.primed;
  const seenPending = new Set<number>();
  const positionTickets = new Set<number>();
  for (const row of rows) {
    if (row.kind === 'Position') positionTickets.add(row.ticket);
  }
  for (const row of rows) {
    if (row.kind === 'Pending' || (row.kind !== 'Position' && isPendingOperation(row.type))) {
      seenPending.add(row.ticket);
      const known = book.pendings.get(row.ticket);
      const next: TrackedPending = {
        order: row.ticket,
        symbol: row.symbol,
        operation: row.type,
        volume: row.lots,
        price: row.openPrice,
        stopLoss: row.stopLoss,
        takeProfit: row.takeProfit,
      };
      if (!known) {
        book.pendings.set(row.ticket, next);
        if (primed) {
          events.push({
            ...base,
            kind: 'pending_place',
            eventId: `p${row.ticket}`,
            order: row.ticket,
            symbol: row.symbol,
            operation: row.type,
            volume: row.lots,
            price: row.openPrice,
            stopLoss: row.stopLoss,
            takeProfit: row.takeProfit,
          });
        }
      } else if (known.price !== next.price || known.stopLoss !== next.stopLoss || known.takeProfit !== next.takeProfit) {
        book.pendings.set(row.ticket, next);
        events.push({
          ...base,
          kind: 'pending_modify',
          eventId: `pm${row.ticket}:${next.price}:${next.stopLoss}:${next.takeProfit}`,
          order: row.ticket,
          symbol: row.symbol,
          operation: row.type,
          price: next.price,
          stopLoss: next.stopLoss,
          takeProfit: next.takeProfit,
        });
      }
      continue;
    }
    const tracked = book.positions.get(row.ticket);
    if (!tracked) {
      // MT4 reopens what a partial close leaves under a new ticket commented `from #<old>`, with no deal of its own: it
      // is the same position to the followers (their copies were already reduced by the Out deal), not a new one.
      const from = primed ? splitFromComment(row.comment) : null;
      const parent = from !== null && !positionTickets.has(from) ? book.positions.get(from) : undefined;
      if (from !== null && parent !== undefined && parent.symbol === row.symbol && parent.side === sideOf(row.type)) {
        book.positions.delete(from);
        book.positions.set(row.ticket, { ...parent, position: row.ticket, dealVolume: row.lots, seenInList: true, listLots: row.lots });
        book.splitTo ??= new Map();
        if (book.splitTo.size >= MAX_SPLITS_REMEMBERED) book.splitTo.clear();
        book.splitTo.set(from, row.ticket);
        (book.splits ??= []).push({ from, to: row.ticket });
        continue;
      }
      // Opened before we were watching, or its In deal has not arrived yet: record SL/TP as the baseline so the
      // open (from the deal) carries them; do not emit anything here.
      book.positions.set(row.ticket, {
        position: row.ticket,
        symbol: row.symbol,
        side: sideOf(row.type),
        dealVolume: primed ? 0 : row.lots,
        stopLoss: row.stopLoss,
        takeProfit: row.takeProfit,
        seenInList: true,
        listLots: row.lots,
      });
      continue;
    }
    tracked.listLots = row.lots;
    // Lots changed by deals the stream lost: later partial closes are fractions of what is held now.
    if (book.resyncLots === true && tracked.dealVolume > 0) tracked.dealVolume = row.lots;
    if (!tracked.seenInList && tracked.stopLoss === 0 && tracked.takeProfit === 0) {
      tracked.seenInList = true;
      if (row.stopLoss === 0 && row.takeProfit === 0) continue;
    }
    tracked.seenInList = true;
    if (row.stopLoss !== tracked.stopLoss || row.takeProfit !== tracked.takeProfit) {
      events.push({
        ...base,
        kind: 'modify',
        eventId: `s${row.ticket}:${row.stopLoss}:${row.takeProfit}`,
        position: row.ticket,
        symbol: row.symbol,
        side: tracked.side,
        stopLoss: row.stopLoss,
        takeProfit: row.takeProfit,
        previousStopLoss: tracked.stopLoss,
        previousTakeProfit: tracked.takeProfit,
      });
      tracked.stopLoss = row.stopLoss;
      tracked.takeProfit = row.takeProfit;
    }
  }
  for (const [ticket, pending] of book.pendings) {
    if (seenPending.has(ticket)) continue;
    book.pendings.delete(ticket);
    if (positionTickets.has(ticket) || book.positions.has(ticket)) {
      // Triggered: the In deal (which may come before or after this frame) copies it as an open.
      if (!book.positions.has(ticket) || book.positions.get(ticket)?.dealVolume === 0) book.triggered.add(ticket);
      continue;
    }
    events.push({
      ...base,
      kind: 'pending_delete',
      eventId: `pd${ticket}`,
      order: ticket,
      symbol: pending.symbol,
      operation: pending.operation,
    });
  }
  // Positions closed without us seeing the Out deal are left to reconciliation; drop them from the book so a
  // later list does not resurrect stale SL/TP baselines.
  if (primed) {
    for (const ticket of [...book.positions.keys()]) {
      const t = book.positions.get(ticket);
      if (t && t.seenInList && !positionTickets.has(ticket)) book.positions.delete(ticket);
    }
  }
  book.primed = true;
  book.resyncLots = false;
  return events;
}

const sameLots = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/**
 * Master tickets on which the stream's last positions list (as the book holds it) and a fresh read of the master's
 * open rows disagree: lots, SL/TP, a pending price, or a ticket one side lacks. Such a ticket has a change the stream
 * has not delivered yet; reconciliation leaves it alone for now, because the live path is about to apply it and
 * doing it twice would be wrong (a second open, a double partial close). Deals the stream lost (a reconnect gap)
 * leave no disagreement once the next list arrives: those are reconciliation's to repair.
 */
export function unsettledTickets(book: MasterBook, rows: readonly OpenedOrder[]): Set<number> {
  const out = new Set<number>();
  const listed = new Set<number>();
  for (const row of rows) {
    listed.add(row.ticket);
    if (!(row.kind === 'Pending' || (row.kind !== 'Position' && isPendingOperation(row.type)))) {
      const t = book.positions.get(row.ticket);
      if (t === undefined || t.listLots === undefined || !sameLots(t.listLots, row.lots) || t.stopLoss !== row.stopLoss || t.takeProfit !== row.takeProfit) out.add(row.ticket);
    } else {
      const p = book.pendings.get(row.ticket);
      if (p === undefined || p.price !== row.openPrice || p.stopLoss !== row.stopLoss || p.takeProfit !== row.takeProfit || !sameLots(p.volume, row.lots)) out.add(row.ticket);
    }
  }
  for (const ticket of book.positions.keys()) if (!listed.has(ticket)) out.add(ticket);
  for (const ticket of book.pendings.keys()) if (!listed.has(ticket)) out.add(ticket);
  return out;
}

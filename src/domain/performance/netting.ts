/**
 * A netting follower's copies from its deals (`/OrderHistory`, one row per deal, joined on `position`; §3.2). Copies of
 * several master positions on one symbol net into one follower position, so its `/PositionHistory` row (written only
 * when the net is flat) cannot say which master position made what. Deals can:
 *
 * - a deal whose order carried a copy's tag (magic and comment) belongs to that copy: on the copy's side it opens or
 *   adds to it; on the other side it is an order that closed the copy's share by trading against it;
 * - a deal without a tag (a close by ticket: MT5 Out deals carry the closing request's empty comment) is matched to
 *   the journal's record of that close (a copy in the position, same volume, time within {@link HINT_WINDOW_MS});
 *   else, when one copy is in the position, it is that copy's; else it goes to the copy with the most lots open.
 *
 * A copy is closed once the lots its closing deals took reach the lots it opened. What a deal realises is booked to
 * the copy it is matched to, which on a netting account is a convention: the broker realises against the position's
 * average price. Untagged opening deals (the owner's own orders) are left out.
 */
import { parseCopyComment } from '../tags.js';
import { sideOf, type HistoryDeal, type Side } from '../trading.js';
import type { CopyTagContext, FollowerCopies } from './closed-positions.js';
import { byClose, serverTimeToUtc } from './closed-positions.js';
import { sumMinor, toMinor, type Minor } from './money.js';
import { copyKeyText, type ClosedCopy, type CopyKey } from './types.js';

/** How far apart the journal's record of a close and the broker's deal may be (clocks and the broker's latency). */
export const HINT_WINDOW_MS = 120_000;

/** The journal's record of one close of a copy: how many lots, when (copier clock), and the follower position if known. */
export interface CloseHint {
  key: CopyKey;
  /** Null when the journal row does not name it (a close's row names the master ticket only). */
  followerTicket: number | null;
  volume: number;
  at: number;
}

const UNITS = 1e8;
const units = (lots: number): number => Math.round(lots * UNITS);

interface CopyState {
  key: CopyKey;
  symbol: string;
  side: Side;
  opened: number;
  closed: number;
  openValue: number;
  closeValue: number;
  openMs: number;
  closeMs: number;
  closings: number;
  profit: Minor[];
  swap: Minor[];
  commission: Minor[];
  tickets: Set<number>;
}

interface Deal {
  ticket: number;
  position: number;
  symbol: string;
  side: Side;
  entry: string;
  volume: number;
  price: number;
  tMs: number;
  profit: Minor;
  swap: Minor;
  commission: Minor;
  key: CopyKey | null;
}

function readDeals(deals: readonly HistoryDeal[], utcOffsetSeconds: number, digits: number, ctx: CopyTagContext): Deal[] {
  const out: Deal[] = [];
  for (const d of deals) {
    const tMs = serverTimeToUtc(d.time, utcOffsetSeconds);
    if (tMs === null || d.position <= 0 || d.symbol === '' || (d.type !== 'Buy' && d.type !== 'Sell')) continue;
    if (d.entry !== 'In' && d.entry !== 'Out' && d.entry !== 'InOut') continue;
    if (!(d.volume > 0)) continue;
    const tag = d.magic === ctx.magic ? parseCopyComment(d.comment) : null;
    const masterId = tag === null ? undefined : ctx.masters.get(tag.masterShort);
    let money: [Minor, Minor, Minor];
    try {
      money = [toMinor(d.profit, digits), toMinor(d.swap, digits), toMinor(d.commission, digits)];
    } catch {
      continue;
    }
    out.push({
      ticket: d.ticket,
      position: d.position,
      symbol: d.symbol,
      side: sideOf(d.type),
      entry: d.entry,
      volume: d.volume,
      price: d.price,
      tMs,
      profit: money[0],
      swap: money[1],
      commission: money[2],
      key: masterId === undefined || tag === null ? null : { masterId, masterTicket: tag.masterTicket },
    });
  }
  return out.sort((a, b) => a.tMs - b.tMs || a.ticket - b.ticket);
}

/** Copies of a netting follower from its deals; `hints` are the journal's closes (may be empty or partial). */
export function nettingCopies(
  deals: readonly HistoryDeal[],
  utcOffsetSeconds: number,
  digits: number,
  ctx: CopyTagContext,
  hints: readonly CloseHint[] = [],
): FollowerCopies {
  const states = new Map<string, CopyState>();
  const candidates = new Map<number, string[]>();
  const usedHints = new Set<number>();
  const stateOf = (key: CopyKey, d: Deal): CopyState => {
    const text = copyKeyText(key);
    let s = states.get(text);
    if (s === undefined) {
      s = { key, symbol: d.symbol, side: d.side, opened: 0, closed: 0, openValue: 0, closeValue: 0, openMs: d.tMs, closeMs: d.tMs, closings: 0, profit: [], swap: [], commission: [], tickets: new Set() };
      states.set(text, s);
    }
    const list = candidates.get(d.position) ?? [];
    if (!list.includes(text)) list.push(text);
    candidates.set(d.position, list);
    return s;
  };
  const hintFor = (d: Deal, among: readonly string[]): string | null => {
    let best = -1;
    for (let i = 0; i < hints.length; i++) {
      const h = hints[i] as CloseHint;
      if (usedHints.has(i) || (h.followerTicket !== null && h.followerTicket !== d.position) || units(h.volume) !== units(d.volume)) continue;
      if (Math.abs(h.at - d.tMs) > HINT_WINDOW_MS || !among.includes(copyKeyText(h.key))) continue;
      if (best < 0 || Math.abs(h.at - d.tMs) < Math.abs((hints[best] as CloseHint).at - d.tMs)) best = i;
    }
    if (best < 0) return null;
    usedHints.add(best);
    return copyKeyText((hints[best] as CloseHint).key);
  };
  const mostOpen = (among: readonly string[]): string => {
    let pick = among[0] as string;
    let most = -Infinity;
    for (const text of among) {
      const s = states.get(text) as CopyState;
      const left = s.opened - s.closed;
      if (left > most) {
        most = left;
        pick = text;
      }
    }
    return pick;
  };
  const book = (s: CopyState, d: Deal, closing: boolean): void => {
    s.profit.push(d.profit);
    s.swap.push(d.swap);
    s.commission.push(d.commission);
    s.tickets.add(d.position);
    const u = units(d.volume);
    if (closing) {
      s.closed += u;
      s.closeValue += d.price * u;
      s.closeMs = d.tMs;
      s.closings++;
    } else {
      s.opened += u;
      s.openValue += d.price * u;
      s.openMs = Math.min(s.openMs, d.tMs);
    }
  };

  for (const d of readDeals(deals, utcOffsetSeconds, digits, ctx)) {
    if (d.key !== null) {
      const s = stateOf(d.key, d);
      book(s, d, d.side !== s.side);
      continue;
    }
    // An untagged opening deal is the owner's own order; untagged closings are matched to a copy in the position.
    if (d.entry === 'In') continue;
    const among = candidates.get(d.position);
    if (among === undefined || among.length === 0) continue;
    const text = hintFor(d, among) ?? (among.length === 1 ? (among[0] as string) : mostOpen(among));
    book(states.get(text) as CopyState, d, true);
  }

  const copies: ClosedCopy[] = [];
  const openKeys = new Set<string>();
  for (const [text, s] of states) {
    if (s.opened <= 0 || s.closings === 0 || s.closed < s.opened) {
      openKeys.add(text);
      continue;
    }
    const profit = sumMinor(s.profit);
    const swap = sumMinor(s.swap);
    const commission = sumMinor(s.commission);
    copies.push({
      key: s.key,
      symbol: s.symbol,
      side: s.side,
      volume: s.opened / UNITS,
      openMs: s.openMs,
      openPrice: s.openValue / s.opened,
      closeMs: s.closeMs,
      closePrice: s.closeValue / s.closed,
      profit,
      swap,
      commission,
      net: sumMinor([profit, swap, commission]),
      tickets: [...s.tickets].sort((a, b) => a - b),
    });
  }
  copies.sort(byClose);
  return { copies, openKeys, unresolved: [] };
}

/**
 * Start-up recovery of master deals (design.md §3, Execution: "an Idempotency-Key derived from the master account and
 * deal, so a replay after a crash is answered from the stored reply and sends nothing").
 *
 * A copier killed between sending a batch and recording its result leaves no trace of it in its state, and the
 * master's stream does not repeat the deal. Reconciliation alone would then see a copy "missing" while its leg may
 * still be executing, and open it again under a new key: a duplicate. Instead, the master's recent deals that were
 * never recorded as processed are turned back into the MasterEvents the stream gave, with the same event ids, so
 * their batches carry the same Idempotency-Keys as the first attempt. A follower already showing a tagged copy is left
 * out of the replay (plan.ts, `alreadyCopied`): that copy may come from another key. Pure: the engine reads the broker
 * and sends.
 */
import type { MasterClose, MasterEvent, MasterOpen } from '../domain/events.js';
import type { CopyLink } from '../domain/ledger.js';
import { copyComment } from '../domain/tags.js';
import type { HistoryDeal, OpenedOrder, Side } from '../domain/trading.js';
import { sideOf } from '../domain/trading.js';

export interface RecoveryInput {
  masterId: string;
  /** The master's deal history (any order); deals without a ticket (MT4) are ignored. */
  deals: readonly HistoryDeal[];
  /** The master's open orders now. */
  open: readonly OpenedOrder[];
  /** Master broker time − UTC, seconds (deal times are broker time). */
  utcOffsetSeconds: number;
  /** Epoch ms now. */
  now: number;
  /** Deals older than this (ms) are left to reconciliation, which checks freshness. */
  maxAgeMs: number;
  isProcessed(eventId: string): boolean;
  /** True when a follower copy of this master ticket was a pending-order copy (so a fill is not copied twice). */
  hadPendingCopy(masterTicket: number): boolean;
}

const lots = (x: number): number => Math.round(x * 1e8) / 1e8;

/**
 * The unprocessed `In` and `Out` deals of the last `maxAgeMs`, oldest first, as the stream would have reported them.
 * An open is recovered only while its position is still open (otherwise reconciliation closes any copy it left); a
 * close carries the volume before it, counted back from the position's volume now.
 */
export function recoverMissedEvents(input: RecoveryInput): MasterEvent[] {
  const open = new Map(input.open.filter((r) => r.kind === 'Position').map((r) => [r.ticket, r] as const));
  const byPosition = new Map<number, HistoryDeal[]>();
  for (const d of input.deals) {
    if (!(d.ticket > 0) || (d.entry !== 'In' && d.entry !== 'Out')) continue;
    byPosition.set(d.position, [...(byPosition.get(d.position) ?? []), d]);
  }
  const out: { at: number; ticket: number; event: MasterEvent }[] = [];
  for (const [position, deals] of byPosition) {
    deals.sort((a, b) => a.ticket - b.ticket);
    // Volume after each deal, walking back from the position's volume now.
    const after = new Array<number>(deals.length);
    let volume = open.get(position)?.lots ?? 0;
    for (let i = deals.length - 1; i >= 0; i--) {
      const d = deals[i] as HistoryDeal;
      after[i] = volume;
      volume = lots(d.entry === 'Out' ? volume + d.volume : volume - d.volume);
    }
    const first = deals.find((d) => d.entry === 'In');
    const side: Side = first ? sideOf(first.type) : sideOf(deals[0]?.type ?? 'Buy') === 'buy' ? 'sell' : 'buy';
    deals.forEach((d, i) => {
      const eventId = `d${d.ticket}`;
      const at = Date.parse(d.time) - input.utcOffsetSeconds * 1000;
      if (!Number.isFinite(at) || input.now - at > input.maxAgeMs || input.isProcessed(eventId)) return;
      const base = { masterId: input.masterId, eventId, detectedAt: input.now, position, deal: d.ticket, symbol: d.symbol, price: d.price };
      if (d.entry === 'In') {
        const row = open.get(position);
        if (!row) return;
        const event: MasterOpen = {
          ...base,
          kind: 'open',
          side: sideOf(d.type),
          volume: d.volume,
          volumeBefore: lots((after[i] ?? 0) - d.volume),
          stopLoss: row.stopLoss,
          takeProfit: row.takeProfit,
          fromPendingOrder: input.hadPendingCopy(position) ? position : null,
        };
        out.push({ at, ticket: d.ticket, event });
        return;
      }
      const volumeAfter = after[i] ?? 0;
      const event: MasterClose = { ...base, kind: 'close', side, volume: d.volume, volumeBefore: lots(volumeAfter + d.volume) };
      out.push({ at, ticket: d.ticket, event });
    });
  }
  return out.sort((a, b) => a.at - b.at || a.ticket - b.ticket).map((x) => x.event);
}

/** A master position opened and gone again within the window, whose open deal was never recorded as processed. */
export interface GoneOpen {
  position: number;
  deal: HistoryDeal;
}

/**
 * The unprocessed `In` deals of the last `maxAgeMs` whose position is no longer open. Their copies are not replayed
 * (the position is gone), but a batch a killed process left in flight may have opened one.
 */
export function unprocessedGoneOpens(input: RecoveryInput): GoneOpen[] {
  const open = new Set(input.open.filter((r) => r.kind === 'Position').map((r) => r.ticket));
  const out: GoneOpen[] = [];
  for (const d of input.deals) {
    if (!(d.ticket > 0) || d.entry !== 'In' || open.has(d.position) || input.isProcessed(`d${d.ticket}`)) continue;
    const at = Date.parse(d.time) - input.utcOffsetSeconds * 1000;
    if (!Number.isFinite(at) || input.now - at > input.maxAgeMs) continue;
    out.push({ position: d.position, deal: d });
  }
  return out;
}

/**
 * Shares a netting follower holds for gone master positions without knowing it: the open's batch landed after the
 * process that sent it was killed, and the row keeps its first opener's tag, so neither the follower's open orders nor
 * reconciliation can see them. The follower's own deals can: each carries the comment of the order that made it.
 * Returned as open links (master volume: the master's open deal), so the replayed close, or reconciliation's orphan
 * pass, takes them out.
 */
export function untrackedNettingShares(input: {
  masterId: string;
  followerId: string;
  magic: number;
  now: number;
  gone: readonly GoneOpen[];
  followerDeals: readonly HistoryDeal[];
  /** True when the ledger already has a link of any status for this master position on this follower. */
  known(masterTicket: number): boolean;
}): CopyLink[] {
  const out: CopyLink[] = [];
  for (const g of input.gone) {
    if (input.known(g.position)) continue;
    const comment = copyComment(input.masterId, g.position);
    const deals = input.followerDeals.filter((d) => d.magic === input.magic && d.comment === comment).sort((a, b) => a.ticket - b.ticket);
    const first = deals[0];
    if (first === undefined) continue;
    const side = sideOf(first.type);
    const volume = lots(deals.reduce((sum, d) => sum + (sideOf(d.type) === side ? d.volume : -d.volume), 0));
    if (!(volume > 0)) continue;
    out.push({
      masterId: input.masterId,
      masterTicket: g.position,
      followerId: input.followerId,
      followerTicket: (deals[deals.length - 1] as HistoryDeal).position,
      kind: 'position',
      followerSymbol: first.symbol,
      masterSymbol: g.deal.symbol,
      side,
      volume,
      masterVolume: g.deal.volume,
      openedAt: input.now,
      status: 'open',
    });
  }
  return out;
}

/**
 * Applies executed legs to the ledger and turns them into the outward LegOutcome and the journal rows. Kept apart
 * from the I/O so the bookkeeping rules sit in one place: a filled open adds a link, a close shrinks or closes links,
 * a stale ticket (10036) closes its link, unknown and queued legs change nothing until they are settled.
 */
import type { MasterEvent } from '../domain/events.js';
import type { CopyLink } from '../domain/ledger.js';
import type { LegPlan } from '../domain/plan.js';
import { roundLots } from '../domain/volume.js';
import { Retcode } from '../domain/trading.js';
import type { LegOutcome, MasterEventSummary } from './events.js';
import type { LegExecution } from './executor.js';
import type { LedgerIndex } from './ledger-index.js';
import type { JournalRow } from './ports.js';

/** Master-side facts of an event that links and outcomes need. */
export interface EventFacts {
  masterId: string;
  eventId: string;
  kind: MasterEvent['kind'];
  /** Master price for slippage (fill price for opens/closes, trigger for pendings). */
  masterPrice: number | null;
  /** Master volume of the position after the event (for `masterVolume` of new links). */
  masterVolumeAfter: number | null;
  masterSymbol: string;
  at: number;
}

export function summarize(event: MasterEvent): MasterEventSummary {
  switch (event.kind) {
    case 'open':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.side, volume: event.volume, price: event.price, ticket: event.position };
    case 'close':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.side, volume: event.volume, price: event.price, ticket: event.position };
    case 'modify':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.side, volume: null, price: null, ticket: event.position };
    case 'pending_place':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.operation.startsWith('Sell') ? 'sell' : 'buy', volume: event.volume, price: event.price, ticket: event.order };
    case 'pending_modify':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.operation.startsWith('Sell') ? 'sell' : 'buy', volume: null, price: event.price, ticket: event.order };
    case 'pending_delete':
      return { kind: event.kind, eventId: event.eventId, symbol: event.symbol, side: event.operation.startsWith('Sell') ? 'sell' : 'buy', volume: null, price: null, ticket: event.order };
  }
}

function outcomeAction(plan: LegPlan, kind: MasterEvent['kind']): LegOutcome['action'] {
  switch (plan.action) {
    case 'open':
      return plan.offsets !== undefined ? 'close' : 'open';
    case 'place_pending':
      return 'place_pending';
    case 'close':
      return 'close';
    case 'delete_pending':
      return 'delete_pending';
    case 'modify':
      return kind === 'pending_modify' ? 'modify_pending' : 'modify';
    case 'skip':
      return 'none';
  }
}

function legSymbol(plan: LegPlan, ledger: LedgerIndex, masterId: string): string | null {
  if (plan.action === 'open' || plan.action === 'place_pending') return plan.symbol;
  if (plan.action === 'skip') return typeof plan.detail.symbol === 'string' ? plan.detail.symbol : null;
  const link = ledger.ofMasterOnFollower(masterId, plan.masterTicket, plan.followerId)[0];
  return link?.followerSymbol ?? null;
}

function detailOf(plan: LegPlan, exec: LegExecution): Record<string, number | string | boolean | null> {
  const detail: Record<string, number | string | boolean | null> = {};
  if (plan.action === 'skip') return { ...plan.detail };
  if ('reasons' in plan) for (const r of plan.reasons) Object.assign(detail, r.detail);
  if (exec.message) detail.message = exec.message;
  return detail;
}

function reasonOf(plan: LegPlan, exec: LegExecution): string | null {
  if (plan.action === 'skip') return plan.reason;
  if (exec.status === 'rejected' && exec.retcode === Retcode.NO_MONEY) return 'no_money';
  if (exec.status === 'rejected' && exec.retcode !== null) return `retcode_${exec.retcode}`;
  if (exec.status === 'queued') return 'market_closed';
  if ('reasons' in plan && plan.reasons.length > 0) return plan.reasons.map((r) => r.code).join(',');
  return null;
}

/** Slippage in points against the master's price: positive = worse for the follower. */
function slippage(plan: LegPlan, exec: LegExecution, masterPrice: number | null, point: number | null): number | null {
  if (plan.action !== 'open' || exec.price === null || masterPrice === null || !point || point <= 0) return null;
  const diff = plan.side === 'buy' ? exec.price - masterPrice : masterPrice - exec.price;
  return Math.round(diff / point);
}

/**
 * Updates the ledger for one executed leg and returns its outcome and journal row. `point` is the follower symbol's
 * point size (for slippage), `followerName` for display.
 */
export function applyExecution(
  exec: LegExecution,
  facts: EventFacts,
  ledger: LedgerIndex,
  followerName: string,
  point: number | null,
): { outcome: LegOutcome; journal: JournalRow } {
  const plan = exec.plan;
  const symbol = legSymbol(plan, ledger, facts.masterId);
  if (plan.action === 'open' && plan.offsets !== undefined) {
    // An order that closed shares of a netting position (plan.ts, `offsets`): the links shrink, none is added.
    if (exec.status === 'filled' || exec.status === 'partial') {
      const done = plan.volume > 0 ? Math.min(1, (exec.volume ?? plan.volume) / plan.volume) : 1;
      for (const change of plan.offsets) {
        const link = ledger
          .ofMasterOnFollower(facts.masterId, change.masterTicket, plan.followerId)
          .find((l) => l.followerTicket === change.followerTicket && l.status === 'open');
        if (!link) continue;
        link.volume = roundLots(change.volumeBefore - (change.volumeBefore - change.volumeAfter) * done);
        link.masterVolume = change.masterVolumeAfter;
        if (link.volume <= 0) link.status = 'closed';
      }
    }
  } else if ((plan.action === 'open' || plan.action === 'place_pending') && (exec.status === 'filled' || exec.status === 'partial') && exec.ticket !== null) {
    const link: CopyLink = {
      masterId: facts.masterId,
      masterTicket: plan.masterTicket,
      followerId: plan.followerId,
      followerTicket: exec.ticket,
      kind: plan.action === 'open' ? 'position' : 'pending',
      followerSymbol: plan.symbol,
      masterSymbol: facts.masterSymbol,
      side: plan.side,
      volume: roundLots(exec.volume ?? plan.volume),
      masterVolume: facts.masterVolumeAfter ?? 0,
      openedAt: facts.at,
      status: 'open',
    };
    ledger.add(link);
    ledger.freshCopies.record(plan.followerId, {
      ticket: exec.ticket,
      symbol: plan.symbol,
      side: plan.side,
      lots: link.volume,
      entryPrice: plan.action === 'place_pending' ? plan.price : (exec.price ?? 0),
      stopLoss: plan.stopLoss,
      pending: plan.action === 'place_pending',
    });
  }
  if (plan.action === 'close' && (exec.status === 'closed' || exec.status === 'partial')) {
    const closedTickets = new Map((exec.closedTickets ?? []).map((t) => [t.ticket, t] as const));
    for (const change of plan.linkVolumes) {
      const t = closedTickets.get(change.followerTicket);
      const done = exec.status === 'closed' || t?.status === 'closed' || t?.retcode === Retcode.POSITION_CLOSED;
      if (!done) continue;
      const link = ledger
        .ofMasterOnFollower(facts.masterId, change.masterTicket, plan.followerId)
        .find((l) => l.followerTicket === change.followerTicket && l.status === 'open');
      if (!link) continue;
      link.volume = change.volumeAfter;
      link.masterVolume = change.masterVolumeAfter;
      if (change.volumeAfter <= 0) link.status = 'closed';
    }
  }
  if (plan.action === 'delete_pending' && (exec.status === 'closed' || exec.status === 'partial')) {
    for (const link of ledger.ofMasterOnFollower(facts.masterId, plan.masterTicket, plan.followerId)) {
      if (link.followerTicket === plan.ticket) link.status = 'closed';
    }
  }
  const action = outcomeAction(plan, facts.kind);
  const outcome: LegOutcome = {
    followerId: plan.followerId,
    followerName,
    status: exec.status,
    action,
    symbol,
    volume: exec.volume ?? (plan.action === 'open' || plan.action === 'place_pending' ? plan.volume : null),
    // A placed pending order's price is its trigger: the one sent, when the broker's reply leaves it 0.
    price: plan.action === 'place_pending' && (exec.status === 'filled' || exec.status === 'partial') ? (exec.price ?? plan.price) : exec.price,
    slippagePoints: slippage(plan, exec, facts.masterPrice, point),
    latencyMs: exec.latencyMs,
    ticket: exec.ticket ?? (plan.action === 'modify' || plan.action === 'delete_pending' ? plan.ticket : null),
    retcode: exec.retcode,
    reason: reasonOf(plan, exec),
    detail: detailOf(plan, exec),
  };
  const journal: JournalRow = {
    at: facts.at,
    masterId: facts.masterId,
    eventId: facts.eventId,
    eventKind: facts.kind,
    followerId: plan.followerId,
    action,
    status: exec.status === 'failed' ? 'failed' : exec.status,
    reason: outcome.reason,
    detail: outcome.detail,
    masterTicket: plan.masterTicket,
    followerTicket: outcome.ticket,
    symbol,
    volume: outcome.volume,
    price: outcome.price,
  };
  return { outcome, journal };
}

/**
 * What the copy path derives from a master event and the follower caches to record a leg's result: the event's
 * facts for the ledger and journal, a leg's point size, and the margin numbers behind a refused open.
 */
import type { MasterBook } from '../domain/detect.js';
import type { MasterEvent } from '../domain/events.js';
import type { LegPlan } from '../domain/plan.js';
import { roundLots } from '../domain/volume.js';
import type { EventFacts } from './apply-results.js';
import type { FollowerState } from './follower-state.js';

/**
 * The facts of a master event. The master's volume after an open comes from the event itself: the book (`book`, kept
 * for events that predate `volumeBefore`) runs ahead of the copy path, a partial close that arrived meanwhile already
 * shows in it, and the copy's ratio to its master must be the one it was sized with.
 */
export function eventFacts(event: MasterEvent, book: MasterBook | undefined, now: number): EventFacts {
  const tracked = event.kind === 'open' && !(event.volumeBefore >= 0) ? book?.positions.get(event.position) : undefined;
  const openAfter = event.kind === 'open' ? (event.volumeBefore >= 0 ? roundLots(event.volumeBefore + event.volume) : (tracked?.dealVolume ?? event.volume)) : null;
  return {
    masterId: event.masterId,
    eventId: event.eventId,
    kind: event.kind,
    masterPrice: event.kind === 'open' || event.kind === 'close' ? event.price : event.kind === 'pending_place' ? event.price : null,
    masterVolumeAfter: event.kind === 'open' ? openAfter : event.kind === 'pending_place' ? event.volume : null,
    masterSymbol: event.symbol,
    at: now,
  };
}

/** What the copier's cache knew of a refused open's margin: the broker's 10019 alone does not say how short it was. */
export function marginNumbers(plan: LegPlan, f: FollowerState | undefined): Record<string, number> {
  if (plan.action !== 'open' && plan.action !== 'place_pending') return {};
  const perLot = f?.marginPerLot.get(plan.symbol)?.[plan.side];
  const free = f?.summary?.freeMargin;
  const out: Record<string, number> = {};
  if (perLot !== undefined) out.required = Math.round(perLot * plan.volume * 100) / 100;
  if (free !== undefined) out.free = free;
  return out;
}

/** The point size of an open leg's symbol on its follower, or null (other actions, or no spec cached). */
export function pointOf(plan: LegPlan, f: FollowerState | undefined): number | null {
  if (plan.action !== 'open') return null;
  return f?.specs.get(plan.symbol)?.point ?? null;
}

/**
 * What the follower's cache shows of the pending copy a skipped `pending_copy_exists` leg names: when its row is a
 * position, the broker filled it (its fill price, lots and ticket; `copy: 'filled'`); else it is still waiting for
 * its own trigger (`copy: 'pending'`, with its trigger price). The alert then says what the broker did, not "skipped".
 */
export function pendingCopyFacts(plan: LegPlan, f: FollowerState | undefined): { copy: 'filled' | 'pending'; price: number | null; volume: number | null; ticket: number | null; symbol: string | null } | null {
  if (plan.action !== 'skip' || plan.reason !== 'pending_copy_exists') return null;
  const ticket = typeof plan.detail.ticket === 'number' ? plan.detail.ticket : null;
  const row = ticket === null ? undefined : f?.positions.find((r) => r.ticket === ticket);
  const symbol = row?.symbol ?? (typeof plan.detail.symbol === 'string' ? plan.detail.symbol : null);
  if (row?.kind === 'Position' || (row === undefined && plan.detail.copy === 'position')) {
    return { copy: 'filled', price: row?.openPrice ?? null, volume: row?.lots ?? null, ticket, symbol };
  }
  return { copy: 'pending', price: row?.openPrice ?? null, volume: row?.lots ?? null, ticket, symbol };
}

/**
 * Master tickets with events the feed has emitted and the copy path has not finished: reconciliation leaves them
 * alone (design.md §3), since the live path is about to apply what it would apply.
 */
import type { MasterEvent } from '../domain/events.js';

/** The master ticket an event is about: the position, or the pending order. */
export function ticketOf(event: MasterEvent): number {
  return event.kind === 'pending_place' || event.kind === 'pending_modify' || event.kind === 'pending_delete' ? event.order : event.position;
}

/** Counts events per master ticket between emission and the end of their processing. */
export class InFlightTickets {
  private readonly counts = new Map<number, number>();

  add(ticket: number): void {
    this.counts.set(ticket, (this.counts.get(ticket) ?? 0) + 1);
  }

  done(ticket: number): void {
    const n = (this.counts.get(ticket) ?? 0) - 1;
    if (n > 0) this.counts.set(ticket, n);
    else this.counts.delete(ticket);
  }

  tickets(): IterableIterator<number> {
    return this.counts.keys();
  }
}

/**
 * The per-master window of processed event ids (dedup): an in-memory set for the copy path, mirrored into state's
 * `processed` lists and trimmed to the retention.
 */
import type { Clock, EngineState } from './ports.js';

/** Which master events were already processed, per master, within the retention window. */
export class ProcessedEvents {
  private readonly processed = new Map<string, Set<string>>();

  constructor(
    private readonly state: { readonly data: EngineState },
    private readonly clock: Clock,
    private readonly retention: number,
  ) {
    for (const [masterId, list] of Object.entries(state.data.processed)) {
      this.processed.set(masterId, new Set(list.map((p) => p.eventId)));
    }
  }

  has(masterId: string, eventId: string): boolean {
    return this.processed.get(masterId)?.has(eventId) ?? false;
  }

  /** Records an event as processed; trimming waits for 10% overflow so it does not run on every event. */
  mark(masterId: string, eventId: string): void {
    let set = this.processed.get(masterId);
    if (!set) {
      set = new Set();
      this.processed.set(masterId, set);
    }
    set.add(eventId);
    const list = (this.state.data.processed[masterId] ??= []);
    list.push({ eventId, at: this.clock.now() });
    if (list.length > this.retention * 1.1) {
      const removed = list.splice(0, list.length - this.retention);
      for (const r of removed) set.delete(r.eventId);
    }
  }
}

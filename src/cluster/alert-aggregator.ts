/**
 * One chat message per master event, although its legs come from several partitions: `copied` events with the same
 * master and event id are merged, waiting at most `waitMs` for the partitions expected to have legs in it. Legs that
 * arrive later go out again with every leg so far (`message.posted` = how many were posted before), so the chat edits
 * the first message, never dropped. Connection alerts that every
 * partition reading a master raises for the same outage are reported once. No timers of its own: the caller ticks it.
 */
import type { CopierEvent } from '../engine/events.js';

type Copied = Extract<CopierEvent, { type: 'copied' }>;

/** How long a posted event's message is remembered for late legs (and a connection alert for its duplicates). */
export const AGGREGATE_MEMORY_MS = 10 * 60_000;

export interface AggregatedEvent {
  event: CopierEvent;
  /** Ids of the stream entries this message covers (acknowledged once it is handed to the chat). */
  entries: string[];
  /** Key that makes a re-delivery (after a control takeover) recognisable. */
  key: string;
  /** False for a duplicate (another partition's report of the same outage): acknowledged, not shown. */
  show: boolean;
}

interface Open {
  first: Copied;
  legs: Copied['legs'];
  elapsedMs: number;
  partitions: Set<number>;
  expected: Set<number>;
  entries: string[];
  openedAt: number;
  emitted: boolean;
}

export class AlertAggregator {
  private readonly open = new Map<string, Open>();
  /** Keys of events emitted recently, to route late legs to a follow-up and to drop duplicate connection alerts. */
  private readonly recent = new Map<string, number>();
  /** The posted `copied` events (the legs so far), for late partitions' legs. */
  private readonly posted = new Map<string, Copied>();

  constructor(
    private readonly opts: {
      waitMs: number;
      /** Partitions with followers of a master (the legs to wait for). */
      expectedPartitions(masterId: string): Set<number>;
      /** How long an emitted key is remembered. */
      memoryMs?: number;
    },
  ) {}

  /** Takes one entry; returns what is ready to go out now. */
  add(entryId: string, partition: number, event: CopierEvent, now: number): AggregatedEvent[] {
    if (event.type === 'copied') {
      const key = `copied:${event.masterId}:${event.event.eventId}`;
      const o = this.open.get(key);
      if (o === undefined) {
        const sent = this.posted.get(key);
        if (sent !== undefined) {
          // A late partition: the message already posted is brought up to every leg so far.
          const late: Copied = { ...sent, legs: [...sent.legs, ...event.legs], elapsedMs: Math.max(sent.elapsedMs, event.elapsedMs), message: { key, posted: sent.legs.length } };
          this.posted.set(key, late);
          return [{ event: late, entries: [entryId], key: `${key}:late:${partition}`, show: true }];
        }
        this.open.set(key, {
          first: event,
          legs: [...event.legs],
          elapsedMs: event.elapsedMs,
          partitions: new Set([partition]),
          expected: this.opts.expectedPartitions(event.masterId),
          entries: [entryId],
          openedAt: now,
          emitted: false,
        });
      } else {
        o.legs.push(...event.legs);
        o.elapsedMs = Math.max(o.elapsedMs, event.elapsedMs);
        o.partitions.add(partition);
        o.entries.push(entryId);
      }
      return this.due(now);
    }
    if (event.type === 'connection') {
      const key = `connection:${event.accountId}:${event.state}`;
      const seenAt = this.recent.get(key);
      const opposite = this.recent.get(`connection:${event.accountId}:${event.state === 'lost' ? 'restored' : 'lost'}`);
      // The same transition from several partitions within one window is one outage.
      if (seenAt !== undefined && (opposite === undefined || opposite < seenAt) && now - seenAt < 30_000) {
        return [{ event, entries: [entryId], key: `${key}:dup:${entryId}`, show: false }];
      }
      this.recent.set(key, now);
      return [...this.due(now), { event, entries: [entryId], key: `${key}:${event.at}`, show: true }];
    }
    return [...this.due(now), { event, entries: [entryId], key: `${event.type}:${entryId}`, show: true }];
  }

  /**
   * A message posted before this aggregator started (by the control process this one took over from): late legs of
   * that event edit it.
   */
  remember(key: string, posted: Copied, at: number): void {
    this.posted.set(key, posted);
    this.recent.set(key, at);
  }

  /** What waited long enough, or has every expected partition's legs. */
  due(now: number): AggregatedEvent[] {
    const out: AggregatedEvent[] = [];
    for (const [key, o] of this.open) {
      const complete = [...o.expected].every((p) => o.partitions.has(p));
      if (!complete && now - o.openedAt < this.opts.waitMs) continue;
      this.open.delete(key);
      this.recent.set(key, now);
      const event: Copied = { ...o.first, legs: o.legs, elapsedMs: o.elapsedMs, message: { key, posted: 0 } };
      this.posted.set(key, event);
      out.push({ event, entries: o.entries, key, show: true });
    }
    const memory = this.opts.memoryMs ?? AGGREGATE_MEMORY_MS;
    for (const [k, at] of this.recent) {
      if (now - at <= memory) continue;
      this.recent.delete(k);
      this.posted.delete(k);
    }
    return out;
  }

  get waiting(): number {
    return this.open.size;
  }
}

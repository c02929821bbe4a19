/**
 * A master's terminal stream as one partition sees it in cluster mode: a `StreamPort` over the master's Redis stream,
 * read through the partition's consumer group, so the engine's master feed runs unchanged.
 *
 * Start-up primes the feed's book the way a terminal does on subscribe: the newest `account` and `positions` entries
 * at or before where the group resumes, then the entries between them and that point (already handled by the previous
 * owner: their events are in the processed set and are not copied twice), then the previous owner's unacknowledged
 * entries (claimed with XAUTOCLAIM), then new ones. Entries are acknowledged by the partition once what they caused is
 * durable. An entry this build cannot read goes to the dead-letter stream, acknowledged, with its id logged.
 *
 * Acknowledgements run on a chain of their own, in delivery order, and the reader never waits for them: what one entry
 * causes can depend on the entries behind it (a new position's trade frame waits for the positions list that follows
 * it), so a reader blocked on "durable" would stall every open for the feed's whole hold.
 */
import type { Redis } from 'ioredis';
import type { Logger, StreamEvent, StreamPort, StreamTopic } from '../engine/ports.js';
import { decodeMasterEvent } from './wire.js';
import type { EntryFields } from './wire.js';

type Entry = [id: string, fields: EntryFields];

/** Pause before an acknowledgement that could not be made durable is tried again. */
const ACK_RETRY_MS = 250;

/** Delivered entries wait here until the partition says their effects are durable. */
export interface AckSink {
  /** Called after each delivered batch; resolves when the entries may be acknowledged (or rejects: keep them pending). */
  durable(): Promise<void>;
}

export interface RedisMasterStreamDeps {
  /** A connection of its own: XREADGROUP blocks it. */
  reader: Redis;
  /** The shared connection for XACK, XADD to the dead-letter stream. */
  redis: Redis;
  masterId: string;
  streamKey: string;
  group: string;
  consumer: string;
  deadLetterKey: string;
  sink: AckSink;
  log: Logger;
  /** Block time of one read, ms. */
  blockMs?: number;
  /** How far back to look for the priming `positions` entry. */
  primeScan?: number;
}

function prevId(id: string): string {
  const [ms, seq] = id.split('-').map((x) => BigInt(x)) as [bigint, bigint];
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0';
}

function kindOf(fields: EntryFields): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'k') return fields[i + 1];
  return undefined;
}

export class RedisMasterStream implements StreamPort {
  readonly accountId: string;
  private listener: ((event: StreamEvent) => void) | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private relayConnected = true;
  private readerHealthy = false;
  private acks: Promise<void> = Promise.resolve();
  /** Entries read and delivered, by id, for the dead-letter and ack counters. */
  readonly counters = { delivered: 0, acked: 0, deadLettered: 0, claimed: 0 };

  constructor(private readonly deps: RedisMasterStreamDeps) {
    this.accountId = deps.masterId;
  }

  get connected(): boolean {
    return this.readerHealthy && this.relayConnected;
  }

  // The relay subscribes the terminal to every topic a master feed needs; the partition has nothing to subscribe.
  subscribe(_topic: StreamTopic): void {}
  unsubscribe(_topic: StreamTopic): void {}

  onEvent(listener: (event: StreamEvent) => void): void {
    this.listener = listener;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error: unknown) => this.deps.log.error({ masterId: this.accountId, err: String(error) }, 'master stream reader stopped'));
  }

  async close(): Promise<void> {
    this.running = false;
    this.deps.reader.disconnect();
    await this.loop;
    await this.acks;
  }

  private emit(event: StreamEvent): void {
    if (event.type === 'open') this.relayConnected = true;
    if (event.type === 'closed' || event.type === 'gave_up') this.relayConnected = false;
    this.listener?.(event);
  }

  /** Decodes and delivers entries; unreadable ones are dead-lettered. Returns the ids to acknowledge. */
  private async deliver(entries: readonly Entry[], ackable: boolean): Promise<string[]> {
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const decoded = decodeMasterEvent(fields);
      if (!decoded.ok) {
        this.deps.log.error({ masterId: this.accountId, stream: this.deps.streamKey, id, reason: decoded.reason }, 'unreadable master stream entry moved to the dead-letter stream');
        await this.deps.redis.xadd(this.deps.deadLetterKey, 'MAXLEN', '~', 10_000, '*', 'stream', this.deps.streamKey, 'id', id, 'group', this.deps.group, 'reason', decoded.reason, ...fields);
        this.counters.deadLettered++;
        if (ackable) await this.deps.redis.xack(this.deps.streamKey, this.deps.group, id);
        continue;
      }
      if (ackable) this.counters.delivered++;
      this.emit(decoded.value.event);
      if (ackable) ids.push(id);
    }
    return ids;
  }

  /** Queues the entries' acknowledgement behind the earlier ones; it is retried until it lands or the reader stops. */
  private ack(ids: string[]): void {
    if (ids.length === 0) return;
    this.acks = this.acks.then(async () => {
      while (this.running) {
        try {
          await this.deps.sink.durable();
          await this.deps.redis.xack(this.deps.streamKey, this.deps.group, ...ids);
          this.counters.acked += ids.length;
          return;
        } catch (error) {
          // Not durable (state write refused, Redis away, lease lost): the entries stay pending, for us or the next owner.
          if (!this.running) return;
          this.deps.log.debug({ masterId: this.accountId, entries: ids.length, err: String(error) }, 'master stream entries not acknowledged yet');
          await new Promise((r) => setTimeout(r, ACK_RETRY_MS));
        }
      }
    });
  }

  /** Creates the group when missing, just before the newest `positions` entry so a first owner's book is primed. */
  private async ensureGroup(): Promise<void> {
    const { reader, streamKey, group } = this.deps;
    const recent = (await reader.xrevrange(streamKey, '+', '-', 'COUNT', this.deps.primeScan ?? 500)) as Entry[];
    const snapshot = recent.find(([, f]) => kindOf(f) === 'positions');
    const at = snapshot ? prevId(snapshot[0]) : '$';
    try {
      await reader.xgroup('CREATE', streamKey, group, at, 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }

  /** Where the group resumes: the first entry still pending, else just after the last delivered one. */
  private async resumePoint(): Promise<string | null> {
    const { reader, streamKey, group } = this.deps;
    const pending = (await reader.xpending(streamKey, group)) as [number, string | null, string | null, unknown];
    if (pending[0] > 0 && pending[1] !== null) return pending[1];
    const groups = (await reader.xinfo('GROUPS', streamKey)) as unknown[][];
    for (const g of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      if (info.get('name') === group) {
        const last = String(info.get('last-delivered-id'));
        return last === '0-0' ? null : last;
      }
    }
    return null;
  }

  /** Primes the book: newest account and positions entries at or before `point`, and what came after them up to it. */
  private async prime(point: string | null): Promise<void> {
    if (point === null) return;
    const { reader, streamKey } = this.deps;
    const back = (await reader.xrevrange(streamKey, point, '-', 'COUNT', this.deps.primeScan ?? 500)) as Entry[];
    const snapIndex = back.findIndex(([, f]) => kindOf(f) === 'positions');
    if (snapIndex < 0) {
      this.deps.log.warn({ masterId: this.accountId }, 'no positions snapshot near the resume point; the feed resyncs from the broker');
      this.emit({ type: 'warning', dropped: 0 });
      return;
    }
    const account = back.find(([, f]) => kindOf(f) === 'account');
    const replay = back.slice(0, snapIndex + 1).reverse();
    // The resume point itself is delivered again below when pending: replay strictly before it.
    const before = replay.filter(([id]) => id !== point);
    if (account && !before.some(([id]) => id === account[0])) await this.deliver([account], false);
    await this.deliver(before, false);
  }

  private async run(): Promise<void> {
    const { reader, streamKey, group, consumer } = this.deps;
    while (this.running) {
      try {
        await this.ensureGroup();
        this.readerHealthy = true;
        const point = await this.resumePoint();
        this.emit({ type: 'open', reconnect: false, attempt: 0 });
        await this.prime(point);
        // The previous owner's unacknowledged entries become ours (it is fenced: its lease is gone).
        let cursor = '0-0';
        do {
          const [next, claimed] = (await reader.xautoclaim(streamKey, group, consumer, 0, cursor, 'COUNT', 200)) as [string, Entry[], unknown];
          this.counters.claimed += claimed.length;
          cursor = next;
        } while (cursor !== '0-0' && this.running);
        // Our pending list (just claimed, or ours from before a reconnect), in id order.
        let from = '0';
        for (;;) {
          const res = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', 200, 'STREAMS', streamKey, from)) as [string, Entry[]][] | null;
          const entries = res?.[0]?.[1] ?? [];
          if (entries.length === 0) break;
          this.ack(await this.deliver(entries, true));
          from = entries[entries.length - 1]?.[0] ?? from;
        }
        while (this.running) {
          const res = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', 200, 'BLOCK', this.deps.blockMs ?? 1_000, 'STREAMS', streamKey, '>')) as
            | [string, Entry[]][]
            | null;
          const entries = res?.[0]?.[1] ?? [];
          if (entries.length > 0) this.ack(await this.deliver(entries, true));
        }
      } catch (error) {
        if (!this.running) return;
        this.readerHealthy = false;
        this.deps.log.warn({ masterId: this.accountId, err: String(error) }, 'master stream read failed; retrying');
        this.emit({ type: 'closed', code: 1006, reason: 'redis', willRetry: true });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

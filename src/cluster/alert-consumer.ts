/**
 * The control process's side of the alerts stream: a consumer group (`control`), so a control process that takes
 * over claims what the previous one read but did not acknowledge. Entries are aggregated per master event, handed to
 * the chat, recorded as delivered (a Redis set with expiry, so a takeover does not post them twice), then XACKed.
 * Unreadable entries go to the dead-letter stream. Each posted master event (its legs so far) is kept for a few
 * minutes in `posted`, so a control process that takes over edits that message with a late partition's legs.
 */
import type { Redis } from 'ioredis';
import type { CopierEvent } from '../engine/events.js';
import type { Logger } from '../engine/ports.js';
import { AGGREGATE_MEMORY_MS, AlertAggregator } from './alert-aggregator.js';
import type { AggregatedEvent } from './alert-aggregator.js';
import type { ClusterKeys } from './keys.js';
import { RecentHash } from './recent-hash.js';
import { decodeAlert } from './wire.js';
import type { EntryFields } from './wire.js';

type Entry = [id: string, fields: EntryFields];
type Copied = Extract<CopierEvent, { type: 'copied' }>;

/**
 * Events with more legs are not kept for a takeover: their message could not be edited anyway (a line per leg is
 * past Telegram's 4,096 characters long before this), and the record would be large.
 */
export const MAX_KEPT_LEGS = 200;

export const CONTROL_GROUP = 'control';

export class AlertConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly aggregator: AlertAggregator;
  private ticker: NodeJS.Timeout | null = null;
  private readonly posted: RecentHash;
  readonly counters = { read: 0, shown: 0, duplicates: 0, deadLettered: 0 };

  constructor(
    private readonly deps: {
      redis: Redis;
      reader: Redis;
      keys: ClusterKeys;
      consumer: string;
      waitMs: number;
      expectedPartitions(masterId: string): Set<number>;
      deliver(event: CopierEvent): void;
      log: Logger;
    },
  ) {
    this.aggregator = new AlertAggregator({ waitMs: deps.waitMs, expectedPartitions: (m) => deps.expectedPartitions(m) });
    this.posted = new RecentHash({ redis: deps.redis, key: deps.keys.postedEvents, maxAgeMs: AGGREGATE_MEMORY_MS });
  }

  /** The messages the control process before this one posted (a record that does not parse is logged and skipped). */
  private async recallPosted(): Promise<void> {
    for (const { field, at, value } of await this.posted.load(Date.now())) {
      let event: unknown;
      try {
        event = JSON.parse(value);
      } catch {
        event = undefined;
      }
      const e = event as Partial<Copied> | undefined;
      if (e?.type !== 'copied' || !Array.isArray(e.legs) || e.message?.key !== field) {
        this.deps.log.warn({ key: this.deps.keys.postedEvents, field }, 'a posted event record in Redis is not readable; its late legs come as a message of their own');
        continue;
      }
      this.aggregator.remember(field, e as Copied, at);
    }
  }

  async start(): Promise<void> {
    try {
      await this.deps.redis.xgroup('CREATE', this.deps.keys.alerts, CONTROL_GROUP, '$', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    await this.recallPosted().catch((error: unknown) => this.deps.log.warn({ err: String(error) }, 'the posted events could not be read from Redis; late legs of earlier events come as messages of their own'));
    this.running = true;
    this.ticker = setInterval(() => void this.emit(this.aggregator.due(Date.now())), Math.max(20, Math.floor(this.deps.waitMs / 4)));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.deps.reader.disconnect();
    await this.loop;
  }

  private async emit(ready: AggregatedEvent[]): Promise<void> {
    for (const a of ready) {
      if (a.show) {
        // SADD answers 0 when a previous control process already delivered this one.
        const fresh = await this.deps.redis.sadd(this.deps.keys.delivered, a.key).catch(() => 1);
        if (fresh === 1) {
          this.counters.shown++;
          try {
            this.deps.deliver(a.event);
          } catch (error) {
            this.deps.log.error({ err: String(error) }, 'alert delivery failed');
          }
          if (a.event.type === 'copied' && a.event.message !== undefined && a.event.legs.length <= MAX_KEPT_LEGS) {
            const { key } = a.event.message;
            await this.posted.put(key, JSON.stringify(a.event), Date.now()).catch((error: unknown) => this.deps.log.warn({ err: String(error), key }, 'a posted event could not be kept in Redis; after a takeover its late legs come as a message of their own'));
          }
        } else {
          this.counters.duplicates++;
        }
      } else {
        this.counters.duplicates++;
      }
      await this.deps.redis.xack(this.deps.keys.alerts, CONTROL_GROUP, ...a.entries).catch(() => undefined);
    }
    await this.deps.redis.expire(this.deps.keys.delivered, 3_600).catch(() => undefined);
  }

  private async handle(entries: readonly Entry[]): Promise<void> {
    for (const [id, fields] of entries) {
      this.counters.read++;
      const decoded = decodeAlert(fields);
      if (!decoded.ok) {
        this.counters.deadLettered++;
        this.deps.log.error({ stream: this.deps.keys.alerts, id, reason: decoded.reason }, 'unreadable alert entry moved to the dead-letter stream');
        await this.deps.redis.xadd(this.deps.keys.deadLetter, 'MAXLEN', '~', 10_000, '*', 'stream', this.deps.keys.alerts, 'id', id, 'reason', decoded.reason, ...fields);
        await this.deps.redis.xack(this.deps.keys.alerts, CONTROL_GROUP, id);
        continue;
      }
      await this.emit(this.aggregator.add(id, decoded.value.partition, decoded.value.event, Date.now()));
    }
  }

  private async run(): Promise<void> {
    const { reader, keys, consumer } = this.deps;
    while (this.running) {
      try {
        // What a previous control process read and never acknowledged is ours now.
        let cursor = '0-0';
        do {
          const [next] = (await reader.xautoclaim(keys.alerts, CONTROL_GROUP, consumer, 0, cursor, 'COUNT', 500)) as [string, Entry[], unknown];
          cursor = next;
        } while (cursor !== '0-0');
        const mine = (await reader.xreadgroup('GROUP', CONTROL_GROUP, consumer, 'COUNT', 1000, 'STREAMS', keys.alerts, '0')) as [string, Entry[]][] | null;
        await this.handle(mine?.[0]?.[1] ?? []);
        while (this.running) {
          const res = (await reader.xreadgroup('GROUP', CONTROL_GROUP, consumer, 'COUNT', 500, 'BLOCK', 1_000, 'STREAMS', keys.alerts, '>')) as [string, Entry[]][] | null;
          await this.handle(res?.[0]?.[1] ?? []);
        }
      } catch (error) {
        if (!this.running) return;
        this.deps.log.warn({ err: String(error) }, 'alerts stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

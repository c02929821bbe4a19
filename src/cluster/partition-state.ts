/**
 * A partition's durable engine state in Redis (the `StatePort` of its engine): the ticket map, processed events,
 * pending legs, journal, daily marks and master history, as one validated JSON document. Every write is a fenced Lua
 * script: it lands only while the writer still holds the partition's lease, so a worker that lost its partition can
 * never overwrite the new owner's state. Writes are coalesced (`changed`) off the copy path; `flush` writes now.
 *
 * The configuration part (`masters`, `followers`) is not stored here: it is the control process's document, kept in
 * the live `data` by the worker's config sync.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { EngineState, StatePort } from '../engine/ports.js';
import { copyLinkSchema, dailyMarkSchema, journalEntrySchema, masterOpenSchema, pendingLegSchema, processedEventSchema } from '../store/schema.js';
import { FatalError } from '../domain/errors.js';
import type { Lease } from './lease.js';
import { FENCE_CHECK } from './lease.js';

export const PARTITION_STATE_VERSION = 1;

const partitionDocumentSchema = z.strictObject({
  version: z.literal(PARTITION_STATE_VERSION),
  partition: z.int().min(0),
  links: z.array(copyLinkSchema),
  processed: z.record(z.string(), z.array(processedEventSchema)),
  pending: z.array(pendingLegSchema),
  journal: z.array(journalEntrySchema),
  daily: z.record(z.string(), dailyMarkSchema),
  masterHistory: z.record(z.string(), z.array(masterOpenSchema)),
});

// KEYS[1] lease, KEYS[2] state; ARGV[1] fence, ARGV[2] document.
const WRITE = `${FENCE_CHECK}redis.call('SET', KEYS[2], ARGV[2]) return 1`;

/** Reads a partition's state (empty when it never had one). A document that fails validation stops the partition. */
export async function loadPartitionState(redis: Redis, key: string, partition: number): Promise<Omit<EngineState, 'masters' | 'followers'>> {
  const text = await redis.get(key);
  if (text === null) return { links: [], processed: {}, pending: [], journal: [], daily: {}, masterHistory: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FatalError('partition_state_corrupt', `Partition ${partition}'s state in Redis (${key}) is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = partitionDocumentSchema.safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new FatalError('partition_state_invalid', `Partition ${partition}'s state in Redis (${key}) is not valid: ${where}`);
  }
  const { version: _v, partition: _p, ...state } = result.data;
  return state as Omit<EngineState, 'masters' | 'followers'>;
}

export class RedisPartitionState implements StatePort {
  readonly data: EngineState;
  private ok = true;
  private readonly errorListeners: ((error: Error) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** Writes done and bytes of the last one, for /status and the benchmark. */
  readonly counters = { writes: 0, lastBytes: 0, refused: 0 };

  constructor(
    private readonly deps: { redis: Redis; key: string; partition: number; lease: Lease; writeDelayMs: number },
    data: EngineState,
  ) {
    this.data = data;
  }

  get healthy(): boolean {
    return this.ok;
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  changed(): void {
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => undefined);
    }, this.deps.writeDelayMs);
    this.timer.unref();
  }

  /** Writes the document now (after any write in progress). Rejects when the lease is gone or Redis failed. */
  flush(): Promise<void> {
    const next = this.writing.then(() => this.write());
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const d = this.data;
    const text = JSON.stringify({
      version: PARTITION_STATE_VERSION,
      partition: this.deps.partition,
      links: d.links,
      processed: d.processed,
      pending: d.pending,
      journal: d.journal,
      daily: d.daily,
      masterHistory: d.masterHistory,
    });
    let result: number;
    try {
      result = Number(await this.deps.redis.eval(WRITE, 2, this.deps.lease.key, this.deps.key, this.deps.lease.fence, text));
    } catch (error) {
      this.dirty = true;
      throw error instanceof Error ? error : new Error(String(error));
    }
    if (result === -1) {
      this.counters.refused++;
      this.deps.lease.lose('a state write was refused by the fence');
      const error = new FatalError('lease_lost', `Partition ${this.deps.partition}'s lease is held by another worker; its state was not written.`);
      this.fail(error);
      throw error;
    }
    this.counters.writes++;
    this.counters.lastBytes = text.length;
  }

  private fail(error: Error): void {
    if (!this.ok) return;
    this.ok = false;
    for (const l of this.errorListeners) l(error);
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

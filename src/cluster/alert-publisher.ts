/**
 * A partition's CopierEvents onto the cluster's alerts stream, fenced: an event is appended only while the partition's
 * lease is ours, so a worker that lost its partition cannot post alerts for work it no longer owns.
 */
import type { Redis } from 'ioredis';
import type { CopierEvent } from '../engine/events.js';
import type { Logger } from '../engine/ports.js';
import type { Lease } from './lease.js';
import { FENCE_CHECK } from './lease.js';
import { encodeAlert } from './wire.js';

export const ALERTS_MAX_LEN = 100_000;

// KEYS[1] lease, KEYS[2] alerts stream; ARGV[1] fence, ARGV[2] max length, ARGV[3..] fields.
const PUBLISH = `${FENCE_CHECK}redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3)) return 1`;

export class AlertPublisher {
  published = 0;
  refused = 0;
  failed = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { redis: Redis; key: string; lease: Lease; partition: number; worker: string; log: Logger }) {}

  publish(event: CopierEvent): void {
    if (this.deps.lease.token === null) {
      this.refused++;
      return;
    }
    const fence = this.deps.lease.fence;
    const fields = encodeAlert({ partition: this.deps.partition, worker: this.deps.worker, event });
    this.chain = this.chain.then(async () => {
      try {
        const r = Number(await this.deps.redis.eval(PUBLISH, 2, this.deps.lease.key, this.deps.key, fence, ALERTS_MAX_LEN, ...fields));
        if (r === -1) this.refused++;
        else this.published++;
      } catch (error) {
        this.failed++;
        this.deps.log.warn({ partition: this.deps.partition, type: event.type, err: String(error) }, 'alert could not be published');
      }
    });
  }

  /** Resolves when every alert handed over so far was written (or failed). */
  drained(): Promise<void> {
    return this.chain;
  }
}

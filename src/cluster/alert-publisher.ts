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
/** How long an alert is offered again while Redis cannot be reached (a restart from the AOF takes seconds). */
export const ALERT_RETRY_FOR_MS = 30_000;
const ALERT_RETRY_WAIT_MS = 250;

// KEYS[1] lease, KEYS[2] alerts stream; ARGV[1] fence, ARGV[2] max length, ARGV[3..] fields.
const PUBLISH = `${FENCE_CHECK}redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3)) return 1`;

export class AlertPublisher {
  published = 0;
  refused = 0;
  failed = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { redis: Redis; key: string; lease: Lease; partition: number; worker: string; log: Logger; retryForMs?: number }) {}

  publish(event: CopierEvent): void {
    if (this.deps.lease.token === null) {
      this.refused++;
      return;
    }
    const fence = this.deps.lease.fence;
    const fields = encodeAlert({ partition: this.deps.partition, worker: this.deps.worker, event });
    this.chain = this.chain.then(async () => {
      // Redis gone for a moment must not swallow the report of an order that was sent: the alert is offered again
      // under the same fence until Redis answers. A lease that moved on meanwhile refuses it (the new owner reports
      // what it settles); an outage longer than the retry budget is logged as lost.
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const r = Number(await this.deps.redis.eval(PUBLISH, 2, this.deps.lease.key, this.deps.key, fence, ALERTS_MAX_LEN, ...fields));
          if (r === -1) this.refused++;
          else this.published++;
          if (attempt > 0) this.deps.log.info({ partition: this.deps.partition, type: event.type, attempts: attempt + 1, published: r !== -1 }, 'alert offered again after Redis came back');
          return;
        } catch (error) {
          if (Date.now() - started >= (this.deps.retryForMs ?? ALERT_RETRY_FOR_MS)) {
            this.failed++;
            this.deps.log.warn({ partition: this.deps.partition, type: event.type, attempts: attempt + 1, err: String(error) }, 'alert could not be published');
            return;
          }
          await new Promise((r) => setTimeout(r, ALERT_RETRY_WAIT_MS));
        }
      }
    });
  }

  /** Resolves when every alert handed over so far was written, refused by the fence, or given up on. */
  drained(): Promise<void> {
    return this.chain;
  }
}

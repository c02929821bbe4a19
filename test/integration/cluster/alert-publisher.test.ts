/**
 * A worker's alerts while Redis restarts (a real redis-server, SIGKILLed and started again from its AOF): the report of
 * an order already sent is offered again under the same fence until Redis answers, not dropped.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useLocalRedis } from './local-redis-suite.js';
import { AlertPublisher } from '../../../src/cluster/alert-publisher.js';
import { Lease } from '../../../src/cluster/lease.js';
import type { LocalRedis } from '../../../src/cluster/local/redis-server.js';
import { decodeAlert } from '../../../src/cluster/wire.js';
import type { CopierEvent } from '../../../src/engine/events.js';

let server: LocalRedis;
let redis: Redis;
const warnings: string[] = [];
const log = { debug() {}, info() {}, warn(_o: unknown, msg?: string) { warnings.push(msg ?? ''); }, error() {}, child() { return this; } };

useLocalRedis('fxm-alerts-', (s, r) => {
  server = s;
  redis = r;
});

const halted = (message: string): CopierEvent => ({ type: 'halted', at: 1, reason: 'test', message });

async function posted(key: string): Promise<string[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => {
    const d = decodeAlert(fields);
    return d.ok && d.value.event.type === 'halted' ? d.value.event.message : '?';
  });
}

describe('alerts while Redis restarts', () => {
  it('an alert published while Redis is down is posted once it is back, under the lease it was made under', async () => {
    const lease = new Lease({ redis, key: 't:lease:alerts', holder: 'w1', timing: { ttlMs: 30_000, renewMs: 1_000 } });
    expect(await lease.tryAcquire()).toBeGreaterThan(0);
    const publisher = new AlertPublisher({ redis, key: 't:alerts', lease, partition: 0, worker: 'w1', log });
    publisher.publish(halted('before'));
    await publisher.drained();
    // appendfsync everysec: give the lease and the first alert their fsync before the kill.
    await new Promise((r) => setTimeout(r, 1_500));
    const restarted = server.restart(1_500);
    await new Promise((r) => setTimeout(r, 200));
    publisher.publish(halted('during'));
    await restarted;
    await publisher.drained();
    expect(await posted('t:alerts')).toEqual(['before', 'during']);
    expect([publisher.published, publisher.failed, publisher.refused]).toEqual([2, 0, 0]);
  }, 30_000);

  it('gives up, loudly, on an alert Redis does not take within the retry budget', async () => {
    const lease = new Lease({ redis, key: 't:lease:alerts2', holder: 'w1', timing: { ttlMs: 30_000, renewMs: 1_000 } });
    expect(await lease.tryAcquire()).toBeGreaterThan(0);
    const publisher = new AlertPublisher({ redis, key: 't:alerts2', lease, partition: 0, worker: 'w1', log, retryForMs: 300 });
    const restarted = server.restart(2_000);
    await new Promise((r) => setTimeout(r, 200));
    publisher.publish(halted('lost'));
    await publisher.drained();
    expect([publisher.published, publisher.failed]).toEqual([0, 1]);
    expect(warnings).toContain('alert could not be published');
    await restarted;
  }, 30_000);
});

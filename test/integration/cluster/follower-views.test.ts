/**
 * The followers' views that partition owners publish for the control process, on a real redis-server: only what
 * changed is written, a view counts only from the follower's own partition while a live worker owns it, and a
 * partition that comes back writes its views again.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FollowerViewPublisher, readFollowerViews } from '../../../src/cluster/follower-views.js';
import { partitionOf } from '../../../src/cluster/partitioning.js';
import { useLocalRedis } from './local-redis-suite.js';

let redis: Redis;
useLocalRedis('fxm-views-', (_s, r) => {
  redis = r;
});

const P = 4;
/** `n` follower ids that hash to `partition` (found, not assumed). */
function idsOn(partition: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionOf(`acc-${i}`, P) === partition) out.push(`acc-${i}`);
  return out;
}

describe('follower views', () => {
  it('writes only changed views; the reader keeps views of owned partitions that are the follower’s own', async () => {
    const key = 'fxv:a';
    const [a, b] = idsOn(0, 2) as [string, string];
    const [c] = idsOn(1, 1) as [string];
    const streams = new Map([[a, { streaming: true }], [b, { streaming: false }]]);
    const copies = new Map([[a, 2], [b, 0]]);
    const publisher = new FollowerViewPublisher(redis, key);
    const source = { partition: 0, followers: streams, openCopies: (id: string) => copies.get(id) ?? 0 };
    await publisher.publish([source]);
    expect(await readFollowerViews(redis, key, (id) => partitionOf(id, P), new Set([0]))).toEqual(
      new Map([
        [a, { partition: 0, streaming: true, openCopies: 2 }],
        [b, { partition: 0, streaming: false, openCopies: 0 }],
      ]),
    );
    // Nothing changed: nothing written (a value overwritten behind the publisher's back stays).
    await redis.hset(key, a, JSON.stringify({ partition: 0, streaming: false, openCopies: 9 }));
    await publisher.publish([source]);
    expect(JSON.parse((await redis.hget(key, a)) ?? 'null')).toEqual({ partition: 0, streaming: false, openCopies: 9 });
    copies.set(b, 1);
    await publisher.publish([source]);
    expect(JSON.parse((await redis.hget(key, b)) ?? 'null')).toEqual({ partition: 0, streaming: false, openCopies: 1 });

    // A view written for the wrong partition, an unowned partition, and an unreadable value are left out.
    await redis.hset(key, c, JSON.stringify({ partition: 0, streaming: true, openCopies: 1 }), 'junk', '{');
    const unowned = await readFollowerViews(redis, key, (id) => partitionOf(id, P), new Set([1]));
    expect(unowned.size).toBe(0);
  });

  it('a partition that left and came back writes its views again', async () => {
    const key = 'fxv:b';
    const [a] = idsOn(0, 1) as [string];
    const publisher = new FollowerViewPublisher(redis, key);
    const source = { partition: 0, followers: new Map([[a, { streaming: true }]]), openCopies: () => 1 };
    await publisher.publish([source]);
    await publisher.publish([]);
    // Another owner wrote meanwhile.
    await redis.hset(key, a, JSON.stringify({ partition: 0, streaming: false, openCopies: 0 }));
    await publisher.publish([source]);
    expect(JSON.parse((await redis.hget(key, a)) ?? 'null')).toEqual({ partition: 0, streaming: true, openCopies: 1 });
  });
});

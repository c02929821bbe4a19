/**
 * Leases and fenced writes against a real redis-server (started here on a free port, its own directory).
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../../src/cluster/redis.js';
import { useLocalRedis } from './local-redis-suite.js';
import { Lease } from '../../../src/cluster/lease.js';
import { RedisPartitionState, loadPartitionState } from '../../../src/cluster/partition-state.js';
import { FencedBroker, partitionKey } from '../../../src/cluster/fenced-broker.js';
import type { BrokerPort } from '../../../src/engine/ports.js';
import { RedisMasterStream } from '../../../src/cluster/master-stream.js';
import { encodeMasterEvent } from '../../../src/cluster/wire.js';

let redis: Redis;

const emptyState = { masters: [], followers: [], links: [], processed: {} as Record<string, { eventId: string; at: number }[]>, pending: [], journal: [], daily: {}, masterHistory: {} };

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } };

/** A broker whose batch orders only record their Idempotency-Key in `sent`. */
function recordingBroker(sent: string[]): BrokerPort {
  return {
    placeOrders: async (_r: unknown, o: { idempotencyKey?: string }) => {
      sent.push(o.idempotencyKey ?? '');
      return { batch_id: 'b', idempotent_replay: false, summary: { requested: 0, filled: 0, failed: 0, unknown: 0 }, results: [] };
    },
  } as unknown as BrokerPort;
}

/** A partition's reader of one master stream (group p0), acknowledging when `durable` resolves. */
function masterStream(key: string, durable: () => Promise<void>): RedisMasterStream {
  return new RedisMasterStream({ reader: redis.duplicate(), redis, masterId: 'm', streamKey: key, group: 'p0', consumer: 'c1', deadLetterKey: 't:dead', sink: { durable }, log: quiet, blockMs: 100 });
}

useLocalRedis('fxm-lease-', (_server, r) => {
  redis = r;
});

describe('fenced leases on Redis', () => {
  it('grants one holder at a time, with a token that only grows', async () => {
    const a = new Lease({ redis, key: 't:lease:1', holder: 'a', timing: { ttlMs: 600, renewMs: 100 } });
    const b = new Lease({ redis, key: 't:lease:1', holder: 'b', timing: { ttlMs: 600, renewMs: 100 } });
    const ta = await a.tryAcquire();
    expect(ta).toBeGreaterThan(0);
    expect(await b.tryAcquire()).toBeNull();
    await new Promise((r) => setTimeout(r, 700));
    expect(a.held).toBe(false);
    expect(a.canWriteFor(1)).toBe(false);
    const tb = await b.tryAcquire();
    expect(tb).toBeGreaterThan(ta ?? 0);
    // The old holder cannot renew a lease that is someone else's now.
    expect(await a.renew()).toBe(false);
    expect(await b.renew()).toBe(true);
  });

  it('refuses an operation that would outlive the lease', async () => {
    const a = new Lease({ redis, key: 't:lease:2', holder: 'a', timing: { ttlMs: 1_000, renewMs: 100 } });
    await a.tryAcquire();
    expect(a.canWriteFor(500)).toBe(true);
    expect(a.canWriteFor(1_500)).toBe(false);
  });

  it('refuses a state write from a worker whose partition was taken over, and keeps the new owner’s state', async () => {
    const timing = { ttlMs: 400, renewMs: 100 };
    const old = new Lease({ redis, key: 't:lease:p', holder: 'old', timing });
    await old.tryAcquire();
    const empty = { masters: [], followers: [], links: [], processed: {}, pending: [], journal: [], daily: {}, masterHistory: {} };
    const stale = new RedisPartitionState({ redis, key: 't:state:p', partition: 0, lease: old, writeDelayMs: 10 }, structuredClone(empty));
    await new Promise((r) => setTimeout(r, 450));
    const fresh = new Lease({ redis, key: 't:lease:p', holder: 'new', timing });
    expect(await fresh.tryAcquire()).not.toBeNull();
    const owner = new RedisPartitionState({ redis, key: 't:state:p', partition: 0, lease: fresh, writeDelayMs: 10 }, structuredClone(empty));
    owner.data.processed['m'] = [{ eventId: 'd1', at: 1 }];
    owner.changed();
    await owner.flush();
    stale.data.processed['m'] = [{ eventId: 'stale', at: 2 }];
    stale.changed();
    await expect(stale.flush()).rejects.toThrow(/held by another worker/);
    expect(stale.healthy).toBe(false);
    const stored = await loadPartitionState(redis, 't:state:p', 0);
    expect(stored.processed['m']).toEqual([{ eventId: 'd1', at: 1 }]);
  });

  it('sends no order once the lease would not outlive the call, and keys each partition’s batches apart', async () => {
    const lease = new Lease({ redis, key: 't:lease:fb', holder: 'a', timing: { ttlMs: 600, renewMs: 100 } });
    await lease.tryAcquire();
    const sent: string[] = [];
    const inner = recordingBroker(sent);
    const warned: string[] = [];
    const log = { ...quiet, warn: (_o: unknown, msg: string) => void warned.push(msg) };
    const broker = new FencedBroker({ inner, lease, partition: 3, maxCallMs: 200, connected: () => true, isMaster: () => false, masterStream: () => { throw new Error('unused'); }, log });
    await broker.placeOrders({ orders: [] }, { idempotencyKey: 'fxm:m:o:d1' });
    expect(sent).toEqual(['p3.fxm:m:o:d1']);
    await new Promise((r) => setTimeout(r, 450));
    // 150 ms of lease left, a call may take 200 ms: refused before anything is sent.
    expect(() => broker.placeOrders({ orders: [] }, { idempotencyKey: 'fxm:m:o:d2' })).toThrow(/lease .* is not held any more.*nothing was sent/);
    expect(sent).toHaveLength(1);
    expect(warned).toEqual([expect.stringMatching(/order refused by the fence/)]);
    expect(partitionKey(1, 'x'.repeat(200)).length).toBeLessThanOrEqual(128);
    expect(partitionKey(1, 'x'.repeat(200))).toBe(partitionKey(1, 'x'.repeat(200)));
  });

  it('sends nothing while Redis is disconnected, and gives the lease up so the refused legs are never written', async () => {
    const lease = new Lease({ redis, key: 't:lease:fb-down', holder: 'a', timing: { ttlMs: 5000, renewMs: 1000 } });
    await lease.tryAcquire();
    const sent: string[] = [];
    const inner = recordingBroker(sent);
    let up = true;
    const broker = new FencedBroker({ inner, lease, partition: 0, maxCallMs: 200, connected: () => up, isMaster: () => false, masterStream: () => { throw new Error('unused'); }, log: quiet });
    await broker.placeOrders({ orders: [] }, { idempotencyKey: 'k1' });
    up = false;
    // Seconds of lease are left, yet an order sent now could not be recorded.
    expect(lease.canWriteFor(200)).toBe(true);
    expect(() => broker.placeOrders({ orders: [] }, { idempotencyKey: 'k2' })).toThrow(/nothing was sent/);
    expect(lease.token).toBeNull();
    up = true;
    expect(() => broker.placeOrders({ orders: [] }, { idempotencyKey: 'k3' })).toThrow(/nothing was sent/);
    expect(sent).toEqual(['p0.k1']);
  });

  it('gives the partition lease up when a state write fails on Redis: nothing more is sent on state it could not save', async () => {
    const lease = new Lease({ redis, key: 't:lease:sw', holder: 'a', timing: { ttlMs: 5000, renewMs: 1000 } });
    await lease.tryAcquire();
    const conn = await connectRedis(`redis://127.0.0.1:${redis.options.port}`);
    const state = new RedisPartitionState({ redis: conn, key: 't:state:sw', partition: 0, lease, writeDelayMs: 10 }, structuredClone(emptyState));
    state.data.processed['m'] = [{ eventId: 'd1', at: 1 }];
    state.changed();
    await state.flush();
    conn.disconnect();
    state.data.processed['m'].push({ eventId: 'd2', at: 2 });
    state.changed();
    await expect(state.flush()).rejects.toThrow();
    expect(lease.token).toBeNull();
    expect(lease.canWriteFor(1)).toBe(false);
    const stored = await loadPartitionState(redis, 't:state:sw', 0);
    expect(stored.processed['m']).toEqual([{ eventId: 'd1', at: 1 }]);
  });

  it('moves an unreadable master stream entry to the dead-letter stream and goes on', async () => {
    const key = 't:stream:m';
    await redis.xadd(key, '*', ...encodeMasterEvent({ type: 'positions', data: [] }, 1));
    const events: string[] = [];
    const stream = masterStream(key, async () => undefined);
    stream.onEvent((e) => events.push(e.type));
    stream.start();
    await new Promise((r) => setTimeout(r, 200));
    const badId = await redis.xadd(key, '*', 'v', '99', 'e', '{}');
    await redis.xadd(key, '*', ...encodeMasterEvent({ type: 'account', data: { balance: 1, equity: 1, margin: 0, freeMargin: 1, marginLevel: 0, profit: 0, currency: 'USD', leverage: 100 } as never }, 2));
    for (let i = 0; i < 50 && !events.includes('account'); i++) await new Promise((r) => setTimeout(r, 50));
    await stream.close();
    expect(events).toContain('account');
    const dead = (await redis.xrange('t:dead', '-', '+')) as [string, string[]][];
    expect(dead).toHaveLength(1);
    expect(dead[0]?.[1]).toEqual(expect.arrayContaining(['id', badId, 'reason', expect.stringMatching(/unknown version "99"/)]));
    // Acknowledged: nothing of it stays pending for a next owner to trip over.
    const pending = (await redis.xpending(key, 'p0')) as [number];
    expect(pending[0]).toBe(0);
  });

  it('reads on while an entry waits to be acknowledged: what it caused may wait for the entries behind it', async () => {
    const key = 't:stream:chain';
    await redis.xadd(key, '*', ...encodeMasterEvent({ type: 'positions', data: [] }, 1));
    const events: string[] = [];
    // Like a new position's trade frame, the first entry is durable only once the one behind it has been read.
    let nextRead!: () => void;
    const behind = new Promise<void>((r) => (nextRead = r));
    const stream = masterStream(key, () => behind);
    stream.onEvent((e) => {
      if (e.type === 'positions') events.push(e.type);
      if (events.length >= 3) nextRead();
    });
    stream.start();
    for (let i = 0; i < 40 && events.length < 1; i++) await new Promise((r) => setTimeout(r, 25));
    await redis.xadd(key, '*', ...encodeMasterEvent({ type: 'positions', data: [] }, 2));
    await redis.xadd(key, '*', ...encodeMasterEvent({ type: 'positions', data: [] }, 3));
    for (let i = 0; i < 100 && stream.counters.acked < 3; i++) await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    expect(events).toEqual(['positions', 'positions', 'positions']);
    expect(stream.counters.acked).toBe(3);
    expect(((await redis.xpending(key, 'p0')) as [number])[0]).toBe(0);
  });

  it('says clearly when Redis cannot be reached, without the password', async () => {
    await expect(connectRedis('redis://:hunter2@127.0.0.1:1', { connectTimeoutMs: 300 })).rejects.toThrow(/cannot be reached.*unset FXMIRROR_REDIS_URL/);
    await expect(connectRedis('redis://:hunter2@127.0.0.1:1', { connectTimeoutMs: 300 })).rejects.not.toThrow(/hunter2/);
    await expect(connectRedis('http://x')).rejects.toThrow(/redis:\/\/ or rediss:\/\//);
  });

  it('rejects a corrupt partition state with the key named', async () => {
    await redis.set('t:state:bad', '{"version":1,"partition":0}');
    await expect(loadPartitionState(redis, 't:state:bad', 0)).rejects.toThrow(/t:state:bad.*not valid/);
    await redis.set('t:state:bad', '{oops');
    await expect(loadPartitionState(redis, 't:state:bad', 0)).rejects.toThrow(/not valid JSON/);
  });
});

/**
 * A partition's state in Redis (layout version 2) against a real redis-server: what a write sends is what changed,
 * what is read back is what was in memory (after any mix of engine-like mutations, and across owners when a write's
 * reply was lost: that writer stops, and the next one reads the write whole or not at all),
 * a version 1 document is replaced, a damaged part stops the partition with its key named, and the control process's
 * journal copy reads only the new rows.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Lease } from '../../../src/cluster/lease.js';
import { PartitionJournals } from '../../../src/cluster/partition-journals.js';
import { RedisPartitionState, partitionStateKeys, readJournalRows, readPartitionState } from '../../../src/cluster/partition-state.js';
import type { EngineState } from '../../../src/engine/ports.js';
import type { CopyLink } from '../../../src/domain/ledger.js';
import { useLocalRedis } from './local-redis-suite.js';

let redis: Redis;
useLocalRedis('fxm-pstate-', (_server, r) => {
  redis = r;
});

type JournalRow = EngineState['journal'][number];

function link(n: number, followerId = `f${n % 5}`): CopyLink {
  return { masterId: 'm1', masterTicket: 1000 + n, followerId, followerTicket: 5000 + n, kind: 'position', followerSymbol: 'EURUSD.x', masterSymbol: 'EURUSD', side: n % 2 ? 'buy' : 'sell', volume: 0.1, masterVolume: 0.1, openedAt: n, status: 'open' };
}

function row(n: number, at = n): JournalRow {
  return { at, masterId: 'm1', eventId: `d${n}`, eventKind: 'open', followerId: `f${n % 5}`, action: 'open', status: 'filled', reason: null, detail: { by: 'test' }, masterTicket: 1000 + n, followerTicket: 5000 + n, symbol: 'EURUSD', volume: 0.1, price: 1.1 };
}

function empty(): EngineState {
  return { masters: [], followers: [], links: [], processed: {}, pending: [], journal: [], daily: {}, masterHistory: {} };
}

let keyCounter = 0;
async function owner(): Promise<{ key: string; lease: Lease }> {
  const n = keyCounter++;
  const lease = new Lease({ redis, key: `ps:lease:${n}`, holder: 'w', timing: { ttlMs: 120_000, renewMs: 10_000 } });
  await lease.tryAcquire();
  return { key: `ps:state:{p:${n}}`, lease };
}

/** What the engine's view of the stored part is, for comparing with what Redis gives back. */
function storedPart(d: EngineState): Omit<EngineState, 'masters' | 'followers'> {
  return structuredClone({ links: d.links, processed: d.processed, pending: d.pending, journal: d.journal, daily: d.daily, masterHistory: d.masterHistory });
}

/**
 * A client whose script calls, while `lose` is set, fail without a reply: `'after'` lands in Redis first (the
 * connection dropped right after the command was sent), `'before'` never reaches it. The writer cannot tell which.
 */
function losingReplies(r: Redis): { client: Redis; lose: false | 'before' | 'after' } {
  const ctl: { client: Redis; lose: false | 'before' | 'after' } = { client: r, lose: false };
  ctl.client = new Proxy(r, {
    get(target, prop, receiver) {
      if (prop === 'eval') {
        return async (...args: Parameters<Redis['eval']>) => {
          if (ctl.lose === 'before') throw new Error('Connection is closed.');
          const reply = await target.eval(...args);
          if (ctl.lose === 'after') throw new Error('Connection is closed.');
          return reply;
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return ctl;
}

/** The next owner of a partition whose writer stopped: the lease key expired (deleted here), a new grant, Redis read. */
async function nextOwner(key: string, lease: Lease, partition: number, client: Redis): Promise<{ lease: Lease; data: EngineState; state: RedisPartitionState }> {
  await redis.del(lease.key);
  const next = new Lease({ redis, key: lease.key, holder: 'w2', timing: { ttlMs: 120_000, renewMs: 10_000 } });
  await next.tryAcquire();
  const { state: stored, ...layout } = await readPartitionState(redis, key, partition);
  const data: EngineState = { masters: [], followers: [], ...stored };
  return { lease: next, data, state: new RedisPartitionState({ redis: client, key, partition, lease: next, writeDelayMs: 10_000 }, data, layout) };
}

describe('partition state in Redis', () => {
  it('reads back what was written, and a later write sends only what changed', async () => {
    const { key, lease } = await owner();
    const data = empty();
    for (let i = 0; i < 300; i++) data.links.push(link(i));
    for (let i = 0; i < 3_000; i++) data.journal.push(row(i));
    data.processed['m1'] = Array.from({ length: 500 }, (_, i) => ({ eventId: `d${i}`, at: i }));
    data.pending.push({ id: 'leg1', kind: 'unknown_outcome', masterId: 'm1', eventId: 'd1', followerId: 'f1', createdAt: 1, expiresAt: 2, leg: { followerId: 'f1', volume: 0.1 }, note: 'sent, no reply' });
    data.daily['f1'] = { day: '2026-12-07', startBalance: 1000 };
    data.masterHistory['m1'] = [{ position: 1, symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.1, stopLoss: 0, at: 5 }];
    const state = new RedisPartitionState({ redis, key, partition: 0, lease, writeDelayMs: 10 }, data);
    state.changed();
    await state.flush();
    const first = state.counters.lastBytes;
    expect((await readPartitionState(redis, key, 0)).state).toEqual(storedPart(data));

    // One event's worth of change: a link closed, a volume changed, a link added, a few rows.
    data.links.splice(10, 1);
    (data.links[20] as CopyLink).volume = 0.05;
    data.links.push(link(1_000));
    for (let i = 3_000; i < 3_005; i++) data.journal.push(row(i));
    (data.processed['m1'] as { eventId: string; at: number }[]).push({ eventId: 'd3000', at: 3000 });
    state.changed();
    await state.flush();
    expect(state.counters.lastBytes).toBeLessThan(first / 50);
    const back = await readPartitionState(redis, key, 0);
    expect(back.state).toEqual(storedPart(data));
    expect(back.linkIds).toHaveLength(300);
  });

  it('a partition read back empty, whose first write is only journal rows, reads back again', async () => {
    const { key, lease } = await owner();
    const { state: stored, ...layout } = await readPartitionState(redis, key, 1);
    const data: EngineState = { ...stored, masters: [], followers: [] };
    const state = new RedisPartitionState({ redis, key, partition: 1, lease, writeDelayMs: 10 }, data, layout);
    data.journal.push(row(1));
    state.changed();
    await state.flush();
    expect((await readPartitionState(redis, key, 1)).state.journal).toEqual([row(1)]);
  });

  it('keeps Redis equal to memory through any mix of engine changes, and across owners after writes whose reply was lost', async () => {
    type Step =
      | { op: 'addLink' }
      | { op: 'changeLink'; i: number; v: number }
      | { op: 'dropLink'; i: number }
      | { op: 'rows'; n: number }
      | { op: 'trimJournal'; keep: number }
      | { op: 'processed'; master: number; n: number }
      | { op: 'trimProcessed'; master: number; keep: number }
      | { op: 'forgetMaster'; master: number }
      | { op: 'daily'; v: number }
      | { op: 'flush'; lost: false | 'before' | 'after' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant({ op: 'addLink' as const }),
      fc.record({ op: fc.constant('changeLink' as const), i: fc.nat(50), v: fc.integer({ min: 1, max: 99 }) }),
      fc.record({ op: fc.constant('dropLink' as const), i: fc.nat(50) }),
      fc.record({ op: fc.constant('rows' as const), n: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ op: fc.constant('trimJournal' as const), keep: fc.nat(30) }),
      fc.record({ op: fc.constant('processed' as const), master: fc.nat(2), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ op: fc.constant('trimProcessed' as const), master: fc.nat(2), keep: fc.nat(5) }),
      fc.record({ op: fc.constant('forgetMaster' as const), master: fc.nat(2) }),
      fc.record({ op: fc.constant('daily' as const), v: fc.nat(1000) }),
      fc.record({ op: fc.constant('flush' as const), lost: fc.constantFrom(false as const, 'before' as const, 'after' as const) }),
      fc.record({ op: fc.constant('flush' as const), lost: fc.constant(false as const) }),
      fc.record({ op: fc.constant('rows' as const), n: fc.integer({ min: 1, max: 20 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 60 }), async (steps) => {
        const first = await owner();
        const key = first.key;
        let lease = first.lease;
        let data = empty();
        const conn = losingReplies(redis);
        let state = new RedisPartitionState({ redis: conn.client, key, partition: 3, lease, writeDelayMs: 10_000 }, data);
        let n = 0;
        for (const s of steps) {
          switch (s.op) {
            case 'addLink':
              data.links.push(link(n++));
              break;
            case 'changeLink': {
              const l = data.links[s.i % Math.max(1, data.links.length)];
              if (l) l.volume = s.v / 100;
              break;
            }
            case 'dropLink':
              if (data.links.length > 0) data.links.splice(s.i % data.links.length, 1);
              break;
            case 'rows':
              for (let i = 0; i < s.n; i++) data.journal.push(row(n++));
              break;
            case 'trimJournal':
              if (data.journal.length > s.keep) data.journal.splice(0, data.journal.length - s.keep);
              break;
            case 'processed':
              for (let i = 0; i < s.n; i++) (data.processed[`m${s.master}`] ??= []).push({ eventId: `e${n++}`, at: n });
              break;
            case 'trimProcessed': {
              const list = data.processed[`m${s.master}`];
              if (list && list.length > s.keep) list.splice(0, list.length - s.keep);
              break;
            }
            case 'forgetMaster':
              delete data.processed[`m${s.master}`];
              break;
            case 'daily':
              data.daily['f1'] = { day: '2026-12-07', startBalance: s.v };
              break;
            case 'flush': {
              if (s.lost === false) {
                state.changed();
                await state.flush();
                break;
              }
              const before = await readPartitionState(redis, key, 3);
              conn.lose = s.lost;
              state.changed();
              await expect(state.flush()).rejects.toThrow(/closed/);
              conn.lose = false;
              // The writer stops: no lease, and no further write from it.
              expect(lease.token).toBeNull();
              state.close();
              const next = await nextOwner(key, lease, 3, conn.client);
              // The lost write landed whole or not at all.
              expect(next.data).toEqual({ masters: [], followers: [], ...(s.lost === 'after' ? storedPart(data) : before.state) });
              ({ lease, data, state } = next);
              break;
            }
          }
        }
        state.changed();
        await state.flush();
        state.close();
        const back = await readPartitionState(redis, key, 3);
        expect(back.state).toEqual(storedPart(data));
        const k = partitionStateKeys(key);
        for (let m = 0; m < 3; m++) {
          if (!Object.hasOwn(data.processed, `m${m}`)) expect(await redis.exists(k.processed(`m${m}`))).toBe(0);
        }
      }),
      { numRuns: 80, seed: 20261207 },
    );
  });

  it('a write whose reply was lost stops its writer; the next owner finds it whole and stores no row twice', async () => {
    const { key, lease } = await owner();
    const data = empty();
    const conn = losingReplies(redis);
    const state = new RedisPartitionState({ redis: conn.client, key, partition: 0, lease, writeDelayMs: 10 }, data);
    data.journal.push(row(1), row(2));
    data.links.push(link(1));
    data.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    state.changed();
    await state.flush();
    data.journal.push(row(3), row(4));
    data.links.push(link(2));
    (data.processed['m1'] as { eventId: string; at: number }[]).push({ eventId: 'd2', at: 2 });
    conn.lose = 'after';
    state.changed();
    await expect(state.flush()).rejects.toThrow(/closed/);
    conn.lose = false;
    expect(lease.token).toBeNull();
    // The connection is back, but this writer writes nothing more.
    data.journal.push(row(99));
    state.changed();
    await expect(state.flush()).rejects.toThrow(/not held/);
    expect(state.healthy).toBe(false);
    const next = await nextOwner(key, lease, 0, conn.client);
    next.data.journal.push(row(5));
    next.state.changed();
    await next.state.flush();
    const k = partitionStateKeys(key);
    expect((await redis.lrange(k.journal, 0, -1)).map((t) => (JSON.parse(t) as JournalRow).eventId)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(await redis.lrange(k.processed('m1'), 0, -1)).toHaveLength(2);
    expect(await redis.hlen(k.links)).toBe(2);
    expect((await readPartitionState(redis, key, 0)).state).toEqual(storedPart(next.data));
  });

  it('writes every part again when Redis came back without its last write (an AOF that missed the last second)', async () => {
    const { key, lease } = await owner();
    const data = empty();
    const state = new RedisPartitionState({ redis, key, partition: 0, lease, writeDelayMs: 10 }, data);
    data.links.push(link(1));
    data.journal.push(row(1));
    data.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    state.changed();
    await state.flush();
    // What Redis would reload: the keys as they are after this write.
    const k = partitionStateKeys(key);
    const names = [k.meta, k.links, k.journal, k.processed('m1')];
    const saved = await Promise.all(names.map((n) => redis.dumpBuffer(n)));
    data.links.push(link(2));
    data.journal.push(row(2));
    (data.processed['m1'] as { eventId: string; at: number }[]).push({ eventId: 'd2', at: 2 });
    state.changed();
    await state.flush();
    // Redis restarts and loses that second write.
    for (const [i, n] of names.entries()) await redis.restore(n, 0, saved[i] as Buffer, 'REPLACE');
    data.journal.push(row(3));
    state.changed();
    await state.flush();
    expect(state.counters.replaced).toBe(1);
    expect((await readPartitionState(redis, key, 0)).state).toEqual(storedPart(data));
  });

  it('replaces a version 1 document with the layout on the first write', async () => {
    const { key, lease } = await owner();
    const v1 = { version: 1, partition: 0, links: [link(1), link(2)], processed: { m1: [{ eventId: 'd1', at: 1 }] }, pending: [], journal: [row(1), row(2)], daily: {}, masterHistory: {} };
    await redis.set(key, JSON.stringify(v1));
    const read = await readPartitionState(redis, key, 0);
    expect(read.legacy).toBe(true);
    expect(read.state.links).toEqual(v1.links);
    const { state: stored, ...layout } = read;
    const state = new RedisPartitionState({ redis, key, partition: 0, lease, writeDelayMs: 10 }, { ...stored, masters: [], followers: [] }, layout);
    state.changed();
    await state.flush();
    expect(await redis.exists(key)).toBe(0);
    const again = await readPartitionState(redis, key, 0);
    expect(again.legacy).toBe(false);
    const { version: _v, partition: _p, ...rest } = v1;
    expect(again.state).toEqual(rest);
  });

  it('stops on a damaged part with its key named, and on a layout of another version', async () => {
    const { key, lease } = await owner();
    const data = empty();
    data.links.push(link(1));
    data.journal.push(row(1));
    const state = new RedisPartitionState({ redis, key, partition: 4, lease, writeDelayMs: 10 }, data);
    state.changed();
    await state.flush();
    const k = partitionStateKeys(key);
    await redis.hset(k.links, '1', '{"masterId":');
    await expect(readPartitionState(redis, key, 4)).rejects.toThrow(new RegExp(`${k.links.replace(/[{}]/g, '\\$&')} field 1.*not valid JSON`));
    await redis.hset(k.links, '1', JSON.stringify({ ...link(1), volume: -1 }));
    await expect(readPartitionState(redis, key, 4)).rejects.toThrow(/field 1\) is not valid: volume/);
    await redis.hset(k.links, '1', JSON.stringify(link(1)));
    await redis.rpush(k.journal, '{"at":"soon"}');
    await expect(readPartitionState(redis, key, 4)).rejects.toThrow(/journal index 1\) is not valid/);
    await redis.hset(k.meta, 'version', '3');
    await expect(readPartitionState(redis, key, 4)).rejects.toThrow(/has version 3; this build reads version 2/);
  });

  it('gives the control process only the rows added since it last read, merged over partitions in time order', async () => {
    const base = keyCounter;
    const parts = [await owner(), await owner()];
    const datas = [empty(), empty()];
    const states = parts.map((p, i) => new RedisPartitionState({ redis, key: p.key, partition: i, lease: p.lease, writeDelayMs: 10 }, datas[i] as EngineState));
    const write = async (): Promise<void> => {
      for (const s of states) {
        s.changed();
        await s.flush();
      }
    };
    (datas[0] as EngineState).journal.push(row(1, 10), row(3, 30));
    (datas[1] as EngineState).journal.push(row(2, 20));
    await write();
    const journals = new PartitionJournals({ redis, stateKey: (p) => `ps:state:{p:${base + p}}`, partitions: 2 });
    expect(await journals.refresh()).toBe(true);
    expect(journals.journal.map((r) => r.at)).toEqual([10, 20, 30]);
    expect(await journals.refresh()).toBe(false);

    const k0 = parts[0]?.key as string;
    const cursor = await readJournalRows(redis, k0, 0, null);
    (datas[0] as EngineState).journal.push(row(5, 50));
    (datas[1] as EngineState).journal.push(row(4, 40));
    await write();
    const since = await readJournalRows(redis, k0, 0, cursor);
    expect(since.full).toBe(false);
    expect(since.rows.map((r) => r.at)).toEqual([50]);
    expect(await journals.refresh()).toBe(true);
    expect(journals.journal.map((r) => r.at)).toEqual([10, 20, 30, 40, 50]);

    // Trimmed in a partition (the engine's retention): the copy drops the same rows.
    (datas[0] as EngineState).journal.splice(0, 2);
    await write();
    await journals.refresh();
    expect(journals.journal.map((r) => r.at)).toEqual([20, 40, 50]);
  });
});

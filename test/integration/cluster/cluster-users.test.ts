/**
 * Chat users in cluster mode, on a real redis-server: the Redis directory keeps the port's contract, a stand-by
 * control process that takes the lease over loads every user, a write from a process that lost the lease is refused
 * and changes nothing, and a corrupt entry is left out with a log line instead of locking the chat out.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ClusterUserDirectory } from '../../../src/cluster/cluster-users.js';
import { Lease } from '../../../src/cluster/lease.js';
import { chatUser, memoryLog } from '../../unit/bot/harness.js';
import { userDirectoryContract } from '../../unit/bot/user-directory-contract.js';
import { useLocalRedis } from './local-redis-suite.js';

let redis: Redis;
useLocalRedis('fxm-users-', (_s, r) => {
  redis = r;
});

const timing = { ttlMs: 400, renewMs: 100 };

async function heldLease(key: string, holder: string): Promise<Lease> {
  const lease = new Lease({ redis, key, holder, timing });
  expect(await lease.tryAcquire()).not.toBeNull();
  return lease;
}

describe('chat users in Redis', () => {
  it('keeps the UserDirectory contract', async () => {
    const lease = await heldLease('u1:lease', 'a');
    await userDirectoryContract(await ClusterUserDirectory.load({ redis, key: 'u1:users', lease, log: memoryLog() }));
    expect(await redis.hlen('u1:users')).toBe(0);
  });

  it('a control process that takes the lease over loads every user; the old one can no longer write', async () => {
    const first = await heldLease('u2:lease', 'first');
    const users = await ClusterUserDirectory.load({ redis, key: 'u2:users', lease: first, log: memoryLog() });
    await users.upsert(chatUser(7, 'owner', 'Olga'));
    await users.upsert(chatUser(8, 'viewer', 'Vera'));
    await users.setAlertLevel(8, 'copies', 'silent');

    // The first process stops renewing (paused, cut off); a stand-by takes over once the lease lapses.
    await new Promise((r) => setTimeout(r, timing.ttlMs + 100));
    const second = await heldLease('u2:lease', 'second');
    const taken = await ClusterUserDirectory.load({ redis, key: 'u2:users', lease: second, log: memoryLog() });
    expect(taken.list().map((u) => [u.id, u.role, u.alerts.copies])).toEqual([
      [7, 'owner', 'on'],
      [8, 'viewer', 'silent'],
    ]);

    // The old process wakes up and tries to write: refused by the fence, nothing changes anywhere.
    await expect(users.upsert(chatUser(9, 'admin', 'Mallory'))).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(users.remove(7)).rejects.toMatchObject({ code: 'lease_lost' });
    expect(users.get(9)).toBeUndefined();
    expect(users.get(7)).toBeDefined();
    expect(first.held).toBe(false);
    expect((await ClusterUserDirectory.load({ redis, key: 'u2:users', lease: second, log: memoryLog() })).list().map((u) => u.id)).toEqual([7, 8]);

    await taken.remove(7);
    expect(await redis.hkeys('u2:users')).toEqual(['8']);
  });

  it('leaves out an entry that does not parse, logs its field, and keeps the others', async () => {
    const lease = await heldLease('u3:lease', 'a');
    await redis.hset('u3:users', '5', JSON.stringify(chatUser(5, 'admin', 'Ada')), '6', '{not json', '7', JSON.stringify({ ...chatUser(7, 'owner'), role: 'king' }), '8', JSON.stringify(chatUser(9, 'viewer')));
    const log = memoryLog();
    const users = await ClusterUserDirectory.load({ redis, key: 'u3:users', lease, log });
    expect(users.list().map((u) => u.id)).toEqual([5]);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => (l.obj as { field: string }).field).sort()).toEqual(['6', '7', '8']);
    // An admin adding the user again replaces the bad entry.
    await users.upsert(chatUser(6, 'viewer', 'Vic'));
    expect(JSON.parse((await redis.hget('u3:users', '6')) ?? 'null')).toMatchObject({ id: 6, name: 'Vic' });
  });
});

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FollowerCaches } from '../../../src/cluster/follower-caches.js';
import type { FollowerCacheRuntime } from '../../../src/cluster/follower-caches.js';

/** A runtime that records starts and stops; a start resolves when the test lets it. */
function recordingRuntime() {
  const followers = new Map<string, unknown>();
  const starts: string[] = [];
  const stops: string[] = [];
  const release: (() => void)[] = [];
  const runtime: FollowerCacheRuntime = {
    followers,
    startFollower: (id) =>
      new Promise<void>((resolve, reject) => {
        starts.push(id);
        release.push(() => {
          if (id === 'broken') return reject(new Error('terminal unreachable'));
          followers.set(id, {});
          resolve();
        });
      }),
    stopFollower: async (id) => {
      stops.push(id);
      followers.delete(id);
    },
  };
  return { runtime, starts, stops, releaseAll: () => release.splice(0).forEach((r) => r()) };
}

describe('control process follower caches', () => {
  it('starts a cache once for views asking at the same time, and only for configured followers', async () => {
    const r = recordingRuntime();
    const caches = new FollowerCaches({ runtime: r.runtime, isFollower: (id) => id !== 'stranger', idleMs: 1_000, now: () => 0, log: pino({ level: 'silent' }) });
    const a = caches.ensure(['f1', 'stranger']);
    const b = caches.ensure(['f1']);
    r.releaseAll();
    await Promise.all([a, b]);
    expect(r.starts).toEqual(['f1']);
    expect(r.runtime.followers.size).toBe(1);
    await caches.ensure(['f1']);
    expect(r.starts).toEqual(['f1']);
  });

  it('a cache that cannot start leaves the view to show the follower offline, and is tried again next time', async () => {
    const r = recordingRuntime();
    const caches = new FollowerCaches({ runtime: r.runtime, isFollower: () => true, idleMs: 1_000, now: () => 0, log: pino({ level: 'silent' }) });
    const first = caches.ensure(['broken']);
    r.releaseAll();
    await expect(first).resolves.toBeUndefined();
    const again = caches.ensure(['broken']);
    r.releaseAll();
    await again;
    expect(r.starts).toEqual(['broken', 'broken']);
  });

  it('stops the caches no view used for idleMs, and those of accounts no longer followers', async () => {
    const r = recordingRuntime();
    let now = 0;
    const configured = new Set(['f1', 'f2', 'f3']);
    const caches = new FollowerCaches({ runtime: r.runtime, isFollower: (id) => configured.has(id), idleMs: 1_000, now: () => now, log: pino({ level: 'silent' }) });
    const start = caches.ensure(['f1', 'f2', 'f3']);
    r.releaseAll();
    await start;
    now = 900;
    await caches.ensure(['f2', 'f3']);
    configured.delete('f3');
    now = 1_000;
    await caches.sweep();
    expect(r.stops.sort()).toEqual(['f1', 'f3']);
    expect([...r.runtime.followers.keys()]).toEqual(['f2']);
    now = 1_899;
    await caches.sweep();
    expect(r.stops).toHaveLength(2);
    now = 1_900;
    await caches.sweep();
    expect(r.stops.sort()).toEqual(['f1', 'f2', 'f3']);
  });
});

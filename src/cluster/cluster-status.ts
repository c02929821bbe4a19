/**
 * The cluster view for /status, read from Redis in the background (the status call itself is synchronous): workers'
 * heartbeats, which partitions nobody holds, each master stream's unacknowledged entries, the dead-letter count.
 */
import type { Redis } from 'ioredis';
import type { ClusterStatusView } from '../engine/control-types.js';
import type { ClusterKeys } from './keys.js';
import { readHeartbeats } from './registry.js';

export async function readClusterStatus(
  redis: Redis,
  keys: ClusterKeys,
  args: { partitions: number; configVersion: number; masters: readonly string[]; leaseMs: number; now: number },
): Promise<ClusterStatusView> {
  const beats = await readHeartbeats(redis, keys.workers);
  const workers = beats
    .map((b) => {
      const age = args.now - b.at;
      return {
        id: b.id,
        version: b.version,
        heartbeatAgeMs: age,
        stale: age > args.leaseMs / 2,
        refused: b.refused,
        feeds: b.feeds,
        partitions: b.partitions.map((p) => ({ partition: p.partition, followers: p.followers, unacked: p.unacked, leaseLeftMs: p.leaseLeftMs })),
      };
    })
    .filter((w) => w.heartbeatAgeMs < args.leaseMs * 20)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const owned = new Set(workers.filter((w) => w.heartbeatAgeMs < args.leaseMs).flatMap((w) => w.partitions.map((p) => p.partition)));
  const unowned = Array.from({ length: args.partitions }, (_, p) => p).filter((p) => !owned.has(p));
  const streamLag: ClusterStatusView['streamLag'] = [];
  for (const masterId of args.masters) {
    const key = keys.masterStream(masterId);
    let pending = 0;
    let length = 0;
    try {
      length = await redis.xlen(key);
      const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
      for (const g of groups) {
        for (let i = 0; i + 1 < g.length; i += 2) {
          if (g[i] === 'pending' || g[i] === 'lag') pending += Number(g[i + 1]) || 0;
        }
      }
    } catch {
      // No stream yet (no feed has written): nothing pending.
    }
    streamLag.push({ masterId, pending, length });
  }
  const deadLetters = await redis.xlen(keys.deadLetter).catch(() => 0);
  return { partitions: args.partitions, configVersion: args.configVersion, unowned, workers, streamLag, deadLetters };
}

/**
 * The worker registry: each worker's heartbeat (what it owns, how far behind it is) in one Redis hash. Workers read it
 * to divide the partitions; the control process reads it for /status. A worker whose heartbeat is older than a lease
 * is treated as gone (its leases expire at the same time).
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const heartbeatSchema = z.object({
  id: z.string(),
  version: z.string(),
  host: z.string(),
  pid: z.int(),
  startedAt: z.number(),
  at: z.number(),
  partitions: z.array(z.object({ partition: z.int(), followers: z.int(), unacked: z.int(), ageMs: z.number(), leaseLeftMs: z.number() })),
  feeds: z.array(z.string()),
  refused: z.string().nullable(),
  copyLagMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export async function writeHeartbeat(redis: Redis, key: string, hb: Heartbeat): Promise<void> {
  await redis.hset(key, hb.id, JSON.stringify(hb));
}

export async function readHeartbeats(redis: Redis, key: string): Promise<Heartbeat[]> {
  const all = await redis.hgetall(key);
  const out: Heartbeat[] = [];
  for (const raw of Object.values(all)) {
    try {
      const r = heartbeatSchema.safeParse(JSON.parse(raw));
      if (r.success) out.push(r.data);
    } catch {
      // An unreadable heartbeat is a worker of another build: it is not counted as live.
    }
  }
  return out;
}

/** Drops heartbeats much older than a lease (workers that are long gone). */
export async function pruneHeartbeats(redis: Redis, key: string, beats: readonly Heartbeat[], now: number, maxAgeMs: number): Promise<void> {
  const old = beats.filter((b) => now - b.at > maxAgeMs).map((b) => b.id);
  if (old.length > 0) await redis.hdel(key, ...old);
}

/**
 * A bounded Redis map of what a control process that takes over needs from the one before it for a few minutes
 * (the chat messages it may still edit, and what they show): a hash of field → value beside a sorted set of
 * field → when it was written. Every write also drops what is older than `maxAgeMs`, so the map holds at most the
 * writes of that window.
 */
import type { Redis } from 'ioredis';

// KEYS[1] hash, KEYS[2] times; ARGV[1] field, ARGV[2] value, ARGV[3] now, ARGV[4] cutoff. Drops at most 200 per call.
const PUT = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4], 'LIMIT', 0, 200)
if #old > 0 then
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
end
return #old`;

// KEYS[1] hash, KEYS[2] times; ARGV[1] cutoff. Drops what is older, answers the rest oldest first: field, time, value.
const LOAD = `local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for i = 1, #old, 200 do
  local part = {unpack(old, i, math.min(i + 199, #old))}
  redis.call('HDEL', KEYS[1], unpack(part))
  redis.call('ZREM', KEYS[2], unpack(part))
end
local out = {}
local keep = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf', 'WITHSCORES')
for i = 1, #keep, 2 do
  local v = redis.call('HGET', KEYS[1], keep[i])
  if v then
    out[#out + 1] = keep[i]
    out[#out + 1] = keep[i + 1]
    out[#out + 1] = v
  end
end
return out`;

/** One entry, with the time it was written. */
export interface RecentEntry {
  field: string;
  at: number;
  value: string;
}

export class RecentHash {
  constructor(private readonly deps: { redis: Redis; key: string; maxAgeMs: number }) {}

  private get timesKey(): string {
    return `${this.deps.key}:at`;
  }

  async put(field: string, value: string, now: number): Promise<void> {
    await this.deps.redis.eval(PUT, 2, this.deps.key, this.timesKey, field, value, now, now - this.deps.maxAgeMs);
  }

  /** What is younger than `maxAgeMs`, oldest first (older entries are dropped on the way). */
  async load(now: number): Promise<RecentEntry[]> {
    const flat = (await this.deps.redis.eval(LOAD, 2, this.deps.key, this.timesKey, now - this.deps.maxAgeMs)) as string[];
    const out: RecentEntry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) out.push({ field: flat[i] as string, at: Number(flat[i + 1]), value: flat[i + 2] as string });
    return out;
  }
}

/**
 * Connecting to Redis (ioredis). Start-up fails with one clear sentence when Redis cannot be reached or answers
 * wrongly; while running, commands fail fast instead of queueing for ever, so a lease holder notices an outage within
 * one renewal and stops writing.
 */
import { Redis } from 'ioredis';
import { FatalError } from '../domain/errors.js';

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function connectRedis(url: string, options: { connectTimeoutMs?: number; name?: string } = {}): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FatalError('redis_url_invalid', `FXMIRROR_REDIS_URL must be a redis:// or rediss:// URL, got '${redactRedisUrl(url)}'.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new FatalError('redis_url_invalid', `FXMIRROR_REDIS_URL must be a redis:// or rediss:// URL, got '${redactRedisUrl(url)}'.`);
  }
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    // One try per command while disconnected: a lease renewal must fail, not wait for Redis to come back.
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    // Commands issued in the same tick go out in one write: a worker's partitions all handle the same master event
    // at once, and this cut each process's CPU per event by about a tenth (docs/scaling.md).
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    ...(options.name === undefined ? {} : { connectionName: options.name }),
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } catch (error) {
    redis.disconnect();
    throw new FatalError(
      'redis_unreachable',
      `Cluster mode needs Redis, but ${redactRedisUrl(url)} cannot be reached (${(error as Error).message}). Nothing was started; start Redis, or unset FXMIRROR_REDIS_URL to run as one process.`,
      { cause: error },
    );
  }
  return redis;
}

/** Another connection with the same options (for a blocking reader), quiet on errors as the first one is. */
export function duplicateConnection(redis: Redis): Redis {
  const copy = redis.duplicate();
  copy.on('error', () => undefined);
  return copy;
}

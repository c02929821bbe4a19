/**
 * A real redis-server for one test file: started before its tests on a free loopback port with its own directory
 * (AOF on), a client connected to it, both stopped and the directory removed after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startLocalRedis } from '../../../src/cluster/local/redis-server.js';
import type { LocalRedis } from '../../../src/cluster/local/redis-server.js';
import { connectRedis } from '../../../src/cluster/redis.js';

/** Registers the suite's hooks; `ready` gets the server and its client once they are up. */
export function useLocalRedis(prefix: string, ready: (server: LocalRedis, redis: Redis) => void): void {
  let server: LocalRedis | undefined;
  let redis: Redis | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    server = await startLocalRedis(dir);
    redis = await connectRedis(server.url);
    ready(server, redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
}

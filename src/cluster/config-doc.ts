/**
 * The cluster's configuration document in Redis: masters and followers (sizing, maps, filters, risk, owners), with a
 * version that only grows. The control process is its single writer (fenced by the control lease); workers poll the
 * version and apply a change to their partitions' engines within one poll interval.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import { FatalError } from '../domain/errors.js';
import { followerConfigSchema, masterConfigSchema } from '../store/schema.js';
import type { Lease } from './lease.js';
import { FENCE_CHECK } from './lease.js';

export interface ConfigDocument {
  version: number;
  /** The fxmirror version of the control process that wrote it (workers of another version refuse partitions). */
  writer: string;
  /** Partitions the followers are hashed over; fixed for the life of the cluster's state. */
  partitions: number;
  masters: MasterConfig[];
  followers: FollowerConfig[];
}

const configDocumentSchema = z.strictObject({
  version: z.int().min(0),
  writer: z.string().min(1),
  partitions: z.int().min(1).max(4096),
  masters: z.array(masterConfigSchema),
  followers: z.array(followerConfigSchema),
});

// KEYS[1] control lease, KEYS[2] config; ARGV[1] fence, ARGV[2] document, ARGV[3] version. Versions only grow.
const WRITE = `${FENCE_CHECK}
local cur = redis.call('GET', KEYS[2])
if cur then
  local v = cjson.decode(cur)['version']
  if v and tonumber(v) >= tonumber(ARGV[3]) then return -2 end
end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

export function parseConfigDocument(text: string, key: string): ConfigDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FatalError('config_corrupt', `The cluster configuration in Redis (${key}) is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = configDocumentSchema.safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new FatalError('config_invalid', `The cluster configuration in Redis (${key}) is not valid: ${where}`);
  }
  return result.data as ConfigDocument;
}

export async function readConfig(redis: Redis, key: string): Promise<ConfigDocument | null> {
  const text = await redis.get(key);
  return text === null ? null : parseConfigDocument(text, key);
}

/** Only the version, cheaply (workers poll it). */
export async function readConfigVersion(redis: Redis, key: string): Promise<number | null> {
  const v = await redis.eval(`local c = redis.call('GET', KEYS[1]) if not c then return -1 end return cjson.decode(c)['version']`, 1, key);
  const n = Number(v);
  return n < 0 ? null : n;
}

/** Writes a new version under the control lease. Throws when the lease is not held or a newer version exists. */
export async function writeConfig(redis: Redis, key: string, lease: Lease, doc: ConfigDocument): Promise<void> {
  const r = Number(await redis.eval(WRITE, 2, lease.key, key, lease.fence, JSON.stringify(doc), doc.version));
  if (r === -1) {
    lease.lose('a configuration write was refused by the fence');
    throw new FatalError('lease_lost', 'This control process is not the active one any more; the change was not saved.');
  }
  if (r === -2) throw new FatalError('config_conflict', `The cluster configuration already has version ${doc.version} or newer; the change was not saved.`);
}

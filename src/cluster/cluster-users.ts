/**
 * Chat users in cluster mode: a Redis hash of user id → user JSON, so a stand-by control process on another machine
 * takes over with every user and alert setting. Implements the bot's `UserDirectory` port structurally. Reads come
 * from memory, loaded when the lease is taken (only the active control process writes, so memory stays true while
 * it holds the lease); writes resolve once Redis has them, and are fenced by the control lease.
 */
import type { Redis } from 'ioredis';
import { FatalError } from '../domain/errors.js';
import type { AlertKind, AlertLevel, ChatUser } from '../store/schema.js';
import { chatUserSchema } from '../store/schema.js';
import type { Lease } from './lease.js';
import { FENCE_CHECK } from './lease.js';

// KEYS[1] control lease, KEYS[2] users hash; ARGV[1] fence, ARGV[2] user id, ARGV[3] user JSON ('' removes).
const WRITE_USER = `${FENCE_CHECK}
if ARGV[3] == '' then return redis.call('HDEL', KEYS[2], ARGV[2]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

function copy(user: ChatUser): ChatUser {
  return { ...user, alerts: { ...user.alerts } };
}

export interface ClusterUsersDeps {
  redis: Redis;
  /** The users hash (`ClusterKeys.users`). */
  key: string;
  /** The control lease every write is fenced by. */
  lease: Lease;
  log: { warn(obj: object, msg: string): void };
}

export class ClusterUserDirectory {
  private readonly users = new Map<number, ChatUser>();

  private constructor(private readonly deps: ClusterUsersDeps) {}

  /**
   * Loads the users from Redis. An entry that does not parse is logged with its id and left out (the user is not let
   * in; an admin can add them again, which replaces the entry): one bad entry never locks the whole chat out.
   */
  static async load(deps: ClusterUsersDeps): Promise<ClusterUserDirectory> {
    const dir = new ClusterUserDirectory(deps);
    const entries = await deps.redis.hgetall(deps.key);
    for (const [field, text] of Object.entries(entries)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const result = chatUserSchema.safeParse(parsed);
      if (!result.success || String(result.data.id) !== field) {
        deps.log.warn({ key: deps.key, field }, 'a chat user entry in Redis is not valid; that user is left out until an admin adds them again');
        continue;
      }
      dir.users.set(result.data.id, result.data);
    }
    return dir;
  }

  /** True when Redis holds no user yet (a cluster created before users moved to Redis imports its local ones). */
  get empty(): boolean {
    return this.users.size === 0;
  }

  list(): readonly ChatUser[] {
    return [...this.users.values()].map(copy);
  }

  get(id: number): ChatUser | undefined {
    const user = this.users.get(id);
    return user === undefined ? undefined : copy(user);
  }

  async upsert(user: ChatUser): Promise<void> {
    const valid = chatUserSchema.parse(user);
    await this.write(valid.id, JSON.stringify(valid));
    this.users.set(valid.id, copy(valid));
  }

  async remove(id: number): Promise<boolean> {
    if (!this.users.has(id)) return false;
    await this.write(id, '');
    return this.users.delete(id);
  }

  async setAlertLevel(id: number, kind: AlertKind, level: AlertLevel): Promise<ChatUser | undefined> {
    const user = this.users.get(id);
    if (user === undefined) return undefined;
    const next = { ...user, alerts: { ...user.alerts, [kind]: level } };
    await this.upsert(next);
    return copy(next);
  }

  private async write(id: number, json: string): Promise<void> {
    const { redis, key, lease } = this.deps;
    const refused = () => new FatalError('lease_lost', 'This control process is not the active one any more; the change was not saved.');
    if (lease.token === null) throw refused();
    const r = Number(await redis.eval(WRITE_USER, 2, lease.key, key, lease.fence, String(id), json));
    if (r === -1) {
      lease.lose('a chat user write was refused by the fence');
      throw refused();
    }
  }
}

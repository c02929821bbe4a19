/**
 * What each partition owner publishes of its followers for the control process's /status and account list: whether
 * the follower's stream is up and how many copies its ledger holds open. The control process does not stream the
 * followers itself (see follower-caches.ts), and the ledgers live in the workers, so these facts come from the owner:
 * one Redis hash, follower id → view, written with the heartbeat and only where a view changed.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

const viewSchema = z.object({ partition: z.int(), streaming: z.boolean(), openCopies: z.int() });
/** One follower as its partition's owner sees it. */
export type FollowerView = z.infer<typeof viewSchema>;

/** A partition owner's source of views: its engine's followers and ledger. */
export interface FollowerViewSource {
  partition: number;
  followers: ReadonlyMap<string, { readonly streaming: boolean }>;
  openCopies(followerId: string): number;
}

/** Writes the views that changed since the last write (all of them after a Redis error, or on the first call). */
export class FollowerViewPublisher {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async publish(sources: readonly FollowerViewSource[]): Promise<void> {
    const changed: string[] = [];
    const seen = new Set<string>();
    for (const s of sources) {
      for (const [id, f] of s.followers) {
        seen.add(id);
        const view: FollowerView = { partition: s.partition, streaming: f.streaming, openCopies: s.openCopies(id) };
        const json = JSON.stringify(view);
        if (this.written.get(id) === json) continue;
        changed.push(id, json);
      }
    }
    // A partition that left and came back must write its views again: another owner wrote them meanwhile.
    for (const id of [...this.written.keys()]) if (!seen.has(id)) this.written.delete(id);
    if (changed.length === 0) return;
    try {
      await this.redis.hset(this.key, ...changed);
      for (let i = 0; i + 1 < changed.length; i += 2) this.written.set(changed[i] as string, changed[i + 1] as string);
    } catch (error) {
      this.written.clear();
      throw error;
    }
  }
}

/**
 * The published views, keyed by follower. A view counts only while its partition is the follower's and a live worker
 * owns it (`owned`): an old owner's last write says nothing about a follower now.
 */
export async function readFollowerViews(
  redis: Redis,
  key: string,
  partitionOfFollower: (followerId: string) => number,
  owned: ReadonlySet<number>,
): Promise<Map<string, FollowerView>> {
  const all = await redis.hgetall(key);
  const out = new Map<string, FollowerView>();
  for (const [id, raw] of Object.entries(all)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue; // a view of another build: not shown
    }
    const r = viewSchema.safeParse(parsed);
    if (!r.success || r.data.partition !== partitionOfFollower(id) || !owned.has(r.data.partition)) continue;
    out.set(id, r.data);
  }
  return out;
}

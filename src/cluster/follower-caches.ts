/**
 * The control process's follower caches, started on demand. The workers hold every follower's stream for copying;
 * the control process needs a follower's symbols and specs only for a view (a sizing preview, a symbol mapping
 * check; /positions and /risk are answered by the owner). Holding a second stream of every follower there cost the
 * control process and FxSocket a stream frame per copy per follower, on the copy path's cores, for views nobody asked
 * for. A cache is started by the first view that needs it and stopped once no view has used it for `idleMs`.
 */
import type { Logger } from 'pino';

/** The part of the engine's runtime the caches start and stop. */
export interface FollowerCacheRuntime {
  readonly followers: ReadonlyMap<string, unknown>;
  startFollower(followerId: string): Promise<void>;
  stopFollower(followerId: string): Promise<void>;
}

export interface FollowerCachesDeps {
  runtime: FollowerCacheRuntime;
  /** True while the account is a configured follower (a removed one is not started again). */
  isFollower(followerId: string): boolean;
  /** A cache unused this long is stopped. */
  idleMs: number;
  now(): number;
  log: Logger;
}

/** Starts follower caches for views, and stops the ones no view has used for a while. */
export class FollowerCaches {
  private readonly lastUsed = new Map<string, number>();
  private readonly starting = new Map<string, Promise<void>>();

  constructor(private readonly deps: FollowerCachesDeps) {}

  /**
   * The caches of these followers are loaded when this resolves (those that could be: a follower whose terminal is
   * unreachable is logged and left out, and the view shows it as it would an offline one).
   */
  async ensure(followerIds: readonly string[]): Promise<void> {
    const now = this.deps.now();
    const waits: Promise<void>[] = [];
    for (const id of followerIds) {
      if (!this.deps.isFollower(id)) continue;
      this.lastUsed.set(id, now);
      if (this.deps.runtime.followers.has(id)) continue;
      let start = this.starting.get(id);
      if (start === undefined) {
        start = this.deps.runtime
          .startFollower(id)
          .catch((error: unknown) => this.deps.log.warn({ followerId: id, err: String(error) }, 'follower cache not started'))
          .finally(() => this.starting.delete(id));
        this.starting.set(id, start);
      }
      waits.push(start);
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /** Stops the caches unused for `idleMs` (and those of accounts that are no longer followers). */
  async sweep(): Promise<void> {
    const now = this.deps.now();
    for (const id of [...this.deps.runtime.followers.keys()]) {
      if (this.starting.has(id)) continue;
      const used = this.lastUsed.get(id);
      if (this.deps.isFollower(id) && used !== undefined && now - used < this.deps.idleMs) continue;
      this.lastUsed.delete(id);
      await this.deps.runtime.stopFollower(id).catch((error: unknown) => this.deps.log.warn({ followerId: id, err: String(error) }, 'follower cache not stopped'));
    }
  }
}

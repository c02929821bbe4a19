/**
 * Who may see and change what in the Mini App: the chat's rules (design.md §4, `Kit.canManage`/`canSee`), applied to
 * the same user directory and the same follower ownership. Deny by default: an id the directory does not know (and
 * that is no FXMIRROR_ADMINS id) gets nothing.
 */
import { effectiveUser } from '../bot/auth.js';
import type { BotControl, UserDirectory } from '../bot/ports.js';
import type { AccountId } from '../domain/config.js';
import type { WebUser } from './types.js';
import { WebError } from './types.js';

export class Access {
  readonly #users: UserDirectory;
  readonly #admins: ReadonlySet<number>;
  readonly #control: Pick<BotControl, 'follower'>;

  constructor(options: { users: UserDirectory; admins: Iterable<number>; control: Pick<BotControl, 'follower'> }) {
    this.#users = options.users;
    this.#admins = new Set(options.admins);
    this.#control = options.control;
  }

  /** The known user with this Telegram id, read fresh; undefined = no access. */
  user(id: number): WebUser | undefined {
    return effectiveUser(this.#users, this.#admins, id);
  }

  #ownerOf(followerId: AccountId): number | null | undefined {
    try {
      return this.#control.follower(followerId).ownerUserId;
    } catch {
      return undefined;
    }
  }

  /** Admins manage every follower; owners only those they own; viewers none. */
  canManage(user: WebUser, followerId: AccountId): boolean {
    if (user.role === 'admin') return true;
    return user.role === 'owner' && this.#ownerOf(followerId) === user.id;
  }

  /** Owners see only their own followers; admins and viewers see all. */
  canSee(user: WebUser, followerId: AccountId): boolean {
    return user.role !== 'owner' || this.canManage(user, followerId);
  }

  /**
   * Refuses unless `user` may change `followerId`. An owner asking for a follower that is not theirs is told it is
   * not one of theirs, without learning whether it exists.
   */
  assertManage(user: WebUser, followerId: AccountId): void {
    if (this.canManage(user, followerId)) return;
    if (user.role === 'viewer') throw new WebError(403, 'viewer_read_only', 'Viewers can only look, not change settings.');
    throw new WebError(403, 'not_your_follower', 'That is not one of your followers; owners manage only their own.');
  }
}

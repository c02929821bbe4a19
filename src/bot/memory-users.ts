/**
 * An in-memory `UserDirectory`: the adapter for tests and for the console demo when no store is given. Values are
 * copied in and out so callers never share mutable state with the directory.
 */
import type { AlertKind, AlertLevel, ChatUser, UserDirectory } from './ports.js';

function copy(user: ChatUser): ChatUser {
  return { ...user, alerts: { ...user.alerts } };
}

export class MemoryUserDirectory implements UserDirectory {
  readonly #users = new Map<number, ChatUser>();

  constructor(initial: readonly ChatUser[] = []) {
    for (const user of initial) this.#users.set(user.id, copy(user));
  }

  list(): readonly ChatUser[] {
    return [...this.#users.values()].map(copy);
  }

  get(id: number): ChatUser | undefined {
    const user = this.#users.get(id);
    return user === undefined ? undefined : copy(user);
  }

  async upsert(user: ChatUser): Promise<void> {
    this.#users.set(user.id, copy(user));
  }

  async remove(id: number): Promise<boolean> {
    return this.#users.delete(id);
  }

  async setAlertLevel(id: number, kind: AlertKind, level: AlertLevel): Promise<ChatUser | undefined> {
    const user = this.#users.get(id);
    if (user === undefined) return undefined;
    user.alerts = { ...user.alerts, [kind]: level };
    return copy(user);
  }
}

/** Shorthand for `new MemoryUserDirectory(initial)`. */
export function createMemoryUsers(initial: readonly ChatUser[] = []): MemoryUserDirectory {
  return new MemoryUserDirectory(initial);
}

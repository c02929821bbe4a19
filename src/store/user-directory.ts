/**
 * Chat users kept in the state file. Implements the bot's `UserDirectory` port structurally (the store does not
 * import the bot): reads come from memory, writes resolve once durable.
 */
import type { AlertKind, AlertLevel, ChatUser } from './schema.js';
import type { Store } from './store.js';

export class StoreUserDirectory {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  list(): readonly ChatUser[] {
    return this.store.users();
  }

  get(id: number): ChatUser | undefined {
    return this.store.user(id);
  }

  async upsert(user: ChatUser): Promise<void> {
    this.store.upsertUser(user);
    await this.store.flush();
  }

  async remove(id: number): Promise<boolean> {
    const removed = this.store.removeUser(id);
    await this.store.flush();
    return removed;
  }

  async setAlertLevel(id: number, kind: AlertKind, level: AlertLevel): Promise<ChatUser | undefined> {
    const user = this.store.user(id);
    if (!user) return undefined;
    const next = { ...user, alerts: { ...user.alerts, [kind]: level } };
    this.store.upsertUser(next);
    await this.store.flush();
    return next;
  }
}

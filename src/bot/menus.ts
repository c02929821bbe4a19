/**
 * Telegram command menus per role (setMyCommands with scopes): the default scope shows only /start (unknown users
 * learn nothing), each known user gets their role's commands in their private chat (BotCommandScopeChat), and in
 * groups a known user gets them as a chat member (BotCommandScopeChatMember) once they used the bot there.
 */
import type { Api } from 'grammy';
import type { BotCommand } from 'grammy/types';
import type { CommandRegistry } from './commands.js';
import type { BotLogger, Role, UserDirectory } from './ports.js';
import { effectiveUser } from './auth.js';

export type MenuApi = Pick<Api, 'setMyCommands' | 'deleteMyCommands'>;

export class MenuSync {
  readonly #api: MenuApi;
  readonly #registry: CommandRegistry;
  readonly #users: UserDirectory;
  readonly #admins: ReadonlySet<number>;
  readonly #log: BotLogger;
  readonly #groups = new Map<string, Role>();

  constructor(options: { api: MenuApi; registry: CommandRegistry; users: UserDirectory; admins: ReadonlySet<number>; log: BotLogger }) {
    this.#api = options.api;
    this.#registry = options.registry;
    this.#users = options.users;
    this.#admins = options.admins;
    this.#log = options.log;
  }

  commandsFor(role: Role): BotCommand[] {
    return this.#registry
      .forRole(role)
      .filter((s) => s.menu !== false)
      .map((s) => ({ command: s.name, description: s.description.slice(0, 256) }));
  }

  /** Default menu plus one per known user. Failures are logged, never thrown (menus are a convenience). */
  async syncAll(): Promise<void> {
    await this.#call('default', () => this.#api.setMyCommands([{ command: 'start', description: 'show your Telegram id' }]));
    const ids = new Set([...this.#admins, ...this.#users.list().map((u) => u.id)]);
    for (const id of ids) await this.syncUser(id);
  }

  async syncUser(id: number): Promise<void> {
    const user = effectiveUser(this.#users, this.#admins, id);
    const scope = { type: 'chat' as const, chat_id: id };
    if (user === undefined) {
      await this.#call(`user ${id}`, () => this.#api.deleteMyCommands({ scope }));
      for (const key of [...this.#groups.keys()]) if (key.endsWith(`:${id}`)) this.#groups.delete(key);
      return;
    }
    await this.#call(`user ${id}`, () => this.#api.setMyCommands(this.commandsFor(user.role), { scope }));
    for (const [key, role] of [...this.#groups]) {
      const [chat, member] = key.split(':');
      if (Number(member) === id && role !== user.role) await this.noteGroup(Number(chat), id, user.role);
    }
  }

  /** A known user used the bot in a group: give them their menu there (once per role). */
  async noteGroup(chatId: number, userId: number, role: Role): Promise<void> {
    const key = `${chatId}:${userId}`;
    if (this.#groups.get(key) === role) return;
    this.#groups.set(key, role);
    if (this.#groups.size > 5000) this.#groups.delete(this.#groups.keys().next().value as string);
    await this.#call(`member ${key}`, () =>
      this.#api.setMyCommands(this.commandsFor(role), { scope: { type: 'chat_member', chat_id: chatId, user_id: userId } }),
    );
  }

  async #call(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#log.warn({ err: err instanceof Error ? err.message : String(err), what }, 'setMyCommands failed');
    }
  }
}

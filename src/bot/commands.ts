/**
 * The command registry: every feature declares its commands here (name, usage, roles, handler), so `/help`, the
 * per-role menus and the inline-button pickers (which re-run a command line) all come from one list.
 */
import type { BotContext } from './context.js';
import type { Role } from './ports.js';

export interface CommandSpec {
  name: string;
  /** e.g. "/multiplier <follower> <x>" */
  usage: string;
  /** One line for /help and the Telegram menu. */
  description: string;
  /** Roles that may run it at all; ownership and admin-only sub-actions are checked inside. */
  roles: readonly Role[];
  /** Whether the Telegram command menu lists it. */
  menu?: boolean;
  run(ctx: BotContext, tokens: string[]): Promise<void>;
}

/** The order commands appear in /help and the menus. */
const ORDER = [
  'start', 'help', 'whoami', 'status', 'app', 'accounts', 'positions', 'history', 'why',
  'profit', 'daily', 'weekly', 'monthly', 'performance', 'quality', 'chart', 'alerts',
  'pause', 'resume', 'follow', 'unfollow', 'multiplier', 'sizing', 'map', 'filter', 'risk',
  'reconcile', 'closeall', 'master', 'users',
];

export class CommandRegistry {
  readonly #specs = new Map<string, CommandSpec>();

  add(spec: CommandSpec): void {
    if (this.#specs.has(spec.name)) throw new Error(`command /${spec.name} registered twice`);
    this.#specs.set(spec.name, spec);
  }

  get(name: string): CommandSpec | undefined {
    return this.#specs.get(name.toLowerCase());
  }

  all(): CommandSpec[] {
    const rank = (name: string): number => {
      const idx = ORDER.indexOf(name);
      return idx < 0 ? ORDER.length : idx;
    };
    return [...this.#specs.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  }

  forRole(role: Role): CommandSpec[] {
    return this.all().filter((spec) => spec.roles.includes(role));
  }
}

export const ALL_ROLES: readonly Role[] = ['admin', 'owner', 'viewer'];
export const MANAGERS: readonly Role[] = ['admin', 'owner'];
export const ADMINS: readonly Role[] = ['admin'];

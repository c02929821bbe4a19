/**
 * What the bot needs from the rest of the process, as interfaces (design.md §5.2). The store implements
 * `UserDirectory`; `memory-users.ts` is the in-memory adapter used by tests and by the console demo.
 */
import type { Clock } from '../engine/ports.js';
import type { ControlApi } from '../engine/control-types.js';
import type { CopierEvent } from '../engine/events.js';

export type { Clock };

/** What a chat user may do: admin everything, owner only their own followers, viewer read only. */
export type Role = 'admin' | 'owner' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'owner', 'viewer'];

/** The alert kinds a user can tune. */
export type AlertKind = 'copies' | 'rejections' | 'reconcile' | 'connection' | 'daily';
export const ALERT_KINDS: readonly AlertKind[] = ['copies', 'rejections', 'reconcile', 'connection', 'daily'];

/** on: delivered with its natural loudness; silent: delivered without a sound; off: not delivered. */
export type AlertLevel = 'on' | 'silent' | 'off';
export const ALERT_LEVELS: readonly AlertLevel[] = ['on', 'silent', 'off'];

/** A Telegram user the bot answers. Private chat id = user id. */
export interface ChatUser {
  id: number;
  role: Role;
  name: string | null;
  /** Epoch ms. */
  addedAt: number;
  alerts: Record<AlertKind, AlertLevel>;
  /**
   * Whether the daily summary is followed by each visible follower's P&L chart of that day, as a photo. Missing (every
   * user stored before the setting existed) reads as {@link DAILY_CHART_DEFAULT}; see {@link dailyChartOn}.
   */
  dailyChart?: boolean;
}

/**
 * Off unless the user asks: a picture per follower every day is heavy on a phone's data and on the broker history
 * reads behind it, and users stored before the setting existed keep receiving exactly what they did.
 */
export const DAILY_CHART_DEFAULT = false;

/** The user's daily chart setting, the default when they never set it. */
export function dailyChartOn(user: Pick<ChatUser, 'dailyChart'>): boolean {
  return user.dailyChart ?? DAILY_CHART_DEFAULT;
}

/** Defaults for a new user: everything on (routine copies are silent by nature). */
export function defaultAlerts(): Record<AlertKind, AlertLevel> {
  return { copies: 'on', rejections: 'on', reconcile: 'on', connection: 'on', daily: 'on' };
}

/**
 * The chat users and their settings. Reads are synchronous (the store keeps them in memory, and the notifier routes
 * events without awaiting); writes are durable when their promise resolves.
 */
export interface UserDirectory {
  list(): readonly ChatUser[];
  get(id: number): ChatUser | undefined;
  /** Inserts or replaces the user with this id. */
  upsert(user: ChatUser): Promise<void>;
  /** Removes the user; resolves `false` when there was none. */
  remove(id: number): Promise<boolean>;
  /** Sets one alert level; resolves the updated user, or `undefined` for an unknown id. */
  setAlertLevel(id: number, kind: AlertKind, level: AlertLevel): Promise<ChatUser | undefined>;
}

/** The control API as the bot uses it (ControlApi, including `setOwner`). */
export type BotControl = ControlApi;

/** Registers a listener for copier events; may return an unsubscribe function. */
export type SubscribeEvents = (listener: (event: CopierEvent) => void) => (() => void) | void;

/**
 * FxSocket transport counters as /status shows them; `FxSocketClient.stats()` fits. Totals only: no account is named,
 * so every role may see them.
 */
export interface BrokerHealth {
  /** REST calls sent, failed calls, and failures by kind (status4xx, rateLimited, status5xx, timeout, network, …). */
  rest: { calls: number; failed: number; errors: Readonly<Record<string, number>> };
  /** One entry per terminal stream. */
  streams: readonly { connected: boolean; malformed: number; reconnects: number; authRefused?: number; dropped: number; serverDropped: number }[];
}

/** The logging surface the bot uses; a pino logger fits. */
export interface BotLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (tests, quiet console). */
export const silentLogger: BotLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The wall clock with real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  },
};

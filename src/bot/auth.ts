/**
 * Access control (design.md §4): deny by default, roles per Telegram user id in private chats and groups alike.
 * - A known user gets `ctx.user` (read fresh from the directory on every update, so a role change applies at once).
 * - An unknown user gets their id on /start and nothing else; every attempt is counted and reported to the admins in
 *   one grouped message per window (or per N attempts).
 * - A command that waited more than `staleMs` (queued while the bot was down) is not run; the user is told.
 */
import type { MiddlewareFn } from 'grammy';
import type { User } from 'grammy/types';
import type { BotContext } from './context.js';
import { b, code, escapeHtml } from './format/html.js';
import { fmtClock, fmtDuration } from './format/numbers.js';
import type { OutboxMessage } from './outbox.js';
import { defaultAlerts } from './ports.js';
import type { BotLogger, ChatUser, Clock, UserDirectory } from './ports.js';

/** Env admins are admins even before the directory has them. */
export function effectiveUser(users: UserDirectory, admins: ReadonlySet<number>, id: number): ChatUser | undefined {
  const known = users.get(id);
  if (admins.has(id)) {
    return known === undefined
      ? { id, role: 'admin', name: null, addedAt: 0, alerts: defaultAlerts() }
      : { ...known, role: 'admin' };
  }
  return known;
}

/** Makes sure every env admin is in the directory as admin. */
export async function seedAdmins(users: UserDirectory, admins: ReadonlySet<number>, clock: Pick<Clock, 'now'>): Promise<void> {
  for (const id of admins) {
    const known = users.get(id);
    if (known === undefined) {
      await users.upsert({ id, role: 'admin', name: null, addedAt: clock.now(), alerts: defaultAlerts() });
    } else if (known.role !== 'admin') {
      await users.upsert({ ...known, role: 'admin' });
    }
  }
}

/** Parses FXMIRROR_ADMINS ("123, 456") into ids; throws on anything that is not a positive integer. */
export function parseAdmins(value: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (value ?? '').split(',')) {
    const s = part.trim();
    if (s === '') continue;
    if (!/^\d{1,16}$/.test(s) || !Number.isSafeInteger(Number(s)) || Number(s) <= 0) {
      throw new Error(`FXMIRROR_ADMINS must be comma-separated numeric Telegram user ids, got '${s}'`);
    }
    out.add(Number(s));
  }
  return out;
}

export interface UnknownAttempt {
  id: number;
  name: string;
  username: string | null;
  /** The command, "text" or "button". */
  what: string;
}

export interface UnknownReporterOptions {
  users: UserDirectory;
  admins: ReadonlySet<number>;
  send: (message: OutboxMessage) => void;
  clock: Clock;
  log: BotLogger;
  /** Report at most once per window (default 10 min)… */
  windowMs?: number;
  /** …or as soon as this many attempts are counted (default 20). */
  maxAttempts?: number;
  /** Distinct users listed by name; more are counted (default 20). */
  maxListed?: number;
}

/** Counts unknown users' attempts and reports them to the admins in one message per window. */
export class UnknownReporter {
  readonly #o: Required<Omit<UnknownReporterOptions, 'send'>> & Pick<UnknownReporterOptions, 'send'>;
  readonly #seen = new Map<number, { attempt: UnknownAttempt; count: number }>();
  #others = 0;
  #total = 0;
  #since = 0;
  #timer: { cancel(): void } | null = null;
  reported = 0;

  constructor(options: UnknownReporterOptions) {
    this.#o = { windowMs: 600_000, maxAttempts: 20, maxListed: 20, ...options };
  }

  record(attempt: UnknownAttempt): void {
    if (this.#total === 0) this.#since = this.#o.clock.now();
    this.#total += 1;
    const seen = this.#seen.get(attempt.id);
    if (seen !== undefined) {
      seen.count += 1;
      seen.attempt = attempt;
    } else if (this.#seen.size < this.#o.maxListed) {
      this.#seen.set(attempt.id, { attempt, count: 1 });
    } else {
      this.#others += 1;
    }
    if (this.#total >= this.#o.maxAttempts) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = this.#o.clock.setTimeout(() => {
        this.#timer = null;
        this.flush();
      }, this.#o.windowMs);
    }
  }

  /** Sends the pending report now (if any). */
  flush(): void {
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#total === 0) return;
    const users = this.#seen.size;
    const lines = [
      `🚫 ${b(`${this.#total} attempt${this.#total === 1 ? '' : 's'} by unknown users`)} since ${fmtClock(this.#since)} UTC (${fmtDuration(this.#o.clock.now() - this.#since)}):`,
    ];
    for (const { attempt, count } of this.#seen.values()) {
      const handle = attempt.username === null ? '' : ` @${escapeHtml(attempt.username)}`;
      lines.push(`• ${code(String(attempt.id))} ${escapeHtml(attempt.name)}${handle}: ${count}× (last: ${escapeHtml(attempt.what)})`);
    }
    if (this.#others > 0) lines.push(`• and ${this.#others} more attempts from other users`);
    lines.push('Add someone with /users add &lt;id&gt; &lt;role&gt;.');
    const text = lines.join('\n');
    const recipients = new Set(this.#o.admins);
    for (const u of this.#o.users.list()) if (u.role === 'admin') recipients.add(u.id);
    this.#o.log.warn({ attempts: this.#total, users, others: this.#others }, 'unknown users tried the bot');
    for (const chatId of recipients) this.#o.send({ chatId, text, silent: true, routine: false, kind: 'access' });
    this.reported += this.#total;
    this.#seen.clear();
    this.#others = 0;
    this.#total = 0;
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }
}

function displayName(from: User): string {
  return [from.first_name, from.last_name].filter((x) => x !== undefined && x !== '').join(' ');
}

/**
 * The command in a message ("/status"), lower-cased, without the @bot suffix; null when it is not a command, or when
 * it names another bot (`/status@otherbot` in a group) and `botUsername` is given.
 */
export function commandOf(text: string | undefined, botUsername?: string): string | null {
  if (text === undefined || !text.startsWith('/')) return null;
  const m = /^\/([A-Za-z0-9_]{1,64})(?:@(\w+))?(?:\s|$)/.exec(text);
  if (m === null || m[1] === undefined) return null;
  if (botUsername !== undefined && m[2] !== undefined && m[2].toLowerCase() !== botUsername.toLowerCase()) return null;
  return m[1].toLowerCase();
}

export interface AuthOptions {
  users: UserDirectory;
  admins: ReadonlySet<number>;
  clock: Clock;
  log: BotLogger;
  reporter: UnknownReporter;
  /** Commands older than this when received are not run (default 60 s). */
  staleMs?: number;
}

export function authMiddleware(options: AuthOptions): MiddlewareFn<BotContext> {
  const staleMs = options.staleMs ?? 60_000;
  return async (ctx, next) => {
    const from = ctx.from;
    if (from === undefined || from.is_bot) return;
    const user = effectiveUser(options.users, options.admins, from.id);
    const text = ctx.message?.text ?? ctx.message?.caption;
    // In a private chat every command is for this bot; in a group, `/x@otherbot` is not.
    const command = commandOf(text, ctx.chat?.type === 'private' ? undefined : ctx.me.username);
    if (user === undefined) {
      const what = command !== null ? `/${command}` : ctx.callbackQuery !== undefined ? 'button' : ctx.message !== undefined ? 'message' : 'update';
      options.reporter.record({ id: from.id, name: displayName(from), username: from.username ?? null, what });
      if (ctx.callbackQuery !== undefined) {
        // Stops the button's spinner; shows nothing.
        await ctx.answerCallbackQuery().catch(() => undefined);
        ctx.fx.answered = true;
      } else if (command === 'start' && ctx.message !== undefined) {
        await ctx.reply(`Your Telegram user id is <code>${from.id}</code>.`, { parse_mode: 'HTML' });
      }
      return;
    }
    ctx.user = user;
    if (ctx.message !== undefined && command !== null) {
      const age = options.clock.now() - ctx.message.date * 1000;
      if (age > staleMs) {
        options.log.info({ userId: from.id, command, ageMs: age }, 'stale command not run');
        ctx.fx.replies += 1;
        await ctx.reply(
          `⏱ Not run: /${escapeHtml(command)} was sent ${fmtDuration(age)} ago (${fmtClock(ctx.message.date * 1000)} UTC), while the bot was offline. Send it again if you still want it.`,
          { parse_mode: 'HTML' },
        );
        return;
      }
    }
    await next();
  };
}

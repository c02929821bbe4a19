/**
 * What every feature Composer is built with: the dependencies, the command registry, and the shared helpers for
 * replying, pickers, confirmations, account resolution and role checks. Features call the control API and format;
 * nothing here decides anything about trading.
 */
import { randomBytes } from 'node:crypto';
import { GrammyError, InlineKeyboard, InputFile } from 'grammy';
import type { Composer } from 'grammy';
import { ReportCharts } from '../charts/report-charts.js';
import type { AccountId, FollowerConfig } from '../domain/config.js';
import { FxmirrorError } from '../domain/errors.js';
import type { AccountView } from '../engine/control-types.js';
import { ArgError, tokenize } from './args.js';
import type { CommandRegistry, CommandSpec } from './commands.js';
import type { ConfirmStore } from './confirm.js';
import { DeniedError, userOf } from './context.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './format/html.js';
import { shortId } from './format/numbers.js';
import { splitMessage } from './format/split.js';
import type { BotControl, BotLogger, BrokerHealth, ChatUser, Clock, Role, UserDirectory } from './ports.js';

export interface KitDeps {
  control: BotControl;
  users: UserDirectory;
  /** Admins from FXMIRROR_ADMINS: always admin, cannot be removed or demoted from the chat. */
  admins: ReadonlySet<number>;
  log: BotLogger;
  clock: Clock;
  confirms: ConfirmStore;
  registry: CommandRegistry;
  /** Called after a user was added, removed or changed role (menus follow). */
  onUserChanged?: (userId: number) => void;
  /** FxSocket transport counters for /status. */
  brokerHealth?: () => BrokerHealth;
  /** The report charts (/chart, the daily chart); default: drawn from `control`'s reports. */
  charts?: ReportCharts;
}

/** A confirmable action: re-authorized and executed when its Apply button is tapped. */
export interface ConfirmAction {
  roles: readonly Role[];
  /** Re-checks ownership and scope with the user's current role; throws DeniedError. */
  authorize(ctx: BotContext, user: ChatUser, args: readonly string[]): Promise<void>;
  /** Runs it and replies (the reply edits the confirmation message). */
  execute(ctx: BotContext, user: ChatUser, args: readonly string[]): Promise<void>;
}

export interface ReplyOptions {
  keyboard?: InlineKeyboard;
  /** In a button flow, send a new message instead of editing the one with the buttons. */
  newMessage?: boolean;
}

const CALLBACK_LIMIT = 64;
/** Telegram's limit for a photo caption, in characters. */
export const PHOTO_CAPTION_LIMIT = 1024;

export class Kit {
  readonly control: BotControl;
  readonly users: UserDirectory;
  readonly admins: ReadonlySet<number>;
  readonly log: BotLogger;
  readonly clock: Clock;
  readonly confirms: ConfirmStore;
  readonly registry: CommandRegistry;
  readonly brokerHealth: (() => BrokerHealth) | undefined;
  readonly charts: ReportCharts;
  readonly actions = new Map<string, ConfirmAction>();
  readonly #lines = new Map<string, string>();
  readonly #onUserChanged: (userId: number) => void;

  constructor(deps: KitDeps) {
    this.control = deps.control;
    this.users = deps.users;
    this.admins = deps.admins;
    this.log = deps.log;
    this.clock = deps.clock;
    this.confirms = deps.confirms;
    this.registry = deps.registry;
    this.brokerHealth = deps.brokerHealth;
    this.charts = deps.charts ?? new ReportCharts({ reports: deps.control, clock: deps.clock });
    this.#onUserChanged = deps.onUserChanged ?? (() => {});
  }

  userChanged(userId: number): void {
    try {
      this.#onUserChanged(userId);
    } catch (err) {
      this.log.warn({ err: String(err), userId }, 'menu update failed');
    }
  }

  // ── commands ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Registers a command on `composer` and in the registry (for /help, menus and pickers). */
  command(composer: Composer<BotContext>, spec: CommandSpec): void {
    this.registry.add(spec);
    composer.command(spec.name, async (ctx) => {
      await this.dispatch(ctx, spec, typeof ctx.match === 'string' ? ctx.match : '');
    });
  }

  /** Runs a command for the user behind `ctx`: role check, argument tokens, and one reply for any failure. */
  async dispatch(ctx: BotContext, spec: CommandSpec, argText: string): Promise<void> {
    const user = userOf(ctx);
    if (!spec.roles.includes(user.role)) {
      await this.reply(
        ctx,
        `⛔ /${spec.name} needs the ${spec.roles.join(' or ')} role; you are ${user.role}. /help lists what you can use.`,
      );
      return;
    }
    try {
      await spec.run(ctx, tokenize(argText));
    } catch (err) {
      await this.replyError(ctx, `/${spec.name}`, err);
    }
  }

  /** Registers an action that a confirmation button can run. */
  confirmable(action: string, spec: ConfirmAction): void {
    this.actions.set(action, spec);
  }

  // ── replies ─────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Replies with HTML. In a button flow it edits the message that carried the buttons (so a picker becomes its
   * next step); otherwise it sends, splitting long text (buttons go on the last part).
   */
  async reply(ctx: BotContext, html: string, options: ReplyOptions = {}): Promise<void> {
    ctx.fx.replies += 1;
    const markup = options.keyboard === undefined ? {} : { reply_markup: options.keyboard };
    const message = ctx.callbackQuery?.message;
    if (message !== undefined && options.newMessage !== true && html.length <= 4096) {
      try {
        await ctx.editMessageText(html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...markup });
        return;
      } catch (err) {
        if (err instanceof GrammyError && /not modified/i.test(err.description)) return;
        this.log.debug({ err: String(err) }, 'edit failed; sending a new message');
      }
    }
    const chunks = splitMessage(html);
    const replyTo =
      ctx.chat !== undefined && ctx.chat.type !== 'private' && ctx.message !== undefined
        ? { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } }
        : {};
    for (const [idx, chunk] of chunks.entries()) {
      const last = idx === chunks.length - 1;
      await ctx.reply(chunk, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(idx === 0 ? replyTo : {}),
        ...(last ? markup : {}),
      });
    }
  }

  /**
   * Sends a PNG as a photo with an HTML caption, always as a new message (a photo cannot replace a text message).
   * Captions are short by construction, each line balanced HTML; one over Telegram's 1024 characters loses its last
   * lines until it fits.
   */
  async replyPhoto(ctx: BotContext, png: Uint8Array, filename: string, caption: string): Promise<void> {
    ctx.fx.replies += 1;
    const lines = caption.split('\n');
    while (lines.length > 1 && lines.join('\n').length > PHOTO_CAPTION_LIMIT) lines.pop();
    const text = lines.join('\n').slice(0, PHOTO_CAPTION_LIMIT);
    const replyTo =
      ctx.chat !== undefined && ctx.chat.type !== 'private' && ctx.message !== undefined
        ? { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } }
        : {};
    await ctx.replyWithPhoto(new InputFile(png, filename), { caption: text, parse_mode: 'HTML', ...replyTo });
  }

  /** Answers the callback query once (later calls are no-ops). */
  async answer(ctx: BotContext, text?: string, alert = false): Promise<void> {
    if (ctx.callbackQuery === undefined || ctx.fx.answered) return;
    ctx.fx.answered = true;
    try {
      await ctx.answerCallbackQuery(text === undefined ? undefined : { text: text.slice(0, 200), show_alert: alert });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'answerCallbackQuery failed');
    }
  }

  /** One reply for a failure: what was wrong in words; unexpected errors are logged with a reference. */
  async replyError(ctx: BotContext, what: string, err: unknown): Promise<void> {
    let text: string;
    if (err instanceof ArgError || err instanceof DeniedError) {
      text = `⚠️ ${escapeHtml(err.message)}`;
    } else if (err instanceof FxmirrorError && err.action === 'reject') {
      text = `⛔ ${escapeHtml(err.message)}`;
    } else if (err instanceof FxmirrorError && err.action === 'retry') {
      text = `⏳ ${escapeHtml(err.message)} Try again in a moment.`;
    } else {
      const ref = randomBytes(3).toString('hex');
      this.log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack, name: err.name } : String(err), ref, what }, 'command failed');
      text = `❗ ${escapeHtml(what)} failed unexpectedly; the error was logged (ref ${ref}).`;
    }
    await this.answer(ctx);
    try {
      await this.reply(ctx, text);
    } catch (replyErr) {
      this.log.error({ err: String(replyErr) }, 'could not send an error reply');
    }
  }

  // ── buttons ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Callback data that re-runs `line` (a command line) as the user who taps it. */
  lineData(line: string): string {
    const direct = `r:${line}`;
    if (Buffer.byteLength(direct, 'utf8') <= CALLBACK_LIMIT) return direct;
    for (const [token, known] of this.#lines) if (known === line) return `t:${token}`;
    const token = randomBytes(6).toString('base64url');
    this.#lines.set(token, line);
    if (this.#lines.size > 2000) {
      const oldest = this.#lines.keys().next();
      if (oldest.done !== true) this.#lines.delete(oldest.value);
    }
    return `t:${token}`;
  }

  lineOf(data: string): string | undefined {
    if (data.startsWith('r:')) return data.slice(2);
    if (data.startsWith('t:')) return this.#lines.get(data.slice(2));
    return undefined;
  }

  /** A keyboard of choices, each re-running a command line. */
  picker(items: readonly { label: string; line: string }[], columns = 2): InlineKeyboard {
    const kb = new InlineKeyboard();
    items.forEach((item, idx) => {
      if (idx > 0 && idx % columns === 0) kb.row();
      kb.text(item.label.slice(0, 60), this.lineData(item.line));
    });
    return kb;
  }

  /** Asks for confirmation: the effect (html) and Apply/Cancel buttons bound to this user, action and args. */
  async confirm(ctx: BotContext, input: { action: string; args: readonly string[]; html: string; apply?: string }): Promise<void> {
    const user = userOf(ctx);
    const chatId = ctx.chat?.id ?? user.id;
    const c = this.confirms.create({ userId: user.id, chatId, action: input.action, args: input.args });
    const kb = new InlineKeyboard().text(input.apply ?? '✅ Apply', `c:${c.token}:y`).text('✖ Cancel', `c:${c.token}:n`);
    const minutes = Math.max(1, Math.round(this.confirms.ttlMs / 60_000));
    await this.reply(ctx, `${input.html}\n\n<i>Confirm within ${minutes} min.</i>`, { keyboard: kb });
  }

  // ── accounts and roles ──────────────────────────────────────────────────────────────────────────────────────

  async accounts(): Promise<Map<AccountId, AccountView>> {
    const list = await this.control.listAccounts();
    return new Map(list.map((a) => [a.id, a]));
  }

  /** The follower config, or null when the account is not a follower. */
  followerConfig(id: AccountId): FollowerConfig | null {
    try {
      return this.control.follower(id);
    } catch {
      return null;
    }
  }

  /** Admins manage everything; owners only followers whose `ownerUserId` is theirs; viewers nothing. */
  canManage(user: ChatUser, followerId: AccountId): boolean {
    if (user.role === 'admin') return true;
    if (user.role !== 'owner') return false;
    return this.followerConfig(followerId)?.ownerUserId === user.id;
  }

  /** Owners see only their own followers; admins and viewers see all. */
  canSee(user: ChatUser, followerId: AccountId): boolean {
    return user.role !== 'owner' || this.canManage(user, followerId);
  }

  /** The followers an owner owns (all followers for others). */
  async visibleFollowers(user: ChatUser): Promise<AccountView[]> {
    const all = await this.control.listAccounts();
    return all.filter((a) => a.role === 'follower' && this.canSee(user, a.id));
  }

  async manageableFollowers(user: ChatUser): Promise<AccountView[]> {
    const all = await this.control.listAccounts();
    return all.filter((a) => a.role === 'follower' && this.canManage(user, a.id));
  }

  /** Resolves an account reference and names it. */
  async resolve(ref: string): Promise<AccountView> {
    const id = await this.control.resolveAccount(ref);
    const view = (await this.accounts()).get(id);
    return view ?? { id, nickname: shortId(id), platform: '', server: '', login: 0, status: 'unknown', role: 'none', paused: false, streaming: false };
  }

  /** Resolves a follower the user may manage; refuses with a clear message otherwise. */
  async resolveManaged(user: ChatUser, ref: string, opts: { mustBeFollower?: boolean } = {}): Promise<AccountView> {
    const account = await this.resolve(ref);
    if ((opts.mustBeFollower ?? true) && this.followerConfig(account.id) === null) {
      throw new DeniedError(`${account.nickname} is not a follower. /follow makes an account follow a master.`);
    }
    this.assertManage(user, account);
    return account;
  }

  assertManage(user: ChatUser, account: Pick<AccountView, 'id' | 'nickname'>): void {
    if (this.canManage(user, account.id)) return;
    if (user.role === 'viewer') throw new DeniedError('Viewers can only look, not change settings.');
    throw new DeniedError(`${account.nickname} is not one of your followers; owners manage only their own.`);
  }

  assertSee(user: ChatUser, account: Pick<AccountView, 'id' | 'nickname'>): void {
    if (!this.canSee(user, account.id)) throw new DeniedError(`${account.nickname} is not one of your followers.`);
  }

  assertAdmin(user: ChatUser, what: string): void {
    if (user.role !== 'admin') throw new DeniedError(`${what} needs the admin role; you are ${user.role}.`);
  }
}

/** An account's display name with its short id: "Alpha (3f2a9c1e)". */
export function accountLabel(a: Pick<AccountView, 'id' | 'nickname'>): string {
  return a.nickname === '' ? shortId(a.id) : `${a.nickname} (${shortId(a.id)})`;
}

export function accountHtml(a: Pick<AccountView, 'id' | 'nickname'>): string {
  return `<b>${escapeHtml(a.nickname === '' ? shortId(a.id) : a.nickname)}</b>`;
}

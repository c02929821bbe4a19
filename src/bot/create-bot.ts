/**
 * Builds the grammY bot: middleware order, the feature Composers, the outbox, the notifier and the menus. Both
 * transports use it: `telegram.ts` (long polling) and `console.ts` (terminal, same `handleUpdate` path).
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot } from 'grammy';
import type { Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { commandOf, UnknownReporter, authMiddleware, seedAdmins } from './auth.js';
import { ReportCharts } from '../charts/report-charts.js';
import { CommandRegistry } from './commands.js';
import { ConfirmStore } from './confirm.js';
import { DailyCharts } from './daily-charts.js';
import { DeniedError, userOf } from './context.js';
import type { BotContext } from './context.js';
import { accountsFeature } from './features/accounts.js';
import { alertsFeature } from './features/alerts.js';
import { chartFeature } from './features/chart.js';
import { closeAllFeature } from './features/closeall.js';
import { filterFeature } from './features/filter.js';
import { followFeature } from './features/follow.js';
import { helpFeature } from './features/help.js';
import { historyFeature } from './features/history.js';
import { mapFeature } from './features/map.js';
import { masterFeature } from './features/master.js';
import { pauseFeature } from './features/pause.js';
import { performanceFeature } from './features/performance.js';
import { periodsFeature } from './features/periods.js';
import { positionsFeature } from './features/positions.js';
import { profitFeature } from './features/profit.js';
import { qualityFeature } from './features/quality.js';
import { reconcileFeature } from './features/reconcile.js';
import { riskFeature } from './features/risk.js';
import { sizingFeature } from './features/sizing.js';
import { statusFeature } from './features/status.js';
import { usersFeature } from './features/users.js';
import { webAppFeature } from './features/webapp.js';
import type { WebAppLink } from './features/webapp.js';
import { whyFeature } from './features/why.js';
import { escapeHtml } from './format/html.js';
import { Kit } from './kit.js';
import { MenuSync } from './menus.js';
import { Notifier } from './notifier.js';
import { Outbox, throttleCounter } from './outbox.js';
import type { OutboxOptions } from './outbox.js';
import type { BotControl, BotLogger, BrokerHealth, Clock, UserDirectory } from './ports.js';

export const OFFICIAL_API_ROOT = 'https://api.telegram.org';

export interface BotOptions {
  token: string;
  /** Bot API root (TELEGRAM_API_ROOT); default the official one. */
  apiRoot?: string;
  control: BotControl;
  users: UserDirectory;
  /** FXMIRROR_ADMINS. */
  admins: Iterable<number>;
  log: BotLogger;
  clock: Clock;
  /** Skips getMe (console, tests). */
  botInfo?: UserFromGetMe;
  /** Confirmation lifetime (default 2 min). */
  confirmTtlMs?: number;
  /** Commands older than this are not run (default 60 s). */
  staleMs?: number;
  unknownReport?: { windowMs?: number; maxAttempts?: number };
  outbox?: Partial<Omit<OutboxOptions, 'api' | 'log' | 'clock'>>;
  /** 429 handling on every API call (bounded); `false` turns it off (tests that count raw calls). */
  autoRetry?: { maxRetryAttempts?: number; maxDelaySeconds?: number } | false;
  /** Overrides the confirmation token source (tests). */
  newToken?: () => string;
  /** FxSocket transport counters for /status (REST errors by kind, stream counters); omitted from /status when absent. */
  brokerHealth?: () => BrokerHealth;
  /** The Mini App: /app and its button; omitted = no /app command. */
  webApp?: WebAppLink | null;
}

/**
 * @grammyjs/auto-retry, bounded: 429s are waited out (`retry_after`) a few times; 5xx and network errors are
 * rethrown to the caller (the outbox has its own bounded backoff; auto-retry would retry those forever).
 */
export function boundedAutoRetry(options: { maxRetryAttempts?: number; maxDelaySeconds?: number } = {}): Transformer {
  return autoRetry({
    maxRetryAttempts: options.maxRetryAttempts ?? 3,
    maxDelaySeconds: options.maxDelaySeconds ?? 60,
    rethrowHttpErrors: true,
    rethrowInternalServerErrors: true,
  });
}

export interface FxBot {
  bot: Bot<BotContext>;
  kit: Kit;
  outbox: Outbox;
  notifier: Notifier;
  /** The daily summary's charts (after the summary, for users with `dailychart` on). */
  dailyCharts: DailyCharts;
  reporter: UnknownReporter;
  menus: MenuSync;
  confirms: ConfirmStore;
  registry: CommandRegistry;
  /** Puts FXMIRROR_ADMINS into the user directory. */
  seedAdmins(): Promise<void>;
}

export function createBot(options: BotOptions): FxBot {
  const admins = new Set(options.admins);
  const { log, clock, users, control } = options;
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo === undefined ? {} : { botInfo: options.botInfo }),
    client: { apiRoot: options.apiRoot ?? OFFICIAL_API_ROOT },
  });
  // Innermost first: the 429 counter sees every answer, including those auto-retry then waits out.
  let onThrottled = (): void => {};
  bot.api.config.use(throttleCounter(() => onThrottled()));
  if (options.autoRetry !== false) bot.api.config.use(boundedAutoRetry(options.autoRetry));

  const registry = new CommandRegistry();
  const confirms = new ConfirmStore({ clock, ttlMs: options.confirmTtlMs ?? 120_000, ...(options.newToken === undefined ? {} : { newToken: options.newToken }) });
  const outbox = new Outbox({ api: bot.api, log, clock, ...options.outbox });
  onThrottled = () => outbox.noteThrottled();
  const charts = new ReportCharts({ reports: control, clock });
  const dailyCharts = new DailyCharts({ charts, outbox, log });
  const notifier = new Notifier({ users, control, outbox, log, onDailySummary: dailyCharts.send });
  const reporter = new UnknownReporter({ users, admins, send: (m) => outbox.enqueue(m), clock, log, ...options.unknownReport });
  const menus = new MenuSync({ api: bot.api, registry, users, admins, log });
  const kit = new Kit({
    control,
    users,
    admins,
    log,
    clock,
    confirms,
    registry,
    charts,
    onUserChanged: (id) => void menus.syncUser(id),
    ...(options.brokerHealth === undefined ? {} : { brokerHealth: options.brokerHealth }),
  });

  bot.use(async (ctx, next) => {
    ctx.fx = { answered: false, replies: 0 };
    await next();
  });
  // Every button tap is answered exactly once, whatever happened in between.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.callbackQuery !== undefined && !ctx.fx.answered) await kit.answer(ctx);
    }
  });
  bot.use(authMiddleware({ users, admins, clock, log, reporter, ...(options.staleMs === undefined ? {} : { staleMs: options.staleMs }) }));
  bot.use(async (ctx, next) => {
    if (ctx.chat !== undefined && ctx.chat.type !== 'private' && ctx.user !== undefined) {
      void menus.noteGroup(ctx.chat.id, ctx.user.id, ctx.user.role);
    }
    await next();
  });

  // Picker buttons: re-run a command line as the user who tapped.
  bot.on('callback_query:data', async (ctx, next) => {
    const data = ctx.callbackQuery.data;
    if (!data.startsWith('r:') && !data.startsWith('t:')) return next();
    const line = kit.lineOf(data);
    if (line === undefined) {
      await kit.answer(ctx, 'This button has expired; send the command again.', true);
      return;
    }
    const name = commandOf(line);
    const spec = name === null ? undefined : registry.get(name);
    if (spec === undefined) {
      await kit.answer(ctx, 'Unknown action.');
      return;
    }
    await kit.answer(ctx);
    const space = line.indexOf(' ');
    await kit.dispatch(ctx, spec, space < 0 ? '' : line.slice(space + 1));
  });

  // Confirmation buttons: bound to user, action, arguments and expiry; re-authorized on the tap.
  bot.callbackQuery(/^c:([A-Za-z0-9_-]+):([yn])$/, async (ctx) => {
    const token = ctx.match[1] ?? '';
    const yes = ctx.match[2] === 'y';
    const user = userOf(ctx);
    const result = yes ? confirms.take(token, user.id) : confirms.cancel(token, user.id);
    if (!result.ok) {
      switch (result.reason) {
        case 'other_user':
          await kit.answer(ctx, 'This confirmation belongs to someone else.', true);
          return;
        case 'used':
          await kit.answer(ctx, 'Already done or cancelled.');
          return;
        case 'expired':
          await kit.answer(ctx, 'Expired: send the command again.', true);
          await kit.reply(ctx, '⌛ This confirmation expired; nothing was changed. Send the command again.');
          return;
        default:
          await kit.answer(ctx, 'This confirmation is no longer valid (the bot restarted?). Send the command again.', true);
          await kit.reply(ctx, '⌛ This confirmation is no longer valid; nothing was changed.');
          return;
      }
    }
    if (!yes) {
      await kit.answer(ctx, 'Cancelled');
      await kit.reply(ctx, '✖ Cancelled; nothing was changed.');
      return;
    }
    const action = kit.actions.get(result.confirmation.action);
    try {
      if (action === undefined) throw new Error(`no confirmable action '${result.confirmation.action}'`);
      if (!action.roles.includes(user.role)) {
        throw new DeniedError(`Not applied: this needs the ${action.roles.join(' or ')} role and you are ${user.role} now.`);
      }
      await action.authorize(ctx, user, result.confirmation.args);
      await kit.answer(ctx, 'Applying…');
      await action.execute(ctx, user, result.confirmation.args);
    } catch (err) {
      await kit.replyError(ctx, result.confirmation.action, err);
    }
  });

  for (const feature of [
    helpFeature,
    statusFeature,
    accountsFeature,
    masterFeature,
    followFeature,
    pauseFeature,
    sizingFeature,
    mapFeature,
    filterFeature,
    riskFeature,
    positionsFeature,
    reconcileFeature,
    closeAllFeature,
    historyFeature,
    whyFeature,
    profitFeature,
    periodsFeature,
    performanceFeature,
    qualityFeature,
    chartFeature,
    alertsFeature,
    usersFeature,
    (k: Kit) => webAppFeature(k, options.webApp ?? null),
  ]) {
    bot.use(feature(kit));
  }

  // Anything left: one short answer in private chats; in groups only commands addressed to this bot.
  bot.on('message', async (ctx) => {
    const text = ctx.message.text ?? ctx.message.caption;
    const isPrivate = ctx.chat.type === 'private';
    const command = commandOf(text, isPrivate ? undefined : ctx.me.username);
    // In a group, only commands addressed to this bot by name are answered here (plain chatter is ignored).
    if (!isPrivate && (command === null || !(text ?? '').toLowerCase().split(/\s/)[0]?.endsWith(`@${ctx.me.username.toLowerCase()}`))) return;
    // Commands are matched case-insensitively: "/Status" runs /status.
    const spec = command === null ? undefined : registry.get(command);
    if (spec !== undefined) {
      const rest = (text ?? '').replace(/^\S+\s*/, '');
      await kit.dispatch(ctx, spec, rest);
      return;
    }
    await kit.reply(
      ctx,
      command === null
        ? 'I only understand commands. /help lists what you can use.'
        : `Unknown command /${escapeHtml(command)}. /help lists what you can use.`,
    );
  });
  bot.on('callback_query:data', async (ctx) => {
    await kit.answer(ctx, 'This button is no longer valid.');
  });

  bot.catch((err) => {
    log.error({ err: err.error instanceof Error ? err.error.message : String(err.error), update: err.ctx.update.update_id }, 'unhandled bot error');
  });

  return {
    bot,
    kit,
    outbox,
    notifier,
    dailyCharts,
    reporter,
    menus,
    confirms,
    registry,
    seedAdmins: () => seedAdmins(users, admins, clock),
  };
}

/** The Telegram transport: long polling against TELEGRAM_API_ROOT, graceful stop with a bounded outbox flush. */
import type { BotOptions, FxBot } from './create-bot.js';
import { createBot } from './create-bot.js';
import type { NotifierStats } from './notifier.js';
import type { OutboxStats } from './outbox.js';
import type { SubscribeEvents } from './ports.js';

export interface TelegramBotOptions extends BotOptions {
  /** Subscribes the notifier to copier events. */
  events: SubscribeEvents;
  /** How long `stop()` waits for queued alerts (default 5 s). */
  flushTimeoutMs?: number;
  /** Sync the per-role command menus on start (default true). */
  syncMenus?: boolean;
}

export interface TelegramBot {
  fx: FxBot;
  /** Seeds admins, checks the token (getMe), subscribes to events and starts polling; resolves once polling runs. */
  start(): Promise<void>;
  /** Stops polling, flushes the outbox (bounded), unsubscribes. */
  stop(): Promise<void>;
  stats(): { outbox: OutboxStats; notifier: NotifierStats };
}

export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const fx = createBot(options);
  const { log } = options;
  let unsubscribe: (() => void) | void = undefined;
  let polling: Promise<void> | null = null;

  return {
    fx,
    async start() {
      await fx.seedAdmins();
      await fx.bot.init();
      unsubscribe = options.events(fx.notifier.notify);
      if (options.syncMenus !== false) {
        void fx.menus.syncAll().catch((err: unknown) => log.warn({ err: String(err) }, 'menu sync failed'));
      }
      await new Promise<void>((resolve, reject) => {
        polling = fx.bot
          .start({
            allowed_updates: ['message', 'callback_query'],
            onStart: (info) => {
              log.info({ bot: info.username }, 'telegram bot polling');
              resolve();
            },
          })
          .catch((err: unknown) => {
            log.error({ err: err instanceof Error ? err.message : String(err) }, 'telegram polling stopped with an error');
            reject(err instanceof Error ? err : new Error(String(err)));
          });
      });
    },
    async stop() {
      if (typeof unsubscribe === 'function') unsubscribe();
      if (fx.bot.isRunning()) await fx.bot.stop();
      await polling;
      fx.notifier.stop();
      fx.reporter.flush();
      fx.reporter.stop();
      const stats = await fx.outbox.stop(options.flushTimeoutMs ?? 5_000);
      log.info({ outbox: stats }, 'telegram bot stopped');
    },
    stats: () => ({ outbox: fx.outbox.stats(), notifier: fx.notifier.stats() }),
  };
}

/**
 * The Telegram transport: long polling against TELEGRAM_API_ROOT, graceful stop with a bounded outbox flush.
 *
 * Telegram being down must never keep the copier from starting: alerts are subscribed before the first `getMe`, held
 * in the (bounded) outbox while Telegram does not answer, and sent in order once it does; `getMe` is retried in the
 * background with a capped backoff. Only a refused token (401/404) fails start-up, as a configuration error.
 */
import { GrammyError } from 'grammy';
import type { Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { BotOptions, FxBot } from './create-bot.js';
import { createBot } from './create-bot.js';
import type { NotifierStats } from './notifier.js';
import type { OutboxStats } from './outbox.js';
import type { SubscribeEvents } from './ports.js';

/** How the bot keeps trying to reach Telegram (`getMe`) when it did not answer at start-up. */
export interface ConnectOptions {
  /** One `getMe` attempt is abandoned after this long (default 10 s). */
  attemptTimeoutMs?: number;
  /** Delay before the second attempt (default 1 s), doubled per failure up to `maxMs` (default 30 s). */
  baseMs?: number;
  maxMs?: number;
}

export interface TelegramBotOptions extends BotOptions {
  /** Subscribes the notifier to copier events. */
  events: SubscribeEvents;
  /** How long `stop()` waits for queued alerts (default 5 s). */
  flushTimeoutMs?: number;
  /** Sync the per-role command menus on start (default true). */
  syncMenus?: boolean;
  connect?: ConnectOptions;
}

export interface TelegramBot {
  fx: FxBot;
  /**
   * Seeds admins, subscribes to events (alerts are queued from here on), checks the token (getMe) and starts polling.
   * Resolves once polling runs, or, when Telegram does not answer, after that first attempt: alerts stay queued and
   * getMe is retried in the background. Rejects only when Telegram refuses the token.
   */
  start(): Promise<void>;
  /** Stops polling and the retries, flushes the outbox (bounded; not at all while Telegram never answered), unsubscribes. */
  stop(): Promise<void>;
  /** True once Telegram answered getMe and polling was started. */
  readonly online: boolean;
  /** Resolves when Telegram first answers and queued alerts start going out (never, if it never does). */
  whenOnline(): Promise<void>;
  stats(): { outbox: OutboxStats; notifier: NotifierStats };
}

/** grammY types its signal with the `abort-controller` polyfill's class; the runtime object is the same. */
type ApiSignal = Parameters<Api['getMe']>[0];

/** Telegram answered, and said the token is wrong: no retry helps. */
function tokenRefused(err: unknown): err is GrammyError {
  return err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const fx = createBot(options);
  const { log, clock } = options;
  const attemptTimeoutMs = options.connect?.attemptTimeoutMs ?? 10_000;
  const baseMs = options.connect?.baseMs ?? 1_000;
  const maxMs = options.connect?.maxMs ?? 30_000;
  let unsubscribe: (() => void) | void = undefined;
  let polling: Promise<void> | null = null;
  let connecting: Promise<void> | null = null;
  let online = false;
  let stopped = false;
  const stopSignal = new AbortController();
  let cancelSleep: (() => void) | null = null;
  let markOnline: () => void = () => {};
  const onlinePromise = new Promise<void>((resolve) => {
    markOnline = resolve;
  });

  const getMeOnce = async (): Promise<UserFromGetMe> => {
    const call = new AbortController();
    const onStop = (): void => call.abort();
    stopSignal.signal.addEventListener('abort', onStop, { once: true });
    const timer = clock.setTimeout(() => call.abort(), attemptTimeoutMs);
    try {
      return await fx.bot.api.getMe(call.signal as unknown as ApiSignal);
    } finally {
      timer.cancel();
      stopSignal.signal.removeEventListener('abort', onStop);
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        cancelSleep = null;
        resolve();
      }, ms);
      cancelSleep = () => {
        timer.cancel();
        cancelSleep = null;
        resolve();
      };
    });

  const startPolling = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      polling = fx.bot
        .start({
          allowed_updates: ['message', 'callback_query'],
          onStart: (info) => {
            log.info({ bot: info.username }, 'telegram bot polling');
            resolve();
          },
        })
        .catch((err: unknown) => {
          log.error({ err: describe(err) }, 'telegram polling stopped with an error');
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });

  const goOnline = (me: UserFromGetMe): Promise<void> => {
    fx.bot.botInfo = me;
    online = true;
    fx.outbox.release();
    markOnline();
    if (options.syncMenus !== false) {
      void fx.menus.syncAll().catch((err: unknown) => log.warn({ err: String(err) }, 'menu sync failed'));
    }
    return startPolling();
  };

  const keepTrying = async (): Promise<void> => {
    let delay = baseMs;
    for (let attempt = 2; ; attempt++) {
      await sleep(delay);
      if (stopped) return;
      let me: UserFromGetMe;
      try {
        me = await getMeOnce();
      } catch (err) {
        if (stopped) return;
        if (tokenRefused(err)) {
          log.error({ code: err.error_code }, 'telegram refused the bot token; chat is off until restart, alerts stay queued');
          return;
        }
        log.debug({ attempt, err: describe(err) }, 'telegram still unreachable');
        delay = Math.min(maxMs, delay * 2);
        continue;
      }
      if (stopped) return;
      log.info({ attempts: attempt, queued: fx.outbox.stats().queued }, 'telegram reachable; sending queued alerts');
      // A failure to start polling is logged by startPolling; alerts still go out.
      await goOnline(me).catch(() => undefined);
      return;
    }
  };

  return {
    fx,
    get online() {
      return online;
    },
    whenOnline: () => onlinePromise,
    async start() {
      await fx.seedAdmins();
      fx.outbox.hold();
      unsubscribe = options.events(fx.notifier.notify);
      let me: UserFromGetMe;
      if (fx.bot.isInited()) {
        me = fx.bot.botInfo;
      } else {
        try {
          me = await getMeOnce();
        } catch (err) {
          if (tokenRefused(err)) {
            if (typeof unsubscribe === 'function') unsubscribe();
            throw err;
          }
          log.warn({ err: describe(err) }, 'telegram unreachable at start; copying goes on, alerts are queued until it answers');
          connecting = keepTrying();
          return;
        }
      }
      await goOnline(me);
    },
    async stop() {
      stopped = true;
      stopSignal.abort();
      cancelSleep?.();
      if (typeof unsubscribe === 'function') unsubscribe();
      if (fx.bot.isRunning()) await fx.bot.stop();
      await polling;
      await connecting;
      fx.notifier.stop();
      fx.reporter.flush();
      fx.reporter.stop();
      // Never reached Telegram: waiting would only delay the exit; what is left is logged with its count.
      const stats = await fx.outbox.stop(online ? (options.flushTimeoutMs ?? 5_000) : 0);
      log.info({ outbox: stats }, 'telegram bot stopped');
    },
    stats: () => ({ outbox: fx.outbox.stats(), notifier: fx.notifier.stats() }),
  };
}

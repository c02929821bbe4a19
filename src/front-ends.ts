/**
 * The chat front-ends the composition root can start over a running engine: the Telegram bot when a token is set,
 * otherwise the same bot in the terminal (each typed line is an update, buttons are numbered choices).
 */
import type { AppContext, FrontEnd } from './app.js';
import { createConsoleBot, createTelegramBot } from './bot/index.js';
import type { TelegramBotOptions } from './bot/index.js';
import { systemClock } from './engine/clock.js';
import { StoreUserDirectory } from './store/index.js';

/**
 * The Telegram bot. Resolves once polling runs or, when Telegram does not answer, at once with alerts queued until it
 * does: copying never waits for the chat. Rejects only when Telegram refuses the token.
 */
export async function telegramFrontEnd(ctx: AppContext, token: string, overrides: Partial<TelegramBotOptions> = {}): Promise<FrontEnd> {
  const bot = createTelegramBot({
    token,
    apiRoot: ctx.config.telegramApiRoot,
    control: ctx.engine.control,
    users: new StoreUserDirectory(ctx.store),
    admins: ctx.config.admins,
    log: ctx.log.child({ component: 'bot' }),
    clock: systemClock,
    events: ctx.events,
    brokerHealth: ctx.brokerHealth,
    ...overrides,
  });
  await bot.start();
  return { stop: () => bot.stop() };
}

export async function consoleFrontEnd(ctx: AppContext): Promise<FrontEnd> {
  const bot = createConsoleBot({
    control: ctx.engine.control,
    users: new StoreUserDirectory(ctx.store),
    events: ctx.events,
    admins: ctx.config.admins.length > 0 ? ctx.config.admins : [1],
    log: ctx.log.child({ component: 'bot' }),
    clock: systemClock,
    bot: { brokerHealth: ctx.brokerHealth },
  });
  // Reading stops at end of input (Ctrl-D, or no terminal at all); copying goes on until SIGINT/SIGTERM.
  bot.start().catch((error: unknown) => ctx.log.error({ err: String(error) }, 'terminal chat stopped; copying goes on'));
  return { stop: () => bot.stop() };
}

/** Telegram when configured, else the terminal chat. */
export function chooseFrontEnd(ctx: AppContext): Promise<FrontEnd> {
  return ctx.config.botToken !== null ? telegramFrontEnd(ctx, ctx.config.botToken) : consoleFrontEnd(ctx);
}

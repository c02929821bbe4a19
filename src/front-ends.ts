/**
 * The chat front-ends the composition root can start over a running engine: the Telegram bot when a token is set,
 * otherwise the same bot in the terminal (each typed line is an update, buttons are numbered choices). Beside the
 * chat, the Mini App (src/webapp) when the configuration turns it on; its changes are announced in the chat.
 */
import { join } from 'node:path';
import type { AppContext, FrontEnd } from './app.js';
import { setWebAppMenuButton } from './bot/features/webapp.js';
import type { WebAppLink } from './bot/features/webapp.js';
import { createConsoleBot, createTelegramBot } from './bot/index.js';
import type { OutboxMessage, TelegramBotOptions } from './bot/index.js';
import { systemClock } from './engine/clock.js';
import { startWebAppFrontEnd, webAppLinkFor } from './webapp/front-end.js';
import type { WebAppFrontEnd } from './webapp/front-end.js';

/** A chat front-end that can also post into a user's private chat (the Mini App announces its changes there). */
export interface ChatFrontEnd extends FrontEnd {
  announce(userId: number, html: string): void;
}

function announcement(userId: number, html: string): OutboxMessage {
  return { chatId: userId, text: html, silent: false, routine: false, kind: 'webapp' };
}

/**
 * The Telegram bot. Resolves once polling runs or, when Telegram does not answer, at once with alerts queued until it
 * does: copying never waits for the chat. Rejects only when Telegram refuses the token.
 */
export async function telegramFrontEnd(ctx: AppContext, token: string, overrides: Partial<TelegramBotOptions> = {}): Promise<ChatFrontEnd> {
  const bot = createTelegramBot({
    token,
    apiRoot: ctx.config.telegramApiRoot,
    control: ctx.engine.control,
    users: ctx.users,
    admins: ctx.config.admins,
    log: ctx.log.child({ component: 'bot' }),
    clock: systemClock,
    events: ctx.events,
    brokerHealth: ctx.brokerHealth,
    ...overrides,
    ...(ctx.sentMessages === undefined ? {} : { outbox: { ...overrides.outbox, refMemory: ctx.sentMessages } }),
  });
  await bot.start();
  const menuUrl = overrides.webApp?.url ?? null;
  if (menuUrl !== null) {
    const log = ctx.log.child({ component: 'bot' });
    void bot.whenOnline().then(() => setWebAppMenuButton(bot.fx.bot.api, menuUrl, log));
  }
  return { stop: () => bot.stop(), announce: (userId, html) => bot.fx.outbox.enqueue(announcement(userId, html)) };
}

export async function consoleFrontEnd(ctx: AppContext, webApp: WebAppLink | null = null): Promise<ChatFrontEnd> {
  const bot = createConsoleBot({
    control: ctx.engine.control,
    users: ctx.users,
    events: ctx.events,
    admins: ctx.config.admins.length > 0 ? ctx.config.admins : [1],
    log: ctx.log.child({ component: 'bot' }),
    clock: systemClock,
    // Charts sent as photos are written here; the demo keeps its files under data/demo, as app.ts does its state.
    photoDir: join(ctx.config.dataDir, ...(ctx.sim === null ? [] : ['demo']), 'charts'),
    bot: { brokerHealth: ctx.brokerHealth, webApp },
  });
  // Reading stops at end of input (Ctrl-D, or no terminal at all); copying goes on until SIGINT/SIGTERM.
  bot.start().catch((error: unknown) => ctx.log.error({ err: String(error) }, 'terminal chat stopped; copying goes on'));
  return { stop: () => bot.stop(), announce: (userId, html) => bot.fx.outbox.enqueue(announcement(userId, html)) };
}

/** Telegram when configured, else the terminal chat; and the Mini App beside it when configured. */
export async function chooseFrontEnd(ctx: AppContext): Promise<FrontEnd> {
  let web: WebAppFrontEnd | null = null;
  const link = webAppLinkFor(ctx.config, () => web?.app ?? null);
  // The chat first: the first subscriber to copier events gets the start-up backlog, and the chat's alerts need it.
  const chat = ctx.config.botToken !== null ? await telegramFrontEnd(ctx, ctx.config.botToken, link === null ? {} : { webApp: link }) : await consoleFrontEnd(ctx, link);
  try {
    web = await startWebAppFrontEnd(ctx);
  } catch (error) {
    await chat.stop();
    throw error;
  }
  web?.app.setAnnouncer(chat.announce);
  const running = web;
  return {
    async stop() {
      await running?.stop();
      await chat.stop();
    },
  };
}

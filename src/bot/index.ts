/** The Telegram bot (design.md §4): public surface for `main.ts`. */
export { createTelegramBot } from './telegram.js';
export type { TelegramBot, TelegramBotOptions } from './telegram.js';
export { createConsoleBot } from './console.js';
export type { ConsoleBot, ConsoleBotOptions } from './console.js';
export { createBot, OFFICIAL_API_ROOT } from './create-bot.js';
export type { BotOptions, FxBot } from './create-bot.js';
export { Notifier } from './notifier.js';
export type { NotifierOptions, NotifierStats } from './notifier.js';
export { Outbox } from './outbox.js';
export { throttleCounter } from './outbox.js';
export type { OutboxMessage, OutboxOptions, OutboxRefMemory, OutboxStats } from './outbox.js';
export { MemoryUserDirectory, createMemoryUsers } from './memory-users.js';
export { parseAdmins } from './auth.js';
export { LocalTelegram } from './local-api.js';
export * from './ports.js';

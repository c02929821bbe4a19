/**
 * The console transport: without a token the SAME bot runs in the terminal as the first admin. Each typed line
 * becomes a synthetic Update fed to `bot.handleUpdate`; outgoing API calls are answered locally and printed (HTML
 * turned into text); inline buttons show as numbered choices `[1] Apply  [2] Cancel`, picked by typing the number.
 * Alerts print too (they go through the same outbox and API). A photo (a chart) cannot print: its PNG is written to
 * `photoDir` and the path printed with the caption, so it opens in any image viewer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { BotOptions, FxBot } from './create-bot.js';
import { createBot } from './create-bot.js';
import { htmlToText } from './format/html.js';
import { buttonsOf, LOCAL_BOT_INFO, LocalTelegram } from './local-api.js';
import type { ApiCall, BotMessage } from './local-api.js';
import { createMemoryUsers } from './memory-users.js';
import { silentLogger, systemClock } from './ports.js';
import type { BotControl, BotLogger, Clock, SubscribeEvents, UserDirectory } from './ports.js';

export interface ConsoleBotOptions {
  control: BotControl;
  /** Default: an in-memory directory. */
  users?: UserDirectory;
  events?: SubscribeEvents;
  /** The console user is the first admin (default user id 1, made admin). */
  admins?: Iterable<number>;
  log?: BotLogger;
  clock?: Clock;
  /** Lines to read (default stdin). */
  input?: Readable;
  /** Where to print (default stdout). */
  output?: Writable;
  /** Where photos (charts) are written, e.g. `<data dir>/charts` (default `<os temp>/fxmirror-charts`). */
  photoDir?: string;
  /** Extra bot options (confirmation TTL, …). */
  bot?: Partial<Pick<BotOptions, 'confirmTtlMs' | 'staleMs' | 'outbox' | 'brokerHealth' | 'webApp'>>;
}

export interface ConsoleBot {
  fx: FxBot;
  /** The console user's id. */
  userId: number;
  /** Handles one typed line as the console user (what readline does for each line). */
  send(line: string): Promise<void>;
  /** Starts reading `input`; resolves when the input ends or `stop()` is called. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createConsoleBot(options: ConsoleBotOptions): ConsoleBot {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const output = options.output ?? process.stdout;
  const admins = [...(options.admins ?? [])];
  const userId = admins[0] ?? 1;
  if (admins.length === 0) admins.push(userId);
  const me = { id: userId, first_name: 'console' };

  let choices: { data: string; messageId: number }[] = [];
  let handling = false;
  const write = (text: string): void => void output.write(text.endsWith('\n') ? text : `${text}\n`);
  const photoDir = options.photoDir ?? join(tmpdir(), 'fxmirror-charts');
  let photos = Promise.resolve();

  const print = (call: ApiCall, message: BotMessage | null): void => {
    switch (call.method) {
      case 'sendMessage':
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        if (message === null) return;
        const to = message.chatId === userId ? '' : ` → chat ${message.chatId}`;
        const head = call.method === 'sendMessage' ? `── bot${to}${message.silent ? ' (silent)' : ''} ` : `── bot edited #${message.messageId}${to} `;
        write(`${head}${'─'.repeat(Math.max(4, 60 - head.length))}`);
        write(htmlToText(message.text));
        const buttons = buttonsOf(message.keyboard);
        // A reply without buttons ends the previous choice (alerts, printed between commands, do not).
        if (buttons.length === 0 && handling && message.chatId === userId) choices = [];
        if (buttons.length > 0) {
          choices = buttons.map((b) => ({ data: b.data, messageId: message.messageId }));
          write(buttons.map((b, idx) => `[${idx + 1}] ${b.text}`).join('  '));
        }
        return;
      }
      case 'sendPhoto': {
        if (message?.photo === undefined) return;
        const photo = message.photo;
        const to = message.chatId === userId ? '' : ` → chat ${message.chatId}`;
        const head = `── bot photo${to}${message.silent ? ' (silent)' : ''} `;
        // Written in order, and printed once on disk: the path printed is a file that exists.
        const file = join(photoDir, `${message.messageId}-${photo.filename}`);
        photos = photos.then(async () => {
          try {
            await mkdir(photoDir, { recursive: true });
            await writeFile(file, photo.bytes);
            write(`${head}${'─'.repeat(Math.max(4, 60 - head.length))}`);
            if (message.text !== '') write(htmlToText(message.text));
            write(`🖼 ${photo.bytes.length} bytes PNG: ${file}`);
          } catch (err) {
            write(`${head}\n(the picture could not be written to ${photoDir}: ${err instanceof Error ? err.message : String(err)})`);
          }
        });
        if (handling && message.chatId === userId) choices = [];
        return;
      }
      case 'answerCallbackQuery': {
        const text = call.payload.text;
        if (typeof text === 'string' && text !== '') write(`  ↳ ${text}`);
        return;
      }
      default:
        return;
    }
  };

  const local = new LocalTelegram({ clock, botInfo: LOCAL_BOT_INFO, onCall: print });
  const fx = createBot({
    token: 'console',
    control: options.control,
    users: options.users ?? createMemoryUsers(),
    admins,
    log,
    clock,
    botInfo: local.botInfo,
    autoRetry: false,
    ...options.bot,
  });
  fx.bot.api.config.use(local.transformer);
  const unsubscribe = options.events?.(fx.notifier.notify);

  let chain: Promise<void> = Promise.resolve();
  const send = (line: string): Promise<void> => {
    const text = line.trim();
    chain = chain.then(async () => {
      if (text === '') return;
      const pick = /^\d+$/.test(text) ? choices[Number(text) - 1] : undefined;
      const update = pick !== undefined ? local.callbackUpdate(me, pick.data, pick.messageId) : local.messageUpdate(me, text);
      handling = true;
      try {
        await fx.bot.handleUpdate(update);
      } catch (err) {
        write(`(error: ${err instanceof Error ? err.message : String(err)})`);
      } finally {
        handling = false;
      }
      if (pick === undefined && /^\d+$/.test(text)) write('(no such choice)');
      await photos;
      fx.notifier.drainNow();
    });
    return chain;
  };

  let closeReader: (() => void) | null = null;
  let started = false;
  return {
    fx,
    userId,
    send,
    async start() {
      if (!started) {
        started = true;
        await fx.seedAdmins();
        await fx.bot.init();
        write(`fxmirror console: you are user ${userId} (admin). Type /help; pick buttons by number; Ctrl-D quits.`);
      }
      const rl = createInterface({ input: options.input ?? process.stdin, terminal: false });
      await new Promise<void>((resolve) => {
        closeReader = () => rl.close();
        rl.on('line', (line) => void send(line));
        rl.on('close', () => resolve());
      });
      await chain;
    },
    async stop() {
      closeReader?.();
      if (typeof unsubscribe === 'function') unsubscribe();
      await chain;
      await photos;
      fx.notifier.stop();
      fx.reporter.stop();
      await fx.outbox.stop(2_000);
    },
  };
}

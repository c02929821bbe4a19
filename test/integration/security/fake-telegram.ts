/**
 * A Telegram Bot API stand-in on a real loopback port, for running the whole app (main.ts as a child process) with a
 * bot token: long-polled `getUpdates` fed by the test, every outgoing message recorded, and switches to make it
 * answer 429 or 5xx, or stop listening altogether, as a real outage would.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A message the bot sent (or edited), as the API received it. */
export interface SentMessage {
  method: string;
  chatId: number;
  messageId: number;
  text: string;
  silent: boolean;
  buttons: { text: string; data: string }[];
  at: number;
}

/** What the API answers while not healthy. */
export type TelegramMode = 'ok' | 'flood' | 'error' | 'down';

interface Waiter {
  offset: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

export interface FakeTelegram {
  /** `TELEGRAM_API_ROOT` for the bot. */
  readonly url: string;
  readonly token: string;
  /** Every sendMessage/editMessageText, in arrival order. */
  readonly sent: SentMessage[];
  /** Every request path's method name with the time, all methods (for counting calls during an outage). */
  readonly calls: { method: string; at: number; status: number }[];
  /** Requests that carried a wrong token. */
  readonly unauthorized: number;
  /** Text messages from a user (as if typed in the chat). */
  say(userId: number, text: string): void;
  /** A tap on an inline button of one of the bot's messages. */
  tap(userId: number, messageId: number, data: string): void;
  /** `flood`: 429 with retry_after; `error`: 502; `down`: the port stops accepting connections. */
  setMode(mode: TelegramMode, retryAfterSeconds?: number): Promise<void>;
  messagesTo(chatId: number): SentMessage[];
  close(): Promise<void>;
}

export async function startFakeTelegram(token: string, options: { port?: number; onSent?: (m: SentMessage) => void } = {}): Promise<FakeTelegram> {
  const sent: SentMessage[] = [];
  const calls: { method: string; at: number; status: number }[] = [];
  const updates: Record<string, unknown>[] = [];
  const waiters = new Set<Waiter>();
  const sockets = new Set<Socket>();
  let nextUpdateId = 1;
  let nextMessageId = 1;
  let unauthorized = 0;
  let mode: TelegramMode = 'ok';
  let retryAfter = 5;
  let server: Server;
  let port = options.port ?? 0;

  const reply = (res: ServerResponse, status: number, body: unknown, method: string) => {
    calls.push({ method, at: Date.now(), status });
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const pending = (offset: number) => updates.filter((u) => (u['update_id'] as number) >= offset);

  const flushWaiters = () => {
    for (const w of [...waiters]) {
      const ready = pending(w.offset);
      if (ready.length === 0) continue;
      clearTimeout(w.timer);
      waiters.delete(w);
      reply(w.res, 200, { ok: true, result: ready }, 'getUpdates');
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, bodyText: string) => {
    const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    if (!m) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' }, '?');
    const method = m[2] as string;
    if (m[1] !== token) {
      unauthorized++;
      return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' }, method);
    }
    if (mode === 'flood') return reply(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }, method);
    if (mode === 'error') return reply(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }, method);
    let body: Record<string, unknown> = {};
    try {
      body = bodyText === '' ? {} : (JSON.parse(bodyText) as Record<string, unknown>);
    } catch {
      body = Object.fromEntries(new URLSearchParams(bodyText));
    }
    switch (method) {
      case 'getMe':
        return reply(res, 200, { ok: true, result: { id: 4242, is_bot: true, first_name: 'fxmirror', username: 'fxmirror_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false } }, method);
      case 'getUpdates': {
        const offset = Number(body['offset'] ?? 0);
        // Updates below `offset` are confirmed: forget them.
        while (updates.length > 0 && (updates[0]?.['update_id'] as number) < offset) updates.shift();
        const ready = pending(offset);
        const timeout = Math.min(Number(body['timeout'] ?? 0), 2);
        if (ready.length > 0 || timeout <= 0) return reply(res, 200, { ok: true, result: ready }, method);
        const w: Waiter = { offset, res, timer: setTimeout(() => {
          waiters.delete(w);
          reply(res, 200, { ok: true, result: [] }, method);
        }, timeout * 1000) };
        waiters.add(w);
        res.on('close', () => {
          clearTimeout(w.timer);
          waiters.delete(w);
        });
        return;
      }
      case 'sendMessage':
      case 'editMessageText': {
        const chatId = Number(body['chat_id']);
        const messageId = method === 'sendMessage' ? nextMessageId++ : Number(body['message_id']);
        const markup = body['reply_markup'] as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
        const message: SentMessage = {
          method,
          chatId,
          messageId,
          text: String(body['text'] ?? ''),
          silent: body['disable_notification'] === true,
          buttons: (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data ?? '' })),
          at: Date.now(),
        };
        sent.push(message);
        options.onSent?.(message);
        const result = { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'u' }, text: String(body['text'] ?? '') };
        return reply(res, 200, { ok: true, result }, method);
      }
      default:
        return reply(res, 200, { ok: true, result: true }, method);
    }
  };

  const listen = async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    for (const w of waiters) clearTimeout(w.timer);
    waiters.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  await listen();

  const push = (update: Record<string, unknown>) => {
    updates.push({ update_id: nextUpdateId++, ...update });
    flushWaiters();
  };
  const user = (id: number) => ({ id, is_bot: false, first_name: `user${id}` });

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    sent,
    calls,
    get unauthorized() {
      return unauthorized;
    },
    say(userId, text) {
      const command = /^\/\w+/.exec(text);
      push({
        message: {
          message_id: nextMessageId++,
          from: user(userId),
          chat: { id: userId, type: 'private', first_name: `user${userId}` },
          date: Math.floor(Date.now() / 1000),
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
    },
    tap(userId, messageId, data) {
      push({
        callback_query: {
          id: String(nextUpdateId * 7919),
          from: user(userId),
          chat_instance: String(userId),
          data,
          message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: userId, type: 'private', first_name: `user${userId}` }, text: '' },
        },
      });
    },
    async setMode(next, retryAfterSeconds = 5) {
      retryAfter = retryAfterSeconds;
      if (next === 'down' && mode !== 'down') await stop();
      if (next !== 'down' && mode === 'down') await listen();
      mode = next;
    },
    messagesTo: (chatId) => sent.filter((m) => m.chatId === chatId),
    async close() {
      if (mode !== 'down') await stop();
      mode = 'down';
    },
  };
}

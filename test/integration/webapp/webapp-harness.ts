/**
 * The Mini App over HTTP for the tests: the real server on port 0 over the real engine and simulator
 * (`startEngineWorld`), the chat's bot with the in-process Bot API recording what it sends (the chat transcript), and
 * raw HTTP requests (node:http, so Host, Origin and oversized bodies are the test's to choose).
 */
import { request } from 'node:http';
import { sign } from '@telegram-apps/init-data-node';
import { startWebApp } from '../../../src/webapp/server.js';
import type { WebApp, WebAppOptions } from '../../../src/webapp/server.js';
import { chatUser, createHarness, OWNER, TestClock, VIEWER } from '../../unit/bot/harness.js';
import type { EngineWorld, Harness } from '../../unit/bot/harness.js';

export const BOT_TOKEN = '123456:webapp-test-token-abcdefghijkl';

export interface WebRig {
  web: WebApp;
  chat: Harness;
  clock: TestClock;
  /** Texts the bot sent into a chat, oldest first. */
  transcript(chatId: number): string[];
  close(): Promise<void>;
}

export async function startWebRig(world: EngineWorld, options: Partial<WebAppOptions> = {}): Promise<WebRig> {
  const clock = new TestClock(Date.now());
  const chat = await createHarness({ control: world.control, clock, users: [chatUser(OWNER, 'owner', 'Olga'), chatUser(VIEWER, 'viewer', 'Viktor')] });
  const web = await startWebApp({
    control: world.control,
    users: chat.users,
    admins: chat.fx.kit.admins,
    clock,
    log: chat.fx.kit.log,
    events: world.subscribe,
    botToken: BOT_TOKEN,
    host: '127.0.0.1',
    port: 0,
    publicUrl: null,
    maxInitDataAgeSeconds: 3600,
    sessionTtlMs: 15 * 60_000,
    announce: (userId, html) => chat.fx.outbox.enqueue({ chatId: userId, text: html, silent: false, routine: false, kind: 'webapp' }),
    ...options,
  });
  return {
    web,
    chat,
    clock,
    transcript: (chatId) => [...chat.local.messages.values()].filter((m) => m.chatId === chatId).map((m) => m.text),
    async close() {
      await web.stop();
      await chat.fx.outbox.stop(1000);
    },
  };
}

/** initData as Telegram would sign it for this user at `authDate` (ms), with `token`. */
export function initDataFor(userId: number, authDate: number, token = BOT_TOKEN, firstName = `u${userId}`): string {
  return sign({ user: { id: userId, first_name: firstName }, query_id: `q${userId}` } as never, token, new Date(authDate));
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes (an image). */
  raw: Buffer;
  json: Record<string, unknown>;
}

/** One raw HTTP request to the Mini App. `body` objects are sent as JSON; `host` overrides the Host header. */
export function call(
  web: WebApp,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string; host?: string } = {},
): Promise<Reply> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    host: options.host ?? `127.0.0.1:${web.port}`,
    ...(payload !== undefined && typeof options.body !== 'string' && !Buffer.isBuffer(options.body) ? { 'content-type': 'application/json' } : {}),
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = raw.toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Signs in with fresh initData; returns the session token. */
export async function signIn(web: WebApp, userId: number, authDate: number): Promise<string> {
  const r = await call(web, 'POST', '/api/session', { body: { initData: initDataFor(userId, authDate) } });
  if (r.status !== 200) throw new Error(`sign-in of ${userId} failed: ${r.status} ${r.body}`);
  return String(r.json.token);
}

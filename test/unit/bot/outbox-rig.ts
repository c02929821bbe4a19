/**
 * The outbox over a real HTTP server playing the Bot API, with the same transformers the bot installs. Shared by the
 * outbox test files; each calls `teardown` after every test.
 */
import { Api } from 'grammy';
import { boundedAutoRetry } from '../../../src/bot/create-bot.js';
import { Outbox, throttleCounter } from '../../../src/bot/outbox.js';
import type { OutboxOptions } from '../../../src/bot/outbox.js';
import { systemClock } from '../../../src/bot/ports.js';
import { startFakeBotApi } from './fake-bot-api.js';
import type { FakeBotApi } from './fake-bot-api.js';
import { memoryLog } from './harness.js';

let server: FakeBotApi | undefined;
let outbox: Outbox | undefined;

export async function setup(options: Partial<OutboxOptions> = {}) {
  server = await startFakeBotApi();
  const api = new Api('123:test', { apiRoot: server.url });
  api.config.use(throttleCounter(() => outbox?.noteThrottled()));
  api.config.use(boundedAutoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 10 }));
  const log = memoryLog();
  outbox = new Outbox({ api, log, clock: systemClock, baseBackoffMs: 20, maxBackoffMs: 200, sendTimeoutMs: 2000, ...options });
  return { server, outbox, log };
}

export async function teardown(): Promise<void> {
  await outbox?.stop(100);
  await server?.close();
  outbox = undefined;
  server = undefined;
}

export const textsTo = (s: FakeBotApi, chatId: number) =>
  s.delivered().filter((r) => Number(r.body.chat_id) === chatId).map((r) => String(r.body.text));

/**
 * A call Telegram never answers is abandoned after `sendTimeoutMs` even when garbage collections run meanwhile.
 * (On Node 20 a timeout built as AbortSignal.any([…, AbortSignal.timeout()]) can be collected before it fires,
 * which left a chat's queue hung for good; this test forces collections while the call hangs.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { setup, teardown, textsTo } from './outbox-rig.js';

afterEach(teardown);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('times out a hung call and retries it while collections run, then delivers', async () => {
  const { server: s, outbox: o } = await setup({ sendTimeoutMs: 100, baseBackoffMs: 10, maxBackoffMs: 20, maxAttempts: 1000 });
  s.setHandler(() => 'hang');
  o.enqueue({ chatId: 1, text: 'hello', silent: true, routine: false, kind: 'copies' });
  const collector = setInterval(gc, 5);
  try {
    const deadline = Date.now() + 10_000;
    while (s.requests.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Each timeout fired and the message was tried again.
    expect(s.requests.length).toBeGreaterThanOrEqual(3);
  } finally {
    clearInterval(collector);
  }
  s.setHandler(() => 'default');
  expect(await o.flush(10_000)).toBe(true);
  // Delivered; a timeout that raced an answer may have sent it twice (Telegram gives no idempotency), never zero.
  const got = textsTo(s, 1);
  expect(got.length).toBeGreaterThanOrEqual(1);
  expect(new Set(got)).toEqual(new Set(['hello']));
  expect(o.stats().retried).toBeGreaterThanOrEqual(2);
}, 30_000);

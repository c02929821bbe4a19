/**
 * The unknown-outcome policy of a batch (fxsocket-api.md §2.4): after a lost reply the SAME key (and body) is
 * replayed, a refusal is final at once, and when every replay is lost too the outcome is reported unknown for the
 * resolver. A 409 `idempotency_in_flight` means the first request still runs: it is waited for, not counted.
 */
import { describe, expect, it } from 'vitest';
import { sendWithReplay } from '../../../src/engine/batch-sender.js';
import type { SendPolicy } from '../../../src/engine/batch-sender.js';
import {
  FxSocketAuthError,
  IdempotencyInFlightError,
  IdempotencyKeyReusedError,
  IdempotencyUnavailableError,
  OrderOutcomeUnknownError,
} from '../../../src/fxsocket/errors.js';

const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => log };
const policy: SendPolicy = { replays: 3, backoffMs: [10, 20, 40], timeoutMs: 500, inFlightWaitMs: 200 };

/** A fake `send` that plays a script (an error to throw or a reply to return) and records every call. */
function scripted(script: (Error | string)[]) {
  const calls: { idempotencyKey: string; timeoutMs: number }[] = [];
  const send = (options: { idempotencyKey: string; timeoutMs: number }): Promise<string> => {
    calls.push(options);
    const next = script[Math.min(calls.length - 1, script.length - 1)];
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? 'reply');
  };
  return { send, calls };
}

function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
}

const lost = () => new OrderOutcomeUnknownError('timeout', 'no reply in time');

describe('sendWithReplay', () => {
  it('returns the first reply without replaying', async () => {
    const { send, calls } = scripted(['ok']);
    const { sleep, waits } = fakeSleep();
    expect(await sendWithReplay(send, 'k1', policy, sleep, log)).toEqual({ kind: 'reply', reply: 'ok', replays: 0 });
    expect(calls).toEqual([{ idempotencyKey: 'k1', timeoutMs: 500 }]);
    expect(waits).toEqual([]);
  });

  it('replays the same key after a lost reply and takes the stored answer', async () => {
    const { send, calls } = scripted([lost(), lost(), 'stored']);
    const { sleep, waits } = fakeSleep();
    expect(await sendWithReplay(send, 'fxm:m:eo:d1', policy, sleep, log)).toEqual({ kind: 'reply', reply: 'stored', replays: 2 });
    expect(calls.map((c) => c.idempotencyKey)).toEqual(['fxm:m:eo:d1', 'fxm:m:eo:d1', 'fxm:m:eo:d1']);
    expect(waits).toEqual([10, 20]);
  });

  it('treats a connection reset (a plain error) as unknown and replays it too', async () => {
    const { send, calls } = scripted([new TypeError('fetch failed: socket hang up'), 'ok']);
    const { sleep } = fakeSleep();
    expect((await sendWithReplay(send, 'k', policy, sleep, log)).kind).toBe('reply');
    expect(calls).toHaveLength(2);
  });

  it('is refused at once on a rejection (nothing was sent) or a fatal error', async () => {
    for (const error of [new IdempotencyKeyReusedError('same key, other body'), new FxSocketAuthError('bad key')]) {
      const { send, calls } = scripted([error, 'never']);
      const { sleep, waits } = fakeSleep();
      const out = await sendWithReplay(send, 'k', policy, sleep, log);
      expect(out).toEqual({ kind: 'refused', error });
      expect(calls).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });

  it('refuses a rejection that comes on a replay, after the replays before it', async () => {
    const reused = new IdempotencyKeyReusedError('same key, other body');
    const { send, calls } = scripted([lost(), reused]);
    const { sleep } = fakeSleep();
    expect(await sendWithReplay(send, 'k', policy, sleep, log)).toEqual({ kind: 'refused', error: reused });
    expect(calls).toHaveLength(2);
  });

  it('reports unknown, with the last error, when every replay is lost', async () => {
    const last = lost();
    const { send, calls } = scripted([lost(), new IdempotencyUnavailableError('guarantee down'), lost(), last]);
    const { sleep, waits } = fakeSleep();
    const out = await sendWithReplay(send, 'k9', policy, sleep, log);
    expect(out).toEqual({ kind: 'unknown', error: last });
    expect(calls.map((c) => c.idempotencyKey)).toEqual(['k9', 'k9', 'k9', 'k9']);
    expect(waits).toEqual([10, 20, 40]);
  });

  it('waits for a request still in flight without using up replays, within its budget', async () => {
    const inFlight = () => new IdempotencyInFlightError('still running');
    const { send, calls } = scripted([inFlight(), inFlight(), inFlight(), inFlight(), inFlight(), 'stored']);
    const { sleep, waits } = fakeSleep();
    const tight: SendPolicy = { ...policy, replays: 1, inFlightWaitMs: 1_000 };
    expect(await sendWithReplay(send, 'k', tight, sleep, log)).toEqual({ kind: 'reply', reply: 'stored', replays: 5 });
    expect(calls).toHaveLength(6);
    expect(waits).toEqual([40, 40, 40, 40, 40]);
  });

  it('gives up as unknown when the request stays in flight past the budget', async () => {
    const { send, calls } = scripted([new IdempotencyInFlightError('still running')]);
    const { sleep } = fakeSleep();
    const out = await sendWithReplay(send, 'k', { ...policy, inFlightWaitMs: 80 }, sleep, log);
    expect(out.kind).toBe('unknown');
    // 80 ms of in-flight waits (2 × 40), then the normal replays (3) on top of the first call.
    expect(calls).toHaveLength(1 + 2 + 3);
  });
});

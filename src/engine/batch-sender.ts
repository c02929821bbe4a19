/**
 * Sends one batch with its Idempotency-Key and survives an unknown outcome the only safe way: by replaying the SAME
 * key and body (fxsocket-api.md §2.4: the stored reply comes back and nothing is sent twice). A reply that never
 * comes after the replays leaves every leg unknown, for the resolver to settle from the followers' open orders.
 */
import { FxmirrorError } from '../domain/errors.js';
import type { Logger } from './ports.js';

export interface SendPolicy {
  /** Replays of the same key after an unknown outcome, 409 in flight or 503 idempotency_unavailable. */
  replays: number;
  /** Wait before each replay, ms. */
  backoffMs: readonly number[];
  timeoutMs: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = { replays: 3, backoffMs: [150, 400, 1000], timeoutMs: 15_000 };

export type SendOutcome<T> =
  | { kind: 'reply'; reply: T; replays: number }
  /** The request was refused as a whole (nothing executed): bad batch, unknown account, auth. */
  | { kind: 'refused'; error: FxmirrorError }
  /** No reply after every replay: what executed is unknown. */
  | { kind: 'unknown'; error: Error };

export async function sendWithReplay<T>(
  send: (options: { idempotencyKey: string; timeoutMs: number }) => Promise<T>,
  key: string,
  policy: SendPolicy,
  sleep: (ms: number) => Promise<void>,
  log: Logger,
): Promise<SendOutcome<T>> {
  let lastError: Error = new Error('not sent');
  for (let attempt = 0; attempt <= policy.replays; attempt++) {
    if (attempt > 0) await sleep(policy.backoffMs[Math.min(attempt - 1, policy.backoffMs.length - 1)] ?? 1000);
    try {
      const reply = await send({ idempotencyKey: key, timeoutMs: policy.timeoutMs });
      return { kind: 'reply', reply, replays: attempt };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      lastError = e;
      if (e instanceof FxmirrorError && e.action === 'reject') return { kind: 'refused', error: e };
      if (e instanceof FxmirrorError && e.action === 'stop') return { kind: 'refused', error: e };
      // unknown (504, timeout, reset) and retry (409 in flight, 503, 429): the same key makes a replay safe.
      log.warn({ key, attempt, code: (e as FxmirrorError).code ?? e.name, err: e.message }, 'batch outcome unknown; replaying with the same key');
    }
  }
  return { kind: 'unknown', error: lastError };
}

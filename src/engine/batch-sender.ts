/**
 * Sends one batch with its Idempotency-Key and survives an unknown outcome the only safe way: by replaying the SAME
 * key and body (fxsocket-api.md §2.4: the stored reply comes back and nothing is sent twice). A reply that never
 * comes after the replays leaves every leg unknown, for the resolver to settle from the followers' open orders.
 */
import { FxmirrorError } from '../domain/errors.js';
import type { Logger } from './ports.js';

export interface SendPolicy {
  /** Replays of the same key after an unknown outcome or 503 idempotency_unavailable. */
  replays: number;
  /** Wait before each replay, ms. */
  backoffMs: readonly number[];
  timeoutMs: number;
  /**
   * How long to keep asking while FxSocket answers 409 `idempotency_in_flight` (the first request with this key, e.g.
   * sent by a process that died, is still running). These waits do not use up `replays`: giving up early would leave
   * the legs "unknown" while they are still executing, and settling them then would read the followers too soon.
   * Default 60 s.
   */
  inFlightWaitMs?: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = { replays: 3, backoffMs: [150, 400, 1000], timeoutMs: 15_000, inFlightWaitMs: 60_000 };

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
  const inFlightBudget = policy.inFlightWaitMs ?? 60_000;
  let inFlightWaited = 0;
  let attempt = 0;
  for (let sent = 0; attempt <= policy.replays; sent++) {
    if (sent > 0) {
      const wait = lastError instanceof FxmirrorError && lastError.code === 'idempotency_in_flight'
        ? (policy.backoffMs[policy.backoffMs.length - 1] ?? 1000)
        : (policy.backoffMs[Math.min(attempt - 1, policy.backoffMs.length - 1)] ?? 1000);
      await sleep(wait);
    }
    try {
      const reply = await send({ idempotencyKey: key, timeoutMs: policy.timeoutMs });
      return { kind: 'reply', reply, replays: sent };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      lastError = e;
      if (e instanceof FxmirrorError && e.action === 'reject') return { kind: 'refused', error: e };
      if (e instanceof FxmirrorError && e.action === 'stop') return { kind: 'refused', error: e };
      if (e instanceof FxmirrorError && e.code === 'idempotency_in_flight' && inFlightWaited < inFlightBudget) {
        // The first request with this key is still running: wait for it, it decides what executed.
        inFlightWaited += policy.backoffMs[policy.backoffMs.length - 1] ?? 1000;
        log.info({ key, waitedMs: inFlightWaited }, 'batch with this key still in flight; waiting for its reply');
        continue;
      }
      attempt++;
      // unknown (504, timeout, reset) and retry (503, 429): the same key makes a replay safe.
      log.warn({ key, attempt, code: (e as FxmirrorError).code ?? e.name, err: e.message }, 'batch outcome unknown; replaying with the same key');
    }
  }
  return { kind: 'unknown', error: lastError };
}

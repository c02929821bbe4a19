/**
 * FxSocket failures as typed errors, grouped by what the caller does next (design.md §5.5, `domain/errors.ts`).
 *
 * Every class extends one of the domain bases, so `error.action` (`retry` / `reject` / `stop` / `unknown`) is the one
 * thing a caller has to branch on; `code` is stable for logs and tests. `context` carries `status`, the wire
 * `wireCode`, `method`, `path` and `accountId` where known — never the API key.
 */
import type { z } from 'zod';

import { FatalError, RejectedError, RetryableError, UnknownOutcomeError } from '../domain/errors.js';

/** Constructor options shared by every FxSocket error. */
export interface FxSocketErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
}

/** 401 — missing/invalid key, or an account outside a read-only key's scope (§2.1, §3.8). Stop: no retry helps. */
export class FxSocketAuthError extends FatalError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('auth_failed', message, options);
  }
}

/**
 * 403 — the key may not do this, typically a read-only `fxs_ro_…` key on an order route (§2.1). A configuration
 * problem that no retry fixes and that would refuse every later order too, hence `stop`.
 */
export class FxSocketForbiddenError extends FatalError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('read_only', message, options);
  }
}

/** 404 — unknown account id or path, or an account invisible to a scoped key. */
export class FxSocketNotFoundError extends RejectedError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('not_found', message, options);
  }
}

/**
 * The request itself is wrong: a 400 (`invalid_batch`, `unknown_account`, `unreachable_account`, `MRPC_VALIDATION`,
 * …), another unexpected 4xx, or client-side validation that stopped it before the network (`invalid_request`).
 * Nothing was executed.
 */
export class FxSocketRequestError extends RejectedError {
  constructor(code: string, message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/** 402 — billing blocks the action (`account_cap_reached`, `no_subscription`, `insufficient_balance`, `seat_lapsed`). */
export class FxSocketBillingError extends RejectedError {
  constructor(code: string, message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/** 409 other than idempotency — account already linked, `slots_full`. */
export class FxSocketConflictError extends RejectedError {
  constructor(code: string, message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/** 409 `idempotency_in_flight` — a batch with this key is still running; nothing sent. Retry with the SAME key. */
export class IdempotencyInFlightError extends RetryableError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('idempotency_in_flight', message, options);
  }
}

/** 422 `idempotency_key_reused` — same key, different body; nothing sent. A caller bug: never retry as is. */
export class IdempotencyKeyReusedError extends RejectedError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('idempotency_key_reused', message, options);
  }
}

/** 503 `idempotency_unavailable` — the guarantee is down right now; nothing sent. Retry later (same key). */
export class IdempotencyUnavailableError extends RetryableError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('idempotency_unavailable', message, options);
  }
}

/** 429 — rate limited; nothing executed. `retryAfterMs` comes from `Retry-After` when the server sent one. */
export class RateLimitedError extends RetryableError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: FxSocketErrorOptions & { retryAfterMs?: number } = {}) {
    super('rate_limited', message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The terminal is not ready: 503 with an envelope (trade EA not registered yet, §3.8) or an account whose `rest_url`
 * / `ws_url` is still "" (`terminal_unavailable`, §1). Nothing was executed; retry later.
 */
export class TerminalNotReadyError extends RetryableError {
  constructor(code: 'terminal_not_ready' | 'terminal_unavailable', message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Codes of transport-level and server-side failures. */
export type TransientCode =
  | 'timeout'
  | 'terminal_timeout'
  | 'network_error'
  | 'connect_failed'
  | 'server_error'
  | 'terminal_error';

/**
 * A read failed for a reason that may pass: client timeout, connection reset or refused, 504 `MRPC_TIMEOUT`, 5xx with
 * or without an envelope. Also an order call that provably never left this process (`connect_failed`).
 */
export class FxSocketUnavailableError extends RetryableError {
  constructor(code: TransientCode, message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * An order call (OrderSend/Modify/Close/CloseAll, a batch) whose outcome is unknown: client timeout, reset after the
 * request was sent, 504 `MRPC_TIMEOUT`, 5xx without an envelope (§3.8). Reconcile from `/OpenedOrders` (matching magic
 * and comment) or replay a batch with the same `Idempotency-Key`; never re-send blindly.
 */
export class OrderOutcomeUnknownError extends UnknownOutcomeError {
  constructor(code: TransientCode, message: string, options: FxSocketErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A TLS failure (e.g. a private server's self-signed certificate without `insecureTls`). Configuration: stop. */
export class FxSocketTlsError extends FatalError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('tls_failed', message, options);
  }
}

/** Zod issues without the offending values (zod 4 leaves `input` out of issues unless asked). */
export type WireIssues = readonly z.core.$ZodIssue[];

/** A reply or frame that is not valid JSON or does not fit its schema (read routes and stream frames). */
export class ProtocolError extends RejectedError {
  readonly issues: WireIssues;

  constructor(message: string, options: FxSocketErrorOptions & { issues?: WireIssues } = {}) {
    super('protocol_error', message, options);
    this.issues = options.issues ?? [];
  }
}

/**
 * An order route answered 2xx with a body that cannot be read: the broker may well have executed it, so the outcome
 * is unknown (reconcile), unlike a malformed read.
 */
export class UnreadableOrderReplyError extends UnknownOutcomeError {
  readonly issues: WireIssues;

  constructor(message: string, options: FxSocketErrorOptions & { issues?: WireIssues } = {}) {
    super('protocol_error', message, options);
    this.issues = options.issues ?? [];
  }
}

/**
 * A read whose reply body exceeded the transport's `maxReplyBytes`; the body was aborted unread past the limit.
 * Retrying the same read would fetch the same body, hence `reject` (narrow the query, or raise the limit).
 */
export class ReplyTooLargeError extends RejectedError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('reply_too_large', message, options);
  }
}

/**
 * An order call whose reply body exceeded `maxReplyBytes`: the server answered, so the order may well have executed,
 * but the answer was cut off unread. Unknown outcome: reconcile, never re-send.
 */
export class OrderReplyTooLargeError extends UnknownOutcomeError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('reply_too_large', message, options);
  }
}

/** The stream used up its reconnect budget (only when `maxReconnectAttempts` is finite). */
export class StreamGaveUpError extends RetryableError {
  constructor(message: string, options: FxSocketErrorOptions = {}) {
    super('stream_gave_up', message, options);
  }
}

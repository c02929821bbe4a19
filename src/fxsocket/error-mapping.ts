/**
 * HTTP replies and transport failures → typed errors (fxsocket-api.md §2.1, §3.8, §5).
 *
 * The one distinction that matters for money: on an order route (send/modify/close/close-all, batches) a failure that
 * may have happened after the request reached the server is an unknown outcome, never a retryable error — §5 forbids
 * automatic retries of order calls and §3.8 says to reconcile. The same failure on a read is simply retryable.
 */
import type { FxmirrorError } from '../domain/errors.js';
import {
  FxSocketAuthError,
  FxSocketBillingError,
  FxSocketConflictError,
  FxSocketForbiddenError,
  FxSocketNotFoundError,
  FxSocketRequestError,
  FxSocketTlsError,
  FxSocketUnavailableError,
  IdempotencyInFlightError,
  IdempotencyKeyReusedError,
  IdempotencyUnavailableError,
  OrderOutcomeUnknownError,
  OrderReplyTooLargeError,
  RateLimitedError,
  ReplyTooLargeError,
  TerminalNotReadyError,
  type TransientCode,
} from './errors.js';
import { redact } from './redact.js';

/** Whether a call moves money (no automatic retry, unknown outcome on ambiguous failures) or only reads. */
export type CallKind = 'read' | 'order';

/** Which API family answered: they use different error envelopes (§2.1 vs §3.8). */
export type ApiFamily = 'management' | 'terminal';

/** What the error mapper knows about the call that failed. */
export interface CallInfo {
  kind: CallKind;
  family: ApiFamily;
  method: string;
  /** Path without query string. */
  path: string;
  accountId?: string;
  idempotencyKey?: string;
}

/** A non-2xx reply as read off the wire. */
export interface FailedReply {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  bodyText: string;
  /** The body was longer than the transport reads; `bodyText` is its first part only. */
  truncated?: boolean;
}

const ENVELOPE_KEYS = new Set(['error', 'detail', 'message', 'command_id']);

// Errors raised before a single byte of the request could have reached the server.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function header(headers: FailedReply['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds from now. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function baseContext(call: CallInfo): Record<string, unknown> {
  const context: Record<string, unknown> = { method: call.method, path: call.path, kind: call.kind };
  if (call.accountId !== undefined) context['accountId'] = call.accountId;
  if (call.idempotencyKey !== undefined) context['idempotencyKey'] = call.idempotencyKey;
  return context;
}

function transient(call: CallInfo, code: TransientCode, message: string, options: { cause?: unknown; context: Record<string, unknown> }) {
  return call.kind === 'order'
    ? new OrderOutcomeUnknownError(code, message, options)
    : new FxSocketUnavailableError(code, message, options);
}

/** Maps a non-2xx reply to the most specific typed error. The message is `detail`, else `message`, else the code. */
export function errorFromReply(reply: FailedReply, call: CallInfo, secrets: readonly string[]): FxmirrorError {
  const { status } = reply;
  const envelope = asRecord(parseJson(reply.bodyText));
  const rawCode = nonEmpty(envelope?.['error']);
  const wireCode = rawCode === undefined ? undefined : redact(rawCode, secrets);
  const text = nonEmpty(envelope?.['detail']) ?? nonEmpty(envelope?.['message']) ?? wireCode ?? `HTTP ${status}`;
  const message = redact(text, secrets);

  const context = baseContext(call);
  context['status'] = status;
  if (reply.truncated === true) context['bodyTruncated'] = true;
  if (wireCode !== undefined) context['wireCode'] = wireCode;
  if (envelope !== undefined) {
    if (typeof envelope['command_id'] === 'number') context['commandId'] = envelope['command_id'];
    // Extra envelope fields (cap, current, used, shortfall_eur_cents, …) are kept when they are plain values.
    for (const [key, value] of Object.entries(envelope)) {
      if (ENVELOPE_KEYS.has(key)) continue;
      if (typeof value === 'number' || typeof value === 'boolean') context[key] = value;
      else if (typeof value === 'string') context[key] = redact(value, secrets);
    }
  }
  const options = { context };

  if (status === 401) return new FxSocketAuthError(message, options);
  if (status === 403) return new FxSocketForbiddenError(message, options);
  if (wireCode === 'idempotency_in_flight') return new IdempotencyInFlightError(message, options);
  if (wireCode === 'idempotency_key_reused') return new IdempotencyKeyReusedError(message, options);
  if (wireCode === 'idempotency_unavailable') return new IdempotencyUnavailableError(message, options);
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(header(reply.headers, 'retry-after'));
    if (retryAfterMs !== undefined) context['retryAfterMs'] = retryAfterMs;
    return new RateLimitedError(message, { ...options, retryAfterMs });
  }
  if (status === 404) return new FxSocketNotFoundError(message, options);
  if (status === 402) return new FxSocketBillingError(wireCode ?? 'payment_required', message, options);
  if (status === 409) return new FxSocketConflictError(wireCode ?? 'conflict', message, options);
  if (status === 400) {
    // Management codes are stable snake_case (invalid_batch, unknown_account, …); terminal ones (MRPC_VALIDATION)
    // stay in `wireCode`.
    const code = call.family === 'management' && wireCode !== undefined ? wireCode : 'invalid_request';
    return new FxSocketRequestError(code, message, options);
  }
  if (status === 503 && wireCode !== undefined) {
    // An envelope means the server knowingly refused before executing: the trade EA is not registered yet (§3.8).
    return call.family === 'terminal'
      ? new TerminalNotReadyError('terminal_not_ready', message, options)
      : new FxSocketUnavailableError('server_error', message, options);
  }
  if (status === 504) return transient(call, 'terminal_timeout', message, options);
  if (status >= 500) {
    // With an envelope the terminal processed the call and the operation failed, but §3.8 still says "verify before
    // retrying"; without one the terminal may be restarting mid-call. Both are unknown on order routes.
    return transient(call, wireCode === undefined ? 'server_error' : 'terminal_error', message, options);
  }
  if (status >= 400) return new FxSocketRequestError('request_refused', message, options);
  return new FxSocketRequestError('unexpected_status', message, options);
}

/** What the transport knows about a reply body it stopped reading at `maxReplyBytes`. */
export interface OversizedReply {
  status: number;
  maxReplyBytes: number;
  /** Bytes received before the body was aborted (0 when `content-length` alone was over the limit). */
  receivedBytes: number;
  /** `content-length` when the server announced one. */
  declaredBytes: number | undefined;
}

/** An accepted reply whose body is over the limit: `reply_too_large`, an unknown outcome on an order route. */
export function errorFromOversizedReply(call: CallInfo, reply: OversizedReply): FxmirrorError {
  const context = baseContext(call);
  context['status'] = reply.status;
  context['maxReplyBytes'] = reply.maxReplyBytes;
  context['receivedBytes'] = reply.receivedBytes;
  if (reply.declaredBytes !== undefined) context['declaredBytes'] = reply.declaredBytes;
  const size = reply.declaredBytes !== undefined ? `${reply.declaredBytes} bytes announced` : `over ${reply.maxReplyBytes} bytes`;
  const where = `${call.method} ${call.path}`;
  return call.kind === 'order'
    ? new OrderReplyTooLargeError(`${where}: reply too large (${size}, limit ${reply.maxReplyBytes}), aborted unread; outcome unknown`, { context })
    : new ReplyTooLargeError(`${where}: reply too large (${size}, limit ${reply.maxReplyBytes}), aborted unread`, { context });
}

function errorCode(error: unknown): string | undefined {
  const record = asRecord(error);
  const code = record?.['code'];
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError whose parts carry the code.
  const errors = record?.['errors'];
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const innerCode = asRecord(inner)?.['code'];
      if (typeof innerCode === 'string') return innerCode;
    }
  }
  const cause = record?.['cause'];
  return cause !== undefined && cause !== error ? errorCode(cause) : undefined;
}

/** Maps a failure to get any reply (timeout, reset, refused, TLS) to a typed error. */
export function errorFromTransport(
  error: unknown,
  call: CallInfo,
  detail: { timedOut: boolean; timeoutMs: number },
  secrets: readonly string[],
): FxmirrorError {
  const context = baseContext(call);
  const where = `${call.method} ${call.path}`;
  if (detail.timedOut) {
    context['timeoutMs'] = detail.timeoutMs;
    return transient(call, 'timeout', `${where}: no reply within ${detail.timeoutMs} ms`, { cause: error, context });
  }
  const code = errorCode(error);
  if (code !== undefined) context['errorCode'] = code;
  const reason = redact(error instanceof Error ? error.message : String(error), secrets);
  if (code !== undefined && TLS_CODES.has(code)) {
    return new FxSocketTlsError(`${where}: TLS failed (${reason}); private servers need insecureTls`, {
      cause: error,
      context,
    });
  }
  if (code !== undefined && NOT_SENT_CODES.has(code)) {
    // Nothing left this process, so even an order call is safely retryable.
    return new FxSocketUnavailableError('connect_failed', `${where}: could not connect (${reason})`, {
      cause: error,
      context,
    });
  }
  return transient(call, 'network_error', `${where}: ${reason}`, { cause: error, context });
}

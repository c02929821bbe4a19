import { describe, expect, it } from 'vitest';

import { FatalError, RejectedError, RetryableError, UnknownOutcomeError } from '../../../src/domain/errors.js';
import {
  errorFromReply,
  errorFromTransport,
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
  parseRetryAfterMs,
  RateLimitedError,
  TerminalNotReadyError,
  type CallInfo,
} from '../../../src/fxsocket/index.js';
import { rawFixture } from './fixtures.js';

const KEY = 'fxs_live_SECRET1234567890';
const batch: CallInfo = { kind: 'order', family: 'management', method: 'POST', path: '/v1/orders', idempotencyKey: 'k-1' };
const accounts: CallInfo = { kind: 'read', family: 'management', method: 'GET', path: '/v1/accounts' };
const send: CallInfo = { kind: 'order', family: 'terminal', method: 'POST', path: '/mt5/a/OrderSend', accountId: 'a' };
const summary: CallInfo = { kind: 'read', family: 'terminal', method: 'GET', path: '/mt5/a/AccountSummary', accountId: 'a' };

function reply(call: CallInfo, status: number, bodyText = '', headers: Record<string, string> = {}) {
  return errorFromReply({ status, headers, bodyText }, call, [KEY]);
}

describe('errorFromReply: management', () => {
  it.each([
    ['invalid-batch-400', 400, FxSocketRequestError, 'invalid_batch', 'reject'],
    ['unknown-account-400', 400, FxSocketRequestError, 'unknown_account', 'reject'],
    ['unreachable-account-400', 400, FxSocketRequestError, 'unreachable_account', 'reject'],
    ['unauthorized-401', 401, FxSocketAuthError, 'auth_failed', 'stop'],
    ['read-only-403', 403, FxSocketForbiddenError, 'read_only', 'stop'],
    ['account-cap-402', 402, FxSocketBillingError, 'account_cap_reached', 'reject'],
    ['insufficient-balance-402', 402, FxSocketBillingError, 'insufficient_balance', 'reject'],
    ['no-subscription-402', 402, FxSocketBillingError, 'payment_required', 'reject'],
    ['slots-full-409', 409, FxSocketConflictError, 'slots_full', 'reject'],
    ['idempotency-in-flight-409', 409, IdempotencyInFlightError, 'idempotency_in_flight', 'retry'],
    ['idempotency-key-reused-422', 422, IdempotencyKeyReusedError, 'idempotency_key_reused', 'reject'],
    ['idempotency-unavailable-503', 503, IdempotencyUnavailableError, 'idempotency_unavailable', 'retry'],
  ])('%s → %s', (name, status, type, code, action) => {
    const error = reply(batch, status, rawFixture(`management/errors/${name}.json`));
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.action).toBe(action);
    expect(error.context).toMatchObject({ status, method: 'POST', path: '/v1/orders', idempotencyKey: 'k-1' });
  });

  it('takes the message from detail, then message, then the code, then the status', () => {
    expect(reply(batch, 400, '{"error":"invalid_batch","detail":"d","message":"m"}').message).toBe('d');
    expect(reply(batch, 400, '{"error":"invalid_batch","message":"m"}').message).toBe('m');
    expect(reply(batch, 400, '{"error":"invalid_batch"}').message).toBe('invalid_batch');
    expect(reply(batch, 400, 'Bad Request').message).toBe('HTTP 400');
  });

  it('keeps envelope extras in the context', () => {
    const error = reply(batch, 402, rawFixture('management/errors/insufficient-balance-402.json'));
    expect(error.context).toMatchObject({ wireCode: 'insufficient_balance', shortfall_eur_cents: 1250, balance_eur_cents: 50 });
  });

  it('429 → retryable with Retry-After in ms', () => {
    const error = reply(accounts, 429, '', { 'retry-after': '3' });
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.action).toBe('retry');
    expect((error as RateLimitedError).retryAfterMs).toBe(3000);
    expect((reply(batch, 429) as RateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('404 → not found', () => {
    expect(reply(accounts, 404, '{"detail":"Not found"}')).toBeInstanceOf(FxSocketNotFoundError);
  });

  it('504 and envelope-less 5xx on a batch → unknown outcome; on a read → retryable', () => {
    for (const status of [500, 502, 503, 504]) {
      const onBatch = reply(batch, status, '<html>gateway</html>');
      expect(onBatch).toBeInstanceOf(OrderOutcomeUnknownError);
      expect(onBatch).toBeInstanceOf(UnknownOutcomeError);
      const onRead = reply(accounts, status, '');
      expect(onRead).toBeInstanceOf(FxSocketUnavailableError);
      expect(onRead).toBeInstanceOf(RetryableError);
    }
  });

  it('other 4xx → rejected', () => {
    expect(reply(batch, 405, '').code).toBe('request_refused');
    expect(reply(batch, 405, '')).toBeInstanceOf(RejectedError);
  });
});

describe('errorFromReply: terminal', () => {
  it('400 MRPC_VALIDATION → invalid_request, wire code kept', () => {
    const error = reply(send, 400, rawFixture('terminal/errors/validation-400.json'));
    expect(error).toBeInstanceOf(FxSocketRequestError);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe('price is required for pending orders');
    expect(error.context).toMatchObject({ wireCode: 'MRPC_VALIDATION', commandId: 4711, accountId: 'a' });
  });

  it('401 MRPC_UNAUTHORIZED → auth_failed (stop)', () => {
    const error = reply(summary, 401, rawFixture('terminal/errors/unauthorized-401.json'));
    expect(error).toBeInstanceOf(FxSocketAuthError);
    expect(error).toBeInstanceOf(FatalError);
  });

  it('404 without envelope → not found', () => {
    expect(reply(summary, 404, '404 page not found')).toBeInstanceOf(FxSocketNotFoundError);
  });

  it('503 with an envelope (EA not ready) → retryable, not executed — on order routes too', () => {
    const error = reply(send, 503, rawFixture('terminal/errors/not-ready-503.json'));
    expect(error).toBeInstanceOf(TerminalNotReadyError);
    expect(error.code).toBe('terminal_not_ready');
    expect(error.action).toBe('retry');
  });

  it('504 MRPC_TIMEOUT → unknown on orders, retryable on reads', () => {
    const body = rawFixture('terminal/errors/timeout-504.json');
    const onSend = reply(send, 504, body);
    expect(onSend).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(onSend.code).toBe('terminal_timeout');
    expect(reply(summary, 504, body)).toBeInstanceOf(FxSocketUnavailableError);
  });

  it('500 with an envelope → unknown on orders (verify first), retryable on reads', () => {
    const body = rawFixture('terminal/errors/copyrates-500.json');
    expect(reply(send, 500, body).action).toBe('unknown');
    const onRead = reply(summary, 500, body);
    expect(onRead.action).toBe('retry');
    expect(onRead.code).toBe('terminal_error');
    expect(onRead.message).toBe('CopyRates failed');
  });
});

describe('secrets', () => {
  it('never puts the API key into a message or context', () => {
    const body = JSON.stringify({ error: `bad_key_${KEY}`, detail: `key ${KEY} is invalid`, hint: KEY });
    for (const status of [400, 401, 403, 500]) {
      const error = reply(batch, status, body);
      expect(error.message).not.toContain(KEY);
      expect(error.code).not.toContain(KEY);
      expect(JSON.stringify(error.context)).not.toContain(KEY);
    }
    const transport = errorFromTransport(new Error(`socket hang up ${KEY}`), batch, { timedOut: false, timeoutMs: 1 }, [KEY]);
    expect(transport.message).not.toContain(KEY);
  });
});

describe('errorFromTransport', () => {
  const detail = { timedOut: false, timeoutMs: 30_000 };

  it('client timeout → unknown on orders, retryable on reads', () => {
    const onSend = errorFromTransport(new Error('aborted'), send, { timedOut: true, timeoutMs: 5 }, [KEY]);
    expect(onSend).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(onSend.code).toBe('timeout');
    expect(onSend.context).toMatchObject({ timeoutMs: 5 });
    expect(errorFromTransport(new Error('aborted'), summary, { timedOut: true, timeoutMs: 5 }, [KEY])).toBeInstanceOf(
      FxSocketUnavailableError,
    );
  });

  it('reset after sending → unknown on orders', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(errorFromTransport(reset, batch, detail, [KEY]).action).toBe('unknown');
    expect(errorFromTransport(reset, summary, detail, [KEY]).action).toBe('retry');
  });

  it('connection refused → retryable even on orders (nothing was sent)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = errorFromTransport(refused, send, detail, [KEY]);
    expect(error).toBeInstanceOf(FxSocketUnavailableError);
    expect(error.code).toBe('connect_failed');
    const aggregate = Object.assign(new AggregateError([refused]), {});
    expect(errorFromTransport(aggregate, send, detail, [KEY]).code).toBe('connect_failed');
  });

  it('self-signed certificate → TLS error (stop)', () => {
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const error = errorFromTransport(tls, summary, detail, [KEY]);
    expect(error).toBeInstanceOf(FxSocketTlsError);
    expect(error.message).toMatch(/insecureTls/);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

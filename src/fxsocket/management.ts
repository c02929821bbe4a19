/**
 * Management API v1 (fxsocket-api.md §2): accounts and the multi-account batches. Batches are sent once; a caller that
 * wants to retry one replays it deliberately with the same `Idempotency-Key` (§2.4), never automatically.
 */
import type { OrderBatchReply, CloseBatchReply } from '../engine/ports.js';
import {
  buildCloseBatchBody,
  buildOrderBatchBody,
  checkIdempotencyKey,
  type CloseBatchRequest,
  type OrderBatchRequest,
} from './batch-request.js';
import { UnreadableOrderReplyError } from './errors.js';
import { fastCloseBatchReply, fastOrderBatchReply } from './fast-replies.js';
import type { HttpTransport } from './http.js';
import { AccountListSchema, AccountSchema, CloseBatchReplySchema, OrderBatchReplySchema, type Account } from './schemas/index.js';
import { invalid } from './validation.js';

/** Options of {@link ManagementClient}. */
export interface ManagementClientOptions {
  /** `${FXSOCKET_API_URL}/v1`, e.g. `https://api.fxsocket.com/v1`. */
  baseUrl: string;
  http: HttpTransport;
  /** Timeout of read calls in ms; default: the transport's (30 000). */
  timeoutMs?: number;
  /** Timeout of batch calls in ms; default: `timeoutMs`. */
  orderTimeoutMs?: number;
}

/** Per-call options of a batch. */
export interface BatchOptions {
  /** 1–128 characters, remembered 15 minutes by the server: a replay with the same body sends nothing again. */
  idempotencyKey?: string;
  timeoutMs?: number;
}

/** Typed client of the management API. */
export class ManagementClient {
  readonly baseUrl: string;
  readonly #http: HttpTransport;
  readonly #timeoutMs: number | undefined;
  readonly #orderTimeoutMs: number | undefined;

  constructor(options: ManagementClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#http = options.http;
    this.#timeoutMs = options.timeoutMs;
    this.#orderTimeoutMs = options.orderTimeoutMs ?? options.timeoutMs;
  }

  /** `GET /v1/accounts`: every account the key can see. */
  listAccounts(): Promise<Account[]> {
    return this.#http.requestJson(AccountListSchema, {
      kind: 'read',
      family: 'management',
      method: 'GET',
      path: '/accounts',
      baseUrl: this.baseUrl,
      timeoutMs: this.#timeoutMs,
    });
  }

  /** `GET /v1/accounts/{id}`; 404 → `FxSocketNotFoundError`. */
  getAccount(accountId: string): Promise<Account> {
    if (typeof accountId !== 'string' || accountId === '') {
      return Promise.reject(invalid('getAccount', 'accountId is required'));
    }
    return this.#http.requestJson(AccountSchema, {
      kind: 'read',
      family: 'management',
      method: 'GET',
      path: `/accounts/${encodeURIComponent(accountId)}`,
      baseUrl: this.baseUrl,
      accountId,
      timeoutMs: this.#timeoutMs,
    });
  }

  /** `POST /v1/orders`: one order fanned out to many accounts; 200 even when every leg failed. */
  async placeOrders(request: OrderBatchRequest, options: BatchOptions = {}): Promise<OrderBatchReply> {
    const body = buildOrderBatchBody(request);
    checkIdempotencyKey(options.idempotencyKey);
    return this.#http.requestJson(
      OrderBatchReplySchema,
      this.#batchCall('/orders', body, options),
      (reply) => checkPositional(reply.results.length, request.orders.length, '/orders', options.idempotencyKey),
      fastOrderBatchReply,
    );
  }

  /** `POST /v1/orders/close`: close by selector or tickets on many accounts. */
  async closeOrders(request: CloseBatchRequest, options: BatchOptions = {}): Promise<CloseBatchReply> {
    const body = buildCloseBatchBody(request);
    checkIdempotencyKey(options.idempotencyKey);
    return this.#http.requestJson(
      CloseBatchReplySchema,
      this.#batchCall('/orders/close', body, options),
      (reply) => checkPositional(reply.results.length, request.accounts.length, '/orders/close', options.idempotencyKey),
      fastCloseBatchReply,
    );
  }

  #batchCall(path: string, body: Record<string, unknown>, options: BatchOptions) {
    return {
      kind: 'order',
      family: 'management',
      method: 'POST',
      path,
      baseUrl: this.baseUrl,
      body,
      idempotencyKey: options.idempotencyKey,
      timeoutMs: options.timeoutMs ?? this.#orderTimeoutMs,
    } as const;
  }
}

/** Results are positional (§2.4, §2.5): a count mismatch means no leg can be matched to its result. */
function checkPositional(actual: number, expected: number, path: string, idempotencyKey: string | undefined): void {
  if (actual === expected) return;
  const context: Record<string, unknown> = { method: 'POST', path, expected, actual };
  if (idempotencyKey !== undefined) context['idempotencyKey'] = idempotencyKey;
  throw new UnreadableOrderReplyError(
    `POST ${path}: ${actual} results for ${expected} legs, outcome unknown`,
    { context },
  );
}

/**
 * Client-side validation and wire bodies of the multi-account batches (fxsocket-api.md §2.4, §2.5). The rules mirror
 * the server's, so a bad batch fails here, before the network, the same way the server would refuse it whole.
 */
import type { CloseLeg, OrderLeg } from '../engine/ports.js';
import { canonicalOperation, isPending, isStopLimit } from './operations.js';
import {
  compact,
  invalid,
  isRecord,
  optionalChoice,
  optionalInteger,
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireString,
} from './validation.js';

/**
 * One leg of `POST /v1/orders` as the wire allows it: only `account_id` is mandatory, every other field may come from
 * `defaults` (§2.4). Wider than the port's `OrderLeg`, so the port's requests are accepted as they are.
 */
export type OrderBatchLeg = Pick<OrderLeg, 'account_id'> & Partial<Omit<OrderLeg, 'account_id'>>;

/** `POST /v1/orders` request. */
export interface OrderBatchRequest {
  orders: OrderBatchLeg[];
  defaults?: Partial<Omit<OrderLeg, 'account_id'>>;
  require_reachable?: boolean;
}

/** `POST /v1/orders/close` request. */
export interface CloseBatchRequest {
  accounts: CloseLeg[];
  defaults?: Partial<Omit<CloseLeg, 'account_id' | 'tickets'>>;
  require_reachable?: boolean;
}

/** Longest `Idempotency-Key` the server accepts (§2.4). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;

const ORDER_FIELDS = [
  'symbol',
  'operation',
  'volume',
  'price',
  'slippage',
  'stop_loss',
  'take_profit',
  'stop_limit_price',
  'expiration',
  'comment',
  'expert_id',
] as const;
const ORDER_DEFAULT_KEYS: ReadonlySet<string> = new Set(ORDER_FIELDS);
const ORDER_LEG_KEYS: ReadonlySet<string> = new Set([...ORDER_FIELDS, 'account_id']);

const CLOSE_SELECTOR_FIELDS = ['symbol', 'symbol_match', 'side', 'kind', 'magic'] as const;
const CLOSE_FIELDS = [...CLOSE_SELECTOR_FIELDS, 'volume', 'slippage'] as const;
const CLOSE_DEFAULT_KEYS: ReadonlySet<string> = new Set(CLOSE_FIELDS);
const CLOSE_LEG_KEYS: ReadonlySet<string> = new Set([...CLOSE_FIELDS, 'account_id', 'tickets']);

const REQUEST_KEYS = {
  orders: new Set(['orders', 'defaults', 'require_reachable']),
  close: new Set(['accounts', 'defaults', 'require_reachable']),
} as const;

/** Checks an `Idempotency-Key`: an opaque string of 1–128 characters (§2.4). */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key === undefined) return;
  if (typeof key !== 'string' || key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw invalid('idempotencyKey', `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
  }
}

/** Validates the order fields present on a leg or on `defaults`; returns them with the operation canonicalized. */
function orderFields(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  optionalString(raw['symbol'], where, 'symbol');
  optionalString(raw['expiration'], where, 'expiration');
  optionalString(raw['comment'], where, 'comment');
  optionalNumber(raw['volume'], where, 'volume', 'positive');
  for (const field of ['price', 'stop_loss', 'take_profit', 'stop_limit_price'] as const) {
    optionalNumber(raw[field], where, field, 'non-negative');
  }
  optionalInteger(raw['slippage'], where, 'slippage', 0);
  optionalInteger(raw['expert_id'], where, 'expert_id', 0);
  // `compact` copies: the leg given is never changed.
  const out = compact(raw);
  const operation = raw['operation'];
  if (operation !== undefined) {
    const canonical = typeof operation === 'string' ? canonicalOperation(operation) : undefined;
    if (canonical === undefined) throw invalid(where, `unknown operation ${JSON.stringify(operation)}`);
    out['operation'] = canonical;
  }
  return out;
}

/** The rules a merged leg must meet (§2.4): symbol, operation, volume; price for pending; stop-limit price. */
function checkMergedOrder(merged: Record<string, unknown>, where: string): void {
  requireString(merged['symbol'], where, 'symbol');
  const operation = canonicalOperation(requireString(merged['operation'], where, 'operation'));
  if (operation === undefined) throw invalid(where, 'unknown operation');
  if (merged['volume'] === undefined) throw invalid(where, 'volume is required');
  const price = merged['price'];
  if (isPending(operation) && !(typeof price === 'number' && price > 0)) {
    throw invalid(where, `price is required (> 0) for ${operation}`);
  }
  const stopLimitPrice = merged['stop_limit_price'];
  if (isStopLimit(operation) && !(typeof stopLimitPrice === 'number' && stopLimitPrice > 0)) {
    throw invalid(where, `stop_limit_price is required (> 0) for ${operation}`);
  }
}

/** Validates a `POST /v1/orders` request and returns its wire body. Throws `invalid_request`; nothing is sent. */
export function buildOrderBatchBody(request: OrderBatchRequest): Record<string, unknown> {
  if (!isRecord(request)) throw invalid('request', 'must be an object');
  rejectUnknownKeys(request as unknown as Record<string, unknown>, REQUEST_KEYS.orders, 'request');
  const rawDefaults: unknown = request.defaults ?? {};
  if (!isRecord(rawDefaults)) throw invalid('defaults', 'must be an object');
  rejectUnknownKeys(rawDefaults, ORDER_DEFAULT_KEYS, 'defaults');
  const defaults = orderFields(rawDefaults, 'defaults');

  if (!Array.isArray(request.orders) || request.orders.length === 0) {
    throw invalid('orders', 'must contain at least one leg');
  }
  const hasDefaults = Object.keys(defaults).length > 0;
  const legs = request.orders.map((leg: unknown, index) => {
    const where = `orders[${index}]`;
    if (!isRecord(leg)) throw invalid(where, 'must be an object');
    rejectUnknownKeys(leg, ORDER_LEG_KEYS, where);
    requireString(leg['account_id'], where, 'account_id');
    const body = orderFields(leg, where);
    // Keys present on the leg win, falsy ones included (`slippage: 0` means zero); absent keys inherit (§2.4). Without
    // defaults the merged leg is the leg itself (no copy per follower).
    checkMergedOrder(hasDefaults ? { ...defaults, ...body } : body, where);
    return body;
  });

  const body: Record<string, unknown> = { orders: legs };
  if (hasDefaults) body['defaults'] = defaults;
  if (request.require_reachable === true) body['require_reachable'] = true;
  return body;
}

function closeFields(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  optionalString(raw['symbol'], where, 'symbol');
  optionalChoice(raw['symbol_match'], ['exact', 'base'], where, 'symbol_match');
  optionalChoice(raw['side'], ['long', 'short', 'any'], where, 'side');
  optionalChoice(raw['kind'], ['position', 'pending', 'any'], where, 'kind');
  optionalInteger(raw['magic'], where, 'magic', 0);
  optionalNumber(raw['volume'], where, 'volume', 'positive');
  optionalInteger(raw['slippage'], where, 'slippage', 0);
  return compact(raw);
}

/** Validates a `POST /v1/orders/close` request and returns its wire body. Throws `invalid_request`; nothing is sent. */
export function buildCloseBatchBody(request: CloseBatchRequest): Record<string, unknown> {
  if (!isRecord(request)) throw invalid('request', 'must be an object');
  rejectUnknownKeys(request as unknown as Record<string, unknown>, REQUEST_KEYS.close, 'request');
  const rawDefaults: unknown = request.defaults ?? {};
  if (!isRecord(rawDefaults)) throw invalid('defaults', 'must be an object');
  rejectUnknownKeys(rawDefaults, CLOSE_DEFAULT_KEYS, 'defaults');
  const defaults = closeFields(rawDefaults, 'defaults');

  if (!Array.isArray(request.accounts) || request.accounts.length === 0) {
    throw invalid('accounts', 'must contain at least one entry');
  }
  const legs = request.accounts.map((leg: unknown, index) => {
    const where = `accounts[${index}]`;
    if (!isRecord(leg)) throw invalid(where, 'must be an object');
    rejectUnknownKeys(leg, CLOSE_LEG_KEYS, where);
    requireString(leg['account_id'], where, 'account_id');
    const body = closeFields(leg, where);
    const tickets = leg['tickets'];
    if (tickets !== undefined) {
      if (!Array.isArray(tickets) || tickets.length === 0) throw invalid(where, 'tickets must be a non-empty array');
      if (!tickets.every((ticket) => Number.isSafeInteger(ticket) && (ticket as number) >= 1)) {
        throw invalid(where, 'tickets must be integers >= 1');
      }
      // A leg is either a selector or a ticket list, never both (§2.5); volume and slippage are allowed.
      const mixed = CLOSE_SELECTOR_FIELDS.filter((field) => leg[field] !== undefined);
      if (mixed.length > 0) throw invalid(where, `tickets cannot be combined with ${mixed.join(', ')}`);
    } else {
      // "*" must be literal; an absent symbol is an error, not "everything" (§2.5).
      requireString({ ...defaults, ...body }['symbol'], where, 'symbol (or tickets)');
    }
    return body;
  });

  const body: Record<string, unknown> = { accounts: legs };
  if (Object.keys(defaults).length > 0) body['defaults'] = defaults;
  if (request.require_reachable === true) body['require_reachable'] = true;
  return body;
}

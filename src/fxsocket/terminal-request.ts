/**
 * Client-side validation and wire bodies of the terminal trading routes (fxsocket-api.md §3.5), mirroring the
 * terminal's own checks so bad input fails before the network (§5).
 */
import type { OrderCloseRequest, OrderModifyRequest, OrderSendRequest } from '../engine/ports.js';
import { canonicalOperation, isPending, isStopLimit } from './operations.js';
import {
  compact,
  invalid,
  isRecord,
  optionalInteger,
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireString,
} from './validation.js';

/**
 * Explicit removal of SL/TP in `orderModify`. On the wire `0` removes a level (§3.5); a bare `stopLoss: 0` is refused
 * because a careless zero silently strips protection, so removal must be asked for by name.
 */
export interface ModifyOptions {
  clearStopLoss?: true;
  clearTakeProfit?: true;
}

/** `POST /CloseAll` filters (§3.5). `magic: 0` matches manual orders; omit it for no filter. */
export interface CloseAllRequest {
  symbol?: string;
  magic?: number;
  deletePending?: boolean;
}

const SEND_KEYS: ReadonlySet<string> = new Set([
  'symbol',
  'operation',
  'volume',
  'price',
  'stopLimitPrice',
  'stopLoss',
  'takeProfit',
  'slippage',
  'expiration',
  'comment',
  'expertId',
]);
const MODIFY_KEYS: ReadonlySet<string> = new Set(['ticket', 'stopLoss', 'takeProfit', 'price', 'stopLimitPrice', 'expiration']);
const CLOSE_KEYS: ReadonlySet<string> = new Set(['ticket', 'volume', 'slippage']);
const CLOSE_ALL_KEYS: ReadonlySet<string> = new Set(['symbol', 'magic', 'deletePending']);

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(where, 'must be an object');
  return value;
}

function requireOperation(value: unknown, where: string) {
  const operation = canonicalOperation(requireString(value, where, 'operation'));
  if (operation === undefined) throw invalid(where, `unknown operation ${JSON.stringify(value)}`);
  return operation;
}

/** `POST /OrderSend` body. */
export function orderSendBody(request: OrderSendRequest): Record<string, unknown> {
  const where = 'OrderSend';
  const raw = asRecord(request, where);
  rejectUnknownKeys(raw, SEND_KEYS, where);
  requireString(raw['symbol'], where, 'symbol');
  const operation = requireOperation(raw['operation'], where);
  if (raw['volume'] === undefined) throw invalid(where, 'volume is required');
  optionalNumber(raw['volume'], where, 'volume', 'positive');
  for (const field of ['price', 'stopLimitPrice', 'stopLoss', 'takeProfit'] as const) {
    optionalNumber(raw[field], where, field, 'non-negative');
  }
  optionalInteger(raw['slippage'], where, 'slippage', 0);
  optionalInteger(raw['expertId'], where, 'expertId', 0);
  optionalString(raw['expiration'], where, 'expiration');
  optionalString(raw['comment'], where, 'comment');
  if (isPending(operation) && !(((raw['price'] as number | undefined) ?? 0) > 0)) {
    throw invalid(where, `price is required (> 0) for ${operation}`);
  }
  if (isStopLimit(operation) && !(((raw['stopLimitPrice'] as number | undefined) ?? 0) > 0)) {
    throw invalid(where, `stopLimitPrice is required (> 0) for ${operation}`);
  }
  return compact({ ...raw, operation });
}

/**
 * `POST /OrderModify` body: absent = keep, > 0 = set; removal only through {@link ModifyOptions}. Refuses a bare 0
 * SL/TP and a level given together with its clear flag.
 */
export function orderModifyBody(request: OrderModifyRequest, options: ModifyOptions = {}): Record<string, unknown> {
  const where = 'OrderModify';
  const raw = asRecord(request, where);
  rejectUnknownKeys(raw, MODIFY_KEYS, where);
  if (raw['ticket'] === undefined) throw invalid(where, 'ticket is required');
  optionalInteger(raw['ticket'], where, 'ticket', 1);
  for (const [field, clear, flag] of [
    ['stopLoss', options.clearStopLoss, 'clearStopLoss'],
    ['takeProfit', options.clearTakeProfit, 'clearTakeProfit'],
  ] as const) {
    const value = raw[field];
    if (clear === true && value !== undefined) throw invalid(where, `pass either ${field} or ${flag}, not both`);
    if (value !== undefined) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(where, `${field} must be a number`);
      if (!(value > 0)) {
        throw invalid(where, `${field} must be > 0; pass ${flag} to remove it, or leave it out to keep it`);
      }
    }
  }
  optionalNumber(raw['price'], where, 'price', 'positive');
  optionalNumber(raw['stopLimitPrice'], where, 'stopLimitPrice', 'positive');
  optionalString(raw['expiration'], where, 'expiration');
  const body = compact({ ...raw });
  if (options.clearStopLoss === true) body['stopLoss'] = 0;
  if (options.clearTakeProfit === true) body['takeProfit'] = 0;
  return body;
}

/** `POST /OrderClose` body: whole close when `volume` is absent. A zero volume is refused (its meaning is open, §8). */
export function orderCloseBody(request: OrderCloseRequest): Record<string, unknown> {
  const where = 'OrderClose';
  const raw = asRecord(request, where);
  rejectUnknownKeys(raw, CLOSE_KEYS, where);
  if (raw['ticket'] === undefined) throw invalid(where, 'ticket is required');
  optionalInteger(raw['ticket'], where, 'ticket', 1);
  optionalNumber(raw['volume'], where, 'volume', 'positive');
  optionalInteger(raw['slippage'], where, 'slippage', 0);
  return compact({ ...raw });
}

/** `POST /CloseAll` body; `{}` closes every open position (the body is sent even when empty, §1). */
export function closeAllBody(request: CloseAllRequest = {}): Record<string, unknown> {
  const where = 'CloseAll';
  const raw = asRecord(request, where);
  rejectUnknownKeys(raw, CLOSE_ALL_KEYS, where);
  if (raw['symbol'] !== undefined) requireString(raw['symbol'], where, 'symbol');
  optionalInteger(raw['magic'], where, 'magic', 0);
  if (raw['deletePending'] !== undefined && typeof raw['deletePending'] !== 'boolean') {
    throw invalid(where, 'deletePending must be a boolean');
  }
  const body: Record<string, unknown> = compact({ symbol: raw['symbol'], magic: raw['magic'] });
  if (raw['deletePending'] === true) body['deletePending'] = true;
  return body;
}

/** Query of `GET /OrderCalcMargin`; the SDK refuses `volume <= 0` before sending (§3.3). */
export function calcMarginQuery(args: { symbol: string; operation: string; volume: number; price: number }) {
  const where = 'OrderCalcMargin';
  requireString(args.symbol, where, 'symbol');
  const operation = requireOperation(args.operation, where);
  if (args.volume === undefined) throw invalid(where, 'volume is required');
  optionalNumber(args.volume, where, 'volume', 'positive');
  optionalNumber(args.price, where, 'price', 'non-negative');
  return { symbol: args.symbol, operation, volume: args.volume, price: args.price };
}

/**
 * Hand-written fast path for the batch replies (`POST /v1/orders`, `POST /v1/orders/close`, fxsocket-api.md §2.4,
 * §2.5), the copier's largest REST replies: one result per follower leg, so a 1,000-follower event brings back a
 * 1,000-row reply. Through zod every row costs a parse of each field plus its transform and a fresh object per step
 * (about 6 MB of short-lived garbage per 1,000-leg event on Node 20, and the young-generation GC pauses that follow).
 *
 * Same contract as `fast-frames.ts`: a reply is accepted only when every field of every row is present with exactly
 * the JSON type its schema wants; the typed object is then built straight from property reads, in the schema's key
 * order, without unknown keys. Anything else — a missing or `null` field (tolerant default), a wrong JSON type, a
 * non-finite number, a non-integer or unsafe integer where an integer belongs — returns `undefined`, and the caller
 * runs the zod schema on the same parsed value, which owns every default and every typed error. Equivalence with
 * the schemas is checked by a property test (test/unit/fxsocket/fast-replies.test.ts). The result types are the
 * schemas' output types, so a field added to a schema fails to compile here until the fast path reads it too.
 */
import type { z } from 'zod';

import type { CloseBatchReplySchema, CloseLegResultSchema, CloseTicketResultSchema, OrderBatchReplySchema, OrderLegResultSchema } from './schemas/management.js';
import { fastList, isInt, isNum, isObject } from './wire-checks.js';
import type { Wire } from './wire-checks.js';

type OrderBatchReplyOut = z.output<typeof OrderBatchReplySchema>;
type OrderLegResultOut = z.output<typeof OrderLegResultSchema>;
type CloseBatchReplyOut = z.output<typeof CloseBatchReplySchema>;
type CloseLegResultOut = z.output<typeof CloseLegResultSchema>;
type CloseTicketResultOut = z.output<typeof CloseTicketResultSchema>;


/** `OrderLegResult`, or `undefined`. Key order follows `OrderLegResultSchema`. */
export function fastOrderLegResult(value: unknown): OrderLegResultOut | undefined {
  if (!isObject(value)) return undefined;
  const r = value as Wire<OrderLegResultOut>;
  const account_id = r.account_id;
  const platform = r.platform;
  const symbol = r.symbol;
  const operation = r.operation;
  const volume = r.volume;
  const status = r.status;
  const order = r.order;
  const deal = r.deal;
  const price = r.price;
  const bid = r.bid;
  const ask = r.ask;
  const retcode = r.retcode;
  const retcode_description = r.retcode_description;
  const message = r.message;
  const latency_ms = r.latency_ms;
  if (
    typeof account_id !== 'string' ||
    typeof platform !== 'string' ||
    typeof symbol !== 'string' ||
    typeof operation !== 'string' ||
    !isNum(volume) ||
    typeof status !== 'string' ||
    !isInt(order) ||
    !isInt(deal) ||
    !isNum(price) ||
    !isNum(bid) ||
    !isNum(ask) ||
    !isInt(retcode) ||
    typeof retcode_description !== 'string' ||
    typeof message !== 'string' ||
    !isInt(latency_ms)
  ) {
    return undefined;
  }
  return { account_id, platform, symbol, operation, volume, status, order, deal, price, bid, ask, retcode, retcode_description, message, latency_ms };
}

/** `POST /v1/orders` reply, or `undefined`. */
export function fastOrderBatchReply(value: unknown): OrderBatchReplyOut | undefined {
  if (!isObject(value)) return undefined;
  const r = value as Wire<OrderBatchReplyOut>;
  const batch_id = r.batch_id;
  const idempotent_replay = r.idempotent_replay;
  const wireSummary = r.summary;
  const wireResults = r.results;
  if (typeof batch_id !== 'string' || typeof idempotent_replay !== 'boolean' || !isObject(wireSummary) || !Array.isArray(wireResults)) return undefined;
  const s = wireSummary as Wire<OrderBatchReplyOut['summary']>;
  const requested = s.requested;
  const filled = s.filled;
  const failed = s.failed;
  const unknown = s.unknown;
  if (!isInt(requested) || !isInt(filled) || !isInt(failed) || !isInt(unknown)) return undefined;
  const results = fastList(wireResults as readonly unknown[], fastOrderLegResult);
  if (results === undefined) return undefined;
  return { batch_id, idempotent_replay, summary: { requested, filled, failed, unknown }, results };
}

/** `CloseTicketResult`, or `undefined`. Key order follows `CloseTicketResultSchema`. */
export function fastCloseTicketResult(value: unknown): CloseTicketResultOut | undefined {
  if (!isObject(value)) return undefined;
  const r = value as Wire<CloseTicketResultOut>;
  const ticket = r.ticket;
  const symbol = r.symbol;
  const type = r.type;
  const kind = r.kind;
  const volume = r.volume;
  const status = r.status;
  const retcode = r.retcode;
  const retcode_description = r.retcode_description;
  const price = r.price;
  const message = r.message;
  const latency_ms = r.latency_ms;
  if (
    !isInt(ticket) ||
    typeof symbol !== 'string' ||
    typeof type !== 'string' ||
    typeof kind !== 'string' ||
    !isNum(volume) ||
    typeof status !== 'string' ||
    !isInt(retcode) ||
    typeof retcode_description !== 'string' ||
    !isNum(price) ||
    typeof message !== 'string' ||
    !isInt(latency_ms)
  ) {
    return undefined;
  }
  return { ticket, symbol, type, kind, volume, status, retcode, retcode_description, price, message, latency_ms };
}

/** `CloseLegResult`, or `undefined`. Key order follows `CloseLegResultSchema`. */
export function fastCloseLegResult(value: unknown): CloseLegResultOut | undefined {
  if (!isObject(value)) return undefined;
  const r = value as Wire<CloseLegResultOut>;
  const account_id = r.account_id;
  const platform = r.platform;
  const status = r.status;
  const matched = r.matched;
  const closed = r.closed;
  const message = r.message;
  const latency_ms = r.latency_ms;
  const wireTickets = r.results;
  if (
    typeof account_id !== 'string' ||
    typeof platform !== 'string' ||
    typeof status !== 'string' ||
    !isInt(matched) ||
    !isInt(closed) ||
    typeof message !== 'string' ||
    !isInt(latency_ms) ||
    !Array.isArray(wireTickets)
  ) {
    return undefined;
  }
  const results = fastList(wireTickets as readonly unknown[], fastCloseTicketResult);
  if (results === undefined) return undefined;
  return { account_id, platform, status, matched, closed, message, latency_ms, results };
}

/** `POST /v1/orders/close` reply, or `undefined`. */
export function fastCloseBatchReply(value: unknown): CloseBatchReplyOut | undefined {
  if (!isObject(value)) return undefined;
  const r = value as Wire<CloseBatchReplyOut>;
  const batch_id = r.batch_id;
  const idempotent_replay = r.idempotent_replay;
  const wireSummary = r.summary;
  const wireResults = r.results;
  if (typeof batch_id !== 'string' || typeof idempotent_replay !== 'boolean' || !isObject(wireSummary) || !Array.isArray(wireResults)) return undefined;
  const s = wireSummary as Wire<CloseBatchReplyOut['summary']>;
  const accounts = s.accounts;
  const matched = s.matched;
  const closed = s.closed;
  const failed = s.failed;
  const unknown = s.unknown;
  const accounts_unknown = s.accounts_unknown;
  if (!isInt(accounts) || !isInt(matched) || !isInt(closed) || !isInt(failed) || !isInt(unknown) || !isInt(accounts_unknown)) return undefined;
  const results = fastList(wireResults as readonly unknown[], fastCloseLegResult);
  if (results === undefined) return undefined;
  return { batch_id, idempotent_replay, summary: { accounts, matched, closed, failed, unknown, accounts_unknown }, results };
}

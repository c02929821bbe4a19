/**
 * Management API v1 wire shapes (fxsocket-api.md §2): snake_case, real UTC timestamps. Parsed types are checked
 * against the engine's port types with `satisfies`, so a drift between wire and port fails to compile.
 */
import { z } from 'zod';

import type {
  AccountRecord,
  CloseBatchReply,
  CloseLegResult,
  CloseTicketResult,
  OrderBatchReply,
  OrderLegResult,
} from '../../engine/ports.js';
import { bool, int, list, num, objectOrEmpty, openEnum, str } from './primitives.js';

/** `Account` (§2.2). `rest_url`/`ws_url` are "" until the account has a reachable terminal. */
export const AccountSchema = z.object({
  id: str,
  nickname: str,
  platform: openEnum<'mt4' | 'mt5'>(),
  server: str,
  login: int,
  status: openEnum<'connected' | 'connecting' | 'disconnected' | 'error'>(),
  error: str,
  rest_url: str,
  ws_url: str,
  proxy_address: str,
  proxy_type: str,
  // The one genuinely nullable integer of the contract: null = no local proxy port.
  proxy_local_port: z
    .number()
    .int()
    .nullish()
    .transform((value) => value ?? null),
  trade_ea_symbol: str,
  created_at: str,
}) satisfies z.ZodType<AccountRecord>;

/** `GET /v1/accounts`: a bare array. */
export const AccountListSchema = z.array(AccountSchema);

/** One positional result of `POST /v1/orders` (§2.4). */
export const OrderLegResultSchema = z.object({
  account_id: str,
  platform: str,
  symbol: str,
  operation: str,
  volume: num,
  status: openEnum<'filled' | 'rejected' | 'invalid' | 'unavailable' | 'unreachable' | 'timeout'>(),
  order: int,
  deal: int,
  price: num,
  bid: num,
  ask: num,
  retcode: int,
  retcode_description: str,
  message: str,
  latency_ms: int,
}) satisfies z.ZodType<OrderLegResult>;

const OrderSummarySchema = z.object({ requested: int, filled: int, failed: int, unknown: int });

/**
 * `POST /v1/orders` reply (§2.4). `results[i]` answers `orders[i]`, so a reply without a `results` array is unreadable
 * rather than "no legs": defaulting it to [] would hide which legs executed.
 */
export const OrderBatchReplySchema = z.object({
  batch_id: str,
  idempotent_replay: bool,
  summary: objectOrEmpty(OrderSummarySchema),
  results: z.array(OrderLegResultSchema),
}) satisfies z.ZodType<OrderBatchReply>;

/** One ticket of a close leg (§2.5). */
export const CloseTicketResultSchema = z.object({
  ticket: int,
  symbol: str,
  type: str,
  kind: openEnum<'position' | 'pending'>(),
  volume: num,
  status: openEnum<'closed' | 'rejected' | 'invalid' | 'unavailable' | 'unreachable' | 'skipped' | 'timeout'>(),
  retcode: int,
  retcode_description: str,
  price: num,
  message: str,
  latency_ms: int,
}) satisfies z.ZodType<CloseTicketResult>;

/** One account of `POST /v1/orders/close` (§2.5). */
export const CloseLegResultSchema = z.object({
  account_id: str,
  platform: str,
  status: openEnum<
    'closed' | 'partial' | 'failed' | 'nothing_matched' | 'unavailable' | 'unreachable' | 'invalid' | 'timeout'
  >(),
  matched: int,
  closed: int,
  message: str,
  latency_ms: int,
  results: list(CloseTicketResultSchema),
}) satisfies z.ZodType<CloseLegResult>;

const CloseSummarySchema = z.object({
  accounts: int,
  matched: int,
  closed: int,
  failed: int,
  unknown: int,
  accounts_unknown: int,
});

/** `POST /v1/orders/close` reply (§2.5). Positional like the order reply, so `results` is required. */
export const CloseBatchReplySchema = z.object({
  batch_id: str,
  idempotent_replay: bool,
  summary: objectOrEmpty(CloseSummarySchema),
  results: z.array(CloseLegResultSchema),
}) satisfies z.ZodType<CloseBatchReply>;

/**
 * Management error envelope (§2.1): `{"error": code, "detail": text, ...extra}`. Extra fields (`cap`, `current`,
 * `shortfall_eur_cents`, `used`, …) are kept for the error's context.
 */
export const ManagementErrorEnvelopeSchema = z.looseObject({
  error: str,
  detail: str,
  message: str,
});

/** Parsed management account. */
export type Account = z.output<typeof AccountSchema>;
/** Management error envelope as parsed. */
export type ManagementErrorEnvelope = z.output<typeof ManagementErrorEnvelopeSchema>;

/**
 * Terminal WebSocket server frames (fxsocket-api.md §4.4). Every frame is one JSON object with a string `type`.
 * Data-bearing frames must carry their `data` of the right JSON type: a `positions` frame without a list must never
 * read as "no positions" (a copier would close its copies), so a missing payload is malformed, not defaulted. Inside
 * the payload the usual tolerant defaults apply.
 */
import { z } from 'zod';

import type { TradeDeal } from '../../domain/trading.js';
import type { StreamEvent } from '../../engine/ports.js';
import { bool, int, num, openEnum, str } from './primitives.js';
import { AccountSummarySchema, OpenedOrderSchema, QuoteSchema } from './terminal.js';

/** A `trade` frame's payload (§4.5). On `degraded` frames `entry` is "Unknown" and P&L/magic/comment are zeroed. */
export const TradeEventSchema = z.object({
  deal: int,
  order: int,
  position: int,
  symbol: str,
  type: openEnum<'Buy' | 'Sell' | 'BuyLimit' | 'SellLimit' | 'BuyStop' | 'SellStop' | 'BuyStopLimit' | 'SellStopLimit'>(),
  entry: openEnum<'In' | 'Out' | 'InOut' | 'Unknown'>(),
  volume: num,
  price: num,
  profit: num,
  commission: num,
  swap: num,
  magic: int,
  comment: str,
  time: str,
  degraded: bool,
}) satisfies z.ZodType<TradeDeal>;

/** `terminal` frame payload: ~1 Hz; a copier pauses when `connected` or `tradeAllowed` is false (§4.6). */
export const TerminalStatusSchema = z.object({
  connected: bool,
  tradeAllowed: bool,
  serverTime: str,
}) satisfies z.ZodType<Extract<StreamEvent, { type: 'terminal' }>['data']>;

/** `{"type":"tick","symbol","data": Quote}` (topic `prices`). */
export const TickFrameSchema = z.object({ type: z.literal('tick'), symbol: str, data: QuoteSchema });
/** `{"type":"account","data": AccountSummary}`. */
export const AccountFrameSchema = z.object({ type: z.literal('account'), data: AccountSummarySchema });
/** `{"type":"positions","data": OpenedOrder[]}`: always the complete list (§4.3). */
export const PositionsFrameSchema = z.object({ type: z.literal('positions'), data: z.array(OpenedOrderSchema) });
/** `{"type":"trade","data": TradeEvent}` (topic `trades`), one per deal. */
export const TradeFrameSchema = z.object({ type: z.literal('trade'), data: TradeEventSchema });
/** `{"type":"terminal","data": {connected, tradeAllowed, serverTime}}`. */
export const TerminalFrameSchema = z.object({ type: z.literal('terminal'), data: TerminalStatusSchema });
/** `{"type":"warning","dropped": N}`: the server dropped N messages (slow reader, §4.6). */
export const WarningFrameSchema = z.object({ type: z.literal('warning'), dropped: int });
/** `{"type":"error","topic","message"}`: a refused subscription, delivered as data. */
export const ErrorFrameSchema = z.object({ type: z.literal('error'), topic: str, message: str });
/** `subscribed` / `unsubscribed` acks; `message` text is undocumented (§8). */
export const AckFrameSchema = z.looseObject({
  type: z.enum(['subscribed', 'unsubscribed']),
  topic: str,
  message: str,
});
/** Answer to `{"action":"list"}`. */
export const SubscriptionsFrameSchema = z.looseObject({
  type: z.literal('subscriptions'),
  data: z.array(z.looseObject({ topic: str })),
});

/** The frame types the stream decodes into typed events; any other `type` passes through as `other`. */
export const KNOWN_FRAME_TYPES = [
  'tick',
  'account',
  'positions',
  'trade',
  'terminal',
  'warning',
  'error',
  'subscribed',
  'unsubscribed',
  'subscriptions',
] as const;

/** Parsed `trade` payload. */
export type TradeEvent = z.output<typeof TradeEventSchema>;
/** Parsed `terminal` payload. */
export type TerminalStatus = z.output<typeof TerminalStatusSchema>;

/**
 * One server frame (text) → one typed {@link StreamEvent} (fxsocket-api.md §4.4). Pure and total: anything that is not
 * a JSON object with a string `type`, or fails its schema, becomes a `malformed` event; unknown types and acks pass
 * through as `other` (the SDKs never drop them). Each frame is JSON-parsed once and validated once.
 *
 * The hot data frames (`positions`, `account`, `trade`, `tick`, `terminal`) first try the hand-written fast path of
 * `fast-frames.ts`, which accepts only payloads whose every field is present with the right JSON type; anything else
 * (defaults to apply, errors to report) is decided by the zod schema exactly as before, on the same parsed object.
 * Neither path copies or re-parses the frame: the event's payload objects are built once from the parsed JSON.
 */
import type { z } from 'zod';

import type { StreamEvent } from '../engine/ports.js';
import { describeIssues } from './decode.js';
import { ProtocolError } from './errors.js';
import { fastAccountEvent, fastPositionsEvent, fastTerminalEvent, fastTickEvent, fastTradeFrameEvent } from './fast-frames.js';
import {
  AccountFrameSchema,
  AckFrameSchema,
  ErrorFrameSchema,
  PositionsFrameSchema,
  SubscriptionsFrameSchema,
  TerminalFrameSchema,
  TickFrameSchema,
  TradeFrameSchema,
  WarningFrameSchema,
} from './schemas/index.js';

/** How much of a bad frame a `malformed` event keeps, so a flood of huge bad frames cannot pin memory. */
export const MALFORMED_RAW_MAX = 512;

function malformed(raw: string, message: string, cause?: unknown, issues?: readonly z.core.$ZodIssue[]): StreamEvent {
  const context = { frameBytes: raw.length };
  return {
    type: 'malformed',
    error: new ProtocolError(`malformed frame: ${message}`, { cause, context, issues }),
    raw: raw.length > MALFORMED_RAW_MAX ? `${raw.slice(0, MALFORMED_RAW_MAX)}…` : raw,
  };
}

/** Validates `frame` with `schema` and builds the event; a schema failure becomes `malformed`. */
function decodeWith<S extends z.ZodType>(
  schema: S,
  build: (frame: z.output<S>) => StreamEvent,
  frame: Record<string, unknown>,
  raw: string,
): StreamEvent {
  const result = schema.safeParse(frame);
  if (result.success) return build(result.data);
  return malformed(raw, describeIssues(result.error.issues), result.error, result.error.issues);
}

// Builders live at module level so decoding a frame allocates no closures.
function buildTick(frame: z.output<typeof TickFrameSchema>): StreamEvent {
  // `data.symbol` may be absent; the outer symbol is authoritative (§4.4).
  const symbol = frame.symbol !== '' ? frame.symbol : frame.data.symbol;
  if (frame.data.symbol === '') frame.data.symbol = symbol;
  return { type: 'tick', symbol, data: frame.data };
}
function buildAccount(frame: z.output<typeof AccountFrameSchema>): StreamEvent {
  return { type: 'account', data: frame.data };
}
function buildPositions(frame: z.output<typeof PositionsFrameSchema>): StreamEvent {
  return { type: 'positions', data: frame.data };
}
function buildTrade(frame: z.output<typeof TradeFrameSchema>): StreamEvent {
  return { type: 'trade', data: frame.data };
}
function buildTerminal(frame: z.output<typeof TerminalFrameSchema>): StreamEvent {
  return { type: 'terminal', data: frame.data };
}
function buildWarning(frame: z.output<typeof WarningFrameSchema>): StreamEvent {
  return { type: 'warning', dropped: frame.dropped };
}
function buildStreamError(frame: z.output<typeof ErrorFrameSchema>): StreamEvent {
  // Server `error` frames are data (e.g. a bad timeframe), never a transport failure (§4.4, §5).
  return { type: 'stream_error', topic: frame.topic, message: frame.message };
}
function buildOther(frame: Record<string, unknown>): StreamEvent {
  return { type: 'other', frame };
}

/** Decodes one text frame. Never throws. */
export function decodeFrame(raw: string): StreamEvent {
  return decode(raw, true);
}

/**
 * {@link decodeFrame} without the fast path: every frame goes through its zod schema. The reference the fast path is
 * tested and measured against; not for production use.
 * @internal
 */
export function decodeFrameWithSchemas(raw: string): StreamEvent {
  return decode(raw, false);
}

function decode(raw: string, fast: boolean): StreamEvent {
  let frame: unknown;
  try {
    frame = JSON.parse(raw) as unknown;
  } catch (error) {
    return malformed(raw, 'not JSON', error);
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return malformed(raw, `not a JSON object (${Array.isArray(frame) ? 'array' : frame === null ? 'null' : typeof frame})`);
  }
  const record = frame as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string') return malformed(raw, 'no string `type`');

  switch (type) {
    case 'tick':
      return (fast ? fastTickEvent(record) : undefined) ?? decodeWith(TickFrameSchema, buildTick, record, raw);
    case 'account':
      return (fast ? fastAccountEvent(record) : undefined) ?? decodeWith(AccountFrameSchema, buildAccount, record, raw);
    case 'positions':
      return (fast ? fastPositionsEvent(record) : undefined) ?? decodeWith(PositionsFrameSchema, buildPositions, record, raw);
    case 'trade':
      return (fast ? fastTradeFrameEvent(record) : undefined) ?? decodeWith(TradeFrameSchema, buildTrade, record, raw);
    case 'terminal':
      return (fast ? fastTerminalEvent(record) : undefined) ?? decodeWith(TerminalFrameSchema, buildTerminal, record, raw);
    case 'warning':
      return decodeWith(WarningFrameSchema, buildWarning, record, raw);
    case 'error':
      return decodeWith(ErrorFrameSchema, buildStreamError, record, raw);
    case 'subscribed':
    case 'unsubscribed':
      return decodeWith(AckFrameSchema, buildOther, record, raw);
    case 'subscriptions':
      return decodeWith(SubscriptionsFrameSchema, buildOther, record, raw);
    default:
      return buildOther(record);
  }
}

/**
 * Hand-written fast path for the hot stream frames (`positions`, `account`, `trade`, `tick`, `terminal`).
 *
 * A `positions` frame is a follower's complete list of open orders (fxsocket-api.md §4.3) and arrives on every copied
 * leg, so the copier decodes it far more often than anything else. Each function here accepts a frame only when every
 * payload field is present with exactly the JSON type its schema wants, and then builds the typed object straight from
 * property reads and `typeof` checks. Anything else — a missing or `null` field (tolerant default), a wrong JSON type,
 * a non-finite number, a non-integer or unsafe integer where an integer belongs, a non-object row — returns
 * `undefined`, and the caller runs the zod schema on the whole frame, which owns every default and every typed error.
 * The fast path therefore never decides anything the schema would decide differently: it only recognises the case
 * where the schema's answer is "every field as is".
 *
 * Equivalence with the schemas (same values, same keys in the same order, no extra keys) is checked by a property test
 * over generated frames (test/unit/fxsocket/fast-frames.test.ts). The result types are the schemas' output types, so
 * a field added to a schema fails to compile here until the fast path reads it too.
 */
import type { StreamEvent } from '../engine/ports.js';
import type { TradeEvent, TerminalStatus } from './schemas/stream.js';
import type { TerminalAccountSummary, TerminalOpenedOrder, TerminalQuote } from './schemas/terminal.js';
import { fastList, isInt, isNum, isObject } from './wire-checks.js';
import type { Wire } from './wire-checks.js';


/**
 * True when `value` (a parsed JSON object) has exactly `keys`, in that order, and nothing else. Such an object is
 * already what the fast path would build from it (same keys, same order, same values once each field's type passed),
 * so it is handed over as it is instead of being copied: a positions frame is the follower's whole list, on every leg.
 */
function hasExactKeys(value: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in value) {
    if (key !== keys[i]) return false;
    i += 1;
  }
  return i === keys.length;
}

const OPENED_ORDER_KEYS = ['ticket', 'symbol', 'type', 'kind', 'lots', 'openPrice', 'currentPrice', 'stopLoss', 'takeProfit', 'swap', 'profit', 'magic', 'comment', 'openTime'] as const satisfies readonly (keyof TerminalOpenedOrder)[];
const ACCOUNT_SUMMARY_KEYS = ['balance', 'credit', 'profit', 'equity', 'margin', 'freeMargin', 'marginLevel', 'leverage', 'currency', 'type'] as const satisfies readonly (keyof TerminalAccountSummary)[];

/** One `OpenedOrder` row, or `undefined` when the schema must decide. Key order follows `OpenedOrderSchema`. */
export function fastOpenedOrder(value: unknown): TerminalOpenedOrder | undefined {
  if (!isObject(value)) return undefined;
  const row = value as Wire<TerminalOpenedOrder>;
  const ticket = row.ticket;
  const symbol = row.symbol;
  const type = row.type;
  const kind = row.kind;
  const lots = row.lots;
  const openPrice = row.openPrice;
  const currentPrice = row.currentPrice;
  const stopLoss = row.stopLoss;
  const takeProfit = row.takeProfit;
  const swap = row.swap;
  const profit = row.profit;
  const magic = row.magic;
  const comment = row.comment;
  const openTime = row.openTime;
  if (
    !isInt(ticket) ||
    typeof symbol !== 'string' ||
    typeof type !== 'string' ||
    typeof kind !== 'string' ||
    !isNum(lots) ||
    !isNum(openPrice) ||
    !isNum(currentPrice) ||
    !isNum(stopLoss) ||
    !isNum(takeProfit) ||
    !isNum(swap) ||
    !isNum(profit) ||
    !isInt(magic) ||
    typeof comment !== 'string' ||
    typeof openTime !== 'string'
  ) {
    return undefined;
  }
  if (hasExactKeys(value, OPENED_ORDER_KEYS)) return value as TerminalOpenedOrder;
  return {
    ticket,
    symbol,
    type,
    kind,
    lots,
    openPrice,
    currentPrice,
    stopLoss,
    takeProfit,
    swap,
    profit,
    magic,
    comment,
    openTime,
  };
}

/** `AccountSummary`, or `undefined`. Key order follows `AccountSummarySchema`. */
export function fastAccountSummary(value: unknown): TerminalAccountSummary | undefined {
  if (!isObject(value)) return undefined;
  const data = value as Wire<TerminalAccountSummary>;
  const balance = data.balance;
  const credit = data.credit;
  const profit = data.profit;
  const equity = data.equity;
  const margin = data.margin;
  const freeMargin = data.freeMargin;
  const marginLevel = data.marginLevel;
  const leverage = data.leverage;
  const currency = data.currency;
  const type = data.type;
  if (
    !isNum(balance) ||
    !isNum(credit) ||
    !isNum(profit) ||
    !isNum(equity) ||
    !isNum(margin) ||
    !isNum(freeMargin) ||
    !isNum(marginLevel) ||
    !isInt(leverage) ||
    typeof currency !== 'string' ||
    typeof type !== 'string'
  ) {
    return undefined;
  }
  if (hasExactKeys(value, ACCOUNT_SUMMARY_KEYS)) return value as TerminalAccountSummary;
  return { balance, credit, profit, equity, margin, freeMargin, marginLevel, leverage, currency, type };
}

/** A `trade` payload, or `undefined`. Key order follows `TradeEventSchema`. */
export function fastTradeEvent(value: unknown): TradeEvent | undefined {
  if (!isObject(value)) return undefined;
  const data = value as Wire<TradeEvent>;
  const deal = data.deal;
  const order = data.order;
  const position = data.position;
  const symbol = data.symbol;
  const type = data.type;
  const entry = data.entry;
  const volume = data.volume;
  const price = data.price;
  const profit = data.profit;
  const commission = data.commission;
  const swap = data.swap;
  const magic = data.magic;
  const comment = data.comment;
  const time = data.time;
  const degraded = data.degraded;
  if (
    !isInt(deal) ||
    !isInt(order) ||
    !isInt(position) ||
    typeof symbol !== 'string' ||
    typeof type !== 'string' ||
    typeof entry !== 'string' ||
    !isNum(volume) ||
    !isNum(price) ||
    !isNum(profit) ||
    !isNum(commission) ||
    !isNum(swap) ||
    !isInt(magic) ||
    typeof comment !== 'string' ||
    typeof time !== 'string' ||
    typeof degraded !== 'boolean'
  ) {
    return undefined;
  }
  return { deal, order, position, symbol, type, entry, volume, price, profit, commission, swap, magic, comment, time, degraded };
}

/** A `terminal` payload, or `undefined`. Key order follows `TerminalStatusSchema`. */
export function fastTerminalStatus(value: unknown): TerminalStatus | undefined {
  if (!isObject(value)) return undefined;
  const data = value as Wire<TerminalStatus>;
  const connected = data.connected;
  const tradeAllowed = data.tradeAllowed;
  const serverTime = data.serverTime;
  if (typeof connected !== 'boolean' || typeof tradeAllowed !== 'boolean' || typeof serverTime !== 'string') {
    return undefined;
  }
  return { connected, tradeAllowed, serverTime };
}

/** A `Quote`, or `undefined`. Key order follows `QuoteSchema`. */
function fastQuote(value: unknown): TerminalQuote | undefined {
  if (!isObject(value)) return undefined;
  const data = value as Wire<TerminalQuote>;
  const symbol = data.symbol;
  const bid = data.bid;
  const ask = data.ask;
  const time = data.time;
  const last = data.last;
  const volume = data.volume;
  if (
    typeof symbol !== 'string' ||
    !isNum(bid) ||
    !isNum(ask) ||
    typeof time !== 'string' ||
    !isNum(last) ||
    !isInt(volume)
  ) {
    return undefined;
  }
  return { symbol, bid, ask, time, last, volume };
}

type EventOf<T extends StreamEvent['type']> = Extract<StreamEvent, { type: T }>;

/** `{"type":"positions","data":[…]}`: every row must pass, else the whole frame goes to the schema. */
export function fastPositionsEvent(frame: Record<string, unknown>): EventOf<'positions'> | undefined {
  const rows: unknown = frame['data'];
  if (!Array.isArray(rows)) return undefined;
  const data = fastList(rows as readonly unknown[], fastOpenedOrder);
  return data === undefined ? undefined : { type: 'positions', data };
}

/** `{"type":"account","data":{…}}`. */
export function fastAccountEvent(frame: Record<string, unknown>): EventOf<'account'> | undefined {
  const data = fastAccountSummary(frame['data']);
  return data === undefined ? undefined : { type: 'account', data };
}

/** `{"type":"trade","data":{…}}`. */
export function fastTradeFrameEvent(frame: Record<string, unknown>): EventOf<'trade'> | undefined {
  const data = fastTradeEvent(frame['data']);
  return data === undefined ? undefined : { type: 'trade', data };
}

/** `{"type":"terminal","data":{…}}`. */
export function fastTerminalEvent(frame: Record<string, unknown>): EventOf<'terminal'> | undefined {
  const data = fastTerminalStatus(frame['data']);
  return data === undefined ? undefined : { type: 'terminal', data };
}

/**
 * `{"type":"tick","symbol","data":{…}}`. The outer symbol is authoritative and fills an empty `data.symbol`, exactly
 * as the schema path's builder does (§4.4).
 */
export function fastTickEvent(frame: Record<string, unknown>): EventOf<'tick'> | undefined {
  const outer = frame['symbol'];
  if (typeof outer !== 'string') return undefined;
  const data = fastQuote(frame['data']);
  if (data === undefined) return undefined;
  const symbol = outer !== '' ? outer : data.symbol;
  if (data.symbol === '') data.symbol = symbol;
  return { type: 'tick', symbol, data };
}

/**
 * Terminal REST wire shapes (fxsocket-api.md §3): camelCase, times as broker-server-time strings with a cosmetic `Z`
 * (kept as strings, never parsed here). Parsed types are checked against the domain/port types with `satisfies`.
 */
import { z } from 'zod';

import type {
  AccountSummary,
  HistoryDeal,
  OpenedOrder,
  OrderResult,
  PositionTrade,
  SymbolSpec,
  TradingSession,
} from '../../domain/trading.js';
import type { AccountInfo, MarginCalc, Quote } from '../../engine/ports.js';
import { bool, int, intOr, list, num, objectOrEmpty, openEnum, str } from './primitives.js';

type OperationName = 'Buy' | 'Sell' | 'BuyLimit' | 'SellLimit' | 'BuyStop' | 'SellStop' | 'BuyStopLimit' | 'SellStopLimit';

/** `AccountSummary` (§3.2): live money state; also the `account` frame's payload. */
export const AccountSummarySchema = z.object({
  balance: num,
  credit: num,
  profit: num,
  equity: num,
  margin: num,
  freeMargin: num,
  marginLevel: num,
  leverage: int,
  currency: str,
  type: str,
}) satisfies z.ZodType<AccountSummary>;

/** `AccountInfo` (§3.2). `marginMode` decides netting vs. hedging semantics; MT4 is always "Hedging". */
export const AccountInfoSchema = z.object({
  name: str,
  login: int,
  server: str,
  company: str,
  currency: str,
  // Absent on an older bridge: 2, the digits of nearly every account currency (0 would misread cents as units).
  currencyDigits: intOr(2),
  leverage: int,
  type: str,
  marginMode: openEnum<'Netting' | 'Hedging' | 'Exchange'>(),
  marginSoMode: str,
  marginCallLevel: num,
  stopOutLevel: num,
  tradeAllowed: bool,
  tradeExpert: bool,
  limitOrders: int,
  fifoClose: bool,
}) satisfies z.ZodType<AccountInfo>;

/** A row of `/OpenedOrders` or of a `positions` frame (§3.2). */
export const OpenedOrderSchema = z.object({
  ticket: int,
  symbol: str,
  type: openEnum<OperationName>(),
  kind: openEnum<'Position' | 'Pending'>(),
  lots: num,
  openPrice: num,
  currentPrice: num,
  stopLoss: num,
  takeProfit: num,
  swap: num,
  profit: num,
  magic: int,
  comment: str,
  openTime: str,
}) satisfies z.ZodType<OpenedOrder>;

/**
 * `/OpenedOrders` reply. Required to be an array: an absent list must never read as "no positions", which a copier
 * would act on by closing its copies.
 */
export const OpenedOrderListSchema = z.array(OpenedOrderSchema);

/** A row of `/OrderHistory` (§3.2): one per deal on MT5, one per closed order on MT4. */
export const HistoryTradeSchema = z.object({
  ticket: int,
  order: int,
  position: int,
  symbol: str,
  type: openEnum<OperationName>(),
  entry: openEnum<'In' | 'Out' | 'InOut'>(),
  volume: num,
  price: num,
  commission: num,
  swap: num,
  profit: num,
  magic: int,
  comment: str,
  time: str,
}) satisfies z.ZodType<HistoryDeal>;

/** `/OrderHistory` reply: a list. */
export const HistoryTradeListSchema = z.array(HistoryTradeSchema);

/**
 * A row of `/PositionHistory` (§3.2): one closed position (MT5), or one closed order or part of one (MT4). Tolerant
 * like every terminal shape: a missing `swap` (older bridges) or `netProfit` reads as 0, unknown fields are dropped.
 */
export const PositionTradeSchema = z.object({
  positionId: int,
  symbol: str,
  type: openEnum<OperationName>(),
  volume: num,
  openTime: str,
  openPrice: num,
  closeTime: str,
  closePrice: num,
  profit: num,
  swap: num,
  commission: num,
  netProfit: num,
  magic: int,
  comment: str,
}) satisfies z.ZodType<PositionTrade>;

/** `/PositionHistory` reply: a list. */
export const PositionTradeListSchema = z.array(PositionTradeSchema);

/** `/ServerTimezone` (§3.1). UTC = server time − `utcOffsetSeconds`. */
export const ServerTimezoneSchema = z.object({ serverTime: str, utcOffsetSeconds: int });

/** `/symbols`: every tradable symbol in broker spelling. */
export const SymbolListSchema = z.array(z.string());

/** `/getQuote` (§3.3); also the `tick` frame's payload. `last`/`volume` are ~0 on forex and 0 on MT4. */
export const QuoteSchema = z.object({
  symbol: str,
  bid: num,
  ask: num,
  time: str,
  last: num,
  volume: int,
}) satisfies z.ZodType<Quote>;

/** `SymbolInfo.sessions` row (§3.3): broker server time; `to: "24:00"` = end of day. */
export const TradingSessionSchema = z.object({
  day: openEnum<'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY'>(),
  from: str,
  to: str,
}) satisfies z.ZodType<TradingSession>;

/** One commission tier (§3.3); `rangeTo: 0` = unbounded, `minValue`/`maxValue: 0` = no cap. */
export const CommissionTierSchema = z.object({
  mode: str,
  volumeType: str,
  value: num,
  minValue: num,
  maxValue: num,
  rangeFrom: num,
  rangeTo: num,
  currency: str,
});

/** A commission rule (§3.3); modes are raw MQL5 constant names. */
export const CommissionRuleSchema = z.object({
  currency: str,
  rangeMode: str,
  chargeMode: str,
  entryMode: str,
  directionMode: str,
  profitMode: str,
  tiers: list(CommissionTierSchema),
});

/** `/SymbolInfo` (§3.3). `sessions` and `commissions` are [] on older bridges. */
export const SymbolInfoSchema = z.object({
  symbol: str,
  description: str,
  digits: int,
  point: num,
  tickSize: num,
  tickValue: num,
  contractSize: num,
  volumeMin: num,
  volumeMax: num,
  volumeStep: num,
  stopsLevel: int,
  freezeLevel: int,
  spread: int,
  tradeMode: str,
  swapLong: num,
  swapShort: num,
  bid: num,
  ask: num,
  currencyBase: str,
  currencyProfit: str,
  currencyMargin: str,
  commissions: list(CommissionRuleSchema),
  sessions: list(TradingSessionSchema),
}) satisfies z.ZodType<SymbolSpec>;

/** `/OrderCalcMargin` (§3.3). */
export const MarginCalcSchema = z.object({
  symbol: str,
  operation: str,
  volume: num,
  price: num,
  margin: num,
  currency: str,
}) satisfies z.ZodType<MarginCalc>;

/** `OrderResult` (§3.6): a 200 only means the terminal answered; the broker's verdict is in here. */
export const OrderResultSchema = z.object({
  success: bool,
  outcome: openEnum<'applied' | 'no_change' | 'partial' | 'rejected' | ''>(),
  retcode: int,
  retcodeDescription: str,
  deal: int,
  order: int,
  volume: num,
  price: num,
  bid: num,
  ask: num,
  comment: str,
}) satisfies z.ZodType<OrderResult>;

/** `/CloseAll` reply (§3.5). */
export const CloseAllSummarySchema = z.object({
  requested: int,
  closed: int,
  failed: int,
  results: list(
    z.object({
      ticket: int,
      kind: openEnum<'position' | 'pending'>(),
      success: bool,
      retcode: int,
      retcodeDescription: str,
    }),
  ),
});

const HealthStatus = openEnum<'ready' | 'starting' | 'degraded' | 'down'>();

/** `/status` (§3.7): always HTTP 200. */
export const HealthSchema = z.object({
  status: HealthStatus,
  terminal: objectOrEmpty(z.object({ alive: bool, build: int, pingMs: int })),
  broker: objectOrEmpty(z.object({ connected: bool, server: str })),
  account: objectOrEmpty(
    z.object({ loggedIn: bool, login: int, currency: str, type: str, tradeAllowed: bool }),
  ),
  bridge: objectOrEmpty(
    z.object({
      version: str,
      tradeEaReady: bool,
      // -1 = never registered, which is also what a pre-0.10 bridge means by omitting it (§3.7).
      tradeEaHeartbeatAgeMs: intOr(-1),
      symbolsSynced: bool,
    }),
  ),
  serverTime: str,
});

/** `/healthz`, `/livez` (§3.7): answered with 503 *and* this body when not ready/alive. */
export const HealthChecksSchema = z.object({ status: HealthStatus, terminal: bool, broker: bool, account: bool });

/** Terminal error envelope (§3.8): `{"error": CODE, "message": text, "command_id": int}`. */
export const TerminalErrorEnvelopeSchema = z.looseObject({
  error: str,
  message: str,
  command_id: int,
});

/** Parsed `/AccountSummary`. */
export type TerminalAccountSummary = z.output<typeof AccountSummarySchema>;
/** Parsed `/AccountInfo`. */
export type TerminalAccountInfo = z.output<typeof AccountInfoSchema>;
/** Parsed `/OpenedOrders` row. */
export type TerminalOpenedOrder = z.output<typeof OpenedOrderSchema>;
/** Parsed `/OrderHistory` row. */
export type TerminalHistoryTrade = z.output<typeof HistoryTradeSchema>;
/** Parsed `/PositionHistory` row. */
export type TerminalPositionTrade = z.output<typeof PositionTradeSchema>;
/** Parsed `/ServerTimezone`. */
export type ServerTimezone = z.output<typeof ServerTimezoneSchema>;
/** Parsed `/getQuote`. */
export type TerminalQuote = z.output<typeof QuoteSchema>;
/** Parsed `/SymbolInfo` (a superset of the domain's `SymbolSpec`). */
export type SymbolInfo = z.output<typeof SymbolInfoSchema>;
/** Parsed commission rule. */
export type CommissionRule = z.output<typeof CommissionRuleSchema>;
/** Parsed `/OrderCalcMargin`. */
export type TerminalMarginCalc = z.output<typeof MarginCalcSchema>;
/** Parsed `OrderResult`. */
export type TerminalOrderResult = z.output<typeof OrderResultSchema>;
/** Parsed `/CloseAll` reply. */
export type CloseAllSummary = z.output<typeof CloseAllSummarySchema>;
/** Parsed `/status`. */
export type Health = z.output<typeof HealthSchema>;
/** Parsed `/healthz` / `/livez`. */
export type HealthChecks = z.output<typeof HealthChecksSchema>;
/** Terminal error envelope as parsed. */
export type TerminalErrorEnvelope = z.output<typeof TerminalErrorEnvelopeSchema>;

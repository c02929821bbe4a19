/**
 * Terminal REST for one account (fxsocket-api.md §3), base = the account's `rest_url` used verbatim. Path casing is
 * exact: `/symbols`, `/getQuote`, `/status` are lower-camel, the rest PascalCase (§3.1). Order routes are never
 * retried here (§5); their ambiguous failures surface as `OrderOutcomeUnknownError`.
 */
import type { z } from 'zod';

import type { OrderCloseRequest, OrderModifyRequest, OrderSendRequest, TerminalPort } from '../engine/ports.js';
import type { CallKind } from './error-mapping.js';
import type { HttpCall, HttpTransport } from './http.js';
import {
  AccountInfoSchema,
  AccountSummarySchema,
  CloseAllSummarySchema,
  HealthSchema,
  HistoryTradeListSchema,
  MarginCalcSchema,
  OpenedOrderListSchema,
  OrderResultSchema,
  PositionTradeListSchema,
  QuoteSchema,
  ServerTimezoneSchema,
  SymbolInfoSchema,
  SymbolListSchema,
  type CloseAllSummary,
  type Health,
  type ServerTimezone,
  type SymbolInfo,
  type TerminalAccountInfo,
  type TerminalAccountSummary,
  type TerminalHistoryTrade,
  type TerminalMarginCalc,
  type TerminalOpenedOrder,
  type TerminalOrderResult,
  type TerminalPositionTrade,
  type TerminalQuote,
} from './schemas/index.js';
import {
  calcMarginQuery,
  closeAllBody,
  orderCloseBody,
  orderModifyBody,
  orderSendBody,
  type CloseAllRequest,
  type ModifyOptions,
} from './terminal-request.js';
import { invalid } from './validation.js';

/** Options of {@link TerminalClient}. */
export interface TerminalClientOptions {
  accountId: string;
  /** The account's `rest_url` (§1), e.g. `https://api.fxsocket.com/mt5/{id}`. */
  restUrl: string;
  /** The shared transport (one pool per origin across all accounts). */
  http: HttpTransport;
  /** Timeout of read calls in ms; default: the transport's (30 000). */
  timeoutMs?: number;
  /** Timeout of order calls in ms; default: `timeoutMs`. */
  orderTimeoutMs?: number;
}

/** Bounds of `/OrderHistory` and `/PositionHistory`, passed through verbatim (their clock is undocumented, §3.1). */
export interface HistoryRange {
  from?: string;
  to?: string;
}

/** Typed client of one account's terminal REST. Implements {@link TerminalPort}. */
export class TerminalClient implements TerminalPort {
  readonly accountId: string;
  readonly restUrl: string;
  readonly #http: HttpTransport;
  readonly #timeoutMs: number | undefined;
  readonly #orderTimeoutMs: number | undefined;

  constructor(options: TerminalClientOptions) {
    this.accountId = options.accountId;
    this.restUrl = options.restUrl;
    this.#http = options.http;
    this.#timeoutMs = options.timeoutMs;
    this.#orderTimeoutMs = options.orderTimeoutMs ?? options.timeoutMs;
  }

  #call<S extends z.ZodType>(
    schema: S,
    kind: CallKind,
    method: 'GET' | 'POST',
    path: string,
    extra: Pick<HttpCall, 'query' | 'body'> = {},
  ): Promise<z.output<S>> {
    return this.#http.requestJson(schema, {
      ...extra,
      kind,
      family: 'terminal',
      method,
      path,
      baseUrl: this.restUrl,
      accountId: this.accountId,
      timeoutMs: kind === 'order' ? this.#orderTimeoutMs : this.#timeoutMs,
    });
  }

  /** `GET /AccountSummary`: live balance, equity, free margin. */
  accountSummary(): Promise<TerminalAccountSummary> {
    return this.#call(AccountSummarySchema, 'read', 'GET', '/AccountSummary');
  }

  /** `GET /AccountInfo`: login, server, margin mode, trade permissions. */
  accountInfo(): Promise<TerminalAccountInfo> {
    return this.#call(AccountInfoSchema, 'read', 'GET', '/AccountInfo');
  }

  /** `GET /OpenedOrders`: positions and pending orders. */
  openedOrders(): Promise<TerminalOpenedOrder[]> {
    return this.#call(OpenedOrderListSchema, 'read', 'GET', '/OpenedOrders');
  }

  /** `GET /OrderHistory?from&to`: one row per deal on MT5. */
  orderHistory(range: HistoryRange = {}): Promise<TerminalHistoryTrade[]> {
    return this.#call(HistoryTradeListSchema, 'read', 'GET', '/OrderHistory', {
      query: { from: range.from, to: range.to },
    });
  }

  /** `GET /PositionHistory?from&to`: closed positions (MT5), closed orders and parts of orders (MT4). */
  positionHistory(range: HistoryRange = {}): Promise<TerminalPositionTrade[]> {
    return this.#call(PositionTradeListSchema, 'read', 'GET', '/PositionHistory', {
      query: { from: range.from, to: range.to },
    });
  }

  /** `GET /symbols`: every tradable symbol, broker spelling. */
  symbols(): Promise<string[]> {
    return this.#call(SymbolListSchema, 'read', 'GET', '/symbols');
  }

  /** `GET /SymbolInfo?symbol=`: volume limits, stops/freeze levels, sessions, commissions. */
  symbolInfo(symbol: string): Promise<SymbolInfo> {
    if (typeof symbol !== 'string' || symbol === '') return Promise.reject(invalid('SymbolInfo', 'symbol is required'));
    return this.#call(SymbolInfoSchema, 'read', 'GET', '/SymbolInfo', { query: { symbol } });
  }

  /** `GET /getQuote?symbol=`. */
  quote(symbol: string): Promise<TerminalQuote> {
    if (typeof symbol !== 'string' || symbol === '') return Promise.reject(invalid('getQuote', 'symbol is required'));
    return this.#call(QuoteSchema, 'read', 'GET', '/getQuote', { query: { symbol } });
  }

  /** `GET /OrderCalcMargin?symbol&operation&volume&price`: margin a new order would need. */
  async calcMargin(args: { symbol: string; operation: string; volume: number; price: number }): Promise<TerminalMarginCalc> {
    return this.#call(MarginCalcSchema, 'read', 'GET', '/OrderCalcMargin', { query: calcMarginQuery(args) });
  }

  /** `GET /ServerTimezone`: UTC = server time − `utcOffsetSeconds`. */
  serverTimezone(): Promise<ServerTimezone> {
    return this.#call(ServerTimezoneSchema, 'read', 'GET', '/ServerTimezone');
  }

  /** `GET /status`: terminal, broker, account and bridge health (always HTTP 200). */
  status(): Promise<Health> {
    return this.#call(HealthSchema, 'read', 'GET', '/status');
  }

  /** `POST /OrderSend`. A 200 only means the terminal answered: read `success`/`outcome`/`retcode` (§3.6). */
  async orderSend(request: OrderSendRequest): Promise<TerminalOrderResult> {
    return this.#call(OrderResultSchema, 'order', 'POST', '/OrderSend', { body: orderSendBody(request) });
  }

  /**
   * `POST /OrderModify`: absent = keep, > 0 = set; pass `{ clearStopLoss: true }` / `{ clearTakeProfit: true }` to
   * remove a level. Retcode 10025 (`no_change`) means the requested state is already in effect.
   */
  async orderModify(request: OrderModifyRequest, options: ModifyOptions = {}): Promise<TerminalOrderResult> {
    return this.#call(OrderResultSchema, 'order', 'POST', '/OrderModify', { body: orderModifyBody(request, options) });
  }

  /** `POST /OrderClose`: whole close without `volume`, partial with it; deletes a pending order. */
  async orderClose(request: OrderCloseRequest): Promise<TerminalOrderResult> {
    return this.#call(OrderResultSchema, 'order', 'POST', '/OrderClose', { body: orderCloseBody(request) });
  }

  /** `POST /CloseAll`. On a 504 the pass keeps running in the terminal: re-read `/OpenedOrders`, never re-send. */
  async closeAll(request: CloseAllRequest = {}): Promise<CloseAllSummary> {
    return this.#call(CloseAllSummarySchema, 'order', 'POST', '/CloseAll', { body: closeAllBody(request) });
  }
}

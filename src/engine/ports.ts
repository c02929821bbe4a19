/**
 * The engine's ports (design.md §5.2): the engine receives one deps object built from these interfaces and knows
 * nothing else. `src/fxsocket/` implements the broker ports against the real FxSocket (or the simulator, which speaks
 * the same wire); `src/store/` implements the store port.
 *
 * Management shapes keep the wire's snake_case (fxsocket-api.md §2); terminal shapes are the camelCase domain types.
 */
import type { CopyLink } from '../domain/ledger.js';
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import type {
  AccountSummary,
  HistoryDeal,
  MarginMode,
  OpenedOrder,
  OrderResult,
  PositionTrade,
  SymbolSpec,
  TradeDeal,
} from '../domain/trading.js';

/** `Account` from `GET /v1/accounts` (§2.2), the fields the copier uses. */
export interface AccountRecord {
  id: string;
  nickname: string;
  platform: 'mt4' | 'mt5' | (string & {});
  server: string;
  login: number;
  status: 'connected' | 'connecting' | 'disconnected' | 'error' | (string & {});
  error: string;
  rest_url: string;
  ws_url: string;
}

/** One leg of `POST /v1/orders` (§2.4). Absent keys are not sent. */
export interface OrderLeg {
  account_id: string;
  symbol: string;
  operation: string;
  volume: number;
  price?: number;
  slippage?: number;
  stop_loss?: number;
  take_profit?: number;
  stop_limit_price?: number;
  expiration?: string;
  comment?: string;
  expert_id?: number;
}

export type LegStatus = 'filled' | 'rejected' | 'invalid' | 'unavailable' | 'unreachable' | 'timeout' | (string & {});

/** One positional result of `POST /v1/orders`. */
export interface OrderLegResult {
  account_id: string;
  platform: string;
  symbol: string;
  operation: string;
  volume: number;
  status: LegStatus;
  order: number;
  deal: number;
  price: number;
  bid: number;
  ask: number;
  retcode: number;
  retcode_description: string;
  message: string;
  latency_ms: number;
}

export interface OrderBatchReply {
  batch_id: string;
  idempotent_replay: boolean;
  summary: { requested: number; filled: number; failed: number; unknown: number };
  results: OrderLegResult[];
}

/** One leg of `POST /v1/orders/close` (§2.5): either `tickets` or a selector. */
export interface CloseLeg {
  account_id: string;
  tickets?: number[];
  symbol?: string;
  symbol_match?: 'exact' | 'base';
  side?: 'long' | 'short' | 'any';
  kind?: 'position' | 'pending' | 'any';
  magic?: number;
  volume?: number;
  slippage?: number;
}

export type CloseLegStatus =
  | 'closed'
  | 'partial'
  | 'failed'
  | 'nothing_matched'
  | 'unavailable'
  | 'unreachable'
  | 'invalid'
  | 'timeout'
  | (string & {});

export type TicketStatus =
  | 'closed'
  | 'rejected'
  | 'invalid'
  | 'unavailable'
  | 'unreachable'
  | 'skipped'
  | 'timeout'
  | (string & {});

export interface CloseTicketResult {
  ticket: number;
  symbol: string;
  type: string;
  kind: 'position' | 'pending' | (string & {});
  volume: number;
  status: TicketStatus;
  retcode: number;
  retcode_description: string;
  price: number;
  message: string;
  latency_ms: number;
}

export interface CloseLegResult {
  account_id: string;
  platform: string;
  status: CloseLegStatus;
  matched: number;
  closed: number;
  message: string;
  latency_ms: number;
  results: CloseTicketResult[];
}

export interface CloseBatchReply {
  batch_id: string;
  idempotent_replay: boolean;
  summary: { accounts: number; matched: number; closed: number; failed: number; unknown: number; accounts_unknown: number };
  results: CloseLegResult[];
}

/** `AccountInfo` fields the copier uses (§3.2). */
export interface AccountInfo {
  login: number;
  server: string;
  company: string;
  currency: string;
  /** Decimals of the account currency (2 for USD, 0 for JPY); the client reads a missing one as 2. Optional for fakes. */
  currencyDigits?: number;
  leverage: number;
  marginMode: MarginMode;
  tradeAllowed: boolean;
}

export interface MarginCalc {
  symbol: string;
  operation: string;
  volume: number;
  price: number;
  margin: number;
  currency: string;
}

export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  time: string;
}

export interface OrderSendRequest {
  symbol: string;
  operation: string;
  volume: number;
  price?: number;
  stopLimitPrice?: number;
  stopLoss?: number;
  takeProfit?: number;
  slippage?: number;
  expiration?: string;
  comment?: string;
  expertId?: number;
}

/** Absent = keep, 0 = remove, > 0 = set (§3.5). */
export interface OrderModifyRequest {
  ticket: number;
  stopLoss?: number;
  takeProfit?: number;
  price?: number;
  stopLimitPrice?: number;
  expiration?: string;
}

export interface OrderCloseRequest {
  ticket: number;
  volume?: number;
  slippage?: number;
}

/** Per-account terminal REST (§3). Every call may throw the client's typed errors. */
export interface TerminalPort {
  readonly accountId: string;
  accountSummary(): Promise<AccountSummary>;
  accountInfo(): Promise<AccountInfo>;
  openedOrders(): Promise<OpenedOrder[]>;
  orderHistory(range?: { from?: string; to?: string }): Promise<HistoryDeal[]>;
  /** `GET /PositionHistory`: closed positions by close time. Bounds are terminal time strings, passed through. */
  positionHistory(range?: { from?: string; to?: string }): Promise<PositionTrade[]>;
  symbols(): Promise<string[]>;
  symbolInfo(symbol: string): Promise<SymbolSpec>;
  quote(symbol: string): Promise<Quote>;
  calcMargin(args: { symbol: string; operation: string; volume: number; price: number }): Promise<MarginCalc>;
  serverTimezone(): Promise<{ serverTime: string; utcOffsetSeconds: number }>;
  orderSend(request: OrderSendRequest): Promise<OrderResult>;
  /** A level is removed only with its explicit clear flag (a bare 0 is refused: it silently strips protection). */
  orderModify(request: OrderModifyRequest, options?: { clearStopLoss?: true; clearTakeProfit?: true }): Promise<OrderResult>;
  orderClose(request: OrderCloseRequest): Promise<OrderResult>;
}

/** Typed events of one account's terminal stream (§4). */
export type StreamEvent =
  | { type: 'account'; data: AccountSummary }
  | { type: 'positions'; data: OpenedOrder[] }
  | { type: 'trade'; data: TradeDeal }
  | { type: 'tick'; symbol: string; data: Quote }
  | { type: 'terminal'; data: { connected: boolean; tradeAllowed: boolean; serverTime: string } }
  /** The server dropped frames (slow reader): state may be stale, trades may be missing. */
  | { type: 'warning'; dropped: number }
  /** The local queue dropped the oldest events (consumer too slow). */
  | { type: 'lag'; dropped: number }
  /** The socket is open and every subscription was (re-)sent. `reconnect` is false on the first open. */
  | { type: 'open'; reconnect: boolean; attempt: number }
  /** The socket closed; the stream retries unless it gave up. */
  | { type: 'closed'; code: number; reason: string; willRetry: boolean }
  /** Reconnection budget exhausted; the stream is dead until `start()` again. */
  | { type: 'gave_up'; error: Error }
  /**
   * The upgrade was refused with 401/403 (key revoked, disabled or out of scope). Follows a `closed` event; the
   * stream tries again in `retryInMs` and keeps trying, so a re-enabled key heals (an `open` event). `attempt` counts
   * consecutive refusals (1 = the first: alert then).
   */
  | { type: 'auth_failed'; status: number; error: Error; attempt: number; retryInMs: number }
  /** A server `error` frame (data, not a transport failure). */
  | { type: 'stream_error'; topic: string; message: string }
  /** A frame that failed to parse; counted, never fatal. */
  | { type: 'malformed'; error: Error; raw: string }
  /** Acks and unknown frame types, passed through. */
  | { type: 'other'; frame: Record<string, unknown> };

export type StreamTopic = 'account' | 'positions' | 'trades' | 'terminal' | 'prices';

/** One account's terminal WebSocket with reconnect and subscription replay (§4, §5). */
export interface StreamPort {
  readonly accountId: string;
  subscribe(topic: StreamTopic, symbol?: string): void;
  unsubscribe(topic: StreamTopic, symbol?: string): void;
  /** Registers the single consumer of events, delivered in order. */
  onEvent(listener: (event: StreamEvent) => void): void;
  start(): void;
  close(): Promise<void>;
  readonly connected: boolean;
}

/** The FxSocket service as the engine uses it. */
export interface BrokerPort {
  listAccounts(): Promise<AccountRecord[]>;
  getAccount(accountId: string): Promise<AccountRecord>;
  /** Terminal REST for an account (resolves `rest_url` once and caches it). */
  terminal(accountId: string): Promise<TerminalPort>;
  /**
   * Terminal WebSocket for an account (resolves `ws_url`). Not started until `start()`. `coalesceSnapshots`: only the
   * newest undelivered `positions`/`account`/`tick` frame needs delivering (each is the whole state), delivered after
   * the loop turn's socket reads: for followers' streams, never for a master's, whose every frame is an event.
   */
  stream(accountId: string, options?: { coalesceSnapshots?: boolean }): Promise<StreamPort>;
  placeOrders(
    request: { orders: OrderLeg[]; defaults?: Partial<Omit<OrderLeg, 'account_id'>>; require_reachable?: boolean },
    options: { idempotencyKey?: string; timeoutMs?: number },
  ): Promise<OrderBatchReply>;
  closeOrders(
    request: { accounts: CloseLeg[]; defaults?: Partial<Omit<CloseLeg, 'account_id' | 'tickets'>>; require_reachable?: boolean },
    options: { idempotencyKey?: string; timeoutMs?: number },
  ): Promise<CloseBatchReply>;
  close(): Promise<void>;
}

/** Injected time: the engine never reads the wall clock directly. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** The pino-compatible subset the engine logs through. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A leg waiting for its outcome or its market (persisted, so a restart picks it up). */
export interface PendingLeg {
  id: string;
  kind: 'market_closed' | 'unknown_outcome';
  masterId: string;
  eventId: string;
  followerId: string;
  createdAt: number;
  expiresAt: number;
  /** The planned leg, as plain JSON. */
  leg: unknown;
  note: string;
}

/** A past master open, kept for sizing previews. */
export interface MasterHistoryRow {
  position: number;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  price: number;
  stopLoss: number;
  at: number;
}

/** A journal row: one follower leg's decision or result. */
export interface JournalRow {
  at: number;
  masterId: string;
  eventId: string;
  eventKind: string;
  followerId: string;
  action: string;
  status:
    | 'filled'
    | 'partial'
    | 'rejected'
    | 'skipped'
    | 'queued'
    | 'unknown'
    | 'resolved'
    | 'closed'
    | 'modified'
    | 'failed'
    | 'reconciled';
  reason: string | null;
  detail: Record<string, number | string | boolean | null>;
  masterTicket: number | null;
  followerTicket: number | null;
  symbol: string | null;
  volume: number | null;
  price: number | null;
}

/** The part of the persisted state the engine owns. The store's document is a superset of it. */
export interface EngineState {
  masters: MasterConfig[];
  followers: FollowerConfig[];
  links: CopyLink[];
  processed: Record<string, { eventId: string; at: number }[]>;
  pending: PendingLeg[];
  journal: JournalRow[];
  daily: Record<string, { day: string; startBalance: number }>;
  masterHistory: Record<string, MasterHistoryRow[]>;
}

/**
 * The store as the engine uses it: a live in-memory document the engine mutates, a cheap `changed()` that schedules
 * a coalesced durable write off the hot path, and `flush()` where durability matters before going on.
 */
export interface StatePort {
  readonly data: EngineState;
  changed(): void;
  flush(): Promise<void>;
  /** False once a write failed; the engine halts copying. */
  readonly healthy: boolean;
  onError(listener: (error: Error) => void): void;
}

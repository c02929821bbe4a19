/**
 * Broker-facing shapes as the engine sees them. They mirror the FxSocket terminal API (camelCase, fxsocket-api.md §3),
 * so the client's parsed wire types are assignable to them; the domain never sees snake_case management shapes.
 */

/** The eight MetaTrader operations (§3.4). Unknown strings from the wire pass through as `string`. */
export type Operation =
  | 'Buy'
  | 'Sell'
  | 'BuyLimit'
  | 'SellLimit'
  | 'BuyStop'
  | 'SellStop'
  | 'BuyStopLimit'
  | 'SellStopLimit';

export const MARKET_OPERATIONS = ['Buy', 'Sell'] as const;
export const PENDING_OPERATIONS = ['BuyLimit', 'SellLimit', 'BuyStop', 'SellStop', 'BuyStopLimit', 'SellStopLimit'] as const;

/** Direction of a position or order. */
export type Side = 'buy' | 'sell';

/** A row of `/OpenedOrders` or of a `positions` frame: a position or a pending order. */
export interface OpenedOrder {
  ticket: number;
  symbol: string;
  type: Operation | (string & {});
  kind: 'Position' | 'Pending' | (string & {});
  lots: number;
  /** Trigger price for pending rows. */
  openPrice: number;
  currentPrice: number;
  /** 0 = not set. */
  stopLoss: number;
  /** 0 = not set. */
  takeProfit: number;
  swap: number;
  profit: number;
  magic: number;
  comment: string;
  /** Broker server time, cosmetic `Z`. */
  openTime: string;
}

/** `AccountSummary` / `account` frame: live money state. */
export interface AccountSummary {
  balance: number;
  credit: number;
  profit: number;
  equity: number;
  margin: number;
  freeMargin: number;
  marginLevel: number;
  leverage: number;
  currency: string;
  type: string;
}

export type MarginMode = 'Netting' | 'Hedging' | 'Exchange' | (string & {});

/** `TradingSession` rows of `SymbolInfo.sessions`, in broker server time. */
export interface TradingSession {
  day: 'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | (string & {});
  /** "HH:MM" */
  from: string;
  /** "HH:MM"; "24:00" = end of day */
  to: string;
}

/** The subset of `SymbolInfo` the copier plans with. */
export interface SymbolSpec {
  symbol: string;
  digits: number;
  point: number;
  tickSize: number;
  tickValue: number;
  contractSize: number;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  stopsLevel: number;
  freezeLevel: number;
  tradeMode: string;
  currencyBase: string;
  currencyProfit: string;
  currencyMargin: string;
  bid: number;
  ask: number;
  sessions: TradingSession[];
}

/** A `trade` frame's payload (§4.5). */
export interface TradeDeal {
  deal: number;
  order: number;
  position: number;
  symbol: string;
  type: Operation | (string & {});
  entry: 'In' | 'Out' | 'InOut' | 'Unknown' | (string & {});
  volume: number;
  price: number;
  profit: number;
  commission: number;
  swap: number;
  magic: number;
  comment: string;
  time: string;
  degraded: boolean;
}

/** A `HistoryTrade` row of `/OrderHistory` (one per deal on MT5). */
export interface HistoryDeal {
  ticket: number;
  order: number;
  position: number;
  symbol: string;
  type: Operation | (string & {});
  entry: 'In' | 'Out' | 'InOut' | (string & {});
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  magic: number;
  comment: string;
  time: string;
}

/**
 * A `PositionTrade` row of `/PositionHistory` (§3.2): one closed position (MT5), or one closed order or closed part of
 * one (MT4). Times are broker server time with a cosmetic `Z`.
 */
export interface PositionTrade {
  positionId: number;
  symbol: string;
  type: Operation | (string & {});
  volume: number;
  openTime: string;
  openPrice: number;
  closeTime: string;
  closePrice: number;
  profit: number;
  swap: number;
  commission: number;
  netProfit: number;
  magic: number;
  comment: string;
}

/** `OrderResult` (§3.6). "Effective" = `success || retcode === 10025`. */
export interface OrderResult {
  success: boolean;
  outcome: 'applied' | 'no_change' | 'partial' | 'rejected' | '' | (string & {});
  retcode: number;
  retcodeDescription: string;
  deal: number;
  order: number;
  volume: number;
  price: number;
  bid: number;
  ask: number;
  comment: string;
}

/** MT5 trade-server return codes the copier branches on (§3.6). */
export const Retcode = {
  REQUOTE: 10004,
  PLACED: 10008,
  DONE: 10009,
  DONE_PARTIAL: 10010,
  INVALID: 10013,
  INVALID_VOLUME: 10014,
  INVALID_PRICE: 10015,
  INVALID_STOPS: 10016,
  TRADE_DISABLED: 10017,
  MARKET_CLOSED: 10018,
  NO_MONEY: 10019,
  PRICE_CHANGED: 10020,
  PRICE_OFF: 10021,
  NO_CHANGES: 10025,
  POSITION_CLOSED: 10036,
  INVALID_CLOSE_VOLUME: 10038,
  LIMIT_POSITIONS: 10040,
  CLOSE_ONLY: 10044,
} as const;

/** Side of an operation: Buy* are long, Sell* are short. */
export function sideOf(operation: string): Side {
  return operation.startsWith('Sell') ? 'sell' : 'buy';
}

/** True for the six pending operations. */
export function isPendingOperation(operation: string): boolean {
  return (PENDING_OPERATIONS as readonly string[]).includes(operation);
}

/**
 * Wire shapes of the FxSocket terminal API (camelCase, broker-server-time strings) as the simulator emits them.
 * Field names follow /work/shared/fxsocket-api.md §3 and §4 exactly.
 */

/** Platform of an account / terminal. */
export type Platform = 'mt4' | 'mt5';

/** The eight canonical operation strings (§3.4). */
export type Operation =
  | 'Buy'
  | 'Sell'
  | 'BuyLimit'
  | 'SellLimit'
  | 'BuyStop'
  | 'SellStop'
  | 'BuyStopLimit'
  | 'SellStopLimit';

/** Account margin mode as `AccountInfo.marginMode` spells it. */
export type MarginMode = 'Netting' | 'Hedging';

/** `OpenedOrder.kind`. */
export type OrderKind = 'Position' | 'Pending';

/** `TradeEvent.entry` / `HistoryTrade.entry`. */
export type DealEntry = 'In' | 'Out' | 'InOut' | 'Unknown';

/** Symbol trade mode (§3.3; only `Full` is documented, the others follow MetaTrader). */
export type TradeMode = 'Full' | 'Disabled' | 'LongOnly' | 'ShortOnly' | 'CloseOnly';

/** Account status in the management API (§2.2). */
export type AccountStatus = 'connected' | 'connecting' | 'disconnected' | 'error';

/** `OrderResult.outcome` (§3.6). */
export type Outcome = 'applied' | 'no_change' | 'partial' | 'rejected' | '';

/** Reply of `/OrderSend`, `/OrderModify`, `/OrderClose` (§3.6). */
export interface OrderResult {
  success: boolean;
  outcome: Outcome;
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

/** A row of `/OpenedOrders` and of `positions` frames (§3.2). */
export interface OpenedOrder {
  ticket: number;
  symbol: string;
  type: Operation;
  kind: OrderKind;
  lots: number;
  openPrice: number;
  currentPrice: number;
  stopLoss: number;
  takeProfit: number;
  swap: number;
  profit: number;
  magic: number;
  comment: string;
  openTime: string;
}

/** A row of `/OrderHistory` (§3.2). */
export interface HistoryTrade {
  ticket: number;
  order: number;
  position: number;
  symbol: string;
  type: Operation;
  entry: DealEntry;
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  magic: number;
  comment: string;
  time: string;
}

/** A row of `/PositionHistory` (§3.2). */
export interface PositionTrade {
  positionId: number;
  symbol: string;
  type: Operation;
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

/** `/AccountSummary` and the `account` frame payload (§3.2). */
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

/** `/AccountInfo` (§3.2). */
export interface AccountInfo {
  name: string;
  login: number;
  server: string;
  company: string;
  currency: string;
  currencyDigits: number;
  leverage: number;
  type: string;
  marginMode: MarginMode;
  marginSoMode: string;
  marginCallLevel: number;
  stopOutLevel: number;
  tradeAllowed: boolean;
  tradeExpert: boolean;
  limitOrders: number;
  fifoClose: boolean;
}

/** `/getQuote` and `tick` frame payload (§3.3). */
export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  time: string;
  last: number;
  volume: number;
}

/** A trading window in broker server time (§3.3). */
export interface TradingSession {
  day: 'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY';
  from: string;
  to: string;
}

/** A commission tier (§3.3). */
export interface CommissionTier {
  mode: string;
  volumeType: string;
  value: number;
  minValue: number;
  maxValue: number;
  rangeFrom: number;
  rangeTo: number;
  currency: string;
}

/** A commission rule (§3.3). */
export interface CommissionRule {
  currency: string;
  rangeMode: string;
  chargeMode: string;
  entryMode: string;
  directionMode: string;
  profitMode: string;
  tiers: CommissionTier[];
}

/** `/SymbolInfo` (§3.3). */
export interface SymbolInfo {
  symbol: string;
  description: string;
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
  spread: number;
  tradeMode: TradeMode;
  swapLong: number;
  swapShort: number;
  bid: number;
  ask: number;
  currencyBase: string;
  currencyProfit: string;
  currencyMargin: string;
  commissions: CommissionRule[];
  sessions: TradingSession[];
}

/** `trade` frame payload (§4.5). */
export interface TradeEvent {
  deal: number;
  order: number;
  position: number;
  symbol: string;
  type: Operation;
  entry: DealEntry;
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

/** `/CloseAll` reply (§3.5). */
export interface CloseAllSummary {
  requested: number;
  closed: number;
  failed: number;
  results: Array<{
    ticket: number;
    kind: 'position' | 'pending';
    success: boolean;
    retcode: number;
    retcodeDescription: string;
  }>;
}

/** Health status enum (§3.7). */
export type HealthStatus = 'ready' | 'starting' | 'degraded' | 'down';

/** `/status` reply (§3.7). */
export interface Health {
  status: HealthStatus;
  terminal: { alive: boolean; build: number; pingMs: number };
  broker: { connected: boolean; server: string };
  account: { loggedIn: boolean; login: number; currency: string; type: string; tradeAllowed: boolean };
  bridge: { version: string; tradeEaReady: boolean; tradeEaHeartbeatAgeMs: number; symbolsSynced: boolean };
  serverTime: string;
}

/** `/healthz` and `/livez` reply (§3.7). */
export interface HealthChecks {
  status: HealthStatus;
  terminal: boolean;
  broker: boolean;
  account: boolean;
}

/** A price candle (§3.3). */
export interface Candle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  tickVolume: number;
  realVolume: number;
  spread: number;
}

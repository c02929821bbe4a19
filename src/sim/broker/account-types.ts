import type { WorldVariant } from '../variant.js';
import type { MarginMode, Operation, OrderKind, Platform, TradeEvent } from '../types.js';
import type { SimAccount } from './account.js';
import type { SimSymbol } from './symbol.js';

/** A failure the terminal reports with an HTTP error instead of an OrderResult (§3.8). */
export class TerminalError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

/** `/OrderSend` body after parsing (§3.5). */
export interface SendRequest {
  symbol: string;
  operation: Operation;
  volume: number;
  price?: number;
  stopLimitPrice?: number;
  stopLoss?: number;
  takeProfit?: number;
  slippage?: number;
  expiration?: string;
  comment?: string;
  magic?: number;
}

/** `/OrderModify` body: absent = keep, 0 = remove, > 0 = set (§3.5). */
export interface ModifyRequest {
  ticket: number;
  stopLoss?: number;
  takeProfit?: number;
  price?: number;
  stopLimitPrice?: number;
  expiration?: string;
}

/** `/OrderClose` body (§3.5). */
export interface CloseRequest {
  ticket: number;
  volume?: number;
  slippage?: number;
}

/** `/CloseAll` body (§3.5). */
export interface CloseAllRequest {
  symbol?: string;
  magic?: number;
  deletePending?: boolean;
}

/** Where an account reports what happened; the simulator turns these into WS frames and events. */
export interface AccountSink {
  deal(account: SimAccount, event: TradeEvent): void;
  positionsChanged(account: SimAccount): void;
  summaryChanged(account: SimAccount): void;
}

/** An open position or pending order. */
export interface Row {
  ticket: number;
  sym: SimSymbol;
  type: Operation;
  kind: OrderKind;
  units: number;
  openPrice: number;
  stopLimitPrice: number;
  stopLoss: number;
  takeProfit: number;
  /** UTC ms; 0 = good till cancelled. */
  expiration: number;
  magic: number;
  comment: string;
  openTimeMs: number;
  /** Bumped on every change of a static field; keys the static half of the JSON cache. */
  rev: number;
  staticJson: string;
  staticRev: number;
  json: string;
  /** Market version the cached `json` (current price, profit) was built at. */
  jsonVersion: number;
  // Aggregates for PositionHistory.
  inUnits: number;
  commission: number;
  realized: number;
  outValue: number;
  outUnits: number;
}

/** Static settings of an account. */
export interface AccountConfig {
  id: string;
  nickname: string;
  login: number;
  name: string;
  platform: Platform;
  marginMode: MarginMode;
  currency: string;
  leverage: number;
  balance: number;
  credit: number;
  type: 'Demo' | 'Real';
  stopOutLevel: number;
  marginCallLevel: number;
  /** How this account's bridge reads the contract's silent points. */
  variant: WorldVariant;
}

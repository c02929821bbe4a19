/**
 * The trades the reports are made of: a follower's closed copies (what its broker says it made copying one master
 * position) and the master's trades (what the master made on that position), both read from the brokers' history.
 */
import type { Side } from '../trading.js';
import type { Minor } from './money.js';

/** Which master position a copy copies: the copy's tag names it (domain/tags.ts). */
export interface CopyKey {
  masterId: string;
  /** Master position id (MT5) or order ticket (MT4; after a partial close, the ticket the chain started from). */
  masterTicket: number;
}

/** A stable text for a copy key (map keys). */
export function copyKeyText(key: CopyKey): string {
  return `${key.masterId}#${key.masterTicket}`;
}

/** Money and prices of one trade, on one account, in that account's currency. */
export interface TradeBook {
  symbol: string;
  side: Side;
  /** Lots opened (all parts). */
  volume: number;
  /** UTC ms of the first open. */
  openMs: number;
  /** Volume-weighted open price. */
  openPrice: number;
  /** UTC ms of the last close. */
  closeMs: number;
  /** Volume-weighted close price. */
  closePrice: number;
  profit: Minor;
  swap: Minor;
  commission: Minor;
  /** profit + swap + commission. */
  net: Minor;
  /** The account's tickets (positions, or MT4 orders) it was made of. */
  tickets: number[];
}

/** A follower's copy of one master position, closed on the follower. */
export interface ClosedCopy extends TradeBook {
  key: CopyKey;
}

/** One master position (an MT4 order with the orders its partial closes split off), as the master's history shows it. */
export interface MasterTrade extends TradeBook {
  masterId: string;
  /** The key ticket: position id, or the first MT4 ticket of a split chain. */
  ticket: number;
  /** False while some of it is still open on the master. */
  closed: boolean;
}

/** What a report needs to know of an account. */
export interface AccountFacts {
  id: string;
  name: string;
  currency: string;
  /** Decimals of the currency (`currencyDigits`). */
  digits: number;
  /** Broker server time − UTC, seconds. */
  utcOffsetSeconds: number;
}

/** Money per price unit and point size of a symbol on an account (from `SymbolInfo`: tickValue ÷ tickSize, point). */
export interface SymbolValue {
  /** Account currency per 1.0 of price per lot. */
  perPriceUnit: number;
  point: number;
}

import type { AccountStatus, MarginMode, Platform, TradeMode, TradingSession } from '../types.js';

/** An underlying instrument of the simulated market; every broker quotes its own symbol off this mid price. */
export interface InstrumentSpec {
  name: string;
  /** Base and quote currency (for indices: the index name and its currency). */
  base: string;
  quote: string;
  /** Starting mid price. */
  price: number;
  /** Standard deviation of the relative move per price-feed tick. */
  volatility: number;
}

/**
 * One symbol as a broker lists it. Margin follows MetaTrader's calculation modes: `Forex` = lots × contractSize
 * / leverage in the margin currency; `CFD` = lots × contractSize × price / leverage in the margin currency.
 */
export interface SymbolSpec {
  name: string;
  instrument: string;
  description?: string;
  digits: number;
  contractSize: number;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  /** In points. */
  stopsLevel?: number;
  /** In points. */
  freezeLevel?: number;
  /** Typical spread in points. */
  spreadPoints: number;
  tradeMode?: TradeMode;
  calcMode: 'Forex' | 'CFD';
  currencyBase: string;
  currencyProfit: string;
  currencyMargin: string;
  /** Broker-time trading windows; [] = always open. */
  sessions?: TradingSession[];
  /** Market orders above this many lots fill only this much (10010). Omit for unlimited. */
  liquidity?: number;
  swapLong?: number;
  swapShort?: number;
  /** Commission per lot per side, charged on every deal. */
  commissionPerLot?: number;
  commissionCurrency?: string;
  /** This broker's quote offset from the instrument mid. */
  priceOffset?: number;
}

/** A broker and one of its trade servers. */
export interface BrokerSpec {
  name: string;
  company?: string;
  /** Server name as MetaTrader spells it, e.g. `DemoMarkets-Live`. */
  server: string;
  platform?: Platform;
  /** Broker server time = UTC + this. */
  utcOffsetSeconds?: number;
  symbols: SymbolSpec[];
}

/** An account linked to FxSocket. */
export interface AccountSpec {
  nickname: string;
  /** Broker name or server name. */
  broker: string;
  /** Defaults to a UUID derived from the seed and the nickname. */
  id?: string;
  login?: number;
  /** Defaults to the broker's platform. */
  platform?: Platform;
  name?: string;
  currency?: string;
  balance?: number;
  credit?: number;
  leverage?: number;
  /** MT4 is always Hedging. */
  marginMode?: MarginMode;
  type?: 'Demo' | 'Real';
  /** Stays `connecting` (no terminal, URLs "") for this long after creation, on the sim clock. */
  connectDelayMs?: number;
  /** Initial status; `disconnected`/`error` make the account unreachable. Default connected (or connecting). */
  status?: AccountStatus;
  stopOutLevel?: number;
  marginCallLevel?: number;
  tradeEaSymbol?: string;
}

/** A whole simulated world. Broker entries may be demo broker names (`'Demo Markets'`). */
export interface WorldSpec {
  instruments?: InstrumentSpec[];
  brokers: Array<BrokerSpec | string>;
  accounts: AccountSpec[];
}

import { EU_INDEX_SESSIONS, FOREX_SESSIONS, METAL_SESSIONS, US_INDEX_SESSIONS } from './broker/sessions.js';
import type { AccountSpec, BrokerSpec, InstrumentSpec, SymbolSpec, WorldSpec } from './broker/spec.js';

/** The instruments every demo broker quotes. */
export const DEMO_INSTRUMENTS: InstrumentSpec[] = [
  { name: 'EURUSD', base: 'EUR', quote: 'USD', price: 1.085, volatility: 0.00004 },
  { name: 'GBPUSD', base: 'GBP', quote: 'USD', price: 1.27, volatility: 0.00005 },
  { name: 'USDJPY', base: 'USD', quote: 'JPY', price: 151.2, volatility: 0.00004 },
  { name: 'XAUUSD', base: 'XAU', quote: 'USD', price: 2350, volatility: 0.00008 },
  { name: 'US30', base: 'US30', quote: 'USD', price: 39000, volatility: 0.00007 },
  { name: 'DE40', base: 'DE40', quote: 'EUR', price: 18000, volatility: 0.00007 },
];

type SymbolOverrides = Partial<Omit<SymbolSpec, 'instrument'>>;

/** A forex pair spec with common defaults. */
export function fxSymbol(name: string, instrument: string, o: SymbolOverrides = {}): SymbolSpec {
  const inst = DEMO_INSTRUMENTS.find((i) => i.name === instrument);
  const base = inst?.base ?? instrument.slice(0, 3);
  const quote = inst?.quote ?? instrument.slice(3, 6);
  return {
    name,
    instrument,
    description: `${base} vs ${quote}`,
    digits: quote === 'JPY' ? 3 : 5,
    contractSize: 100_000,
    volumeMin: 0.01,
    volumeMax: 100,
    volumeStep: 0.01,
    stopsLevel: 10,
    freezeLevel: 0,
    spreadPoints: 12,
    calcMode: 'Forex',
    currencyBase: base,
    currencyProfit: quote,
    currencyMargin: base,
    sessions: FOREX_SESSIONS,
    liquidity: 50,
    swapLong: -6.5,
    swapShort: 1.2,
    ...o,
  };
}

/** Spot gold: 100 oz per lot, margin in XAU (Forex mode). */
export function goldSymbol(name: string, o: SymbolOverrides = {}): SymbolSpec {
  return {
    name,
    instrument: 'XAUUSD',
    description: 'Gold vs US Dollar',
    digits: 2,
    contractSize: 100,
    volumeMin: 0.01,
    volumeMax: 50,
    volumeStep: 0.01,
    stopsLevel: 20,
    freezeLevel: 0,
    spreadPoints: 25,
    calcMode: 'Forex',
    currencyBase: 'XAU',
    currencyProfit: 'USD',
    currencyMargin: 'XAU',
    sessions: METAL_SESSIONS,
    liquidity: 20,
    swapLong: -25,
    swapShort: 8,
    ...o,
  };
}

/** An index CFD (CFD margin mode, closed at night in broker time). */
export function indexSymbol(name: string, instrument: 'US30' | 'DE40', o: SymbolOverrides = {}): SymbolSpec {
  const us = instrument === 'US30';
  return {
    name,
    instrument,
    description: us ? 'Wall Street 30 Index' : 'Germany 40 Index',
    digits: 1,
    contractSize: 1,
    volumeMin: 0.1,
    volumeMax: 50,
    volumeStep: 0.1,
    stopsLevel: 30,
    freezeLevel: 0,
    spreadPoints: us ? 20 : 15,
    calcMode: 'CFD',
    currencyBase: us ? 'USD' : 'EUR',
    currencyProfit: us ? 'USD' : 'EUR',
    currencyMargin: us ? 'USD' : 'EUR',
    sessions: us ? US_INDEX_SESSIONS : EU_INDEX_SESSIONS,
    liquidity: 20,
    ...o,
  };
}

/** `Demo Markets` (MT5, `DemoMarkets-Live`, UTC+2): plain symbol names; FX/gold 0.01 steps, indices 0.1. */
export function demoMarkets(): BrokerSpec {
  return {
    name: 'Demo Markets',
    company: 'Demo Markets Ltd.',
    server: 'DemoMarkets-Live',
    platform: 'mt5',
    utcOffsetSeconds: 7200,
    symbols: [
      fxSymbol('EURUSD', 'EURUSD'),
      fxSymbol('GBPUSD', 'GBPUSD', { spreadPoints: 15 }),
      fxSymbol('USDJPY', 'USDJPY', { spreadPoints: 14 }),
      goldSymbol('XAUUSD'),
      indexSymbol('US30', 'US30'),
      indexSymbol('DE40', 'DE40'),
    ],
  };
}

/**
 * `Apex Trading` (MT5, `ApexTrading-Real`, UTC+3): `m` suffix on FX, gold as `GOLD`, `DJ30`/`GER40` traded in
 * whole lots (min 1, step 1), a freeze level, and a thinner book.
 */
export function apexTrading(): BrokerSpec {
  return {
    name: 'Apex Trading',
    company: 'Apex Trading Group',
    server: 'ApexTrading-Real',
    platform: 'mt5',
    utcOffsetSeconds: 10800,
    symbols: [
      fxSymbol('EURUSDm', 'EURUSD', { spreadPoints: 15, stopsLevel: 20, freezeLevel: 5, volumeMax: 200, liquidity: 30 }),
      fxSymbol('GBPUSDm', 'GBPUSD', { spreadPoints: 18, stopsLevel: 20, freezeLevel: 5, volumeMax: 200, liquidity: 30 }),
      fxSymbol('USDJPYm', 'USDJPY', { spreadPoints: 16, stopsLevel: 20, freezeLevel: 5, volumeMax: 200, liquidity: 30 }),
      goldSymbol('GOLD', { spreadPoints: 30, priceOffset: 0.15 }),
      indexSymbol('DJ30', 'US30', { volumeMin: 1, volumeStep: 1, volumeMax: 100, spreadPoints: 25, priceOffset: 2 }),
      indexSymbol('GER40', 'DE40', { volumeMin: 1, volumeStep: 1, volumeMax: 100, spreadPoints: 18 }),
    ],
  };
}

/** `Raw Prime` (MT5 ECN, `RawPrime-ECN`, UTC+0): `.raw` suffix, min/step 0.1 lot, tight spreads plus commission. */
export function rawPrime(): BrokerSpec {
  const ecn: SymbolOverrides = { volumeMin: 0.1, volumeStep: 0.1, volumeMax: 100, stopsLevel: 0, commissionPerLot: 3.5, commissionCurrency: 'EUR' };
  return {
    name: 'Raw Prime',
    company: 'Raw Prime Markets Ltd',
    server: 'RawPrime-ECN',
    platform: 'mt5',
    utcOffsetSeconds: 0,
    symbols: [
      fxSymbol('EURUSD.raw', 'EURUSD', { ...ecn, spreadPoints: 2 }),
      fxSymbol('GBPUSD.raw', 'GBPUSD', { ...ecn, spreadPoints: 4 }),
      fxSymbol('USDJPY.raw', 'USDJPY', { ...ecn, spreadPoints: 3 }),
      goldSymbol('XAUUSD.raw', { ...ecn, spreadPoints: 12 }),
      indexSymbol('WS30.raw', 'US30', { volumeMin: 0.1, volumeStep: 0.1, stopsLevel: 0, spreadPoints: 12, priceOffset: -1 }),
    ],
  };
}

/** `Classic FX` (MT4, `ClassicFX-Live`, UTC+2): `i` suffix, FX and gold only. */
export function classicFx(): BrokerSpec {
  return {
    name: 'Classic FX',
    company: 'Classic FX Ltd',
    server: 'ClassicFX-Live',
    platform: 'mt4',
    utcOffsetSeconds: 7200,
    symbols: [
      fxSymbol('EURUSDi', 'EURUSD', { spreadPoints: 18, volumeMax: 50 }),
      fxSymbol('GBPUSDi', 'GBPUSD', { spreadPoints: 22, volumeMax: 50 }),
      fxSymbol('USDJPYi', 'USDJPY', { spreadPoints: 20, volumeMax: 50 }),
      goldSymbol('XAUUSDi', { spreadPoints: 35, volumeMax: 20 }),
    ],
  };
}

/** Demo brokers by name, for `WorldSpec.brokers` entries given as strings. */
export const DEMO_BROKERS: Record<string, () => BrokerSpec> = {
  'Demo Markets': demoMarkets,
  'Apex Trading': apexTrading,
  'Raw Prime': rawPrime,
  'Classic FX': classicFx,
};

/** The demo accounts: one master and three followers on different brokers and platforms. */
export function demoAccounts(): AccountSpec[] {
  return [
    { nickname: 'master', broker: 'Demo Markets', name: 'Demo Master', currency: 'USD', balance: 10_000, leverage: 100, marginMode: 'Hedging' },
    { nickname: 'apex-follower', broker: 'Apex Trading', name: 'Apex Follower', currency: 'USD', balance: 5_000, leverage: 500, marginMode: 'Hedging', type: 'Real' },
    { nickname: 'raw-follower', broker: 'Raw Prime', name: 'Raw Follower', currency: 'EUR', balance: 20_000, leverage: 100, marginMode: 'Netting', type: 'Real' },
    { nickname: 'mt4-follower', broker: 'Classic FX', name: 'MT4 Follower', currency: 'GBP', balance: 3_000, leverage: 200 },
  ];
}

/** The default world. */
export function demoWorld(): WorldSpec {
  return {
    instruments: DEMO_INSTRUMENTS.map((i) => ({ ...i })),
    brokers: [demoMarkets(), apexTrading(), rawPrime(), classicFx()],
    accounts: demoAccounts(),
  };
}

/** A demo broker with some of its symbols' specs overridden (e.g. `{ EURUSD: { tradeMode: 'CloseOnly' } }`). */
export function demoBroker(name: string, overrides: { symbols?: Record<string, SymbolOverrides>; broker?: Partial<BrokerSpec> } = {}): BrokerSpec {
  const make = DEMO_BROKERS[name];
  if (!make) throw new Error(`unknown demo broker ${name}`);
  const b = make();
  return {
    ...b,
    ...overrides.broker,
    symbols: b.symbols.map((s) => ({ ...s, ...(overrides.symbols?.[s.name] ?? {}) })),
  };
}

/** Resolves broker names to specs. */
export function resolveBrokers(world: WorldSpec): BrokerSpec[] {
  return world.brokers.map((b) => (typeof b === 'string' ? demoBroker(b) : b));
}

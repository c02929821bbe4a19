import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, DEFAULT_RISK } from '../../../src/domain/config.js';
import {
  checkCloseOnly,
  checkDailyLoss,
  checkMargin,
  checkMaxOpenPositions,
  checkPaused,
  checkPriceDeviation,
  checkSide,
  checkSymbolFilter,
  checkTradeMode,
  dailyLossBreached,
  mapStops,
  reverseOperation,
} from '../../../src/domain/rules.js';
import { sideOf } from '../../../src/domain/trading.js';

const fx = { volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01 };

describe('filters', () => {
  it('deny wins over allow; entries match spelling or base', () => {
    expect(checkSymbolFilter({ symbolsAllow: ['EURUSD'], symbolsDeny: ['EURUSD.raw'] }, 'EURUSD.raw')).toEqual({
      ok: false,
      reason: 'symbol_denied',
      detail: { symbol: 'EURUSD.raw' },
    });
    expect(checkSymbolFilter({ symbolsAllow: ['EURUSD'], symbolsDeny: [] }, 'EURUSDm')).toEqual({ ok: true, reasons: [] });
    expect(checkSymbolFilter({ symbolsAllow: ['GBPUSD'], symbolsDeny: [] }, 'EURUSD')).toMatchObject({ ok: false, reason: 'symbol_not_allowed' });
    expect(checkSymbolFilter({ symbolsAllow: [], symbolsDeny: [] }, 'ANY')).toMatchObject({ ok: true });
  });

  it('sides', () => {
    expect(checkSide({ sides: 'both' }, 'sell').ok).toBe(true);
    expect(checkSide({ sides: 'buy' }, 'buy').ok).toBe(true);
    expect(checkSide({ sides: 'buy' }, 'sell')).toEqual({ ok: false, reason: 'side_filtered', detail: { side: 'sell', allowed: 'buy' } });
  });
});

describe('reverse copy', () => {
  it('maps market sides and keeps pending trigger semantics', () => {
    expect(reverseOperation('Buy')).toBe('Sell');
    expect(reverseOperation('Sell')).toBe('Buy');
    // Buy when price falls to P ↔ sell when price falls to P.
    expect(reverseOperation('BuyLimit')).toBe('SellStop');
    expect(reverseOperation('SellStop')).toBe('BuyLimit');
    // Buy when price rises to P ↔ sell when price rises to P.
    expect(reverseOperation('BuyStop')).toBe('SellLimit');
    expect(reverseOperation('SellLimit')).toBe('BuyStop');
    expect(reverseOperation('BuyStopLimit')).toBeNull();
    expect(reverseOperation('Weird')).toBeNull();
  });

  it('always flips the side and is an involution', () => {
    for (const op of ['Buy', 'Sell', 'BuyLimit', 'SellLimit', 'BuyStop', 'SellStop']) {
      const r = reverseOperation(op);
      expect(r).not.toBeNull();
      expect(sideOf(r ?? '')).not.toBe(sideOf(op));
      expect(reverseOperation(r ?? '')).toBe(op);
    }
  });

  it('swaps SL and TP roles; copy SL/TP off sends none', () => {
    const m = { stopLoss: 1.09, takeProfit: 1.12 };
    expect(mapStops({ reverse: false, copySlTp: true }, m)).toEqual({ stopLoss: 1.09, takeProfit: 1.12 });
    expect(mapStops({ reverse: true, copySlTp: true }, m)).toEqual({ stopLoss: 1.12, takeProfit: 1.09 });
    expect(mapStops({ ...DEFAULT_FILTERS, copySlTp: false }, m)).toEqual({ stopLoss: 0, takeProfit: 0 });
  });
});

describe('state rules', () => {
  it('paused, close-only, max open positions', () => {
    expect(checkPaused({ paused: true, pausedReason: 'daily_loss_limit' })).toEqual({ ok: false, reason: 'paused', detail: { by: 'daily_loss_limit' } });
    expect(checkPaused({ paused: false, pausedReason: null }).ok).toBe(true);
    expect(checkCloseOnly({ closeOnly: true })).toMatchObject({ ok: false, reason: 'close_only' });
    expect(checkMaxOpenPositions({ maxOpenPositions: 3 }, 3)).toEqual({ ok: false, reason: 'max_open_positions', detail: { open: 3, max: 3 } });
    expect(checkMaxOpenPositions({ maxOpenPositions: 3 }, 2).ok).toBe(true);
    expect(checkMaxOpenPositions({ maxOpenPositions: null }, 1e6).ok).toBe(true);
  });

  it('daily loss limit', () => {
    expect(dailyLossBreached(500, 10_000, 9_500)).toBe(true);
    expect(dailyLossBreached(500, 10_000, 9_500.01)).toBe(false);
    expect(dailyLossBreached(null, 10_000, 0)).toBe(false);
    expect(checkDailyLoss(500, 10_000, 9_400)).toEqual({
      ok: false,
      reason: 'daily_loss_limit',
      detail: { loss: 600, limit: 500, dayStartBalance: 10_000, equity: 9_400 },
    });
    expect(checkDailyLoss(500, null, 9_400).ok).toBe(true);
  });
});

describe('trade mode', () => {
  const open = (side: 'buy' | 'sell') => ({ kind: 'open' as const, side });
  it.each([
    ['Full', open('buy'), true, undefined],
    ['', open('sell'), true, undefined],
    ['Disabled', open('buy'), false, 'trade_disabled'],
    ['Disabled', { kind: 'close' as const }, false, 'trade_disabled'],
    ['CloseOnly', open('buy'), false, 'trade_close_only'],
    ['CloseOnly', { kind: 'close' as const }, true, undefined],
    ['LongOnly', open('buy'), true, undefined],
    ['LongOnly', open('sell'), false, 'trade_long_only'],
    ['ShortOnly', open('buy'), false, 'trade_short_only'],
    ['SYMBOL_TRADE_MODE_SHORTONLY', open('sell'), true, undefined],
    ['Something', open('sell'), false, 'trade_mode_restricted'],
    ['Something', { kind: 'close' as const }, true, undefined],
  ])('%s %j → %s', (mode, intent, ok, code) => {
    const d = checkTradeMode(mode, intent);
    expect(d.ok).toBe(ok);
    if (!d.ok) expect(d.reason).toBe(code);
  });
});

describe('margin pre-check', () => {
  const risk = { ...DEFAULT_RISK, marginUsageMax: 0.9 };

  it('passes when it fits', () => {
    expect(checkMargin({ volume: 1, marginPerLot: 1000, freeMargin: 2000, risk, spec: fx })).toEqual({ ok: true, volume: 1, reasons: [] });
  });

  it('reduce: largest step count within free × usage, with required vs free', () => {
    // 1.0 lot needs 1000; free 500 × 0.9 = 450 allowed → 0.45 lots.
    const r = checkMargin({ volume: 1, marginPerLot: 1000, freeMargin: 500, risk: { ...risk, marginCheck: 'reduce' }, spec: fx });
    expect(r).toEqual({
      ok: true,
      volume: 0.45,
      reasons: [{ code: 'margin_reduced', detail: { required: 1000, free: 500, allowed: 450, from: 1, to: 0.45, marginPerLot: 1000 } }],
    });
  });

  it('reduce skips when not even the minimum fits', () => {
    const r = checkMargin({ volume: 1, marginPerLot: 1000, freeMargin: 5, risk: { ...risk, marginCheck: 'reduce' }, spec: fx });
    expect(r).toMatchObject({ ok: false, reason: 'insufficient_margin', detail: { required: 1000, free: 5 } });
  });

  it('skip: insufficient_margin with required and free', () => {
    const r = checkMargin({ volume: 0.5, marginPerLot: 1000, freeMargin: 500, risk, spec: fx });
    expect(r).toEqual({ ok: false, reason: 'insufficient_margin', detail: { required: 500, free: 500, allowed: 450, volume: 0.5, marginPerLot: 1000 } });
  });

  it('negative free margin allows nothing; off skips the check; unknown passes with margin_unknown', () => {
    expect(checkMargin({ volume: 0.01, marginPerLot: 10, freeMargin: -100, risk, spec: fx }).ok).toBe(false);
    expect(checkMargin({ volume: 10, marginPerLot: 1000, freeMargin: 0, risk: { ...risk, marginCheck: 'off' }, spec: fx })).toEqual({ ok: true, volume: 10, reasons: [] });
    expect(checkMargin({ volume: 10, marginPerLot: null, freeMargin: 0, risk, spec: fx })).toEqual({ ok: true, volume: 10, reasons: [{ code: 'margin_unknown', detail: {} }] });
  });
});

describe('price deviation', () => {
  const q = { bid: 1.1010, ask: 1.1012, point: 0.00001 };
  it('skips when the follower price is worse than the master fill by more than the limit', () => {
    expect(checkPriceDeviation({ followerSide: 'buy', masterPrice: 1.1, spec: q, maxPoints: 50 })).toEqual({
      ok: false,
      reason: 'price_deviation',
      detail: { points: 120, max: 50, masterPrice: 1.1, followerPrice: 1.1012 },
    });
    expect(checkPriceDeviation({ followerSide: 'buy', masterPrice: 1.1, spec: q, maxPoints: 120 }).ok).toBe(true);
  });

  it('a better price always passes; no limit or no quote passes', () => {
    expect(checkPriceDeviation({ followerSide: 'sell', masterPrice: 1.1, spec: q, maxPoints: 0 }).ok).toBe(true);
    expect(checkPriceDeviation({ followerSide: 'buy', masterPrice: 1.1, spec: q, maxPoints: null }).ok).toBe(true);
    expect(checkPriceDeviation({ followerSide: 'buy', masterPrice: 1.1, spec: { ...q, ask: 0 }, maxPoints: 1 })).toEqual({
      ok: true,
      reasons: [{ code: 'price_unknown', detail: {} }],
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { previewSizing, rawLots, sizeVolume } from '../../../src/domain/sizing.js';
import type { SizingInput } from '../../../src/domain/sizing.js';
import { spec, summary } from './fixtures.js';

const base: SizingInput = {
  masterVolume: 0.5,
  masterSummary: summary({ balance: 20_000, equity: 25_000 }),
  followerSummary: summary({ balance: 5_000, equity: 4_000 }),
  entryPrice: 1.1,
  stopLoss: 1.095,
  followerSpec: { tickSize: 0.00001, tickValue: 1 },
};
const EURUSD = spec('EURUSD');
const risk = { maxLot: null, belowMin: 'skip' as const };

describe('rawLots', () => {
  it('multiplier', () => {
    expect(rawLots({ mode: 'multiplier', multiplier: 2 }, base)).toMatchObject({ ok: true, lots: 1 });
  });

  it('fixed', () => {
    expect(rawLots({ mode: 'fixed', lots: 0.3 }, base)).toMatchObject({ ok: true, lots: 0.3 });
  });

  it('balance ratio: follower ÷ master × multiplier', () => {
    const r = rawLots({ mode: 'balance_ratio', multiplier: 2 }, base);
    expect(r).toMatchObject({ ok: true, lots: 0.5 * (5_000 / 20_000) * 2, detail: { ratio: 0.25 } });
  });

  it('equity ratio', () => {
    const r = rawLots({ mode: 'equity_ratio', multiplier: 1 }, base);
    expect(r.ok && r.lots).toBeCloseTo(0.5 * (4_000 / 25_000), 12);
  });

  it('ratio modes need both summaries', () => {
    expect(rawLots({ mode: 'balance_ratio', multiplier: 1 }, { ...base, masterSummary: null })).toEqual({
      ok: false,
      reason: 'account_unknown',
      detail: { account: 'master', field: 'balance' },
    });
    expect(rawLots({ mode: 'equity_ratio', multiplier: 1 }, { ...base, followerSummary: null })).toMatchObject({ ok: false, reason: 'account_unknown' });
  });

  it('risk percent: SL distance loss = percent of follower equity', () => {
    // 1% of 4000 = 40; distance 0.005 = 500 ticks × $1 = $500 per lot → 0.08 lots.
    const r = rawLots({ mode: 'risk_percent', percent: 1 }, base);
    expect(r.ok && r.lots).toBeCloseTo(0.08, 12);
    const v = sizeVolume({ mode: 'risk_percent', percent: 1 }, base, EURUSD, risk);
    expect(v).toMatchObject({ ok: true, volume: 0.08 });
  });

  it('risk percent uses the FOLLOWER tick value (e.g. a JPY cross priced differently)', () => {
    const r = rawLots({ mode: 'risk_percent', percent: 2 }, { ...base, entryPrice: 150, stopLoss: 149, followerSpec: { tickSize: 0.001, tickValue: 0.67 } });
    // 2% of 4000 = 80; 1.0 / 0.001 = 1000 ticks × 0.67 = 670 per lot.
    expect(r.ok && r.lots).toBeCloseTo(80 / 670, 12);
  });

  it('risk percent skips without a stop loss, equity, or tick data', () => {
    expect(rawLots({ mode: 'risk_percent', percent: 1 }, { ...base, stopLoss: 0 })).toEqual({ ok: false, reason: 'no_stop_loss', detail: {} });
    expect(rawLots({ mode: 'risk_percent', percent: 1 }, { ...base, followerSummary: null })).toMatchObject({ reason: 'account_unknown' });
    expect(rawLots({ mode: 'risk_percent', percent: 1 }, { ...base, followerSpec: { tickSize: 0, tickValue: 1 } })).toMatchObject({ reason: 'spec_unknown' });
    expect(rawLots({ mode: 'risk_percent', percent: 1 }, { ...base, stopLoss: base.entryPrice })).toMatchObject({ reason: 'no_stop_loss' });
  });

  it('rejects invalid parameters and volumes', () => {
    expect(rawLots({ mode: 'multiplier', multiplier: 0 }, base)).toMatchObject({ reason: 'invalid_sizing', detail: { field: 'multiplier' } });
    expect(rawLots({ mode: 'fixed', lots: -1 }, base)).toMatchObject({ reason: 'invalid_sizing' });
    expect(rawLots({ mode: 'risk_percent', percent: Number.NaN }, base)).toMatchObject({ reason: 'invalid_sizing' });
    expect(rawLots({ mode: 'multiplier', multiplier: 1 }, { ...base, masterVolume: 0 })).toMatchObject({ reason: 'zero_volume' });
  });

  it('is monotonic in the multiplier (raw and exact)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.constantFrom('multiplier', 'balance_ratio', 'equity_ratio'),
        (a, b, masterVolume, mode) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const input = { ...base, masterVolume };
          const rl = rawLots({ mode, multiplier: lo }, input);
          const rh = rawLots({ mode, multiplier: hi }, input);
          expect(rl.ok && rh.ok && rl.lots <= rh.lots).toBe(true);
          const vl = sizeVolume({ mode, multiplier: lo }, input, EURUSD, { maxLot: null, belowMin: 'round_up' });
          const vh = sizeVolume({ mode, multiplier: hi }, input, EURUSD, { maxLot: null, belowMin: 'round_up' });
          expect(vl.ok && vh.ok && vl.volume <= vh.volume).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('sizeVolume', () => {
  it('clamps to maxLot before rounding (max_lot), then to the grid', () => {
    const v = sizeVolume({ mode: 'multiplier', multiplier: 10 }, base, EURUSD, { maxLot: 1.255, belowMin: 'skip' });
    expect(v).toMatchObject({ ok: true, volume: 1.25, rawLots: 5 });
    expect(v.ok && v.reasons.map((r) => r.code)).toEqual(['max_lot', 'volume_rounded']);
  });

  it('skips below the symbol minimum unless round_up', () => {
    const tiny = { ...base, masterVolume: 0.01 };
    expect(sizeVolume({ mode: 'multiplier', multiplier: 0.3 }, tiny, EURUSD, risk)).toMatchObject({ ok: false, reason: 'below_min_volume' });
    expect(sizeVolume({ mode: 'multiplier', multiplier: 0.3 }, tiny, EURUSD, { maxLot: null, belowMin: 'round_up' })).toMatchObject({ ok: true, volume: 0.01 });
  });
});

describe('previewSizing', () => {
  const trades = [
    { position: 1, symbol: 'EURUSD', side: 'buy' as const, volume: 0.1, price: 1.1, stopLoss: 0 },
    { position: 2, symbol: 'EURUSD.raw', side: 'sell' as const, volume: 0.15, price: 1.1, stopLoss: 0 },
    { position: 3, symbol: 'EURUSD', side: 'buy' as const, volume: 0.01, price: 1.1, stopLoss: 0 },
    { position: 4, symbol: 'XAUUSD', side: 'buy' as const, volume: 1, price: 2000, stopLoss: 0 },
    { position: 5, symbol: 'GBPUSD', side: 'buy' as const, volume: 1, price: 1.3, stopLoss: 0 },
  ];
  const follower = {
    summary: summary(),
    masterSummary: summary(),
    symbols: ['EURUSDm', 'GOLD', 'GBPUSD'],
    specs: new Map([['EURUSDm', spec('EURUSDm')], ['GOLD', spec('GOLD', { volumeStep: 0.1, volumeMin: 0.1 })]]),
  };

  it('shows lot, rounding and skips per trade', () => {
    const rows = previewSizing(trades, follower, { mode: 'multiplier', multiplier: 0.35 });
    expect(rows.map((r) => [r.position, r.followerSymbol, r.volume, r.rounded, r.skipped?.reason ?? null])).toEqual([
      [1, 'EURUSDm', 0.03, true, null],
      [2, 'EURUSDm', 0.05, true, null],
      [3, 'EURUSDm', null, false, 'below_min_volume'],
      [4, 'GOLD', 0.3, true, null],
      [5, 'GBPUSD', null, false, 'spec_unknown'],
    ]);
    expect(rows[0]?.rawLots).toBeCloseTo(0.035, 12);
  });

  it('reports unresolvable symbols and exact lots', () => {
    const rows = previewSizing([{ ...trades[0]!, symbol: 'USDJPY' }, trades[0]!], follower, { mode: 'multiplier', multiplier: 2 });
    expect(rows[0]?.skipped).toEqual({ reason: 'symbol_not_found', detail: { symbol: 'USDJPY' } });
    expect(rows[1]).toMatchObject({ volume: 0.2, rounded: false, skipped: null });
  });
});

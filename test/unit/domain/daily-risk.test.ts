import { describe, expect, it } from 'vitest';
import type { NoStopLossRule } from '../../../src/domain/config.js';
import type { DailyBudget, DailyRiskFacts, OpenCopyRisk } from '../../../src/domain/daily-risk.js';
import { budgetNumbers, capToDailyBudget, dailyBudget, lossAtStopMinor, worstMarketEntry } from '../../../src/domain/daily-risk.js';
import { previewDailyRisk } from '../../../src/domain/daily-risk-preview.js';
import { decimalOf, fromMinor, toMinor } from '../../../src/domain/decimal.js';
import type { LegPlan } from '../../../src/domain/plan.js';
import { planEvent } from '../../../src/domain/plan.js';
import type { SymbolSpec } from '../../../src/domain/trading.js';
import { ctx, follower, openEvent, pendingEvent, spec } from './fixtures.js';

const SKIP: NoStopLossRule = { mode: 'skip' };
const EURUSD = spec('EURUSD');
const specs = new Map<string, SymbolSpec>([['EURUSD', EURUSD]]);

function copy(over: Partial<OpenCopyRisk> = {}): OpenCopyRisk {
  return { ticket: 9001, symbol: 'EURUSD', side: 'buy', lots: 1, entryPrice: 1.1, stopLoss: 1.099, pending: false, ...over };
}

function facts(over: Partial<DailyRiskFacts> = {}): DailyRiskFacts {
  return { dayStartBalance: 10_000, balance: 9_880, openCopies: [], ...over };
}

function budget(limit: number, f: DailyRiskFacts, rule: NoStopLossRule = SKIP): DailyBudget {
  const b = dailyBudget(limit, f, specs, rule);
  if (!b.ok) throw new Error(`no budget: ${b.reason} ${JSON.stringify(b.detail)}`);
  return b.budget;
}

const only = (legs: LegPlan[]): LegPlan => {
  expect(legs).toHaveLength(1);
  return legs[0] as LegPlan;
};

describe('exact decimals', () => {
  it('reads a number as the decimal its text shows, exponents included', () => {
    expect(decimalOf(1.08512)).toEqual({ units: 108512n, scale: 5 });
    expect(decimalOf(1e-7)).toEqual({ units: 1n, scale: 7 });
    expect(decimalOf(1.5e21)).toEqual({ units: 1_500_000_000_000_000_000_000n, scale: 0 });
    expect(decimalOf(-2.5)).toEqual({ units: -25n, scale: 1 });
    expect(() => decimalOf(Number.NaN)).toThrow(RangeError);
  });

  it('rounds money to minor units in the direction asked', () => {
    expect(toMinor(12.341, 'ceil')).toBe(1235n);
    expect(toMinor(12.341, 'floor')).toBe(1234n);
    expect(toMinor(-0.005, 'floor')).toBe(-1n);
    expect(fromMinor(1234n)).toBe(12.34);
  });
});

describe('dailyBudget', () => {
  it('limit less the realized loss and every open copy at its SL, pending copies included', () => {
    const b = budget(
      500,
      facts({
        openCopies: [
          copy({ ticket: 1, lots: 0.5 }), // 100 points × $1 per point per lot × 0.5 = 50
          copy({ ticket: 2, side: 'sell', lots: 0.2, entryPrice: 1.105, stopLoss: 1.106, pending: true }), // 20
          copy({ ticket: 3, stopLoss: 1.101 }), // SL on the profit side: 0
        ],
      }),
    );
    expect(budgetNumbers(b)).toEqual({ limit: 500, realizedLoss: 120, openRisk: 70, remaining: 310, unprotected: 0 });
  });

  it('a profitable day does not widen the budget beyond the limit', () => {
    expect(budgetNumbers(budget(500, facts({ balance: 10_250 })))).toMatchObject({ realizedLoss: 0, remaining: 500 });
  });

  it('is exact where floats drift: 100.3 − 100.1 is 0.20, not 0.19999999999998863', () => {
    const b = budget(0.3, facts({ dayStartBalance: 100.3, balance: 100.1 }));
    expect(b.realizedLoss).toBe(20n);
    expect(b.remaining).toBe(10n);
  });

  it('an open copy without a SL makes it unprovable, unless the fallback rule leaves such copies out', () => {
    const f = facts({ openCopies: [copy({ ticket: 7, stopLoss: 0, lots: 0.3 }), copy({ ticket: 8, lots: 0.5 })] });
    expect(dailyBudget(500, f, specs, SKIP)).toEqual({ ok: false, reason: 'daily_risk_unbounded', detail: { openTicket: 7, openSymbol: 'EURUSD', openLots: 0.3 } });
    expect(budgetNumbers(budget(500, f, { mode: 'fallback', lots: 0.01 }))).toMatchObject({ openRisk: 50, remaining: 330, unprotected: 1 });
  });

  it('unknown balance, day start, open price or tick data: unknown, never guessed', () => {
    expect(dailyBudget(500, facts({ balance: null }), specs, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_unknown', detail: { need: 'balance' } });
    expect(dailyBudget(500, facts({ dayStartBalance: null }), specs, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_unknown', detail: { need: 'dayStartBalance' } });
    expect(dailyBudget(500, facts({ openCopies: [copy({ entryPrice: 0 })] }), specs, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_unknown', detail: { need: 'openPrice' } });
    expect(dailyBudget(500, facts({ openCopies: [copy({ symbol: 'GBPUSD' })] }), specs, SKIP)).toMatchObject({
      ok: false,
      reason: 'daily_risk_unknown',
      detail: { need: 'tickSize,tickValue', openTicket: 9001, openSymbol: 'GBPUSD' },
    });
    expect(lossAtStopMinor(copy(), { tickSize: 0, tickValue: 1 })).toBeNull();
  });
});

describe('capToDailyBudget', () => {
  const newCopy = { side: 'buy' as const, volume: 5, entryPrice: 1.10002, stopLoss: 1.09802, spec: EURUSD };

  it('caps to the most whole steps whose loss at SL fits what is left, with the numbers', () => {
    // 310 left; 200 points = 200 per lot → 1.55 lots.
    const b = budget(500, facts({ openCopies: [copy({ ticket: 1, lots: 0.5 }), copy({ ticket: 2, lots: 0.2, side: 'sell', entryPrice: 1.105, stopLoss: 1.106 })] }));
    expect(capToDailyBudget(b, newCopy, SKIP)).toEqual({
      ok: true,
      volume: 1.55,
      reasons: [{ code: 'daily_risk_capped', detail: { limit: 500, realizedLoss: 120, openRisk: 70, remaining: 310, cappedFrom: 5, cappedTo: 1.55, lossPerLot: 200 } }],
    });
  });

  it('a copy that fits is sent as sized, without a reason', () => {
    expect(capToDailyBudget(budget(500, facts()), { ...newCopy, volume: 1.5 }, SKIP)).toEqual({ ok: true, volume: 1.5, reasons: [] });
  });

  it('counts exactly at the boundary (floats would give 0.99 lots)', () => {
    // 1.1 − 1.0997 is 0.000300000000000189 in floats: 30 ticks × 0.1 = exactly 3.00 per lot, and 3.00 is left.
    const tenCents = { ...EURUSD, tickValue: 0.1 };
    const b = { limit: 300n, realizedLoss: 0n, openRisk: 0n, remaining: 300n, unprotected: 0 };
    const r = capToDailyBudget(b, { side: 'buy', volume: 2, entryPrice: 1.1, stopLoss: 1.0997, spec: tenCents }, SKIP);
    expect(r).toMatchObject({ ok: true, volume: 1 });
  });

  it('skips when not even the minimum fits, or nothing is left', () => {
    const b = budget(121, facts()); // 1.00 left; the minimum 0.01 lots loses 2.00
    expect(capToDailyBudget(b, newCopy, SKIP)).toEqual({
      ok: false,
      reason: 'daily_risk_exhausted',
      detail: { limit: 121, realizedLoss: 120, openRisk: 0, remaining: 1, sized: 5, min: 0.01, lossAtMin: 2, lossPerLot: 200 },
    });
    expect(capToDailyBudget(budget(100, facts()), newCopy, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_exhausted', detail: { remaining: -20 } });
  });

  it('never rounds up to the symbol minimum: a 0.1-lot minimum that does not fit is a skip', () => {
    const coarse = { ...EURUSD, volumeMin: 0.1, volumeStep: 0.1 };
    expect(capToDailyBudget(budget(130, facts()), { ...newCopy, spec: coarse }, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_exhausted', detail: { min: 0.1, lossAtMin: 20 } });
  });

  it('a copy without a SL: skipped, or the fallback lot (never more than sized) while budget is left', () => {
    const b = budget(500, facts());
    const noSl = { ...newCopy, stopLoss: 0, volume: 0.5 };
    expect(capToDailyBudget(b, noSl, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_no_stop_loss', detail: { remaining: 380, sized: 0.5 } });
    expect(capToDailyBudget(b, noSl, { mode: 'fallback', lots: 0.05 })).toEqual({
      ok: true,
      volume: 0.05,
      reasons: [{ code: 'daily_risk_fallback', detail: { limit: 500, realizedLoss: 120, openRisk: 0, remaining: 380, fallbackLots: 0.05, cappedFrom: 0.5, cappedTo: 0.05 } }],
    });
    expect(capToDailyBudget(b, { ...noSl, volume: 0.02 }, { mode: 'fallback', lots: 0.05 })).toMatchObject({ ok: true, volume: 0.02 });
    expect(capToDailyBudget(b, noSl, { mode: 'fallback', lots: 0.005 })).toMatchObject({ ok: false, reason: 'below_min_volume' });
    expect(capToDailyBudget(budget(100, facts()), noSl, { mode: 'fallback', lots: 0.05 })).toMatchObject({ ok: false, reason: 'daily_risk_exhausted' });
  });

  it('a stop on the profit side loses nothing: not capped', () => {
    expect(capToDailyBudget(budget(121, facts()), { ...newCopy, stopLoss: 1.2 }, SKIP)).toEqual({ ok: true, volume: 5, reasons: [] });
  });

  it('an unknown entry or tick value is a skip', () => {
    const b = budget(500, facts());
    expect(capToDailyBudget(b, { ...newCopy, entryPrice: 0 }, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_unknown', detail: { need: 'price' } });
    expect(capToDailyBudget(b, { ...newCopy, spec: { ...EURUSD, tickValue: 0 } }, SKIP)).toMatchObject({ ok: false, reason: 'daily_risk_unknown' });
  });
});

describe('worstMarketEntry', () => {
  it('the worse of the follower quote and the master fill, moved by the slippage allowance', () => {
    expect(worstMarketEntry('buy', 1.1, EURUSD, 30)).toBe(1.10032);
    expect(worstMarketEntry('buy', 1.1001, EURUSD, 30)).toBe(1.1004);
    expect(worstMarketEntry('sell', 1.1001, EURUSD, 30)).toBe(1.0997);
    expect(worstMarketEntry('sell', 1.0999, EURUSD, 0)).toBe(1.0999);
    expect(worstMarketEntry('buy', 1.2, { ...EURUSD, bid: 0, ask: 0 }, 10)).toBe(1.2001);
  });
});

describe('planEvent with a daily loss limit', () => {
  // 10,000 at the start of the day, 9,880 now: 120 lost, 380 of 500 left.
  const limited = (over: Parameters<typeof follower>[0] = {}) =>
    follower({ dailyRisk: facts(), ...over, cfg: (c) => { c.risk.dailyLossLimit = 500; over.cfg?.(c); } });
  const open = openEvent({ volume: 5, price: 1.10002, stopLoss: 1.09802 });

  it('caps a market copy to the budget, then checks margin on the capped lot', () => {
    const leg = only(planEvent(open, ctx([limited()])));
    expect(leg).toMatchObject({ action: 'open', volume: 1.9, stopLoss: 1.09802 });
    expect(leg.action === 'open' && leg.reasons).toEqual([
      { code: 'daily_risk_capped', detail: { limit: 500, realizedLoss: 120, openRisk: 0, remaining: 380, cappedFrom: 5, cappedTo: 1.9, lossPerLot: 200 } },
    ]);
    // With only 1,000 free margin (900 usable at 1,100 per lot) the margin check reduces the capped lot further.
    const tight = only(planEvent(open, ctx([limited({ summary: { ...follower().summary!, freeMargin: 1_000 }, cfg: (c) => (c.risk.marginCheck = 'reduce') })])));
    expect(tight).toMatchObject({ action: 'open', volume: 0.81 });
  });

  it('prices the worst fill the order allows: the slippage allowance makes the stop farther', () => {
    // 200 + 20 points = 220 per lot: 380 / 220 = 1.727… → 1.72.
    expect(only(planEvent(open, ctx([limited()], { slippagePoints: 20 })))).toMatchObject({ volume: 1.72 });
  });

  it('counts the open copies at their stops, and skips while one has no SL', () => {
    const withOpen = limited({ dailyRisk: facts({ openCopies: [copy({ lots: 1.5 })] }) }); // 150 at SL: 230 left
    expect(only(planEvent(open, ctx([withOpen])))).toMatchObject({ volume: 1.15 });
    const unprotected = limited({ dailyRisk: facts({ openCopies: [copy({ ticket: 4242, stopLoss: 0 })] }) });
    expect(only(planEvent(open, ctx([unprotected])))).toEqual({
      action: 'skip',
      followerId: unprotected.config.accountId,
      masterTicket: 5001,
      reason: 'daily_risk_unbounded',
      detail: { openTicket: 4242, openSymbol: 'EURUSD', openLots: 1, symbol: 'EURUSD' },
    });
  });

  it('a copy without a SL (copy SL/TP off) is skipped, or sent at the fallback lot', () => {
    const noSl = limited({ cfg: (c) => (c.filters.copySlTp = false) });
    expect(only(planEvent(open, ctx([noSl])))).toMatchObject({ action: 'skip', reason: 'daily_risk_no_stop_loss' });
    const fallback = limited({ cfg: (c) => { c.filters.copySlTp = false; c.risk.noStopLoss = { mode: 'fallback', lots: 0.1 }; } });
    const leg = only(planEvent(open, ctx([fallback])));
    expect(leg).toMatchObject({ action: 'open', volume: 0.1, stopLoss: 0 });
    expect(leg.action === 'open' && leg.reasons.map((r) => r.code)).toEqual(['daily_risk_fallback', 'sl_tp_not_copied']);
  });

  it('reverse copy prices the follower stop, the master take-profit', () => {
    // Master sells with TP 1.098: the follower buys at 1.10002 with its stop at 1.098, 202 per lot → 1.88 lots.
    const reversed = limited({ cfg: (c) => (c.filters.reverse = true) });
    const leg = only(planEvent(openEvent({ side: 'sell', volume: 5, price: 1.1, stopLoss: 1.102, takeProfit: 1.098 }), ctx([reversed])));
    expect(leg).toMatchObject({ action: 'open', side: 'buy', volume: 1.88, stopLoss: 1.098 });
  });

  it('caps a pending copy from its trigger price to its stop', () => {
    // BuyLimit 1.095, SL 1.09: 500 per lot, 380 left → 0.76 lots.
    const leg = only(planEvent(pendingEvent({ volume: 5 }), ctx([limited()])));
    expect(leg).toMatchObject({ action: 'place_pending', volume: 0.76, price: 1.095, stopLoss: 1.09 });
    expect(leg.action === 'place_pending' && leg.reasons[0]?.code).toBe('daily_risk_capped');
  });

  it('without a limit, or without the engine facts, nothing is capped', () => {
    expect(only(planEvent(open, ctx([follower({ dailyRisk: facts({ balance: 9_000 }) })])))).toMatchObject({ volume: 5 });
    expect(only(planEvent(open, ctx([follower({ cfg: (c) => (c.risk.dailyLossLimit = 500) })])))).toMatchObject({ volume: 5 });
  });
});

describe('previewDailyRisk', () => {
  const base = {
    limit: 500,
    noStopLoss: SKIP,
    facts: facts(),
    follower: { summary: follower().summary, masterSummary: follower().summary, symbols: ['EURUSD'], specs, risk: { maxLot: null, belowMin: 'skip' as const } },
    sizing: { mode: 'multiplier' as const, multiplier: 1 },
    filters: { reverse: false, copySlTp: true },
    slippagePoints: 0,
    // An older trade: 5 lots with a 200-point stop; the next copy enters at the follower's ask now.
    trade: { position: 77, symbol: 'EURUSD', side: 'buy' as const, volume: 5, price: 1.2, stopLoss: 1.198 },
  };

  it("shows today's loss, open risk, what is left and the next copy's cap", () => {
    expect(previewDailyRisk(base)).toEqual({
      budget: { limit: 500, realizedLoss: 120, openRisk: 0, remaining: 380, unprotected: 0 },
      unavailable: null,
      openCopies: 0,
      next: {
        position: 77,
        masterSymbol: 'EURUSD',
        followerSymbol: 'EURUSD',
        side: 'buy',
        masterVolume: 5,
        entryPrice: 1.10002,
        stopLoss: 1.09802,
        sized: 5,
        volume: 1.9,
        skipped: null,
        reasons: [expect.objectContaining({ code: 'daily_risk_capped' })],
      },
    });
  });

  it('says why no copy can be proven, and what the next one would do', () => {
    const p = previewDailyRisk({ ...base, facts: facts({ openCopies: [copy({ stopLoss: 0 })] }) });
    expect(p.unavailable).toMatchObject({ reason: 'daily_risk_unbounded' });
    expect(p.openCopies).toBe(1);
    expect(p.next).toMatchObject({ sized: 5, volume: null, skipped: { reason: 'daily_risk_unbounded' } });
  });

  it('no limit: no budget; no trade: no next copy; a reverse copy: its stop is unknown', () => {
    expect(previewDailyRisk({ ...base, limit: null })).toEqual({ budget: null, unavailable: null, openCopies: 0, next: null });
    expect(previewDailyRisk({ ...base, trade: null }).next).toBeNull();
    expect(previewDailyRisk({ ...base, filters: { reverse: true, copySlTp: true } }).next).toMatchObject({ side: 'sell', volume: null, skipped: { reason: 'daily_risk_unknown', detail: { need: 'takeProfit' } } });
  });
});

/**
 * The daily risk budget's promise, checked on generated days: whatever sequence of copies is opened (each capped by
 * the budget) and of stops filled (their loss realized into the balance), the day's worst case — the realized loss plus
 * every open copy's loss at its SL — never exceeds the daily loss limit. The worst case is computed here independently,
 * in exact rationals from the integers the scenario was generated from, not with the module's arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OpenCopyRisk, TickSpec } from '../../../src/domain/daily-risk.js';
import { capToDailyBudget, dailyBudget } from '../../../src/domain/daily-risk.js';
import type { VolumeSpec } from '../../../src/domain/volume.js';

/** A symbol generated from integers: prices in units of 10^-digits, tick size k such units, tick value tv / 1000. */
interface GenSymbol {
  digits: number;
  tickUnits: number;
  tickValueMilli: number;
  stepDecimals: number;
  stepUnits: number;
  minSteps: number;
}

/** A copy as the scenario knows it: exact integers. */
interface GenCopy {
  symbol: number;
  side: 'buy' | 'sell';
  /** Volume in units of 10^-stepDecimals lots. */
  volumeUnits: number;
  entryUnits: number;
  stopUnits: number;
}

/** A loss as a fraction of cents. */
interface Ratio {
  num: bigint;
  den: bigint;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Exact loss at SL of a generated copy, in cents (0 for a stop on the profit side). */
function exactLossCents(c: GenCopy, s: GenSymbol): Ratio {
  const distance = c.side === 'buy' ? c.entryUnits - c.stopUnits : c.stopUnits - c.entryUnits;
  if (distance <= 0) return { num: 0n, den: 1n };
  // lots × distance ÷ tickSize × tickValue × 100 = (v / 10^sd) × (d / 10^digits) ÷ (k / 10^digits) × (tv / 1000) × 100
  return { num: BigInt(c.volumeUnits) * BigInt(distance) * BigInt(s.tickValueMilli) * 100n, den: pow10(s.stepDecimals) * BigInt(s.tickUnits) * 1000n };
}

const add = (a: Ratio, b: Ratio): Ratio => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
const ceilCents = (r: Ratio): bigint => (r.num % r.den === 0n ? r.num / r.den : r.num / r.den + 1n);

const symbolArb: fc.Arbitrary<GenSymbol> = fc.record({
  digits: fc.constantFrom(2, 3, 5),
  tickUnits: fc.constantFrom(1, 3, 5, 10, 25),
  tickValueMilli: fc.integer({ min: 1, max: 5_000 }),
  stepDecimals: fc.constantFrom(0, 1, 2),
  stepUnits: fc.constantFrom(1, 5),
  minSteps: fc.integer({ min: 1, max: 3 }),
});

const actionArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('open' as const), symbol: fc.integer({ min: 0, max: 1 }), side: fc.constantFrom('buy' as const, 'sell' as const), steps: fc.integer({ min: 1, max: 400 }), entry: fc.integer({ min: 1, max: 20_000 }), distance: fc.integer({ min: -200, max: 6_000 }), pending: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), pick: fc.nat() }) },
);

const scenarioArb = fc.record({
  symbols: fc.tuple(symbolArb, symbolArb),
  limitCents: fc.integer({ min: 100, max: 5_000_000 }),
  realizedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 30 }),
});

const toPrice = (units: number, digits: number): number => units / 10 ** digits;

function specOf(s: GenSymbol): TickSpec & VolumeSpec {
  const step = s.stepUnits / 10 ** s.stepDecimals;
  return { tickSize: s.tickUnits / 10 ** s.digits, tickValue: s.tickValueMilli / 1000, volumeStep: step, volumeMin: (s.stepUnits * s.minSteps) / 10 ** s.stepDecimals, volumeMax: 1e9 };
}

describe('daily risk budget: no sequence of fills at SL exceeds the limit', () => {
  it('realized loss + every open copy at its SL stays within the limit after every capped open and every stop', () => {
    fc.assert(
      fc.property(scenarioArb, ({ symbols, limitCents, realizedShare, actions }) => {
        const specs = new Map(symbols.map((s, i) => [`S${i}`, specOf(s)] as const));
        const startCents = 10_000_000n;
        let balanceCents = startCents - BigInt(Math.floor(limitCents * realizedShare));
        const open: (GenCopy & { ticket: number; pending: boolean })[] = [];
        let ticket = 1;
        const limit = limitCents / 100;
        for (const a of actions) {
          if (a.kind === 'stop') {
            if (open.length === 0) continue;
            // A stop fills: the copy's loss (rounded up to a cent, as a broker books it) leaves the balance.
            const [hit] = open.splice(a.pick % open.length, 1);
            if (hit === undefined) continue;
            balanceCents -= ceilCents(exactLossCents(hit, symbols[hit.symbol] as GenSymbol));
            continue;
          }
          const s = symbols[a.symbol] as GenSymbol;
          const entryUnits = a.entry * 10 ** Math.max(0, s.digits - 2);
          const stopUnits = a.side === 'buy' ? entryUnits - a.distance : entryUnits + a.distance;
          if (stopUnits <= 0) continue;
          const openCopies: OpenCopyRisk[] = open.map((c) => ({
            ticket: c.ticket,
            symbol: `S${c.symbol}`,
            side: c.side,
            lots: c.volumeUnits / 10 ** (symbols[c.symbol] as GenSymbol).stepDecimals,
            entryPrice: toPrice(c.entryUnits, (symbols[c.symbol] as GenSymbol).digits),
            stopLoss: toPrice(c.stopUnits, (symbols[c.symbol] as GenSymbol).digits),
            pending: c.pending,
          }));
          const b = dailyBudget(limit, { dayStartBalance: Number(startCents) / 100, balance: Number(balanceCents) / 100, openCopies }, specs, { mode: 'skip' });
          expect(b.ok).toBe(true);
          if (!b.ok) return;
          // Sizing hands the cap a volume on the grid, at least the minimum.
          const sizedUnits = Math.max(a.steps, s.minSteps) * s.stepUnits;
          const spec = specs.get(`S${a.symbol}`) as TickSpec & VolumeSpec;
          const cap = capToDailyBudget(
            b.budget,
            { side: a.side, volume: sizedUnits / 10 ** s.stepDecimals, entryPrice: toPrice(entryUnits, s.digits), stopLoss: toPrice(stopUnits, s.digits), spec },
            { mode: 'skip' },
          );
          if (!cap.ok) continue;
          const volumeUnits = Math.round(cap.volume * 10 ** s.stepDecimals);
          // Whole steps, at least the minimum, never more than sized.
          expect(volumeUnits % s.stepUnits).toBe(0);
          expect(volumeUnits).toBeGreaterThanOrEqual(s.stepUnits * s.minSteps);
          expect(volumeUnits).toBeLessThanOrEqual(sizedUnits);
          expect(Math.abs(cap.volume * 10 ** s.stepDecimals - volumeUnits)).toBeLessThan(1e-6);
          const added = { symbol: a.symbol, side: a.side, volumeUnits, entryUnits, stopUnits, ticket: ticket++, pending: a.pending };
          // The cap is tight: one step more would not have fitted (in the cents the budget counts).
          if (volumeUnits < sizedUnits) {
            const counted = open.reduce((sum, c) => sum + ceilCents(exactLossCents(c, symbols[c.symbol] as GenSymbol)), 0n);
            const realized = startCents > balanceCents ? startCents - balanceCents : 0n;
            const oneMore = ceilCents(exactLossCents({ ...added, volumeUnits: volumeUnits + s.stepUnits }, s));
            expect(realized + counted + oneMore).toBeGreaterThan(BigInt(limitCents));
          }
          open.push(added);
          // The promise, exactly: (start − balance) + Σ loss at SL ≤ limit.
          const worst = open.reduce<Ratio>((sum, c) => add(sum, exactLossCents(c, symbols[c.symbol] as GenSymbol)), { num: startCents - balanceCents, den: 1n });
          expect(worst.num <= BigInt(limitCents) * worst.den).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalsOf,
  formatLots,
  isValidVolume,
  normalizeVolume,
  partialCloseVolume,
  volumeGrid,
} from '../../../src/domain/volume.js';
import type { VolumeSpec } from '../../../src/domain/volume.js';

const STEPS = [0.01, 0.1, 1, 0.001, 0.05, 0.02, 0.5, 0.25] as const;

/** A spec whose min and max are multiples of the step, as brokers publish them. */
const specArb: fc.Arbitrary<VolumeSpec> = fc
  .record({
    step: fc.constantFrom(...STEPS),
    minMul: fc.integer({ min: 1, max: 10 }),
    maxMul: fc.integer({ min: 10, max: 100_000 }),
  })
  .map(({ step, minMul, maxMul }) => {
    const d = decimalsOf(step);
    const s = Math.round(step * 10 ** d);
    return { volumeStep: step, volumeMin: (s * minMul) / 10 ** d, volumeMax: (s * maxMul) / 10 ** d };
  });

const lotsArb = fc.double({ min: 1e-6, max: 5_000, noNaN: true, noDefaultInfinity: true });

function unitsOf(lots: number, spec: VolumeSpec): { units: number; stepUnits: number } {
  const g = volumeGrid(spec);
  return { units: Math.round(lots * g.scale), stepUnits: g.stepUnits };
}

describe('decimalsOf', () => {
  it.each([
    [0.01, 2],
    [0.1, 1],
    [1, 0],
    [0.001, 3],
    [0.05, 2],
    [2.5, 1],
    [0.1 + 0.2, 1],
    [100, 0],
  ])('%s has %s decimals', (x, d) => expect(decimalsOf(x)).toBe(d));
});

describe('normalizeVolume examples', () => {
  const fx: VolumeSpec = { volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01 };

  it('floors 0.3 / 0.1 to 3 steps, not 2', () => {
    const r = normalizeVolume(0.3, { volumeMin: 0.1, volumeMax: 10, volumeStep: 0.1 });
    expect(r).toMatchObject({ ok: true, volume: 0.3, steps: 3, reasons: [] });
  });

  it('produces exact decimals without drift', () => {
    const r = normalizeVolume(0.07 * 1.0000000001, fx);
    expect(r.ok && r.volume).toBe(0.07);
    expect(String(r.ok && r.volume)).toBe('0.07');
    const s = normalizeVolume(0.1 + 0.2, fx);
    expect(s.ok && s.volume).toBe(0.3);
  });

  it('rounds down to step with a volume_rounded reason', () => {
    const r = normalizeVolume(0.128, fx);
    expect(r).toMatchObject({ ok: true, volume: 0.12, reasons: [{ code: 'volume_rounded', detail: { from: 0.128, to: 0.12 } }] });
  });

  it('clamps to volumeMax with volume_max', () => {
    const r = normalizeVolume(73.456, fx);
    expect(r).toMatchObject({ ok: true, volume: 50 });
    expect(r.ok && r.reasons.map((x) => x.code)).toEqual(['volume_rounded', 'volume_max']);
  });

  it('skips below the minimum by default', () => {
    expect(normalizeVolume(0.004, fx)).toEqual({ ok: false, reason: 'below_min_volume', detail: { lots: 0.004, min: 0.01 } });
  });

  it('rounds up to the minimum with round_up', () => {
    const r = normalizeVolume(0.004, fx, 'round_up');
    expect(r).toMatchObject({ ok: true, volume: 0.01, steps: 1 });
    expect(r.ok && r.reasons.at(-1)?.code).toBe('rounded_up_to_min');
  });

  it('rejects zero, negative and non-finite lots', () => {
    expect(normalizeVolume(0, fx)).toMatchObject({ ok: false, reason: 'zero_volume' });
    expect(normalizeVolume(-1, fx)).toMatchObject({ ok: false, reason: 'zero_volume' });
    expect(normalizeVolume(Number.NaN, fx)).toMatchObject({ ok: false, reason: 'zero_volume' });
  });

  it('treats a minimum that is not a step multiple as the next multiple', () => {
    const r = normalizeVolume(0.12, { volumeMin: 0.15, volumeMax: 10, volumeStep: 0.1 }, 'round_up');
    expect(r.ok && r.volume).toBe(0.2);
  });

  it('falls back to the minimum as step when the bridge reports step 0', () => {
    const r = normalizeVolume(0.37, { volumeMin: 0.1, volumeMax: 10, volumeStep: 0 });
    expect(r.ok && r.volume).toBe(0.3);
  });

  it('formats exact decimals', () => {
    expect(formatLots(0.07)).toBe('0.07');
    expect(formatLots(0.1 + 0.2)).toBe('0.3');
    expect(formatLots(1)).toBe('1');
    expect(formatLots(0.125)).toBe('0.125');
    expect(formatLots(2.5, 2)).toBe('2.5');
  });
});

describe('normalizeVolume properties', () => {
  it('is a whole number of steps, within [min, max] or skipped, never above the input, idempotent', () => {
    fc.assert(
      fc.property(specArb, lotsArb, (spec, lots) => {
        const r = normalizeVolume(lots, spec, 'skip');
        if (!r.ok) {
          expect(r.reason).toBe('below_min_volume');
          expect(lots).toBeLessThan(spec.volumeMin * (1 + 1e-9));
          return;
        }
        const { units, stepUnits } = unitsOf(r.volume, spec);
        expect(units % stepUnits).toBe(0);
        expect(r.volume).toBeLessThanOrEqual(spec.volumeMax);
        expect(r.volume).toBeGreaterThanOrEqual(spec.volumeMin);
        expect(r.volume).toBeLessThanOrEqual(lots * (1 + 1e-9));
        // Exact: the value is the parse of its own decimal text.
        expect(Number(formatLots(r.volume))).toBe(r.volume);
        expect(isValidVolume(r.volume, spec)).toBe(true);
        const again = normalizeVolume(r.volume, spec, 'skip');
        expect(again.ok && again.volume).toBe(r.volume);
        expect(again.ok && again.reasons).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
  });

  it('round_up never skips a positive lot and only exceeds the input to reach the minimum', () => {
    fc.assert(
      fc.property(specArb, lotsArb, (spec, lots) => {
        const r = normalizeVolume(lots, spec, 'round_up');
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        // The floor tolerates binary noise of ~1e-12 relative, so compare with that slack.
        if (r.volume > lots * (1 + 1e-9)) expect(r.volume).toBe(spec.volumeMin);
        expect(r.volume).toBeGreaterThanOrEqual(spec.volumeMin);
      }),
      { numRuns: 5_000 },
    );
  });

  it('a whole number of steps round-trips exactly (no drift over 10k step counts)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STEPS), fc.integer({ min: 1, max: 1_000_000 }), (step, n) => {
        const d = decimalsOf(step);
        const exact = (n * Math.round(step * 10 ** d)) / 10 ** d;
        const noisy = n * step; // what naive float arithmetic would produce
        const r = normalizeVolume(noisy, { volumeMin: step, volumeMax: 1e9, volumeStep: step });
        expect(r.ok && r.volume).toBe(exact);
        expect(r.ok && r.steps).toBe(n);
      }),
      { numRuns: 10_000 },
    );
  });

  it('is monotonic: more lots never give a smaller volume', () => {
    fc.assert(
      fc.property(specArb, lotsArb, lotsArb, (spec, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const rl = normalizeVolume(lo, spec, 'round_up');
        const rh = normalizeVolume(hi, spec, 'round_up');
        expect(rl.ok && rh.ok && rl.volume <= rh.volume).toBe(true);
      }),
    );
  });
});

describe('partialCloseVolume', () => {
  const fx: VolumeSpec = { volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01 };

  it('takes the same fraction, rounded down', () => {
    expect(partialCloseVolume(1, 0.5, fx)).toEqual({ volume: 0.5, whole: false, remainderBelowMin: false });
    expect(partialCloseVolume(0.3, 1 / 3, fx)).toEqual({ volume: 0.1, whole: false, remainderBelowMin: false });
    expect(partialCloseVolume(0.05, 0.5, fx)).toEqual({ volume: 0.02, whole: false, remainderBelowMin: false });
    expect(partialCloseVolume(1, 0.03 / 0.1, fx).volume).toBe(0.3);
  });

  it('closes the whole when the remainder falls below the minimum', () => {
    const spec = { volumeMin: 0.1, volumeMax: 100, volumeStep: 0.01 };
    expect(partialCloseVolume(0.25, 0.7, spec)).toEqual({ volume: 0.25, whole: true, remainderBelowMin: true });
  });

  it('closes nothing when the fraction is less than one step', () => {
    expect(partialCloseVolume(0.05, 0.1, fx)).toEqual({ volume: 0, whole: false, remainderBelowMin: false });
  });

  it('fraction ≥ 1 is a whole close', () => {
    expect(partialCloseVolume(0.37, 1, fx)).toEqual({ volume: 0.37, whole: true, remainderBelowMin: false });
  });

  it('never over-closes; close + remainder = position; remainder is 0 or ≥ min', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (spec, n, fraction) => {
        const g = volumeGrid(spec);
        const stepsTotal = Math.max(n, g.minSteps);
        const position = (stepsTotal * g.stepUnits) / g.scale;
        const r = partialCloseVolume(position, fraction, spec);
        const closeUnits = Math.round(r.volume * g.scale);
        const posUnits = Math.round(position * g.scale);
        expect(closeUnits).toBeLessThanOrEqual(posUnits);
        expect(closeUnits % g.stepUnits).toBe(0);
        const remUnits = posUnits - closeUnits;
        if (r.whole) expect(remUnits).toBe(0);
        if (r.volume > 0 && !r.whole) expect(remUnits).toBeGreaterThanOrEqual(g.minSteps * g.stepUnits);
        // Never more than the fraction asks, except the whole-close rule for a tiny remainder.
        if (!r.remainderBelowMin) expect(closeUnits).toBeLessThanOrEqual(posUnits * fraction + 1e-6 * posUnits + (fraction >= 1 ? posUnits : 0));
      }),
      { numRuns: 5_000 },
    );
  });
});

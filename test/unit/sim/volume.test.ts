import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkVolume, floorToStep, toLots, toUnits, volumeRules } from '../../../src/sim/broker/volume.js';

describe('volume arithmetic', () => {
  const fx = volumeRules(0.01, 100, 0.01);
  const idx = volumeRules(0.1, 50, 0.1);
  const whole = volumeRules(1, 100, 1);

  it('accepts on-step volumes and refuses min/max/step violations', () => {
    expect(checkVolume(toUnits(0.07), fx)).toBe('ok');
    expect(checkVolume(toUnits(0.3), idx)).toBe('ok');
    expect(checkVolume(toUnits(0.1 + 0.2), idx)).toBe('ok'); // 0.30000000000000004 in floats
    expect(checkVolume(toUnits(0.005), fx)).toBe('below_min');
    expect(checkVolume(toUnits(100.01), fx)).toBe('above_max');
    expect(checkVolume(toUnits(0.015), fx)).toBe('off_step');
    expect(checkVolume(toUnits(0.25), idx)).toBe('off_step');
    expect(checkVolume(toUnits(1.5), whole)).toBe('off_step');
    expect(checkVolume(0, fx)).toBe('not_positive');
  });

  it('floors to the step exactly', () => {
    expect(toLots(floorToStep(toUnits(0.579), fx.stepUnits))).toBe(0.57);
    expect(toLots(floorToStep(toUnits(0.35), idx.stepUnits))).toBe(0.3);
    expect(toLots(floorToStep(toUnits(2.99), whole.stepUnits))).toBe(2);
  });

  it('never drifts: any sum of step multiples stays on the grid and converts back exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 50 }), (steps) => {
        let units = 0;
        let floats = 0;
        for (const s of steps) {
          units += toUnits(s * 0.01);
          floats += s * 0.01;
        }
        expect(units % fx.stepUnits).toBe(0);
        expect(toLots(units)).toBe(Number((steps.reduce((a, b) => a + b, 0) / 100).toFixed(2)));
        // The float sum may drift, the integer sum must not.
        expect(Math.abs(toLots(units) - floats)).toBeLessThan(1e-6);
      }),
    );
  });
});

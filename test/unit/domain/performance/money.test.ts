import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorToDecimal, minorToNumber, scaleMinor, sumMinor, toMinor } from '../../../../src/domain/performance/money.js';

describe('toMinor', () => {
  it.each([
    [12.34, 2, 1234],
    [-12.34, 2, -1234],
    [0.1 + 0.2, 2, 30],
    [1.005, 2, 101],
    [-0.005, 2, -1],
    [0.004, 2, 0],
    [1500, 0, 1500],
    [1.2345, 3, 1235],
    [1.5e-7, 2, 0],
    [2.5e21 / 1e21, 2, 250],
    [123456789.12, 2, 12345678912],
  ])('%s with %s digits is %s', (value, digits, minor) => {
    expect(toMinor(value, digits)).toBe(minor);
  });

  it('never returns -0', () => {
    expect(Object.is(toMinor(-0.001, 2), 0)).toBe(true);
  });

  it('refuses what is not an amount', () => {
    expect(() => toMinor(Number.NaN, 2)).toThrow(RangeError);
    expect(() => toMinor(Infinity, 2)).toThrow(RangeError);
    expect(() => toMinor(1e21, 2)).toThrow(/too large/);
    expect(() => toMinor(1, -1)).toThrow(/digits/);
  });

  it('reads back what minorToNumber wrote (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: 0, max: 4 }), (minor, digits) => {
        expect(toMinor(minorToNumber(minor, digits), digits)).toBe(minor === 0 ? 0 : minor);
      }),
    );
  });
});

describe('minorToDecimal', () => {
  it.each([
    [123456, 2, '1234.56'],
    [-5, 2, '-0.05'],
    [0, 2, '0.00'],
    [7, 0, '7'],
    [-1234, 3, '-1.234'],
  ])('%s / 10^%s = %s', (minor, digits, text) => {
    expect(minorToDecimal(minor, digits)).toBe(text);
  });
});

describe('sums of broker amounts', () => {
  it('are exact and the same in any order (property)', () => {
    const amount = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((c) => c / 100);
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 200 }), fc.integer(), (amounts, seed) => {
        const minors = amounts.map((a) => toMinor(a, 2));
        const shuffled = [...minors].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
        const exact = amounts.reduce((t, a) => t + BigInt(Math.round(a * 100)), 0n);
        expect(sumMinor(minors)).toBe(Number(exact));
        expect(sumMinor(shuffled)).toBe(sumMinor(minors));
      }),
    );
  });

  it('a float sum of the same amounts drifts where the minor sum does not', () => {
    const amounts = Array.from({ length: 10 }, () => 0.1);
    expect(amounts.reduce((a, b) => a + b, 0)).not.toBe(1);
    expect(sumMinor(amounts.map((a) => toMinor(a, 2)))).toBe(100);
  });
});

describe('scaleMinor', () => {
  it('rounds half away from zero, once', () => {
    expect(scaleMinor(100, 0.505)).toBe(51);
    expect(scaleMinor(-100, 0.505)).toBe(-51);
    expect(scaleMinor(1234, 1)).toBe(1234);
    expect(() => scaleMinor(1, Number.NaN)).toThrow(RangeError);
  });
});

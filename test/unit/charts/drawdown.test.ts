import { describe, expect, it } from 'vitest';
import { drawdownOf, exactDifference } from '../../../src/charts/drawdown.js';

const at = (values: number[]) => values.map((value, i) => ({ tMs: i * 1000, value }));

describe('drawdownOf', () => {
  it('measures each point from the highest value before it, the period starting at 0', () => {
    const { points, max } = drawdownOf(at([120.5, 80.25, 160.25, 9.5, -50.5, 149.6]));
    expect(points.map((p) => p.peak)).toEqual([120.5, 120.5, 160.25, 160.25, 160.25, 160.25]);
    expect(points.map((p) => p.drawdown)).toEqual([0, -40.25, 0, -150.75, -210.75, -10.65]);
    expect(max).toBe(-210.75);
  });

  it('counts a first closed loss as a drawdown from the 0 the period starts at', () => {
    const { points, max } = drawdownOf(at([-12.3, -5]));
    expect(points.map((p) => p.peak)).toEqual([0, 0]);
    expect(max).toBe(-12.3);
  });

  it('has no drawdown for a series that only rises or stays', () => {
    expect(drawdownOf(at([1, 1, 2.5, 7])).max).toBe(0);
    expect(drawdownOf([]).max).toBe(0);
  });

  it('subtracts decimal amounts without binary drift', () => {
    expect(exactDifference(0.1, 0.3)).toBe(-0.2);
    expect(0.1 - 0.3).not.toBe(-0.2);
    expect(exactDifference(1234.56, 1234.57)).toBe(-0.01);
    expect(exactDifference(1e-12, 3e-12)).toBeCloseTo(-2e-12, 20);
  });
});

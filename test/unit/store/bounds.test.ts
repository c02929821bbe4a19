import { describe, expect, it } from 'vitest';
import { pruneProcessed, pushBounded } from '../../../src/store/bounds.js';

describe('pushBounded', () => {
  it('keeps the newest max items', () => {
    const list: number[] = [];
    for (let i = 0; i < 25; i++) pushBounded(list, i, 10);
    expect(list).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });
});

describe('pruneProcessed', () => {
  const events = (ats: number[]) => ats.map((at, i) => ({ eventId: `e${i}`, at }));

  it('drops beyond the count, oldest first', () => {
    const list = events([1, 2, 3, 4, 5]);
    pruneProcessed(list, 3, null, 5);
    expect(list.map((e) => e.at)).toEqual([3, 4, 5]);
  });

  it('drops entries older than the age before the newest', () => {
    const list = events([1, 2, 50, 90, 100]);
    pruneProcessed(list, 100, 60, 100);
    expect(list.map((e) => e.at)).toEqual([50, 90, 100]);
  });

  it('applies both bounds', () => {
    const list = events([1, 80, 90, 95, 100]);
    pruneProcessed(list, 2, 60, 100);
    expect(list.map((e) => e.at)).toEqual([95, 100]);
  });
});

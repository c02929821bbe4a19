import { describe, expect, it } from 'vitest';

import { reconnectDelayMs } from '../../../src/fxsocket/index.js';
import { DropOldestQueue } from '../../../src/fxsocket/event-queue.js';

describe('reconnectDelayMs', () => {
  const noJitter = { jitter: 0 };

  it('is immediate first, then 0.5 s, 1 s, 2 s … capped at 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) => reconnectDelayMs(attempt, noJitter));
    expect(delays).toEqual([0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(reconnectDelayMs(10_000, noJitter)).toBe(30_000);
  });

  it('jitters within ±20 % and never above the cap', () => {
    expect(reconnectDelayMs(3, {}, () => 0)).toBe(800);
    expect(reconnectDelayMs(3, {}, () => 1)).toBe(1200);
    expect(reconnectDelayMs(20, {}, () => 1)).toBe(30_000);
    expect(reconnectDelayMs(1, {}, () => 1)).toBe(0);
  });
});

describe('DropOldestQueue', () => {
  it('keeps FIFO order and drops the oldest when full', () => {
    const queue = new DropOldestQueue<number>(3);
    expect([1, 2, 3].map((n) => queue.push(n))).toEqual([false, false, false]);
    expect(queue.push(4)).toBe(true);
    expect(queue.dropped).toBe(1);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([2, 3, 4, undefined]);
  });

  it('grows lazily up to its capacity, keeping order across the wrap, then drops', () => {
    const queue = new DropOldestQueue<number>(100);
    for (let i = 0; i < 10; i += 1) queue.push(i);
    for (let i = 0; i < 5; i += 1) queue.shift();
    for (let i = 10; i < 105; i += 1) queue.push(i);
    expect(queue.size).toBe(100);
    expect(queue.dropped).toBe(0);
    expect(queue.push(105)).toBe(true);
    expect(queue.dropped).toBe(1);
    const drained: number[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) drained.push(item);
    expect(drained).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));
  });

  it('grows without bound when the capacity is 0', () => {
    const queue = new DropOldestQueue<number>(0);
    for (let i = 0; i < 100; i += 1) queue.push(i);
    queue.shift();
    for (let i = 100; i < 150; i += 1) queue.push(i);
    expect(queue.size).toBe(149);
    expect(queue.dropped).toBe(0);
    expect(queue.shift()).toBe(1);
  });
});

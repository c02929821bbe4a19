import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../src/engine/serial-queue.js';

describe('SerialQueue', () => {
  it('runs tasks one at a time in submission order, and reports a failing task without stopping', async () => {
    const errors: unknown[] = [];
    const q = new SerialQueue((e) => errors.push(e));
    const seen: string[] = [];
    const task = (name: string, fail = false) => async () => {
      seen.push(`start ${name}`);
      await Promise.resolve();
      seen.push(`end ${name}`);
      if (fail) throw new Error(name);
    };
    void q.push(task('a'));
    void q.push(task('b', true));
    void q.push(task('c'));
    await q.idle();
    expect(seen).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(errors).toHaveLength(1);
    expect(q.size).toBe(0);
  });

  it('starts a task pushed to an idle queue at once, and a queued one in a later event-loop turn', async () => {
    const q = new SerialQueue(() => undefined);
    const seen: string[] = [];
    setImmediate(() => seen.push('earlier loop work'));
    void q.push(async () => {
      seen.push('first');
      // Work of the loop (a reply, a follower frame, a timer) that became ready while the first task ran.
      setImmediate(() => seen.push('loop work'));
      await Promise.resolve();
    });
    void q.push(async () => {
      seen.push('second');
      await Promise.resolve();
    });
    await q.idle();
    // Without the turn in between, the backlog would run as one chain of microtasks, before any of the loop's work.
    expect(seen).toEqual(['first', 'earlier loop work', 'loop work', 'second']);
  });
});

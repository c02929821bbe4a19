import { describe, expect, it } from 'vitest';
import { runGrouped } from '../../../src/sim/http/batch-common.js';

interface Leg {
  account: string;
  delay?: Promise<void>;
  fail?: boolean;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runGrouped', () => {
  it('answers synchronous legs in one pass, in positional order, with positional results', async () => {
    const ran: number[] = [];
    const legs: Leg[] = [{ account: 'a' }, { account: 'b' }, { account: 'a' }, { account: 'c' }];
    const done = runGrouped(legs, (l) => l.account, (l, i) => {
      ran.push(i);
      return `${l.account}${i}`;
    });
    // Every leg ran before the first await: no promise per leg.
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(await done).toEqual(['a0', 'b1', 'a2', 'c3']);
  });

  it('holds back only the later legs of an account whose leg is delayed', async () => {
    const gate = deferred();
    const ran: number[] = [];
    const legs: Leg[] = [{ account: 'a', delay: gate.promise }, { account: 'b' }, { account: 'a' }, { account: 'b' }];
    const done = runGrouped(legs, (l) => l.account, (l, i) => {
      ran.push(i);
      return l.delay ? l.delay.then(() => `late${i}`) : `now${i}`;
    });
    await Promise.resolve();
    expect(ran).toEqual([0, 1, 3]);
    gate.resolve();
    expect(await done).toEqual(['late0', 'now1', 'now2', 'now3']);
    expect(ran).toEqual([0, 1, 3, 2]);
  });

  it('fails with the first error; the failing account stops, the others still run', async () => {
    const ran: number[] = [];
    const legs: Leg[] = [{ account: 'a', fail: true }, { account: 'b' }, { account: 'a' }];
    const done = runGrouped(legs, (l) => l.account, (l, i) => {
      ran.push(i);
      if (l.fail) throw new Error(`leg ${i} broke`);
      return i;
    });
    await expect(done).rejects.toThrow('leg 0 broke');
    expect(ran).toEqual([0, 1]);
  });
});

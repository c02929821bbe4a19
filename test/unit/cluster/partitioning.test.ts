import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairShare, partitionOf, preferredPartitions } from '../../../src/cluster/partitioning.js';

describe('partitioning', () => {
  it('hashes a follower to the same partition whatever the worker count', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 256 }), (id, p) => {
        const a = partitionOf(id, p);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThan(p);
        expect(partitionOf(id, p)).toBe(a);
      }),
    );
  });

  it('gives every partition to exactly one live worker, none more than its fair share', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (workers, p) => {
        const owners = new Map<number, string>();
        for (const w of workers) {
          const mine = preferredPartitions(w, workers, p);
          expect(mine.length).toBeLessThanOrEqual(fairShare(p, workers.length));
          for (const x of mine) {
            expect(owners.has(x)).toBe(false);
            owners.set(x, w);
          }
        }
        expect(owners.size).toBe(p);
      }),
    );
  });

  it('moves only the lost worker’s partitions when one of three goes', () => {
    const all = ['w1', 'w2', 'w3'];
    const before = new Map(all.map((w) => [w, preferredPartitions(w, all, 12)]));
    const after = ['w1', 'w3'].map((w) => preferredPartitions(w, ['w1', 'w3'], 12));
    // A worker that stays keeps most of what it had (rendezvous hashing), and the two cover all 12.
    expect(new Set(after.flat()).size).toBe(12);
    const kept = (before.get('w1') ?? []).filter((p) => (after[0] ?? []).includes(p)).length;
    expect(kept).toBeGreaterThanOrEqual(2);
  });

  it('refuses a non-positive partition count', () => {
    expect(() => partitionOf('a', 0)).toThrow(/positive integer/);
  });
});

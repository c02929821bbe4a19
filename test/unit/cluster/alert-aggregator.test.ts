import { describe, expect, it } from 'vitest';
import { AlertAggregator } from '../../../src/cluster/alert-aggregator.js';
import type { CopierEvent, LegOutcome } from '../../../src/engine/index.js';

function leg(followerId: string): LegOutcome {
  return { followerId, followerName: followerId, status: 'filled', action: 'open', symbol: 'EURUSD', volume: 0.1, price: 1.1, slippagePoints: 0, latencyMs: 1, ticket: 1, retcode: 10009, reason: null, detail: {} };
}
function copied(eventId: string, followers: string[]): CopierEvent {
  return {
    type: 'copied',
    at: 0,
    masterId: 'm',
    masterName: 'master',
    event: { kind: 'open', eventId, symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.1, ticket: 7 },
    legs: followers.map(leg),
    elapsedMs: 5,
  };
}

describe('alert aggregation', () => {
  it('sends one message per master event once every expected partition reported', () => {
    const agg = new AlertAggregator({ waitMs: 500, expectedPartitions: () => new Set([0, 1, 2]) });
    expect(agg.add('1-0', 0, copied('d1', ['a']), 0)).toEqual([]);
    expect(agg.add('1-1', 2, copied('d1', ['c']), 10)).toEqual([]);
    const out = agg.add('1-2', 1, copied('d1', ['b']), 20);
    expect(out).toHaveLength(1);
    const e = out[0]?.event;
    expect(e?.type === 'copied' && e.legs.map((l) => l.followerId).sort()).toEqual(['a', 'b', 'c']);
    expect(out[0]?.entries).toEqual(['1-0', '1-1', '1-2']);
  });

  it('waits at most waitMs; a late partition’s legs come again with every leg so far, to edit the message', () => {
    const agg = new AlertAggregator({ waitMs: 300, expectedPartitions: () => new Set([0, 1, 2]) });
    agg.add('1-0', 0, copied('d2', ['a']), 0);
    expect(agg.due(299)).toEqual([]);
    const first = agg.due(300);
    expect(first).toHaveLength(1);
    const f = first[0]?.event;
    expect(f?.type === 'copied' && f.message).toEqual({ key: 'copied:m:d2', posted: 0 });
    const late = agg.add('1-1', 1, copied('d2', ['b']), 900);
    expect(late).toHaveLength(1);
    expect(late[0]?.key).toContain(':late:1');
    expect(late[0]?.show).toBe(true);
    const l = late[0]?.event;
    expect(l?.type === 'copied' && [l.legs.map((x) => x.followerId), l.message]).toEqual([['a', 'b'], { key: 'copied:m:d2', posted: 1 }]);
    const later = agg.add('1-2', 2, copied('d2', ['c']), 950)[0]?.event;
    expect(later?.type === 'copied' && [later.legs.map((x) => x.followerId), later.message]).toEqual([['a', 'b', 'c'], { key: 'copied:m:d2', posted: 2 }]);
  });

  it('a message remembered from the control process before is brought up to date by late legs, and forgotten in time', () => {
    const agg = new AlertAggregator({ waitMs: 300, expectedPartitions: () => new Set([0, 1]), memoryMs: 1_000 });
    const posted = { ...(copied('d3', ['a']) as Extract<CopierEvent, { type: 'copied' }>), message: { key: 'copied:m:d3', posted: 0 } };
    agg.remember('copied:m:d3', posted, 100);
    const late = agg.add('2-0', 1, copied('d3', ['b']), 200)[0]?.event;
    expect(late?.type === 'copied' && [late.legs.map((x) => x.followerId), late.message]).toEqual([['a', 'b'], { key: 'copied:m:d3', posted: 1 }]);
    // Past the memory, another event d4 makes the aggregator forget d3: its next legs wait as an event of their own.
    agg.add('2-1', 0, copied('d4', ['a']), 1_300);
    agg.due(1_300);
    expect(agg.add('2-2', 0, copied('d3', ['c']), 1_350)).toEqual([]);
  });

  it('reports one outage once although every partition reading the master saw it', () => {
    const agg = new AlertAggregator({ waitMs: 300, expectedPartitions: () => new Set([0]) });
    const lost: CopierEvent = { type: 'connection', at: 0, accountId: 'm', accountName: 'master', role: 'master', state: 'lost', downMs: null };
    expect(agg.add('1-0', 0, lost, 0).filter((a) => a.show)).toHaveLength(1);
    expect(agg.add('1-1', 1, lost, 5).filter((a) => a.show)).toHaveLength(0);
    const back: CopierEvent = { ...lost, state: 'restored', downMs: 100 };
    expect(agg.add('1-2', 0, back, 100).filter((a) => a.show)).toHaveLength(1);
    expect(agg.add('1-3', 1, back, 105).filter((a) => a.show)).toHaveLength(0);
  });
});

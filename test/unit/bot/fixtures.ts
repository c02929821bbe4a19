/** Copier events for formatting, notifier and outbox tests. */
import type { CopierEvent, LegOutcome } from '../../../src/engine/events.js';

export function leg(patch: Partial<LegOutcome> = {}): LegOutcome {
  return {
    followerId: 'f1',
    followerName: 'Alpha',
    status: 'filled',
    action: 'open',
    symbol: 'EURUSDm',
    volume: 0.37,
    price: 1.08512,
    slippagePoints: 1.5,
    latencyMs: 84,
    ticket: 5001,
    retcode: 10009,
    reason: null,
    detail: {},
    ...patch,
  };
}

export function copied(legs: LegOutcome[], patch: Partial<Extract<CopierEvent, { type: 'copied' }>> = {}): Extract<CopierEvent, { type: 'copied' }> {
  return {
    type: 'copied',
    at: Date.UTC(2025, 0, 6, 12, 0, 0),
    masterId: 'm1',
    masterName: 'Master <One>',
    event: { kind: 'open', eventId: 'd1', symbol: 'EURUSD', side: 'buy', volume: 0.37, price: 1.0851, ticket: 777 },
    legs,
    elapsedMs: 245,
    ...patch,
  };
}

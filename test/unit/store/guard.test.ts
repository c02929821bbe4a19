import { describe, expect, it } from 'vitest';
import { FatalError } from '../../../src/domain/errors.js';
import { WriteGuard } from '../../../src/store/guard.js';
import { createDefaultState, type JournalEntry } from '../../../src/store/schema.js';

function entry(at: number): JournalEntry {
  return {
    at, masterId: 'm', eventId: `e${at}`, eventKind: 'open', followerId: 'f', action: 'open', status: 'filled',
    reason: null, detail: {}, masterTicket: null, followerTicket: null, symbol: null, volume: null, price: null,
  };
}

function failure(fn: () => void): FatalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FatalError);
    return err as FatalError;
  }
  throw new Error('expected state_invalid_write');
}

describe('WriteGuard', () => {
  it('passes a valid document and refuses an invalid one with paths', () => {
    const guard = new WriteGuard();
    const state = createDefaultState('x');
    guard.check(state);
    state.masters.push({ accountId: 'm1', paused: 'no' as unknown as boolean });
    const err = failure(() => guard.check(state));
    expect(err.code).toBe('state_invalid_write');
    expect(err.message).toContain('masters[0].paused');
  });

  it('checks journal and processed entries added since the last good check', () => {
    const guard = new WriteGuard();
    const state = createDefaultState('x');
    for (let i = 0; i < 5; i++) state.journal.push(entry(i));
    state.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    guard.check(state);

    state.journal.push({ ...entry(5), price: Number.NaN });
    expect(failure(() => guard.check(state)).message).toContain('journal[5].price');
    state.journal.pop();
    state.processed['m1'].push({ eventId: '', at: 2 });
    expect(failure(() => guard.check(state)).message).toContain('processed.m1[1].eventId');
    state.processed['m1'].pop();
    guard.check(state);
  });

  it('rechecks a list whose last checked entry is gone (replaced or trimmed)', () => {
    const guard = new WriteGuard();
    const state = createDefaultState('x');
    state.journal.push(entry(1));
    guard.check(state);
    state.journal = [{ ...entry(1), status: 'done' as JournalEntry['status'] }, entry(2)];
    expect(failure(() => guard.check(state)).message).toContain('journal[0].status');
  });

  it('does not look again at entries already checked (they are append-only records)', () => {
    const guard = new WriteGuard();
    const state = createDefaultState('x');
    state.journal.push(entry(1), entry(2));
    guard.check(state);
    (state.journal[0] as { at: unknown }).at = 'changed in place';
    expect(() => guard.check(state)).not.toThrow();
  });
});

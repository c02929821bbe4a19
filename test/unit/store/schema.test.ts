import { describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import {
  createDefaultState,
  followerConfigSchema,
  journalEntrySchema,
  pendingLegSchema,
  STATE_VERSION,
  stateSchema,
} from '../../../src/store/schema.js';

describe('state schema', () => {
  it('accepts the default state', () => {
    const { journal, links, ...rest } = createDefaultState('inst-1');
    const doc = { ...rest, linksSeq: 0 };
    expect(stateSchema.parse(doc)).toEqual(doc);
    expect(doc.version).toBe(STATE_VERSION);
    expect(journal).toEqual([]);
    expect(links).toEqual([]);
  });

  it('keeps the journal and the links out of the state file', () => {
    expect(stateSchema.safeParse({ ...createDefaultState('inst-1'), linksSeq: 0 }).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['links', 'journal'],
    });
  });

  it('accepts the domain default follower', () => {
    const follower = defaultFollower('f1', ['m1']);
    expect(followerConfigSchema.parse(follower)).toEqual(follower);
  });

  it('refuses misspelt keys, wrong enums and non-finite numbers with their paths', () => {
    const follower = { ...defaultFollower('f1', ['m1']), pasued: true };
    const r1 = followerConfigSchema.safeParse(follower);
    expect(r1.success).toBe(false);

    const { journal: _journal, ...state } = createDefaultState('x');
    const bad = {
      ...state,
      followers: [{ ...defaultFollower('f1', []), sizing: { mode: 'multiplier', multiplier: Number.NaN } }],
    };
    const r2 = stateSchema.safeParse(bad);
    expect(r2.success).toBe(false);
    expect(r2.error?.issues.map((i) => i.path.join('.'))).toContain('followers.0.sizing.multiplier');
  });

  it('requires every alert kind on a chat user', () => {
    const { journal: _journal, ...doc } = createDefaultState('x');
    const state = {
      ...doc,
      users: [{ id: 1, role: 'admin', name: null, addedAt: 0, alerts: { copies: 'on' } }],
    };
    const r = stateSchema.safeParse(state);
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.path.join('.') === 'users.0.alerts.rejections')).toBe(true);
  });

  it('keeps any JSON as a pending leg and requires one', () => {
    const leg = {
      id: 'p1', kind: 'market_closed', masterId: 'm1', eventId: 'd1', followerId: 'f1', createdAt: 1,
      expiresAt: 2, leg: { symbol: 'US30', volume: 0.1, nested: [1, null, 'x'] }, note: '',
    };
    expect(pendingLegSchema.parse(leg)).toEqual(leg);
    const { leg: _omitted, ...withoutLeg } = leg;
    expect(pendingLegSchema.safeParse(withoutLeg).success).toBe(false);
  });

  it('restricts journal detail values to scalars', () => {
    const entry = {
      at: 1, masterId: 'm', eventId: 'e', eventKind: 'open', followerId: 'f', action: 'open', status: 'filled',
      reason: null, detail: { a: 1, b: 'x', c: true, d: null }, masterTicket: null, followerTicket: null,
      symbol: null, volume: null, price: null,
    };
    expect(journalEntrySchema.safeParse(entry).success).toBe(true);
    expect(journalEntrySchema.safeParse({ ...entry, detail: { a: [1] } }).success).toBe(false);
    expect(journalEntrySchema.safeParse({ ...entry, status: 'done' }).success).toBe(false);
  });
});

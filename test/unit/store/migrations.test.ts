import { describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../../src/store/migrations.js';
import { STATE_VERSION, stateSchema } from '../../../src/store/schema.js';

describe('migrations', () => {
  it('has a step from every older version', () => {
    for (let v = 0; v < STATE_VERSION; v++) expect(migrations[v]).toBeTypeOf('function');
  });

  it('turns a v0 document into a valid current one, keeping its data', () => {
    const v0 = {
      version: 0,
      instanceId: 'old',
      masters: [{ accountId: 'm1', paused: false }],
      followers: [],
      users: [],
      links: [],
      processed: { m1: [{ eventId: 'd1', at: 5 }] },
      pending: [],
      journal: [],
    };
    const current = stateSchema.parse(migrate(v0, 0));
    expect(current).toMatchObject({ version: STATE_VERSION, instanceId: 'old', daily: {}, masterHistory: {} });
    expect(current.processed).toEqual(v0.processed);
    expect(v0).not.toHaveProperty('daily');
  });

  it('turns a v1 document into a valid v2 one without the journal (the store moves it to journal.jsonl)', () => {
    const v1 = {
      version: 1,
      instanceId: 'old',
      masters: [],
      followers: [],
      users: [],
      links: [],
      processed: {},
      pending: [],
      journal: [{ at: 1 }],
      daily: {},
      masterHistory: {},
    };
    const v2 = (migrations[1] as (doc: Record<string, unknown>) => Record<string, unknown>)(v1);
    expect(stateSchema.parse(migrate(v1, 1)).version).toBe(STATE_VERSION);
    expect(v2['version']).toBe(2);
    expect(v2).not.toHaveProperty('journal');
    expect(v1.journal).toHaveLength(1);
  });

  it('turns a v2 document into a valid v3 one without the links (the store moves them to links.jsonl)', () => {
    const v2 = {
      version: 2,
      instanceId: 'old',
      masters: [],
      followers: [],
      users: [],
      links: [{ masterId: 'm1' }],
      processed: {},
      pending: [],
      daily: {},
      masterHistory: {},
    };
    const v3 = (migrations[2] as (doc: Record<string, unknown>) => Record<string, unknown>)(v2);
    expect(v3['version']).toBe(3);
    expect(v3['linksSeq']).toBe(0);
    expect(v3).not.toHaveProperty('links');
    expect(stateSchema.parse(migrate(v2, 2)).version).toBe(STATE_VERSION);
    expect(v2.links).toHaveLength(1);
  });

  it('turns a v3 document into a valid v4 one: every follower skips copies without a SL under the daily budget', () => {
    const risk = { maxLot: null, maxOpenPositions: null, marginCheck: 'skip', marginUsageMax: 0.9, maxPriceDeviationPoints: null, dailyLossLimit: 250, closeOnly: false, belowMin: 'skip' };
    const follower = (accountId: string) => ({
      accountId,
      masters: ['m1'],
      sizing: { mode: 'multiplier', multiplier: 1 },
      symbolMap: {},
      filters: { symbolsAllow: [], symbolsDeny: [], sides: 'both', reverse: false, copySlTp: true, copyPending: true },
      risk: { ...risk },
      paused: false,
      pausedReason: null,
      ownerUserId: null,
    });
    const v3 = {
      version: 3,
      instanceId: 'old',
      masters: [{ accountId: 'm1', paused: false }],
      followers: [follower('f1'), follower('f2')],
      users: [],
      linksSeq: 4,
      processed: {},
      pending: [],
      daily: {},
      masterHistory: {},
    };
    const v4 = stateSchema.parse(migrate(v3, 3));
    expect(v4.version).toBe(4);
    expect(v4.followers.map((f) => f.risk)).toEqual([
      { ...risk, noStopLoss: { mode: 'skip' } },
      { ...risk, noStopLoss: { mode: 'skip' } },
    ]);
    expect(v4.linksSeq).toBe(4);
    // The input is not changed in place.
    expect(v3.followers[0]?.risk).not.toHaveProperty('noStopLoss');
    // Without the step the document is refused: the field is required.
    expect(stateSchema.safeParse({ ...v3, version: 4 }).success).toBe(false);
  });

  it('fails on a version without a step', () => {
    expect(() => migrate({ version: -1 }, -1)).toThrow(/no migration from version -1/);
  });
});

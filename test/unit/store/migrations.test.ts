import { describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../../src/store/migrations.js';
import { STATE_VERSION, stateSchema } from '../../../src/store/schema.js';

describe('migrations', () => {
  it('has a step from every older version', () => {
    for (let v = 0; v < STATE_VERSION; v++) expect(migrations[v]).toBeTypeOf('function');
  });

  it('turns a v0 document into a valid v1 one, keeping its data', () => {
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
    const v1 = stateSchema.parse(migrate(v0, 0));
    expect(v1).toMatchObject({ version: 1, instanceId: 'old', daily: {}, masterHistory: {} });
    expect(v1.processed).toEqual(v0.processed);
    expect(v0).not.toHaveProperty('daily');
  });

  it('fails on a version without a step', () => {
    expect(() => migrate({ version: -1 }, -1)).toThrow(/no migration from version -1/);
  });
});

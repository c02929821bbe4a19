import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import { FatalError } from '../../../src/domain/errors.js';
import { createDefaultState, encodeState, openStore, STATE_VERSION, stateSchema } from '../../../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

async function refusal(dataDir = dir): Promise<FatalError> {
  const err: unknown = await openStore({ dataDir }).then(
    async (s) => {
      await s.close();
      return new Error('expected start-up to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FatalError);
  return err as FatalError;
}

/** The refused file keeps its bytes, no temp or lock is left behind, and a later start refuses again. */
async function expectUntouched(bytes: Buffer, code: string): Promise<void> {
  expect(await readFile(join(dir, 'state.json'))).toEqual(bytes);
  expect((await readdir(dir)).sort()).toEqual(['state.json']);
  expect((await refusal()).code).toBe(code);
}

describe('start-up', () => {
  const valid = (): string => encodeState(createDefaultState('inst'));

  it.each([
    ['garbage', 'this is not json {'],
    ['truncated', valid().slice(0, 60)],
    ['empty', ''],
    ['binary', '\u0000\u0000\u0000'],
  ])('refuses a %s file as state_corrupt and leaves it untouched', async (_name, text) => {
    await writeFile(join(dir, 'state.json'), text);
    const bytes = await readFile(join(dir, 'state.json'));
    const err = await refusal();
    expect(err.code).toBe('state_corrupt');
    expect(err.message).toContain(join(dir, 'state.json'));
    expect(err.message).toMatch(/left untouched/);
    expect(err.message).toMatch(/Restore a backup .* or move it aside/);
    await expectUntouched(bytes, 'state_corrupt');
  });

  it('refuses a schema-invalid file as state_invalid with readable paths', async () => {
    const follower = { ...defaultFollower('f1', ['m1']), masters: 'm1' };
    const doc = { ...JSON.parse(valid()), followers: [follower], masters: [{ accountId: 'm1', paused: 'yes' }] };
    await writeFile(join(dir, 'state.json'), JSON.stringify(doc, null, 2));
    const bytes = await readFile(join(dir, 'state.json'));
    const err = await refusal();
    expect(err.code).toBe('state_invalid');
    expect(err.message).toContain('followers[0].masters');
    expect(err.message).toContain('masters[0].paused: Invalid input: expected boolean');
    await expectUntouched(bytes, 'state_invalid');
  });

  it('refuses a newer version naming both versions', async () => {
    const newer = STATE_VERSION + 1;
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...JSON.parse(valid()), version: newer, future: [] }));
    const bytes = await readFile(join(dir, 'state.json'));
    const err = await refusal();
    expect(err.code).toBe('state_newer_version');
    expect(err.message).toMatch(new RegExp(`file version ${newer}.*up to version ${STATE_VERSION}`));
    await expectUntouched(bytes, 'state_newer_version');
  });

  it('migrates a v0 file, keeping a backup of the original bytes', async () => {
    const v0 = {
      version: 0,
      instanceId: 'legacy',
      masters: [{ accountId: 'm1', paused: true }],
      followers: [],
      users: [],
      links: [],
      processed: { m1: [{ eventId: 'd9', at: 9 }] },
      pending: [],
      journal: [],
    };
    const original = JSON.stringify(v0, null, 2);
    await writeFile(join(dir, 'state.json'), original);

    const store = await openStore({ dataDir: dir });
    expect(store.startup).toMatchObject({ outcome: 'migrated', fileVersion: 0, backupPath: join(dir, 'state.json.v0.bak') });
    expect(store.instanceId).toBe('legacy');
    expect(store.isProcessed('m1', 'd9')).toBe(true);
    await store.close();

    expect(await readFile(join(dir, 'state.json.v0.bak'), 'utf8')).toBe(original);
    const migrated = stateSchema.parse(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')));
    expect(migrated).toMatchObject({ version: STATE_VERSION, daily: {}, masterHistory: {}, masters: [{ accountId: 'm1', paused: true }] });
    expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).toBe('');

    const again = await openStore({ dataDir: dir });
    expect(again.startup.outcome).toBe('loaded');
    await again.close();
  });

  it('ignores and removes temp files a crashed write left behind', async () => {
    const state = createDefaultState('inst');
    state.masters.push({ accountId: 'm1', paused: false });
    await writeFile(join(dir, 'state.json'), encodeState(state));
    await writeFile(join(dir, 'state.json.3141592653'), '{"version":1,"half');
    await writeFile(join(dir, 'journal.jsonl.2718281828'), '{"at":1,"half');
    const store = await openStore({ dataDir: dir });
    expect(store.masters()).toEqual([{ accountId: 'm1', paused: false }]);
    expect(store.startup.leftoversRemoved.sort()).toEqual(['journal.jsonl.2718281828', 'state.json.3141592653']);
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['state.json']);
  });

  it('refuses a state path that is a directory as state_unreadable', async () => {
    await mkdir(join(dir, 'state.json'));
    expect((await refusal()).code).toBe('state_unreadable');
  });

  describe('unwritable data directory (works as root too)', () => {
    it('whose parent is a regular file', async () => {
      await writeFile(join(dir, 'plain-file'), 'x');
      const target = join(dir, 'plain-file', 'data');
      const err = await refusal(target);
      expect(err.code).toBe('data_dir_unwritable');
      expect(err.message).toContain(target);
      expect(err.message).toMatch(/ENOTDIR|EEXIST/);
      expect(err.message).toContain('FXMIRROR_DATA');
    });

    it('that is itself a regular file', async () => {
      await writeFile(join(dir, 'plain-file'), 'x');
      const err = await refusal(join(dir, 'plain-file'));
      expect(err.code).toBe('data_dir_unwritable');
      expect(await readFile(join(dir, 'plain-file'), 'utf8')).toBe('x');
    });

    it('under a device that is not a directory', async () => {
      expect((await refusal('/dev/null/fxmirror')).code).toBe('data_dir_unwritable');
    });
  });
});

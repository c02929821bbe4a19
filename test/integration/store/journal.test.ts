import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FatalError } from '../../../src/domain/errors.js';
import { createDefaultState, openStore, readJournalFile, STATE_VERSION, stateSchema, type JournalEntry, type Store, type StoreOptions } from '../../../src/store/index.js';
import { JournalFile } from '../../../src/store/journal-file.js';
import { journalEntry, tempDir } from './helpers/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
const open: Store[] = [];

async function start(options: Partial<StoreOptions> = {}): Promise<Store> {
  const store = await openStore({ dataDir: dir, ...options });
  open.push(store);
  return store;
}

async function stop(store: Store): Promise<void> {
  await store.close();
  open.splice(open.indexOf(store), 1);
}

const journalPath = (): string => join(dir, 'journal.jsonl');
const lines = async (): Promise<string[]> => (await readFile(journalPath(), 'utf8')).split('\n').filter((l) => l !== '');
const ats = async (): Promise<number[]> => (await lines()).map((l) => (JSON.parse(l) as JournalEntry).at);
const row = (at: number): JournalEntry => journalEntry({ at, eventId: `d${at}` });
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function refusal(): Promise<FatalError> {
  const err: unknown = await openStore({ dataDir: dir }).then(
    async (s) => {
      await s.close();
      return new Error('expected start-up to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FatalError);
  return err as FatalError;
}

/** A store with rows 0..n-1 written and closed; returns the journal file's bytes. */
async function seed(n: number): Promise<Buffer> {
  const store = await start();
  for (const at of range(0, n)) store.appendJournal(row(at));
  await stop(store);
  return readFile(journalPath());
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  await cleanup();
});

describe('journal.jsonl', () => {
  it('appends only the rows added since the last write, keeping state.json free of the journal', async () => {
    const store = await start();
    store.appendJournal(row(0));
    await store.flush();
    let before = await readFile(journalPath(), 'utf8');
    for (let w = 1; w <= 5; w++) {
      for (const at of range(w * 10, w * 10 + w)) store.appendJournal(row(at));
      await store.flush();
      const now = await readFile(journalPath(), 'utf8');
      // Append-only: what was there is untouched, the new rows follow in order.
      expect(now.startsWith(before)).toBe(true);
      expect(now.slice(before.length).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as JournalEntry).at)).toEqual(
        range(w * 10, w * 10 + w),
      );
      before = now;
    }
    expect(await lines()).toHaveLength(16);
    expect(store.journalFile).toEqual({ lines: 16, rewrites: 1 }); // the first row created the file
    const doc = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, unknown>;
    expect(doc).not.toHaveProperty('journal');
    expect(stateSchema.safeParse(doc).success).toBe(true);
    // A write without new rows appends nothing.
    store.markProcessed('m1', 'x', 1);
    await store.flush();
    expect(await lines()).toHaveLength(16);
  });

  it('follows the engine: rows pushed and spliced from the front of data.journal', async () => {
    const store = await start();
    const j = store.data.journal;
    let at = 0;
    for (let w = 0; w < 30; w++) {
      for (let k = 0; k < 7; k++) j.push(row(at++));
      // The engine's bound: above 1.1 × retention, back to retention.
      if (j.length > 55) j.splice(0, j.length - 50);
      store.changed();
      await store.flush();
    }
    expect(await ats()).toEqual(range(0, at));
    // The last appended row spliced away before the next write (more new rows than the bound): all of memory is new.
    for (let k = 0; k < 60; k++) j.push(row(at++));
    j.splice(0, j.length - 50);
    store.changed();
    await store.flush();
    const onDisk = await ats();
    expect(onDisk.slice(-50)).toEqual(range(at - 50, at));
    expect(new Set(onDisk).size).toBe(onDisk.length); // nothing twice; the 10 rows spliced unwritten are gone
  });

  it('reloads the newest journalMax rows at start-up', async () => {
    const a = await start({ retention: { journalMax: 40 } });
    for (let w = 0; w < 6; w++) {
      for (const at of range(w * 12, w * 12 + 12)) a.data.journal.push(row(at));
      a.changed();
      await a.flush();
    }
    await stop(a);
    expect(await lines()).toHaveLength(72);

    const b = await start({ retention: { journalMax: 40 } });
    expect(b.startup).toMatchObject({ outcome: 'loaded', journalRows: 40, journalTailDropped: null });
    expect(b.state.journal.map((e) => e.at)).toEqual(range(32, 72));
    expect(b.journalFor({ limit: 1 })[0]?.at).toBe(71);
    // New rows go after the loaded ones.
    b.appendJournal(row(72));
    await b.flush();
    expect(await ats()).toEqual(range(0, 73));
  });

  it('drops a partial last line (an append cut by a crash) with a log line, then appends cleanly', async () => {
    const whole = await seed(5);
    await appendFile(journalPath(), JSON.stringify(row(5)).slice(0, 40));
    const warn = vi.fn();
    const store = await start({ log: { info: () => undefined, warn, error: () => undefined } });
    expect(store.startup.outcome).toBe('loaded');
    expect(store.startup.journalTailDropped).toMatch(/^line 6: is not valid JSON/);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ line: 6, bytes: 40 }), expect.stringMatching(/dropped a damaged last line/));
    expect(store.state.journal.map((e) => e.at)).toEqual(range(0, 5));
    expect(await readFile(journalPath())).toEqual(whole);
    store.appendJournal(row(5));
    await store.flush();
    expect(await ats()).toEqual(range(0, 6));
  });

  it('drops a damaged last line of zeros, and completes a whole last row missing its newline', async () => {
    const whole = await seed(3);
    await appendFile(journalPath(), Buffer.alloc(64));
    const a = await start();
    expect(a.startup.journalTailDropped).toMatch(/^line 4/);
    await stop(a);
    expect(await readFile(journalPath())).toEqual(whole);

    await writeFile(journalPath(), whole.subarray(0, whole.length - 1));
    const b = await start();
    expect(b.startup.journalTailDropped).toBeNull();
    expect(b.state.journal).toHaveLength(3);
    await stop(b);
    expect(await readFile(journalPath())).toEqual(whole);
  });

  it.each([
    ['not JSON', '{"at":1,"masterId"\n', 'state_corrupt', /line 2 is not valid JSON/],
    ['failing the schema', `${JSON.stringify({ ...row(1), status: 'done' })}\n`, 'state_invalid', /line 2 does not match the journal row schema: status/],
  ])('refuses start-up over a line %s before the last, leaving the file untouched', async (_name, damage, code, message) => {
    const rows = (await seed(4)).toString('utf8').split('\n');
    await writeFile(journalPath(), [rows[0], damage.trimEnd(), ...rows.slice(1)].join('\n'));
    const bytes = await readFile(journalPath());
    const stateBytes = await readFile(join(dir, 'state.json'));
    for (let i = 0; i < 2; i++) {
      const err = await refusal();
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(journalPath());
      expect(err.message).toMatch(/left untouched/);
      expect(err.message).toMatch(/move the file aside/);
    }
    expect(await readFile(journalPath())).toEqual(bytes);
    expect(await readFile(join(dir, 'state.json'))).toEqual(stateBytes);
    expect((await readdir(dir)).sort()).toEqual(['journal.jsonl', 'state.json']);
  });

  it('compacts the file above twice journalMax lines, atomically, to the rows in memory', async () => {
    const store = await start({ retention: { journalMax: 20 } });
    const sizes: number[] = [];
    for (let w = 0; w < 12; w++) {
      for (const at of range(w * 6, w * 6 + 6)) store.appendJournal(row(at));
      await store.flush();
      sizes.push((await lines()).length);
    }
    // 6 rows a write: 6, 12, …, 36; the write that would pass 40 rewrites the file with the 20 rows in memory.
    expect(sizes).toEqual([6, 12, 18, 24, 30, 36, 20, 26, 32, 38, 20, 26]);
    expect(store.journalFile.rewrites).toBe(3);
    expect(await ats()).toEqual(range(46, 72));
    expect((await readdir(dir)).sort()).toEqual(['journal.jsonl', 'state.json', 'state.lock']);
    await stop(store);
    const again = await start({ retention: { journalMax: 20 } });
    expect(again.state.journal.map((e) => e.at)).toEqual(range(52, 72));
  });

  it('leaves rows changed in place into invalid ones out of a compaction, with a log line', async () => {
    const warn = vi.fn();
    const store = await start({ retention: { journalMax: 5 }, log: { info: () => undefined, warn, error: () => undefined } });
    // Pushed straight into the document, as the engine does (its own bound is looser than journalMax).
    store.data.journal.push(...range(0, 4).map(row));
    store.changed();
    await store.flush();
    (store.data.journal[1] as { price: unknown }).price = 'changed in place';
    store.data.journal.push(...range(4, 11).map(row));
    store.changed();
    await store.flush();
    expect(store.journalFile.rewrites).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ issues: expect.stringContaining('journal[1].price') }), expect.any(String));
    const file = await readJournalFile(journalPath());
    expect(file.rows.map((e) => e.at)).toEqual([0, ...range(2, 11)]);
  });

  it('recovers from a failed append by rewriting the file from memory, losing and doubling nothing', async () => {
    const store = await start({ retryDelayMs: 20 });
    for (const at of range(0, 3)) store.appendJournal(row(at));
    await store.flush();
    // The journal path turns into a directory: appends fail, even as root.
    await rm(journalPath());
    await mkdir(journalPath());
    store.appendJournal(row(3));
    await expect(store.flush()).rejects.toMatchObject({ code: 'state_write_failed', message: expect.stringContaining(journalPath()) });
    expect(store.healthy).toBe(false);
    store.appendJournal(row(4));
    await rm(journalPath(), { recursive: true });
    await expect.poll(() => store.healthy, { timeout: 5000 }).toBe(true);
    await store.flush();
    expect(await ats()).toEqual(range(0, 5));
  });

  it('serialises a large batch of new rows a slice at a time, letting the event loop turn between slices', async () => {
    const file = new JournalFile(journalPath(), { max: 10_000 });
    const rows: unknown[] = range(0, 1000).map(row);
    rows[700] = { ...row(700), status: 'done' };
    const batch = file.prepare(rows);
    if (batch === null) throw new Error('expected a batch');
    const order: string[] = [];
    setImmediate(() => order.push('loop turned'));
    const issues: unknown[] = [];
    await file.serialize(batch, issues as Parameters<JournalFile['serialize']>[1]);
    order.push('serialised');
    // Serialising has no I/O: only a yield between slices lets the turn in first.
    expect(order).toEqual(['loop turned', 'serialised']);
    expect(batch.text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as JournalEntry).at)).toEqual(range(0, 1000).filter((i) => i !== 700));
    expect(issues).toEqual([expect.objectContaining({ path: ['journal', 700, 'status'] })]);
  });

  it('refuses a write whose new rows do not validate, touching neither file', async () => {
    const store = await start();
    store.appendJournal(row(0));
    await store.flush();
    const before = [await readFile(journalPath()), await readFile(store.path)];
    store.upsertMaster({ accountId: 'm1', paused: false });
    store.data.journal.push({ ...row(1), status: 'done' as JournalEntry['status'] });
    store.changed();
    await expect(store.flush()).rejects.toMatchObject({ code: 'state_invalid_write', message: expect.stringContaining('journal[1].status') });
    expect([await readFile(journalPath()), await readFile(store.path)]).toEqual(before);
    store.data.journal.pop();
    store.changed();
    await store.flush();
    expect(await ats()).toEqual([0]);
  });
});

describe('migration from version 1 (journal inside state.json)', () => {
  function v1(journal: JournalEntry[]): string {
    const { journal: _none, ...doc } = createDefaultState('legacy');
    return JSON.stringify({ ...doc, version: 1, masters: [{ accountId: 'm1', paused: false }], journal }, null, 2);
  }

  it('moves the journal to journal.jsonl, keeps a backup, and writes a current-version state', async () => {
    const original = v1(range(0, 30).map(row));
    await writeFile(join(dir, 'state.json'), original);
    const store = await start({ retention: { journalMax: 25 } });
    expect(store.startup).toMatchObject({ outcome: 'migrated', fileVersion: 1, backupPath: join(dir, 'state.json.v1.bak'), journalRows: 25 });
    expect(store.state.journal.map((e) => e.at)).toEqual(range(5, 30));
    expect(store.instanceId).toBe('legacy');
    // All 30 rows moved; memory holds the newest 25.
    expect(await ats()).toEqual(range(0, 30));
    const doc = stateSchema.parse(JSON.parse(await readFile(store.path, 'utf8')));
    expect(doc).toMatchObject({ version: STATE_VERSION, masters: [{ accountId: 'm1', paused: false }] });
    expect(await readFile(join(dir, 'state.json.v1.bak'), 'utf8')).toBe(original);
    store.appendJournal(row(30));
    await stop(store);
    expect(await ats()).toEqual(range(0, 31));

    const again = await start({ retention: { journalMax: 25 } });
    expect(again.startup.outcome).toBe('loaded');
    expect(again.state.journal.map((e) => e.at)).toEqual(range(6, 31));
  });

  it('migrates again after a crash between the journal and the new state, replacing the half-done journal', async () => {
    await writeFile(join(dir, 'state.json'), v1(range(0, 4).map(row)));
    // What an interrupted earlier migration may have left: a journal file (here a damaged one) beside the v1 state.
    await writeFile(journalPath(), `${JSON.stringify(row(0))}\n{"garbage\n${JSON.stringify(row(1))}\n`);
    const store = await start();
    expect(store.startup.outcome).toBe('migrated');
    expect(await ats()).toEqual(range(0, 4));
    expect(store.state.journal).toHaveLength(4);
  });

  it('migrates a version 1 file with an empty journal', async () => {
    await writeFile(join(dir, 'state.json'), v1([]));
    const store = await start();
    expect(store.startup.outcome).toBe('migrated');
    expect(store.state.journal).toEqual([]);
    expect((await stat(journalPath())).size).toBe(0);
  });
});

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import { FatalError, RejectedError } from '../../../src/domain/errors.js';
import { openStore, readJournalFile, stateSchema, type State, type Store } from '../../../src/store/index.js';
import { journalEntry, link, linksOnDisk, tempDir } from './helpers/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
const open: Store[] = [];

async function start(options: Partial<Parameters<typeof openStore>[0]> = {}): Promise<Store> {
  const store = await openStore({ dataDir: dir, ...options });
  open.push(store);
  return store;
}

/** The state as the three files on disk hold it: state.json, every row of journal.jsonl, the links of links.jsonl. */
async function onDisk(dataDir = dir): Promise<State> {
  const { linksSeq, ...doc } = stateSchema.parse(JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')));
  const journal = await readJournalFile(join(dataDir, 'journal.jsonl'));
  expect(journal.damagedTail).toBeNull();
  return { ...doc, links: await linksOnDisk(join(dataDir, 'links.jsonl'), linksSeq), journal: journal.rows };
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  await cleanup();
});

describe('store', () => {
  it('creates a fresh state on first start and writes it', async () => {
    const store = await start({ dataDir: join(dir, 'nested', 'data') });
    expect(store.startup).toMatchObject({ outcome: 'created', fileVersion: null, backupPath: null });
    const file = await onDisk(join(dir, 'nested', 'data'));
    expect(file.instanceId).toBe(store.instanceId);
    expect(file).toEqual(store.snapshot());
    // No journal file until there is a row to write.
    expect(await readdir(join(dir, 'nested', 'data'))).toEqual(['state.json', 'state.lock']);
  });

  it('round-trips everything it holds across a restart', async () => {
    const a = await start();
    a.upsertMaster({ accountId: 'm1', paused: false });
    a.upsertFollower({ ...defaultFollower('f1', ['m1']), symbolMap: { XAUUSD: 'GOLD' } });
    a.upsertUser({
      id: 42, role: 'owner', name: 'Ann', addedAt: 1,
      alerts: { copies: 'silent', rejections: 'on', reconcile: 'on', connection: 'off', daily: 'on' },
    });
    a.upsertLink(link());
    a.markProcessed('m1', 'd1', 1000);
    a.upsertPending({
      id: 'p1', kind: 'unknown_outcome', masterId: 'm1', eventId: 'd2', followerId: 'f1', createdAt: 1,
      expiresAt: 2, leg: { symbol: 'EURUSD', volume: 0.1 }, note: 'timeout',
    });
    a.appendJournal(journalEntry());
    a.setDailyMark('f1', { day: '2025-01-02', startBalance: 1000 });
    a.recordMasterOpen('m1', { position: 1001, symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.08, stopLoss: 1.07, at: 5 });
    const before = a.snapshot();
    await a.close();

    const b = await start();
    expect(b.startup.outcome).toBe('loaded');
    expect(b.snapshot()).toEqual(before);
    expect(b.instanceId).toBe(a.instanceId);
    expect(b.follower('f1')?.symbolMap).toEqual({ XAUUSD: 'GOLD' });
    expect(b.isProcessed('m1', 'd1')).toBe(true);
    expect(b.linksFor('m1', 1001)).toHaveLength(1);
  });

  it('coalesces many updates into few writes, and flush makes them durable', async () => {
    const store = await start({ writeDelayMs: 50 });
    for (let i = 0; i < 500; i++) store.markProcessed('m1', `d${i}`, i);
    expect(store.writes).toBe(0);
    await store.flush();
    expect(store.writes).toBe(1);
    expect((await onDisk()).processed['m1']).toHaveLength(500);
    await store.flush();
    expect(store.writes).toBe(1);

    // Background writes: a burst within the delay is one write; a change during a write is one more write after it.
    for (let i = 0; i < 100; i++) store.appendJournal(journalEntry({ eventId: `e${i}` }));
    await new Promise((r) => setTimeout(r, 300));
    expect(store.writes).toBe(2);
    expect((await onDisk()).journal).toHaveLength(100);
  });

  it('never runs two writes at once and writes a change made during a write after it', async () => {
    const store = await start({ writeDelayMs: 0 });
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      store.appendJournal(journalEntry({ eventId: `e${i}` }));
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    // The first flush starts a write; the other nineteen changes arrive during it and share exactly one more.
    expect(store.writes).toBe(2);
    expect((await onDisk()).journal).toHaveLength(20);
  });

  it('returns copies, so callers cannot change state behind its back', async () => {
    const store = await start();
    store.upsertFollower(defaultFollower('f1', ['m1']));
    const f = store.follower('f1');
    if (f === undefined) throw new Error('missing');
    f.paused = true;
    expect(store.follower('f1')?.paused).toBe(false);
    const input = link();
    store.upsertLink(input);
    input.volume = 9;
    expect(store.linksFor('m1', 1001)[0]?.volume).toBe(0.2);
  });

  it('keeps link CRUD keyed by master ticket, follower and follower ticket', async () => {
    const store = await start();
    store.upsertLink(link());
    store.upsertLink(link({ followerTicket: 5002, volume: 0.1 }));
    store.upsertLink(link({ followerId: 'f2', followerTicket: 7001 }));
    store.upsertLink(link({ volume: 0.3 }));
    expect(store.linksFor('m1', 1001)).toHaveLength(3);
    expect(store.linksOfFollower('f1').map((l) => [l.followerTicket, l.volume])).toEqual([[5001, 0.3], [5002, 0.1]]);
    const key = { masterId: 'm1', masterTicket: 1001, followerId: 'f1', followerTicket: 5002 };
    expect(store.setLinkStatus(key, 'detached')).toBe(true);
    expect(store.linksOfFollower('f1', 'detached')).toHaveLength(1);
    expect(store.removeLink(key)).toBe(true);
    expect(store.removeLink(key)).toBe(false);
    expect(store.setLinkStatus(key, 'closed')).toBe(false);
    await store.flush();
    expect((await onDisk()).links).toHaveLength(2);
  });

  it('answers journal queries newest first with a limit', async () => {
    const store = await start();
    for (let i = 0; i < 30; i++) {
      store.appendJournal(journalEntry({ at: i, eventId: `d${i}`, followerId: i % 2 ? 'f2' : 'f1', masterTicket: i % 3 }));
    }
    const f2 = store.journalFor({ followerId: 'f2', limit: 3 });
    expect(f2.map((e) => e.at)).toEqual([29, 27, 25]);
    expect(store.journalFor({ masterTicket: 0 }).every((e) => e.masterTicket === 0)).toBe(true);
    expect(store.journalFor({ followerTicket: 5001 })).toHaveLength(30);
    expect(store.journalFor({ followerTicket: 1 })).toHaveLength(0);
  });

  it('bounds the journal, processed events and master history', async () => {
    const store = await start({
      retention: { journalMax: 100, processedMaxPerMaster: 50, processedMaxAgeMs: 1000, masterHistoryMax: 5 },
    });
    for (let i = 0; i < 250; i++) store.appendJournal(journalEntry({ at: i, eventId: `d${i}` }));
    for (let i = 0; i < 120; i++) store.markProcessed('m1', `d${i}`, i);
    store.markProcessed('m2', 'old', 0);
    store.markProcessed('m2', 'new', 5000);
    for (let i = 0; i < 9; i++) {
      store.recordMasterOpen('m1', { position: i, symbol: 'X', side: 'sell', volume: 1, price: 1, stopLoss: 0, at: i });
    }
    await store.flush();
    const file = await onDisk();
    expect(file.journal).toHaveLength(100);
    expect(file.journal[0]?.at).toBe(150);
    expect(file.processed['m1']?.map((p) => p.eventId)).toEqual(Array.from({ length: 50 }, (_, i) => `d${i + 70}`));
    expect(store.isProcessed('m1', 'd69')).toBe(false);
    expect(store.isProcessed('m1', 'd119')).toBe(true);
    expect(file.processed['m2']).toEqual([{ eventId: 'new', at: 5000 }]);
    expect(store.masterHistory('m1').map((h) => h.position)).toEqual([4, 5, 6, 7, 8]);
  });

  it('does not record a processed event twice', async () => {
    const store = await start();
    store.markProcessed('m1', 'd1', 1);
    store.markProcessed('m1', 'd1', 2);
    expect(store.state.processed['m1']).toEqual([{ eventId: 'd1', at: 1 }]);
  });

  it('rejects invalid input to helpers with the path and changes nothing', async () => {
    const store = await start();
    expect(() => store.appendJournal(journalEntry({ price: Number.NaN }))).toThrow(RejectedError);
    expect(() => store.upsertFollower({ ...defaultFollower('f1', []), sizing: { mode: 'fixed', lots: -1 } })).toThrow(
      /sizing\.lots/,
    );
    expect(() => store.markProcessed('m1', '', 1)).toThrow(expect.objectContaining({ code: 'state_invalid_input' }));
    expect(store.state.journal).toHaveLength(0);
    expect(store.state.followers).toHaveLength(0);
  });

  it('refuses to write a document made invalid through update(), leaving the file as it was', async () => {
    const store = await start();
    store.upsertMaster({ accountId: 'm1', paused: false });
    await store.flush();
    const before = await readFile(store.path);
    const errors: FatalError[] = [];
    store.on('error', (e) => errors.push(e));
    store.update((s) => {
      (s.masters[0] as { paused: unknown }).paused = 'yes';
    });
    await expect(store.flush()).rejects.toMatchObject({ code: 'state_invalid_write' });
    expect(store.healthy).toBe(false);
    expect(errors[0]?.message).toContain('masters[0].paused');
    expect(await readFile(store.path)).toEqual(before);

    // Helper changes do not slip an invalid document through; a fix does.
    store.markProcessed('m1', 'd1', 1);
    await expect(store.flush()).rejects.toMatchObject({ code: 'state_invalid_write' });
    store.update((s) => void ((s.masters[0] as { paused: unknown }).paused = true));
    await store.flush();
    expect(store.healthy).toBe(true);
    expect((await onDisk()).masters[0]?.paused).toBe(true);
  });

  it('reports a write failure after start-up, rejects flush, and recovers when the directory is back', async () => {
    const data = join(dir, 'data');
    const store = await start({ dataDir: data, retryDelayMs: 20 });
    const events: string[] = [];
    store.on('error', (e) => events.push(`error:${e.code}`));
    store.on('recovered', () => events.push('recovered'));

    // The directory is replaced by a regular file: every write fails, even as root.
    await rename(data, join(dir, 'moved'));
    await writeFile(data, 'not a directory');
    store.appendJournal(journalEntry());
    const failure = await store.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FatalError);
    expect(failure).toMatchObject({ code: 'state_write_failed', action: 'stop' });
    // The journal is written first, so it is the file named (the state file would fail the same way).
    expect((failure as Error).message).toContain(store.journalPath);
    expect(store.healthy).toBe(false);
    expect(store.lastError?.code).toBe('state_write_failed');
    expect(events[0]).toBe('error:state_write_failed');

    // Nothing is dropped: once the directory is back, the retry writes everything.
    await rm(data);
    await mkdir(data);
    await expect.poll(() => store.healthy, { timeout: 5000 }).toBe(true);
    expect(events.at(-1)).toBe('recovered');
    expect((await onDisk(data)).journal).toHaveLength(1);
  });

  it('serves the engine port: mutate data, call changed(), flush', async () => {
    const store = await start();
    const errors: Error[] = [];
    store.onError((e) => errors.push(e));
    store.data.masters.push({ accountId: 'm1', paused: false });
    store.data.journal.push(journalEntry());
    store.changed();
    await store.flush();
    expect((await onDisk()).masters).toEqual([{ accountId: 'm1', paused: false }]);

    // A bad value pushed straight into the document is caught before it reaches the disk.
    store.data.journal.push(journalEntry({ volume: Number.POSITIVE_INFINITY }));
    store.changed();
    await expect(store.flush()).rejects.toMatchObject({ code: 'state_invalid_write' });
    expect(errors[0]?.message).toContain('journal[1].volume');
    expect((await onDisk()).journal).toHaveLength(1);
    store.data.journal.pop();
    store.changed();
    await store.flush();
    expect(store.healthy).toBe(true);
  });

  it('refuses changes after close', async () => {
    const store = await start();
    await store.close();
    expect(() => store.markProcessed('m1', 'd1', 1)).toThrow(expect.objectContaining({ code: 'store_closed' }));
    await store.close();
  });
});

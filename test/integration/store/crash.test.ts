import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, readJournalFile, stateSchema } from '../../../src/store/index.js';
import { linksOnDisk, tempDir } from './helpers/fixtures.js';
import { spawnChild } from './helpers/spawn.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe('crash safety', () => {
  it('leaves whole, valid files holding every flushed change, however often the writer is SIGKILLed', async () => {
    let lastFlushed = 0;
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      const child = spawnChild('writer', dir);
      const ready = await child.waitFor((l) => l.startsWith('ready'));
      const startup = (JSON.parse(ready.slice('ready '.length)) as { startup: { lockTakeover: unknown } }).startup;
      if (round > 0) expect(startup.lockTakeover).not.toBeNull();
      // Let it get a few writes in, then kill it at an arbitrary point of its loop (appends, compactions, renames).
      await child.waitFor((l) => l.startsWith('flushed'));
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 60)));
      child.proc.kill('SIGKILL');
      await child.exited;

      const flushed = child.lines.filter((l) => l.startsWith('flushed ')).map((l) => Number(l.slice(8)));
      const newest = Math.max(lastFlushed, ...flushed);
      const text = await readFile(join(dir, 'state.json'), 'utf8');
      const state = stateSchema.parse(JSON.parse(text));
      // The links the files hold for this state file are exactly those its processed events leave (one write): the
      // link of every processed ticket within 100 of the newest, at volume 9 once the event 50 tickets later is in.
      // (A restarted writer continues from the journal, which may run ahead of the state file: tickets can jump.)
      const links = await linksOnDisk(join(dir, 'links.jsonl'), state.linksSeq);
      const processedAts = new Set((state.processed['m1'] ?? []).map((p) => p.at));
      const processedNewest = Math.max(...processedAts);
      const expected = [...processedAts].filter((t) => t > processedNewest - 100).sort((a, b) => a - b);
      expect(links.map((l) => l.masterTicket)).toEqual(expected);
      expect(links.map((l) => l.volume)).toEqual(expected.map((t) => (processedAts.has(t + 50) ? 9 : 0.1)));
      // At most the last line of the journal can be damaged (a cut append); any other damage throws here.
      const journal = await readJournalFile(join(dir, 'journal.jsonl'));
      const ats = journal.rows.map((e) => e.at);
      // Everything acknowledged by flush() before the kill is on disk.
      expect(ats).toContain(newest);
      expect(state.processed['m1']?.some((p) => p.eventId === `d${newest}`)).toBe(true);
      // No row twice, none out of order, across restarts and compactions.
      for (let i = 1; i < ats.length; i++) expect(ats[i]).toBeGreaterThan(ats[i - 1] as number);
      // The journal is written first: it holds every copy the state file records as processed.
      const processedMax = Math.max(...(state.processed['m1'] ?? []).map((p) => p.at));
      expect(ats.at(-1)).toBeGreaterThanOrEqual(processedMax);
      lastFlushed = newest;
    }

    const store = await openStore({ dataDir: dir });
    expect(store.startup.outcome).toBe('loaded');
    expect(store.startup.lockTakeover).not.toBeNull();
    expect(store.state.journal.length).toBeGreaterThan(0);
    expect(store.state.journal.at(-1)?.at).toBeGreaterThanOrEqual(lastFlushed);
    await store.close();
    // Temp files of killed writes were cleaned up by the next start; the lock went with the last close.
    expect((await readdir(dir)).sort()).toEqual(['journal.jsonl', 'links.jsonl', 'state.json']);
  }, 120_000);
});

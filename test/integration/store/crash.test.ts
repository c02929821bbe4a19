import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, stateSchema } from '../../../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';
import { spawnChild } from './helpers/spawn.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe('crash safety', () => {
  it('leaves a whole, valid file holding every flushed change, however often the writer is SIGKILLed', async () => {
    let lastFlushed = 0;
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const child = spawnChild('writer', dir);
      const ready = await child.waitFor((l) => l.startsWith('ready'));
      const startup = (JSON.parse(ready.slice('ready '.length)) as { startup: { lockTakeover: unknown } }).startup;
      if (round > 0) expect(startup.lockTakeover).not.toBeNull();
      // Let it get a few writes in, then kill it at an arbitrary point of its loop.
      await child.waitFor((l) => l.startsWith('flushed'));
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 60)));
      child.proc.kill('SIGKILL');
      await child.exited;

      const flushed = child.lines.filter((l) => l.startsWith('flushed ')).map((l) => Number(l.slice(8)));
      const newest = Math.max(lastFlushed, ...flushed);
      const text = await readFile(join(dir, 'state.json'), 'utf8');
      const state = stateSchema.parse(JSON.parse(text));
      // Everything acknowledged by flush() before the kill is in the file.
      const ats = new Set(state.journal.map((e) => e.at));
      expect(ats.has(newest)).toBe(true);
      expect(state.processed['m1']?.some((p) => p.eventId === `d${newest}`)).toBe(true);
      lastFlushed = newest;
    }

    const store = await openStore({ dataDir: dir });
    expect(store.startup.outcome).toBe('loaded');
    expect(store.startup.lockTakeover).not.toBeNull();
    expect(store.state.journal.length).toBeGreaterThan(0);
    await store.close();
    // Temp files of killed writes were cleaned up by the next start; the lock went with the last close.
    expect(await readdir(dir)).toEqual(['state.json']);
  }, 120_000);
});

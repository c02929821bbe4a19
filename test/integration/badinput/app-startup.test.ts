/**
 * Bad state on disk, seen from the whole app: main.ts refuses to start over a corrupt, truncated, schema-invalid or
 * newer-version state file with one clear message and a non-zero exit, leaves the file's bytes as they were, and
 * copies nothing (it never even calls FxSocket). An unwritable data directory stops start-up the same way; one that
 * becomes unwritable while running halts copying with a clear message instead of trading on state it cannot save.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultState, STATE_VERSION } from '../../../src/store/index.js';
import { startAppWorld } from '../security/app-world.js';
import type { AppWorld } from '../security/app-world.js';

const KEY = 'fxs_live_badinputStartupKey';

let world: AppWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The only line main.ts prints on a refused start (pino lines are JSON). */
function refusalLine(w: AppWorld): string {
  return w.stderr.filter((l) => l.startsWith('fxmirror: ')).join('\n');
}

/** Every file of a directory with its bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('base64');
  return out;
}

function expectNothingCalled(w: AppWorld): void {
  const stats = w.sim.stats();
  expect(stats.requests).toEqual({});
  expect(stats.orders).toEqual({});
}

describe('start-up over a bad state file', () => {
  const cases: [string, (valid: string) => string, string, RegExp][] = [
    ['garbage', () => 'this is {not json', 'state_corrupt', /is not valid JSON/],
    ['truncated', (valid) => valid.slice(0, Math.floor(valid.length / 2)), 'state_corrupt', /probably truncated or damaged/],
    ['empty', () => '', 'state_corrupt', /is empty/],
    ['schema-invalid', (valid) => valid.replace('"masters":[', '"masters":[{"accountId":7},'), 'state_invalid', /does not match the version \d+ schema/],
    ['from a newer version', (valid) => valid.replace(`"version":${STATE_VERSION}`, `"version":${STATE_VERSION + 1}`), 'state_newer_version', /written by a newer fxmirror/],
  ];

  it.each(cases)('%s: exits 1 with one clear message, keeps the bytes, copies nothing', async (_name, damage, _code, message) => {
    world = await startAppWorld({ apiKey: KEY });
    const path = join(world.dataDir, 'state.json');
    await writeFile(path, damage(await readFile(path, 'utf8')));
    const before = await snapshot(world.dataDir);
    world.start();
    // A master trade while it starts: nothing may copy it.
    world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    expect(await world.exited()).toBe(1);
    const line = refusalLine(world);
    expect(line).toContain(path);
    expect(line).toMatch(message);
    expect(line).toMatch(/left untouched/);
    expect(line.split('\n')).toHaveLength(1);
    // Every byte as it was; no temp file, backup or lock left behind.
    expect(await snapshot(world.dataDir)).toEqual(before);
    expectNothingCalled(world);
    expect(world.sim.account('apex-follower').positions()).toEqual([]);
  });

  it('a state file from a newer version is refused again on the next start (never migrated or overwritten)', async () => {
    world = await startAppWorld({ apiKey: KEY });
    const path = join(world.dataDir, 'state.json');
    const newer = JSON.stringify({ ...createDefaultState('future'), version: STATE_VERSION + 5, somethingNew: { a: 1 } });
    await writeFile(path, newer);
    for (let i = 0; i < 2; i++) {
      world.start();
      expect(await world.exited()).toBe(1);
    }
    expect(await readFile(path, 'utf8')).toBe(newer);
    expect(refusalLine(world)).toMatch(new RegExp(`file version ${STATE_VERSION + 5}, this build reads up to version ${STATE_VERSION}`));
    expectNothingCalled(world);
  });
});

describe('an unwritable data directory', () => {
  it('at start-up: exits 1 naming the directory, calls nothing', async () => {
    world = await startAppWorld({ apiKey: KEY, seed: false });
    // A regular file where a parent directory should be: nothing can be created under it (even as root).
    const blocker = join(world.dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const dataDir = join(blocker, 'data');
    world.start({ FXMIRROR_DATA: dataDir });
    expect(await world.exited()).toBe(1);
    const line = refusalLine(world);
    expect(line).toContain(`Data directory ${dataDir} is not writable`);
    expect(line).toMatch(/Point FXMIRROR_DATA at a writable directory/);
    expectNothingCalled(world);
  });

  it('while running: halts copying with a clear message; later master trades are not copied', async () => {
    world = await startAppWorld({
      apiKey: KEY,
      followers: ['apex-follower'],
      // GBPUSD is filtered out: the event that trips the failed write copies nothing.
      configure: (f) => {
        f.filters.symbolsDeny = ['GBPUSD'];
      },
    });
    const w = world;
    w.start();
    await w.waitLine(/Reconciliation.*\(startup\)/);
    // The console chat has seeded its admin (a write of its own) before the directory goes.
    await w.waitLine(/fxmirror console: you are user/);
    // The data directory disappears and a file takes its place: the next write fails.
    await rename(w.dataDir, `${w.dataDir}.moved`);
    await writeFile(w.dataDir, 'not a directory');
    const master = w.sim.account('master');
    master.send({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.1 });
    // One clear log line and the chat alert.
    expect(await w.waitLine(/State cannot be saved/)).toMatch(/State cannot be saved \(Writing .*(state\.json|journal\.jsonl) failed \(ENOTDIR.*copying stopped/);
    expect(await w.waitLine(/Copying halted/)).toBeTruthy();
    const before = w.sim.stats().orders;
    master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    await w.waitLine(/halted: master event not copied/);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.sim.stats().orders).toEqual(before);
    expect(w.sim.account('apex-follower').positions()).toEqual([]);
    // Put the directory back so the graceful stop can finish.
    await rename(w.dataDir, `${w.dataDir}.file`);
    await rename(`${w.dataDir}.moved`, w.dataDir);
    await mkdir(w.dataDir, { recursive: true });
  });
});

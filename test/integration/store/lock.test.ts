import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';
import { spawnChild } from './helpers/spawn.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('single writer lock', () => {
  it('records pid and instance id, and is removed on close', async () => {
    const store = await openStore({ dataDir: dir });
    const lock = JSON.parse(await readFile(join(dir, 'state.lock'), 'utf8')) as Record<string, unknown>;
    expect(lock).toMatchObject({ pid: process.pid, instanceId: store.instanceId, hostname: hostname() });
    await store.close();
    await expect(readFile(join(dir, 'state.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second store in the same process', async () => {
    const store = await openStore({ dataDir: dir });
    await expect(openStore({ dataDir: dir })).rejects.toMatchObject({ code: 'state_locked', action: 'stop' });
    await store.close();
    const again = await openStore({ dataDir: dir });
    await again.close();
  });

  it('refuses a second process with a clear message', async () => {
    const store = await openStore({ dataDir: dir });
    const child = spawnChild('open', dir);
    const line = await child.waitFor((l) => l.startsWith('error '));
    const reported = JSON.parse(line.slice('error '.length)) as { code: string; message: string };
    expect(reported.code).toBe('state_locked');
    expect(reported.message).toContain(`pid ${process.pid}`);
    expect(reported.message).toContain('Only one fxmirror may use a data directory');
    expect(await child.exited).toBe(3);
    await store.close();
  });

  it('is refused while another process holds it and taken over once that process is SIGKILLed', async () => {
    const holder = spawnChild('hold', dir);
    await holder.waitFor((l) => l.startsWith('ready'));
    await expect(openStore({ dataDir: dir })).rejects.toMatchObject({ code: 'state_locked' });
    holder.proc.kill('SIGKILL');
    await holder.exited;
    const store = await openStore({ dataDir: dir });
    expect(store.startup.lockTakeover?.previous?.pid).toBe(holder.proc.pid);
    expect(store.startup.lockTakeover?.reason).toMatch(/is gone/);
    await store.close();
  });

  it('takes over a stale lock from a dead pid or an unreadable lock file', async () => {
    const pid = deadPid();
    const stale = { pid, instanceId: 'old', runId: 'r', hostname: hostname(), bootId: null, acquiredAt: 0 };
    await writeFile(join(dir, 'state.lock'), JSON.stringify(stale));
    const a = await openStore({ dataDir: dir });
    expect(a.startup.lockTakeover).toMatchObject({ previous: { pid } });
    await a.close();

    await writeFile(join(dir, 'state.lock'), '');
    const b = await openStore({ dataDir: dir });
    expect(b.startup.lockTakeover).toMatchObject({ previous: null, reason: expect.stringMatching(/unreadable/) });
    await b.close();
  });

  it('trusts a lock from another host until it stops being refreshed', async () => {
    const foreign = { pid: 1, instanceId: 'x', runId: 'r', hostname: 'elsewhere', bootId: null, acquiredAt: 0 };
    await writeFile(join(dir, 'state.lock'), JSON.stringify(foreign));
    await expect(openStore({ dataDir: dir, foreignLockStaleMs: 60_000 })).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringMatching(/elsewhere/),
    });
    const old = new Date(Date.now() - 120_000);
    await utimes(join(dir, 'state.lock'), old, old);
    const store = await openStore({ dataDir: dir, foreignLockStaleMs: 60_000 });
    expect(store.startup.lockTakeover?.reason).toMatch(/not refreshed/);
    await store.close();
  });
});

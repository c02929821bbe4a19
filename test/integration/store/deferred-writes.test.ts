/**
 * `Store.deferWritesWhile`: a due background write waits while its owner is busy (a copy between its master frame and
 * its batch requests), for a bounded time; explicit flushes never wait.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
const open: Store[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

async function start(): Promise<Store> {
  const store = await openStore({ dataDir: dir, writeDelayMs: 5 });
  open.push(store);
  await store.flush();
  return store;
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  await cleanup();
});

describe('store: background writes held back while the owner is busy', () => {
  it('writes a due change only once the owner is no longer busy', async () => {
    const store = await start();
    const before = store.writes;
    let busy = true;
    let asked = 0;
    store.deferWritesWhile(() => {
      asked++;
      return busy;
    }, 60_000);
    store.markProcessed('m1', 'e1', 1);
    await until(() => asked >= 5, 'the store to ask a few times');
    expect(store.writes).toBe(before);
    busy = false;
    await until(() => store.writes === before + 1, 'the held write');
  });

  it('does not hold a write back for longer than its bound, nor when asking throws', async () => {
    const store = await start();
    const before = store.writes;
    store.deferWritesWhile(() => true, 20);
    store.markProcessed('m1', 'e1', 1);
    await until(() => store.writes === before + 1, 'the write after the bound');
    store.deferWritesWhile(() => {
      throw new Error('owner bug');
    }, 60_000);
    store.markProcessed('m1', 'e2', 2);
    await until(() => store.writes === before + 2, 'the write despite the failing predicate');
  });

  it('never holds back an explicit flush or the last write of close', async () => {
    const store = await start();
    const before = store.writes;
    store.deferWritesWhile(() => true, 60_000);
    store.markProcessed('m1', 'e1', 1);
    await store.flush();
    expect(store.writes).toBe(before + 1);
    expect(store.isProcessed('m1', 'e1')).toBe(true);
    store.markProcessed('m1', 'e2', 2);
    await store.close();
    expect(store.writes).toBe(before + 2);
  });
});

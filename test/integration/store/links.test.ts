import fc from 'fast-check';
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CopyLink } from '../../../src/domain/ledger.js';
import { FatalError } from '../../../src/domain/errors.js';
import { createDefaultState, openStore, STATE_VERSION, stateSchema, type Store, type StoreOptions } from '../../../src/store/index.js';
import { link, linksOnDisk, tempDir } from './helpers/fixtures.js';

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

const linksPath = (): string => join(dir, 'links.jsonl');
const lines = async (): Promise<string[]> => (await readFile(linksPath(), 'utf8')).split('\n').filter((l) => l !== '');
const stateDoc = async () => stateSchema.parse(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')));
/** The links the files on disk hold, as a start-up would read them. */
const onDisk = async (): Promise<CopyLink[]> => linksOnDisk(linksPath(), (await stateDoc()).linksSeq);
const tickets = (links: readonly CopyLink[]): number[] => links.map((l) => l.followerTicket);

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

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  await cleanup();
});

describe('links.jsonl', () => {
  it('appends only the links changed since the last write, keeping state.json free of them', async () => {
    const store = await start();
    expect(await readdir(dir)).not.toContain('links.jsonl');
    for (let t = 1; t <= 200; t++) store.data.links.push(link({ followerTicket: t }));
    store.changed();
    await store.flush();
    const first = await readFile(linksPath(), 'utf8');
    // One change in place, one removal, one addition: the next write appends one line holding just those.
    (store.data.links[10] as CopyLink).volume = 0.5;
    store.data.links.splice(20, 1);
    store.data.links.push(link({ followerTicket: 999 }));
    store.changed();
    await store.flush();
    const now = await readFile(linksPath(), 'utf8');
    expect(now.startsWith(first)).toBe(true);
    const added = JSON.parse(now.slice(first.length)) as { seq: number; put: [number, CopyLink][]; del: number[] };
    expect(added.put.map(([, l]) => [l.followerTicket, l.volume])).toEqual([
      [11, 0.5],
      [999, 0.2],
    ]);
    expect(added.del).toHaveLength(1);
    const doc = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, unknown>;
    expect(doc).not.toHaveProperty('links');
    expect(doc['linksSeq']).toBe(added.seq);
    // A write without link changes appends nothing.
    store.markProcessed('m1', 'd1', 1);
    await store.flush();
    expect(await readFile(linksPath(), 'utf8')).toBe(now);
    expect(tickets(await onDisk())).toEqual(tickets(store.state.links));
  });

  it('reloads the links in order with their latest fields, and keeps following the live objects', async () => {
    const a = await start();
    for (let t = 1; t <= 5; t++) a.data.links.push(link({ followerTicket: t }));
    a.changed();
    await a.flush();
    (a.data.links[0] as CopyLink).status = 'closed';
    a.data.links.splice(2, 1);
    a.changed();
    await stop(a);
    const b = await start();
    expect(b.startup).toMatchObject({ outcome: 'loaded', links: 4, linksTailDropped: null });
    expect(tickets(b.state.links)).toEqual([1, 2, 4, 5]);
    expect(b.state.links[0]?.status).toBe('closed');
    // The loaded objects are the ones the next write diffs against: a change in place is written, nothing else.
    const before = (await lines()).length;
    (b.data.links[3] as CopyLink).followerTicket = 50;
    b.changed();
    await b.flush();
    expect(await lines()).toHaveLength(before + 1);
    expect(JSON.parse((await lines()).at(-1) as string)).toMatchObject({ put: [[expect.any(Number), { followerTicket: 50 }]] });
    await stop(b);
    expect(tickets((await start()).state.links)).toEqual([1, 2, 4, 50]);
  });

  it('writes exactly the live links through any sequence of changes, across restarts and compactions (property)', async () => {
    type Op =
      | { kind: 'add'; n: number }
      | { kind: 'remove'; i: number; n: number }
      | { kind: 'change'; i: number; volume: number }
      | { kind: 'retarget'; i: number; ticket: number }
      | { kind: 'move'; i: number }
      | { kind: 'replaceArray' }
      | { kind: 'restart' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 60 }) }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('remove' as const), i: fc.nat(200), n: fc.integer({ min: 1, max: 30 }) }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('change' as const), i: fc.nat(200), volume: fc.double({ min: 0, max: 10, noNaN: true }) }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('retarget' as const), i: fc.nat(200), ticket: fc.nat(1_000_000) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('move' as const), i: fc.nat(200) }), weight: 1 },
      { arbitrary: fc.constant({ kind: 'replaceArray' as const }), weight: 1 },
      { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 5 }), { minLength: 1, maxLength: 10 }), async (writes) => {
        run++;
        const dataDir = join(dir, `run${run}`);
        let store = await openStore({ dataDir });
        let next = 1;
        try {
          for (const batch of writes) {
            for (const o of batch) {
              const links = store.data.links;
              const at = (i: number) => links[i % Math.max(1, links.length)];
              switch (o.kind) {
                case 'add':
                  for (let k = 0; k < o.n; k++) links.push(link({ masterTicket: next, followerTicket: next++ }));
                  break;
                case 'remove':
                  links.splice(o.i % Math.max(1, links.length), o.n);
                  break;
                case 'change': {
                  const l = at(o.i);
                  if (l) l.volume = o.volume;
                  break;
                }
                case 'retarget': {
                  const l = at(o.i);
                  if (l) l.followerTicket = o.ticket;
                  break;
                }
                case 'move': {
                  // Any rearrangement (here: one link moved to the front) must still be written correctly.
                  const [l] = links.splice(o.i % Math.max(1, links.length), 1);
                  if (l) links.unshift(l);
                  break;
                }
                case 'replaceArray': {
                  const copy = links.map((l) => ({ ...l }));
                  links.length = 0;
                  links.push(...copy);
                  break;
                }
                case 'restart':
                  await store.close();
                  store = await openStore({ dataDir });
                  break;
              }
            }
            store.changed();
            await store.flush();
            expect(await linksOnDisk(join(dataDir, 'links.jsonl'), stateSchema.parse(JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8'))).linksSeq)).toEqual(
              store.state.links,
            );
          }
          const expected = structuredClone(store.state.links);
          await store.close();
          store = await openStore({ dataDir });
          expect(store.state.links).toEqual(expected);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('ignores changes newer than the state file (a write whose state never landed) and cuts them off', async () => {
    const a = await start();
    a.data.links.push(link({ followerTicket: 1 }), link({ followerTicket: 2 }));
    a.changed();
    await stop(a);
    const committed = await readFile(linksPath(), 'utf8');
    const { linksSeq } = await stateDoc();
    // What a crash between the links append and the state file leaves: a whole line of the next write.
    await appendFile(linksPath(), `${JSON.stringify({ seq: linksSeq + 1, put: [[77, link({ followerTicket: 77 })]], del: [1] })}\n`);
    const b = await start();
    expect(tickets(b.state.links)).toEqual([1, 2]);
    expect(await readFile(linksPath(), 'utf8')).toBe(committed);
    // The next write continues the committed log.
    b.data.links.push(link({ followerTicket: 3 }));
    b.changed();
    await stop(b);
    expect(tickets((await start()).state.links)).toEqual([1, 2, 3]);
  });

  it('drops a partial last line (an append cut by a crash) with a log line, then appends cleanly', async () => {
    const a = await start();
    a.data.links.push(link({ followerTicket: 1 }));
    a.changed();
    await stop(a);
    const committed = await readFile(linksPath(), 'utf8');
    await appendFile(linksPath(), '{"seq":99,"put":[[2,{"masterId":"m1","mas');
    const warnings: unknown[] = [];
    const b = await start({ log: { info: () => undefined, error: () => undefined, warn: (o: unknown) => void warnings.push(o) } });
    expect(b.startup.linksTailDropped).toMatch(/line 2/);
    expect(warnings).toHaveLength(1);
    expect(await readFile(linksPath(), 'utf8')).toBe(committed);
    b.data.links.push(link({ followerTicket: 2 }));
    b.changed();
    await stop(b);
    expect(tickets((await start()).state.links)).toEqual([1, 2]);
  });

  it('refuses start-up over a damaged line before the last, leaving every file untouched', async () => {
    const a = await start();
    a.data.links.push(link({ followerTicket: 1 }));
    a.changed();
    await a.flush();
    a.data.links.push(link({ followerTicket: 2 }));
    a.changed();
    await stop(a);
    const [l1, l2] = await lines();
    const damaged = `${l1}\n{"seq":1,"put":[[1,{"nope":true}]]}\n${l2}\n`;
    await writeFile(linksPath(), damaged);
    const err = await refusal();
    expect(err.code).toBe('state_invalid');
    expect(err.message).toContain(linksPath());
    expect(err.message).toMatch(/line 2/);
    expect(await readFile(linksPath(), 'utf8')).toBe(damaged);
  });

  it('refuses start-up when the state refers to links but the links file is gone', async () => {
    const a = await start();
    a.data.links.push(link());
    a.changed();
    await stop(a);
    await rm(linksPath());
    const before = await readFile(join(dir, 'state.json'), 'utf8');
    const err = await refusal();
    expect(err.code).toBe('state_corrupt');
    expect(err.message).toMatch(/links\.jsonl is missing/);
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(before);
  });

  it('compacts the file once it holds far more records than live links, atomically, to the same links', async () => {
    const store = await start();
    for (let t = 1; t <= 10; t++) store.data.links.push(link({ followerTicket: t }));
    for (let w = 0; w < 120; w++) {
      // Churn: 15 records a write over 10 live links (5 changed, 5 removed, 5 added).
      for (const l of store.data.links) l.volume = (w % 7) / 10;
      store.data.links.splice(0, 5);
      for (let k = 0; k < 5; k++) store.data.links.push(link({ followerTicket: 1000 + w * 10 + k }));
      store.changed();
      await store.flush();
    }
    // The first write creates the file (a rewrite of nothing); at least one more is a compaction.
    expect(store.linksFile.rewrites).toBeGreaterThan(1);
    expect(store.linksFile.records).toBeLessThan(2 * 10 + 1000 + 15);
    expect((await lines())[0]).toMatch(/"base":true/);
    expect(await onDisk()).toEqual(store.state.links);
    const expected = structuredClone(store.state.links);
    await stop(store);
    expect((await readdir(dir)).sort()).toEqual(['links.jsonl', 'state.json']);
    expect((await start()).state.links).toEqual(expected);
  });

  it('refuses a write whose changed link does not validate, touching no file, and writes once it is fixed', async () => {
    const store = await start();
    store.data.links.push(link({ followerTicket: 1 }));
    store.changed();
    await store.flush();
    const before = { links: await readFile(linksPath(), 'utf8'), state: await readFile(join(dir, 'state.json'), 'utf8') };
    (store.data.links[0] as { volume: unknown }).volume = -1;
    store.data.links.push(link({ followerTicket: 2, side: 'up' as CopyLink['side'] }), null as unknown as CopyLink);
    store.changed();
    const err = await store.flush().then(
      () => new Error('expected state_invalid_write'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FatalError);
    expect((err as FatalError).code).toBe('state_invalid_write');
    expect((err as FatalError).message).toContain('links[0].volume');
    expect((err as FatalError).message).toContain('links[1].side');
    expect((err as FatalError).message).toContain('links[2]');
    expect(await readFile(linksPath(), 'utf8')).toBe(before.links);
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(before.state);
    (store.data.links[0] as CopyLink).volume = 0.3;
    (store.data.links[1] as CopyLink).side = 'sell';
    store.data.links.pop();
    store.changed();
    await store.flush();
    expect(await onDisk()).toEqual(store.state.links);
  });

  it('starts afresh without the links of a removed state file', async () => {
    const a = await start();
    a.data.links.push(link());
    a.changed();
    await stop(a);
    await rm(join(dir, 'state.json'));
    const b = await start();
    expect(b.startup.outcome).toBe('created');
    expect(b.state.links).toEqual([]);
    expect(await readdir(dir)).not.toContain('links.jsonl');
  });
});

describe('migration from version 2 (links inside state.json)', () => {
  function v2(links: CopyLink[]): string {
    const { journal: _none, links: _links, ...doc } = createDefaultState('legacy');
    return JSON.stringify({ ...doc, version: 2, links, masters: [{ accountId: 'm1', paused: false }] });
  }

  it('moves the links to links.jsonl, keeps a backup, and writes a current-version state', async () => {
    const links = [link({ followerTicket: 1 }), link({ followerTicket: 2, status: 'closed' })];
    const original = v2(links);
    await writeFile(join(dir, 'state.json'), original);
    const store = await start();
    expect(store.startup).toMatchObject({ outcome: 'migrated', fileVersion: 2, backupPath: join(dir, 'state.json.v2.bak'), links: 2 });
    expect(store.state.links).toEqual(links);
    expect(await stateDoc()).toMatchObject({ version: STATE_VERSION, linksSeq: 0, masters: [{ accountId: 'm1', paused: false }] });
    expect(await onDisk()).toEqual(links);
    expect(await readFile(join(dir, 'state.json.v2.bak'), 'utf8')).toBe(original);
    (store.data.links[1] as CopyLink).volume = 0.7;
    store.changed();
    await stop(store);
    const again = await start();
    expect(again.startup.outcome).toBe('loaded');
    expect(again.state.links.map((l) => l.volume)).toEqual([0.2, 0.7]);
  });

  it('migrates again after a crash between the links and the new state, replacing the half-done links file', async () => {
    await writeFile(join(dir, 'state.json'), v2([link({ followerTicket: 5 })]));
    await writeFile(linksPath(), '{"seq":0,"base":true,"put":[[1,{"garbage":1}]]}\n{"gar');
    const store = await start();
    expect(store.startup.outcome).toBe('migrated');
    expect(tickets(store.state.links)).toEqual([5]);
    expect(tickets(await onDisk())).toEqual([5]);
  });
});

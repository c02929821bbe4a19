/**
 * Measures what one coalesced state write costs on the copy path, with a full document: 1 000 open links,
 * 10 000 journal rows, 2 masters × 5 000 processed events, 20 followers, a few users and pending legs.
 * Not a test; run it by hand:
 *
 *   npx tsx test/integration/store/write-cost.ts [writes]
 *
 * Each measured write is what the engine does after one copied deal: a journal row, a processed event, one link
 * changed in place, then `changed()` and `flush()`. "sync" is the time `flush()` holds the event loop before its
 * first await (validation and serialisation: the part that delays the copy path), as CPU time of the process
 * (robust on a loaded machine) and as wall time; "total" adds the disk I/O (fsync), which runs off the loop.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultFollower } from '../../../src/domain/config.js';
import { openStore } from '../../../src/store/index.js';
import { journalEntry, link } from './helpers/fixtures.js';

const writes = Number(process.argv[2] ?? 200);
const dir = await mkdtemp(join(tmpdir(), 'fxmirror-write-cost-'));
try {
  const store = await openStore({ dataDir: dir, writeDelayMs: 60_000 });
  const data = store.data;
  data.masters.push({ accountId: 'm1', paused: false }, { accountId: 'm2', paused: false });
  for (let f = 0; f < 20; f++) data.followers.push({ ...defaultFollower(`f${f}`, ['m1', 'm2']), symbolMap: { XAUUSD: 'GOLD' } });
  for (let u = 0; u < 5; u++) {
    data.users.push({
      id: u, role: 'owner', name: `user ${u}`, addedAt: 1,
      alerts: { copies: 'on', rejections: 'on', reconcile: 'on', connection: 'on', daily: 'on' },
    });
  }
  for (let i = 0; i < 1_000; i++) {
    data.links.push(link({ masterId: i % 2 ? 'm2' : 'm1', masterTicket: 10_000 + i, followerId: `f${i % 20}`, followerTicket: 50_000 + i }));
  }
  for (const m of ['m1', 'm2']) data.processed[m] = Array.from({ length: 5_000 }, (_, i) => ({ eventId: `${m}-d${i}`, at: 1_700_000_000_000 + i }));
  for (let i = 0; i < 10; i++) {
    data.pending.push({
      id: `p${i}`, kind: 'market_closed', masterId: 'm1', eventId: `q${i}`, followerId: 'f1', createdAt: 1, expiresAt: 2,
      leg: { plan: { symbol: 'US30', volume: 0.1 }, event: { position: i } }, note: '',
    });
  }
  for (let i = 0; i < 10_000; i++) {
    data.journal.push(journalEntry({ at: 1_700_000_000_000 + i, eventId: `d${i}`, masterTicket: 10_000 + (i % 1000) }));
  }
  store.changed();
  let t = performance.now();
  await store.flush();
  const first = performance.now() - t;

  const sync: number[] = [];
  const syncCpu: number[] = [];
  const total: number[] = [];
  for (let n = 0; n < writes; n++) {
    const seq = 10_000 + n;
    data.journal.push(journalEntry({ at: 1_700_000_000_000 + seq, eventId: `d${seq}`, masterTicket: 10_000 + (seq % 1000) }));
    if (data.journal.length > 11_000) data.journal.splice(0, data.journal.length - 10_000);
    const processed = data.processed['m1'] ?? [];
    processed.push({ eventId: `m1-d${seq}`, at: 1_700_000_000_000 + seq });
    if (processed.length > 5_500) processed.splice(0, processed.length - 5_000);
    const l = data.links[n % data.links.length];
    if (l !== undefined) l.masterVolume = 0.1 + (n % 7) / 100;
    store.changed();
    const cpu = process.cpuUsage();
    t = performance.now();
    const p = store.flush();
    sync.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    syncCpu.push((used.user + used.system) / 1000);
    await p;
    total.push(performance.now() - t);
  }
  await store.close();
  const files = await Promise.all(
    ['state.json', 'journal.jsonl'].map(async (f) => [f, await stat(join(dir, f)).then((s) => s.size, () => null)] as const),
  );
  const pct = (xs: number[], p: number): string => {
    const sorted = [...xs].sort((a, b) => a - b);
    return (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0).toFixed(2);
  };
  const mean = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
  console.log(`first write (whole document): ${first.toFixed(1)} ms`);
  console.log(`${writes} writes, each 1 journal row + 1 processed event + 1 link changed:`);
  console.log(`  sync, CPU time:            mean ${mean(syncCpu)} ms, p50 ${pct(syncCpu, 50)}, p95 ${pct(syncCpu, 95)}, max ${pct(syncCpu, 100)}`);
  console.log(`  sync, wall (loop blocked): mean ${mean(sync)} ms, p50 ${pct(sync, 50)}, p95 ${pct(sync, 95)}, max ${pct(sync, 100)}`);
  console.log(`  total (incl. fsync):       mean ${mean(total)} ms, p50 ${pct(total, 50)}, p95 ${pct(total, 95)}, max ${pct(total, 100)}`);
  for (const [f, size] of files) console.log(`  ${f}: ${size === null ? 'absent' : `${(size / 1024).toFixed(0)} KiB`}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

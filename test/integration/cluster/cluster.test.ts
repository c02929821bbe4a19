/**
 * Cluster mode for real: redis-server, the simulator, one control process and three workers, all real processes
 * started from src/main.ts as in production. A worker is SIGKILLed right after a master event; another is SIGSTOPped
 * past its lease and SIGCONTed. Invariants from the simulator's books: each follower holds exactly one copy of each
 * open master position (0 duplicates, 0 lost), and the paused worker sends no order until it holds a lease again.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { startLocalRedis } from '../../../src/cluster/local/redis-server.js';
import type { LocalRedis } from '../../../src/cluster/local/redis-server.js';
import { readHeartbeats } from '../../../src/cluster/registry.js';
import { buildVersion } from '../../../src/cluster/version.js';
import { defaultFollower } from '../../../src/domain/config.js';
import { parseCopyComment } from '../../../src/domain/tags.js';
import { createSimulator } from '../../../src/sim/index.js';
import type { RequestEvent, Sim } from '../../../src/sim/index.js';
import { alwaysOpenWorld, MAGIC } from '../engine/harness.js';

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARTITIONS = 6;
const LEASE_MS = 3_000;
const EXTRA = ['f4', 'f5', 'f6', 'f7', 'f8'];

interface Proc {
  name: string;
  child: ChildProcess;
  out: string[];
}

let dir: string;
let redisServer: LocalRedis;
let redis: Redis;
let sim: Sim;
const procs: Proc[] = [];
const orderRequests: { ua: string; at: number; route: string }[] = [];
const keys = clusterKeys('fxt');

function start(name: string, role: 'control' | 'worker'): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FXSOCKET_API_KEY: sim.apiKey,
      FXSOCKET_API_URL: sim.url,
      FXMIRROR_REDIS_URL: redisServer.url,
      FXMIRROR_REDIS_PREFIX: 'fxt',
      FXMIRROR_ROLE: role,
      FXMIRROR_WORKER_ID: name,
      FXMIRROR_PARTITIONS: String(PARTITIONS),
      FXMIRROR_LEASE_MS: String(LEASE_MS),
      FXMIRROR_LEASE_RENEW_MS: '400',
      FXMIRROR_BATCH_TIMEOUT_MS: '1500',
      FXMIRROR_MAGIC: String(MAGIC),
      FXMIRROR_DATA: join(dir, name),
      FXMIRROR_LOG_LEVEL: 'info',
      FXMIRROR_WEBAPP: 'off',
    },
  });
  const p: Proc = { name, child, out: [] };
  for (const s of [child.stdout, child.stderr]) s?.setEncoding('utf8').on('data', (c: string) => p.out.push(...c.split('\n')));
  procs.push(p);
  return p;
}

async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => `--- ${p.name}\n${p.out.slice(-15).join('\n')}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Hedging followers: one row per copy, so a duplicate shows as a second row. (The netting one is configured too.) */
const followers = () => ['apex-follower', 'mt4-follower', ...EXTRA];

/** Copies of a master ticket on a follower: rows with our magic whose copy tag names that master ticket. */
function copiesOf(follower: string, masterTicket: number): number {
  return sim
    .account(follower)
    .positions()
    .filter((r) => r.magic === MAGIC && parseCopyComment(r.comment)?.masterTicket === masterTicket).length;
}

function allCopied(masterTickets: number[]): boolean {
  return followers().every((f) => masterTickets.every((t) => copiesOf(f, t) === 1));
}

function duplicates(masterTickets: number[]): string[] {
  const out: string[] = [];
  for (const f of followers()) for (const t of masterTickets) if (copiesOf(f, t) > 1) out.push(`${f}#${t}:${copiesOf(f, t)}`);
  return out;
}

async function owners(): Promise<Map<string, number[]>> {
  const beats = await readHeartbeats(redis, keys.workers);
  const now = Date.now();
  return new Map(beats.filter((b) => now - b.at < LEASE_MS).map((b) => [b.id, b.partitions.map((p) => p.partition)]));
}

async function allOwnedBy(names: string[]): Promise<boolean> {
  const o = await owners();
  const held = names.flatMap((n) => o.get(n) ?? []);
  return new Set(held).size === PARTITIONS && held.length === PARTITIONS;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fxm-cluster-'));
  redisServer = await startLocalRedis(dir);
  redis = new Redis(redisServer.url);
  sim = await createSimulator({ seed: 11, port: 0, marketHours: 'always', world: alwaysOpenWorld(), demoTrader: false });
  for (const n of EXTRA) sim.addAccount({ nickname: n, broker: 'Apex Trading', name: n, currency: 'USD', balance: 5_000, leverage: 500, marginMode: 'Hedging' });
  sim.events.on('request', (e: RequestEvent) => {
    if (e.method === 'POST' && (e.route.includes('orders') || e.route.includes('Order'))) orderRequests.push({ ua: e.userAgent, at: Date.now(), route: e.route });
  });
  const master = sim.account('master').id;
  await redis.set(
    keys.config,
    JSON.stringify({
      version: 1,
      writer: buildVersion(),
      partitions: PARTITIONS,
      masters: [{ accountId: master, paused: false }],
      followers: ['raw-follower', ...followers()].map((n) => ({ ...defaultFollower(sim.account(n).id, [master]), sizing: { mode: 'fixed', lots: 0.1 } })),
    }),
  );
  start('control', 'control');
  for (const w of ['w1', 'w2', 'w3']) start(w, 'worker');
  await waitFor(() => allOwnedBy(['w1', 'w2', 'w3']), 'all partitions owned', 40_000);
}, 60_000);

afterAll(async () => {
  for (const p of procs) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
  }
  redis?.disconnect();
  await sim?.close();
  await redisServer?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cluster mode', () => {
  const tickets: number[] = [];
  const open = () => {
    const master = sim.account('master');
    const before = new Set(master.positions().map((r) => r.ticket));
    master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    const row = master.positions().find((r) => !before.has(r.ticket));
    if (!row) throw new Error('the master open did not show');
    tickets.push(row.ticket);
    return row.ticket;
  };

  it('copies a master event to every follower across the partitions, once', async () => {
    open();
    await waitFor(() => allCopied(tickets), 'copies on every follower');
    expect(duplicates(tickets)).toEqual([]);
  }, 30_000);

  it('a worker SIGKILLed right after a master event: its partitions move, nothing lost, nothing doubled', async () => {
    const w1 = procs.find((p) => p.name === 'w1');
    open();
    w1?.child.kill('SIGKILL');
    await waitFor(() => allOwnedBy(['w2', 'w3']), 'partitions taken over', 30_000);
    open();
    await waitFor(() => allCopied(tickets), 'copies after the takeover', 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(duplicates(tickets)).toEqual([]);
  }, 60_000);

  it('a worker paused past its lease sends nothing for the partitions it lost', async () => {
    const w2 = procs.find((p) => p.name === 'w2');
    const before = (await owners()).get('w2') ?? [];
    expect(before.length).toBeGreaterThan(0);
    w2?.child.kill('SIGSTOP');
    await waitFor(() => allOwnedBy(['w3']), 'w3 holds every partition', 30_000);
    open();
    await waitFor(() => allCopied(tickets), 'copies while w2 is paused', 30_000);
    const resumedAt = Date.now();
    w2?.child.kill('SIGCONT');
    // Its first renewal fails: it gives its partitions up before sending anything.
    await waitFor(() => w2?.out.some((l) => l.includes('partition lease lost')), 'w2 notices the loss', 10_000);
    const retaken = w2?.out.findIndex((l, i) => i >= 0 && l.includes('partition taken') && Number(/"time":(\d+)/.exec(l)?.[1] ?? 0) >= resumedAt) ?? -1;
    const retakenAt = retaken >= 0 ? Number(/"time":(\d+)/.exec(w2?.out[retaken] ?? '')?.[1] ?? 0) : Infinity;
    const early = orderRequests.filter((r) => r.ua.includes('(w2)') && r.at >= resumedAt && r.at < retakenAt);
    expect(early).toEqual([]);
    open();
    await waitFor(() => allCopied(tickets), 'copies after w2 is back', 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(duplicates(tickets)).toEqual([]);
  }, 90_000);

  it('closes reach every copy after the moves', async () => {
    const master = sim.account('master');
    for (const t of tickets) master.close(t);
    await waitFor(() => followers().every((f) => sim.account(f).positions().filter((r) => r.magic === MAGIC).length === 0), 'every copy closed', 30_000);
  }, 40_000);
});

/**
 * Cluster mode for real: redis-server, the simulator, two control processes (one active, one on stand-by) and three
 * workers, all real processes started from src/main.ts as in production. A worker is SIGKILLed right after a master
 * event and comes back; another is SIGSTOPped past its lease, idle and then in the middle of a copy; the active
 * control process is SIGKILLed while it aggregates an event's alert; Redis is SIGKILLed and restarted from its AOF
 * with a trade made meanwhile; a worker of another version asks for partitions. Invariants from the simulator's
 * books: each follower holds exactly one copy of each open master position (0 duplicates, 0 lost), a worker sends no
 * order for a partition once another may own it, and the chat tells each outcome once.
 *
 * DUMP=1 writes every process's output to /tmp/cl-<name>-<pid>.log when the suite ends.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import type { RequestEvent, RequestStartEvent, Sim } from '../../../src/sim/index.js';
import { alwaysOpenWorld, MAGIC } from '../engine/harness.js';
import { startTcpGate } from './tcp-gate.js';
import type { TcpGate } from './tcp-gate.js';

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
/** w3 reaches Redis through this gate, so a test can cut it off. */
let gate: TcpGate;
let redis: Redis;
let sim: Sim;
const procs: Proc[] = [];
const orderRequests: { ua: string; at: number; route: string }[] = [];
/** User agents of the terminal stream connections opened at the simulator. */
const streamUpgrades: string[] = [];
const keys = clusterKeys('fxt');

function start(name: string, role: 'control' | 'worker', extraEnv: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FXSOCKET_API_KEY: sim.apiKey,
      FXSOCKET_API_URL: sim.url,
      FXMIRROR_REDIS_URL: name === 'w3' ? `redis://127.0.0.1:${gate.port}` : redisServer.url,
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
      // Long enough to kill the control process while it waits for an event's late legs.
      FXMIRROR_AGGREGATE_MS: '2500',
      ...extraEnv,
    },
  });
  const p: Proc = { name, child, out: [] };
  for (const s of [child.stdout, child.stderr]) s?.setEncoding('utf8').on('data', (c: string) => p.out.push(...c.split('\n')));
  procs.push(p);
  return p;
}

const proc = (name: string): Proc => {
  const p = [...procs].reverse().find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name}`);
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lines of the chat transcripts (both control processes) that contain `text`. */
const chatLines = (text: string) => procs.filter((p) => p.name.startsWith('control')).flatMap((p) => p.out.filter((l) => l.includes(text)));
/** Log time of a process's first line with `text` at or after `since`, else Infinity. */
function loggedAt(p: Proc, text: string, since: number): number {
  for (const l of p.out) {
    if (!l.includes(text)) continue;
    const t = Number(/"time":(\d+)/.exec(l)?.[1] ?? 0);
    if (t >= since) return t;
  }
  return Infinity;
}

/** Every master position has its copies, and after a moment for late legs no follower holds one twice. */
async function copiedOnce(masterTickets: number[], what: string): Promise<void> {
  await waitFor(() => allCopied(masterTickets), what, 30_000);
  await sleep(1_500);
  expect(duplicates(masterTickets)).toEqual([]);
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

/** Every partition owned by one of `names`, and nothing moved for 1.5 s (hand-overs after a worker's return done). */
async function settled(names: string[]): Promise<boolean> {
  if (!(await allOwnedBy(names))) return false;
  const before = JSON.stringify([...(await owners())].sort());
  await sleep(1_500);
  return (await allOwnedBy(names)) && JSON.stringify([...(await owners())].sort()) === before;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fxm-cluster-'));
  redisServer = await startLocalRedis(dir);
  redis = new Redis(redisServer.url);
  redis.on('error', () => undefined);
  gate = await startTcpGate(redisServer.port);
  sim = await createSimulator({ seed: 11, port: 0, marketHours: 'always', world: alwaysOpenWorld(), demoTrader: false });
  for (const n of EXTRA) sim.addAccount({ nickname: n, broker: 'Apex Trading', name: n, currency: 'USD', balance: 5_000, leverage: 500, marginMode: 'Hedging' });
  sim.events.on('request', (e: RequestEvent) => {
    if (e.method === 'POST' && (e.route.includes('orders') || e.route.includes('Order'))) orderRequests.push({ ua: e.userAgent, at: Date.now(), route: e.route });
    if (e.route === 'WS upgrade') streamUpgrades.push(e.userAgent);
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
  const control = start('control', 'control');
  await waitFor(() => control.out.some((l) => l.includes('fxmirror control: active')), 'the first control process active');
  control.child.stdin?.write('/start\n');
  const standby = start('control2', 'control');
  await waitFor(() => standby.out.some((l) => l.includes('stand-by')), 'the second control process on stand-by');
  for (const w of ['w1', 'w2', 'w3']) start(w, 'worker');
  await waitFor(() => allOwnedBy(['w1', 'w2', 'w3']), 'all partitions owned', 40_000);
}, 60_000);

afterAll(async () => {
  if (process.env['DUMP']) for (const p of procs) await writeFile(`/tmp/cl-${p.name}-${p.child.pid}.log`, p.out.join('\n'));
  for (const p of procs) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
  }
  redis?.disconnect();
  await sim?.close();
  await gate?.stop();
  await redisServer?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cluster mode', () => {
  const tickets: number[] = [];
  const open = (symbol = 'EURUSD') => {
    const master = sim.account('master');
    const before = new Set(master.positions().map((r) => r.ticket));
    master.send({ symbol, operation: 'Buy', volume: 0.1 });
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

  it('the control process streams no follower: /status and /positions come from the owners, a symbol check starts the one cache it needs', async () => {
    const control = proc('control');
    const controlStreams = () => streamUpgrades.filter((ua) => ua.endsWith('(control)')).length;
    expect(controlStreams()).toBe(0);
    // Every follower holds one copy: the owners' ledgers say so in /status, and their streams are up.
    await waitFor(async () => {
      const from = control.out.length;
      control.child.stdin?.write('/status\n');
      await sleep(400);
      const lines = control.out.slice(from);
      return followers().every((n) => lines.some((l) => l.includes(n) && l.includes('🟢') && l.includes('· 1 open copies')));
    }, 'every follower with its open copy in /status', 20_000);
    expect(controlStreams()).toBe(0);
    // The owner answers /positions from its cache and ledger: the row names the master position it copies.
    let from = control.out.length;
    control.child.stdin?.write('/positions apex-follower\n');
    await waitFor(() => control.out.slice(from).some((l) => l.includes('EURUSD') && l.includes(`copy of #${tickets[0]}`)), 'the copy in /positions');
    // /risk's budget too: the owner's ledger holds the open copy (the netting follower, left out of the copy checks,
    // takes the limit so the others copy on without a stop loss), and the budget is of the limit just set.
    from = control.out.length;
    control.child.stdin?.write('/risk raw-follower dailyloss 1000\n');
    await waitFor(() => {
      const lines = control.out.slice(from);
      return lines.some((l) => l.includes('Daily risk budget (limit 1,000.00')) && lines.some((l) => /open copy #\d+ EURUSD\.raw \(0\.10 lots\) has no SL/.test(l));
    }, 'the risk budget');
    expect(controlStreams()).toBe(0);
    // Off again (a loosening: confirmed with the first choice), so the later events' messages carry no skips.
    from = control.out.length;
    control.child.stdin?.write('/risk raw-follower dailyloss off\n');
    await waitFor(() => control.out.slice(from).some((l) => l.startsWith('[1]')), 'the confirmation');
    control.child.stdin?.write('1\n');
    await waitFor(() => control.out.slice(from).some((l) => l.includes('Risk limits of raw-follower') && l.startsWith('✅')), 'the limit off');
    // A symbol mapping is checked against the follower's symbol list: that follower's cache starts, and only it.
    from = control.out.length;
    control.child.stdin?.write('/map apex-follower XAUUSD NOSUCHSYM\n');
    await waitFor(() => control.out.slice(from).some((l) => l.includes("has no symbol 'NOSUCHSYM'")), 'the mapping refused');
    expect(controlStreams()).toBe(1);
  }, 40_000);

  it('a worker SIGKILLed right after a master event: its partitions move, nothing lost, nothing doubled', async () => {
    const w1 = procs.find((p) => p.name === 'w1');
    open();
    w1?.child.kill('SIGKILL');
    await waitFor(() => allOwnedBy(['w2', 'w3']), 'partitions taken over', 30_000);
    open();
    await copiedOnce(tickets, 'copies after the takeover');
    // It comes back under its name and takes its share again.
    start('w1', 'worker');
    await waitFor(() => allOwnedBy(['w1', 'w2', 'w3']), 'w1 back with its partitions', 30_000);
    open();
    await waitFor(() => allCopied(tickets), 'copies after w1 is back', 30_000);
    expect(duplicates(tickets)).toEqual([]);
  }, 90_000);

  it('a worker paused past its lease sends nothing for the partitions it lost', async () => {
    const w2 = procs.find((p) => p.name === 'w2');
    const before = (await owners()).get('w2') ?? [];
    expect(before.length).toBeGreaterThan(0);
    w2?.child.kill('SIGSTOP');
    await waitFor(() => allOwnedBy(['w1', 'w3']), 'w1 and w3 hold every partition', 30_000);
    open();
    await waitFor(() => allCopied(tickets), 'copies while w2 is paused', 30_000);
    const resumedAt = Date.now();
    w2?.child.kill('SIGCONT');
    // Its first renewal fails: it gives its partitions up before sending anything.
    await waitFor(() => w2?.out.some((l) => l.includes('partition lease lost')), 'w2 notices the loss', 10_000);
    const retakenAt = w2 === undefined ? Infinity : loggedAt(w2, 'partition taken', resumedAt);
    const early = orderRequests.filter((r) => r.ua.includes('(w2)') && r.at >= resumedAt && r.at < retakenAt);
    expect(early).toEqual([]);
    open();
    await copiedOnce(tickets, 'copies after w2 is back');
  }, 90_000);

  it('a worker paused in the middle of a copy and woken, cut off from Redis, after the takeover: it sends nothing', async () => {
    await waitFor(() => settled(['w1', 'w2', 'w3']), 'partitions settled', 40_000);
    const victim = proc('w3');
    const beat = (await readHeartbeats(redis, keys.workers)).find((b) => b.id === 'w3');
    expect(beat?.partitions.some((p) => p.followers > 0)).toBe(true);
    let stoppedAt = 0;
    // A symbol not traded yet: its specification is read for the event, between the master's trade and the batch.
    const onStart = (e: RequestStartEvent) => {
      if (stoppedAt !== 0 || !e.url.includes('/SymbolInfo') || !e.userAgent.includes('(w3)')) return;
      victim.child.kill('SIGSTOP');
      gate.close();
      stoppedAt = Date.now();
    };
    sim.events.on('requestStart', onStart);
    try {
      open('GBPUSD');
      await waitFor(() => stoppedAt > 0, 'w3 stopped while it reads the symbol', 10_000);
    } finally {
      sim.events.off('requestStart', onStart);
    }
    await waitFor(() => allOwnedBy(['w1', 'w2']), 'w1 and w2 hold every partition', 30_000);
    // Woken with Redis out of reach, it cannot learn that its lease is gone: only its local deadline stops it, and
    // the intent it must write to Redis before a batch (fenced by the lease) cannot be written.
    const resumedAt = Date.now();
    victim.child.kill('SIGCONT');
    await waitFor(() => loggedAt(victim, 'partition lease lost', resumedAt) < Infinity, 'w3 giving its partitions up by its own clock', 20_000);
    await sleep(1_000);
    gate.open();
    await waitFor(() => loggedAt(victim, 'partition taken', resumedAt) < Infinity, 'w3 taking partitions again', 30_000);
    const retakenAt = loggedAt(victim, 'partition taken', resumedAt);
    expect(orderRequests.filter((r) => r.ua.includes('(w3)') && r.at >= resumedAt && r.at < retakenAt)).toEqual([]);
    await copiedOnce(tickets, 'copies by the new owners');
  }, 120_000);

  it('a partition whose legs come after the wait: the event’s one message is edited to show every outcome', async () => {
    await waitFor(() => settled(['w1', 'w2', 'w3']), 'partitions settled', 40_000);
    const control = proc('control');
    const from = control.out.length;
    // Slower than FXMIRROR_AGGREGATE_MS: the message goes out without that partition's legs, which come later.
    const slow = sim.account('mt4-follower');
    slow.faults.set({ latencyMs: 4_000 });
    let ticket: number;
    try {
      ticket = open();
      await waitFor(() => allCopied(tickets), 'every copy, the slow one too', 30_000);
    } finally {
      slow.faults.clear();
    }
    const lines = () => control.out.slice(from);
    const bodyAt = (i: number) => {
      const end = lines().findIndex((l, j) => j > i && l.includes('⏱'));
      return lines().slice(i, end).join('\n');
    };
    // The chat line above the event's first line (the transcript may put a blank line between).
    const headerOf = (i: number) => {
      let j = i - 1;
      while (j > 0 && (lines()[j] ?? '').trim() === '') j--;
      return lines()[j] ?? '';
    };
    await waitFor(() => lines().some((l, i) => l.includes(`open #${ticket}`) && headerOf(i).startsWith('── bot edited #')), 'the edited message', 20_000);
    const first = lines().findIndex((l, i) => l.includes(`open #${ticket}`) && headerOf(i).startsWith('── bot') && !headerOf(i).startsWith('── bot edited'));
    const edited = lines().findIndex((l, i) => l.includes(`open #${ticket}`) && headerOf(i).startsWith('── bot edited #'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(bodyAt(first)).not.toContain('mt4-follower:');
    for (const name of [...followers(), 'raw-follower']) expect(bodyAt(edited)).toContain(`${name}:`);
    // Edited, not posted again: one new message for the event, and one edit per late partition.
    expect(lines().filter((l, i) => l.includes(`open #${ticket}`) && !headerOf(i).startsWith('── bot edited'))).toHaveLength(1);
  }, 60_000);

  it('the active control process SIGKILLed while it aggregates an event: the stand-by posts every outcome once', async () => {
    await waitFor(() => settled(['w1', 'w2', 'w3']), 'partitions settled', 40_000);
    const control = proc('control');
    const standby = proc('control2');
    // One follower answers slowly, so its partition's legs come late and the message waits for them.
    const slow = sim.account('mt4-follower');
    slow.faults.set({ latencyMs: 4_000 });
    let ticket: number;
    try {
      ticket = open();
      await waitFor(() => followers().filter((f) => copiesOf(f, ticket) === 1).length >= followers().length - 2, 'the quick copies', 15_000);
      control.child.kill('SIGKILL');
      await waitFor(() => standby.out.some((l) => l.includes('fxmirror control: active')), 'the stand-by taking over', 20_000);
      standby.child.stdin?.write('/start\n');
      await waitFor(() => allCopied(tickets), 'every copy, the slow one too', 30_000);
    } finally {
      slow.faults.clear();
    }
    await waitFor(() => chatLines(`open #${ticket}`).length > 0, 'the message for the event', 20_000);
    await sleep(3_000);
    expect(control.out.filter((l) => l.includes(`open #${ticket}`))).toEqual([]);
    const posted = standby.out.findIndex((l) => l.includes(`open #${ticket}`));
    expect(chatLines(`open #${ticket}`)).toHaveLength(1);
    // One message with every follower's outcome: a line per follower before its footer.
    const end = standby.out.findIndex((l, i) => i > posted && l.includes('⏱'));
    const body = standby.out.slice(posted, end).join('\n');
    for (const name of [...followers(), 'raw-follower']) expect(body).toContain(`${name}:`);
  }, 90_000);

  it('Redis killed and down past the lease, a trade made meanwhile: nothing sent while it is away, the trade copied once after', async () => {
    const control = proc('control2');
    const killedAt = Date.now();
    const restarted = redisServer.restart(LEASE_MS + 2_000);
    await sleep(LEASE_MS + 500);
    open();
    await restarted;
    // Every lease has lapsed by killedAt + LEASE_MS: from then on until a worker holds a lease again, no order may be
    // sent (Redis answers a little before the test hears it is back: the first lease taken after the lapse bounds it).
    const lapsedAt = killedAt + LEASE_MS;
    const retakenAt = Math.min(Date.now(), ...['w1', 'w2', 'w3'].map((n) => loggedAt(proc(n), 'partition taken', lapsedAt)));
    expect(orderRequests.filter((r) => r.at > lapsedAt && r.at < retakenAt)).toEqual([]);
    await waitFor(() => allOwnedBy(['w1', 'w2', 'w3']), 'partitions taken again', 30_000);
    await waitFor(() => allCopied(tickets), 'the trade made during the outage copied', 40_000);
    await sleep(1_500);
    expect(duplicates(tickets)).toEqual([]);
    // The configuration came back from the AOF; the chat is told once; the control process is still there.
    expect(await redis.get(keys.config)).not.toBeNull();
    await waitFor(() => chatLines('Redis was unreachable for').length > 0, 'the outage told in chat', 20_000);
    await sleep(1_000);
    expect(chatLines('Redis was unreachable for')).toHaveLength(1);
    expect(control.child.exitCode).toBeNull();
  }, 120_000);

  it('a worker of another version takes no partition and names both versions', async () => {
    const old = start('w-old', 'worker', { FXMIRROR_BUILD_VERSION: '0.0.1-old' });
    await waitFor(() => old.out.some((l) => l.includes('takes no partitions')), 'the refusal', 20_000);
    const line = old.out.find((l) => l.includes('takes no partitions')) ?? '';
    expect(line).toContain('0.0.1-old');
    expect(line).toContain(buildVersion());
    // Its heartbeat follows the refusal in the same tick: wait for it rather than race it.
    const beat = await waitFor(async () => (await readHeartbeats(redis, keys.workers)).find((b) => b.id === 'w-old'), 'the old worker’s heartbeat', 10_000);
    expect(beat?.partitions).toEqual([]);
    old.child.kill('SIGKILL');
  }, 40_000);

  it('closes reach every copy after the moves', async () => {
    const master = sim.account('master');
    for (const t of tickets) master.close(t);
    await waitFor(() => followers().every((f) => sim.account(f).positions().filter((r) => r.magic === MAGIC).length === 0), 'every copy closed', 30_000);
  }, 40_000);

  it('chat users live in Redis: a stand-by with its own data directory takes them over with the lease', async () => {
    const active = proc('control2');
    const standby = start('control3', 'control');
    await waitFor(() => standby.out.some((l) => l.includes('stand-by')), 'a new stand-by');
    const addedFrom = active.out.length;
    active.child.stdin?.write('/users add 4242 viewer Vera\n');
    await waitFor(() => active.out.slice(addedFrom).some((l) => l.includes('Vera')), 'the user added');
    active.child.kill('SIGKILL');
    await waitFor(() => standby.out.some((l) => l.includes('fxmirror control: active')), 'the stand-by taking over', 20_000);
    const askedFrom = standby.out.length;
    standby.child.stdin?.write('/users 4242\n');
    await waitFor(() => standby.out.slice(askedFrom).some((l) => l.includes('4242')), 'the answer to /users 4242');
    const answer = standby.out.slice(askedFrom).join('\n');
    expect(answer).not.toContain('No user 4242');
    expect(answer).toContain('Vera');
  }, 40_000);
});

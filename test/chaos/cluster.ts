/**
 * The chaos trial in cluster mode (`npm run chaos -- --cluster N`): the same world, master driver, simulator faults,
 * checker and report as the single-process trial, with the copier replaced by a real cluster (redis-server with AOF,
 * one control process, N workers, all separate processes) and the process kills replaced by worker SIGKILLs, worker
 * SIGSTOPs past the lease and a Redis restart. The copier's journal is the partitions' journals in Redis, read after
 * every fault and at the end; its event stream is the control process's terminal chat.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveSeed, Rng } from '../../src/sim/rng.js';
import type { JournalEntry } from '../../src/store/index.js';
import { ClusterFaults, scheduleFaults } from './cluster-faults.js';
import { ClusterProcesses } from './cluster-procs.js';
import type { Incarnation } from './copier.js';
import { CopyLatencyProbe, percentile } from './copy-latency.js';
import { FaultInjector, MasterDriver } from './driver.js';
import { checkInvariants } from './expect.js';
import type { StreamLine } from './expect.js';
import { failuresOf } from './trial.js';
import { CHAOS_API_KEY, setUpTrialWorld } from './trial-world.js';
import type { TrialOptions, TrialReport } from './trial.js';
import { waitSettled } from './settle.js';

/** A cluster trial: the single trial's options (`kills` = worker SIGKILLs) plus the cluster and its other faults. */
export interface ClusterTrialOptions extends TrialOptions {
  workers: number;
  /** Worker SIGSTOPs, each longer than the lease. */
  stops: number;
  redisRestarts: number;
  partitions: number;
  leaseMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(fn: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(250);
  }
  return false;
}

/** Runs one cluster trial; never throws for a failed invariant. */
export async function runClusterTrial(options: ClusterTrialOptions): Promise<TrialReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const rates = options.rates ?? { error5xx: 0.05, legTimeout: 0.02, timeout504: 0.02 };
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'fxmirror-chaos-cluster-')));
  await mkdir(join(dir, 'redis'), { recursive: true });
  const { world, rng, magic, sim, masterHandles, followerHandles, initialBalances, recorder } = await setUpTrialWorld(options);
  const timing = { partitions: options.partitions, leaseMs: options.leaseMs, renewMs: Math.max(200, Math.round(options.leaseMs / 8)), batchTimeoutMs: Math.round(options.leaseMs * 0.375) };

  const stream: StreamLine[] = [];
  const journal = new Map<string, JournalEntry>();
  const crashes: string[] = [];
  const lines = { taken: 0, takenAtReady: 0, leaseLost: 0 };
  let supervising = true;
  const procs: ClusterProcesses = new ClusterProcesses({
    dir,
    simUrl: sim.url,
    apiKey: CHAOS_API_KEY,
    timing,
    onLine: (name, kind, line) => {
      if (name === 'control' && kind === 'stdout') stream.push({ at: Date.now(), line });
      if (kind === 'stderr' && line.includes('"msg":"partition taken"')) lines.taken++;
      if (kind === 'stderr' && line.includes('partition lease lost')) lines.leaseLost++;
    },
    onExit: (name: string, inc: Incarnation) => {
      if (inc.killedByRunner) return;
      crashes.push(`${name} incarnation ${inc.index} exited by itself (code ${inc.exitCode}, signal ${inc.signal}): ${inc.stderrTail.slice(-3).join(' | ')}`);
      // As a supervisor would: start it again, under the same name.
      if (supervising)
        setTimeout(() => {
          if (!supervising) return;
          if (name === 'control' && procs.control?.running !== true) procs.startControl();
          else if (procs.workers.get(name)?.running === false) procs.startWorker(name);
        }, 1000);
    },
  });
  const stateInvalid: string[] = [];
  let stateValidAfter = 0;
  const collect = async (): Promise<string[]> => {
    const s = await procs.partitionStates();
    for (const j of s.journal) journal.set(JSON.stringify(j), j);
    return s.invalid;
  };

  progress(`chaos: cluster of ${options.workers} workers over ${options.partitions} partitions, seed ${options.seed}, ${options.events} events, ${options.masters} master(s), ${options.followers} followers, ${options.kills} SIGKILLs, ${options.stops} SIGSTOPs, ${options.redisRestarts} Redis restart(s); logs in ${dir}`);
  await procs.startRedis();
  await procs.seedConfig(world);
  procs.startControl();
  const workerNames = Array.from({ length: options.workers }, (_, i) => `w${i + 1}`);
  for (const w of workerNames) procs.startWorker(w);
  if (!(await until(() => procs.allStarted(), 90_000))) progress('chaos: the partitions were not all running within 90 s');
  lines.takenAtReady = lines.taken;

  const faults = new FaultInjector(sim, masterHandles.map((m) => m.handle), followerHandles, new Rng(deriveSeed(options.seed, 'chaos-faults')), rates);
  const driver = new MasterDriver(sim, masterHandles, new Rng(deriveSeed(options.seed, 'chaos-masters')));
  const latency = new CopyLatencyProbe(sim, new Set(world.masters.map((m) => m.id)), recorder);
  const lineageTimer = setInterval(() => recorder.refreshLineage(), 200);
  const cluster = new ClusterFaults({
    procs,
    recorder,
    rng: new Rng(deriveSeed(options.seed, 'chaos-cluster')),
    leaseMs: timing.leaseMs,
    progress,
    afterFault: async (moment) => {
      const invalid = await collect();
      stateInvalid.push(...invalid.map((i) => `after ${moment}: ${i}`));
      if (moment === 'kill' && invalid.length === 0) stateValidAfter++;
    },
  });
  // The journals are bounded and a Redis restart may lose the last second: read them often.
  let collecting = false;
  const journalTimer = setInterval(() => {
    if (collecting) return;
    collecting = true;
    void collect()
      .catch(() => undefined)
      .finally(() => (collecting = false));
  }, 3000);

  const schedule = scheduleFaults({ kills: options.kills, stops: options.stops, redisRestarts: options.redisRestarts }, options.events, rng);
  let faultTask: Promise<void> = Promise.resolve();
  faults.start();
  const closeAt = new Set([Math.floor(options.events * 0.3), Math.floor(options.events * 0.65)]);
  let events = 0;
  for (let i = 0; i < options.events; i++) {
    const kind = schedule.get(i);
    if (kind === 'stop') cluster.stop();
    else if (kind === 'kill') {
      await faultTask;
      faultTask = cluster.kill(rng.chance(0.5));
    } else if (kind === 'redis') {
      await faultTask;
      faultTask = cluster.restartRedis(1000 + rng.int(2000));
    }
    if (closeAt.has(i)) faults.closeMarket('USDJPY', 8000 + rng.int(12_000));
    faults.step();
    if (driver.step(Date.now())) events++;
    if (i % 50 === 49) progress(`chaos: ${i + 1}/${options.events} events, ${cluster.counts.kills} kills, ${cluster.counts.stops} stops, ${cluster.counts.redisRestarts} Redis restarts`);
    await sleep(options.gapMs[0] + rng.int(options.gapMs[1] - options.gapMs[0] + 1));
  }
  await faultTask;
  await cluster.settled();

  // Quiet: no more faults; every partition runs again, catches up and reconciles.
  faults.stop();
  for (const [name, p] of procs.workers) if (!p.running) procs.startWorker(name);
  await until(() => procs.allStarted(), 60_000);
  const settled = await waitSettled(sim, world.followers.map((f) => f.id), stream, options.settleMaxMs ?? 90_000, 12_000);
  progress(`chaos: settled after ${settled.seconds} s (${settled.timerRuns} timer reconciliations)`);

  // Graceful stop: workers write their partitions' states and let the leases go; those states must be valid too.
  supervising = false;
  clearInterval(journalTimer);
  await Promise.all([...procs.workers.values()].map((w) => w.stop()));
  await procs.control?.stop();
  for (const [name, p] of [...procs.workers, ['control', procs.control] as const]) {
    const lastRun = p?.incarnations.at(-1);
    if (lastRun && lastRun.exitCode !== 0) crashes.push(`${name}: graceful stop ended with code ${lastRun.exitCode} signal ${lastRun.signal}`);
  }
  stateInvalid.push(...(await collect()).map((i) => `final: ${i}`));
  clearInterval(lineageTimer);
  recorder.refreshLineage();

  const allIncarnations = [...procs.workers.values()].flatMap((p) => p.incarnations);
  const worldOut = { masters: world.masters, followers: world.followers.map((f) => ({ nickname: f.nickname, id: f.id, broker: f.account.broker, marginMode: f.account.marginMode, config: f.config })) };
  await writeFile(
    join(dir, 'raw.json'),
    JSON.stringify({
      world: worldOut,
      positions: [...driver.positions.values()],
      pendings: [...driver.pendings.values()],
      faults: cluster.records,
      incarnations: Object.fromEntries([...procs.workers].map(([n, p]) => [n, p.incarnations])),
      masterRows: world.masters.map((m) => ({ id: m.id, rows: sim.account(m.id).positions() })),
      followerRows: world.followers.map((f) => ({ id: f.id, rows: sim.account(f.id).positions() })),
    }),
  );
  const check = checkInvariants({
    world,
    sim,
    magic,
    driver,
    journal: [...journal.values()],
    stream,
    recorder,
    incarnations: allIncarnations,
    killGraceMs: 3000,
    initialBalances,
    incarnationOf: (o) => cluster.incarnationOf(o) ?? allIncarnations.find((i) => i.startedAt <= o.sentAt && (i.endedAt === null || i.endedAt >= o.sentAt)),
  });
  const simStats = sim.stats();
  latency.close();
  recorder.close();
  await procs.close();
  await sim.close();

  // Live copies: the master's deal and the order both fell in a stretch with no process fault (nor one just before).
  const faultTimes = cluster.records.map((r) => r.at);
  const live = latency.samples.filter((l) => !faultTimes.some((t) => t >= l.dealAt - timing.leaseMs && t <= l.orderAt));
  const sorted = live.map((l) => l.ms).sort((a, b) => a - b);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  const report: TrialReport = {
    options,
    dir,
    durationMs: Date.now() - started,
    events,
    actions: { ...driver.counts },
    triggeredOpens: driver.triggeredOpens,
    driverRefused: driver.refused,
    faults: { ...simStats.faults, marketClosed: faults.counts.marketClosures, kill: cluster.counts.kills, sigstop: cluster.counts.stops, redisRestart: cluster.counts.redisRestarts },
    injected: { ...faults.counts, kills: cluster.counts.kills },
    kills: { total: cluster.counts.kills, onOrderArrival: cluster.counts.onOrderArrival, survived: cluster.counts.survived, stateValidAfter, journalTornTails: 0, stateInvalid },
    crashes: { count: crashes.length, details: crashes },
    copyLatencyMs: { samples: sorted.length, viaReconciliation: latency.samples.length - live.length, p50: round1(percentile(sorted, 50)), p95: round1(percentile(sorted, 95)), p99: round1(percentile(sorted, 99)), max: round1(sorted.at(-1) ?? 0) },
    telegram: null,
    cluster: {
      workers: options.workers,
      partitions: options.partitions,
      leaseMs: timing.leaseMs,
      stops: { done: cluster.counts.stops, planned: options.stops },
      redisRestarts: { done: cluster.counts.redisRestarts, planned: options.redisRestarts, downMs: cluster.records.filter((r) => r.kind === 'redis').map((r) => (r.until ?? r.at) - r.at) },
      takeovers: lines.taken - lines.takenAtReady,
      leasesLost: lines.leaseLost,
      logsDir: dir,
    },
    check,
    logs: { stdout: join(dir, 'control.stdout.log'), stderr: join(dir, 'w*.stderr.log') },
    failures: [],
  };
  report.failures = failuresOf(report);
  if (cluster.counts.stops !== options.stops) report.failures.push(`SIGSTOPs ${cluster.counts.stops}/${options.stops}`);
  if (cluster.counts.redisRestarts !== options.redisRestarts) report.failures.push(`Redis restarts ${cluster.counts.redisRestarts}/${options.redisRestarts}`);
  await writeFile(
    join(dir, 'trial.json'),
    JSON.stringify({ report, world: worldOut, positions: [...driver.positions.values()], pendings: [...driver.pendings.values()], exchanges: recorder.exchanges, duplicatesAtSource: recorder.duplicates, faults: cluster.records }, null, 1),
  );
  if (!options.keep && options.dir === undefined && report.failures.length === 0) await rm(dir, { recursive: true, force: true });
  return report;
}

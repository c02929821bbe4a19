/**
 * Scenario — cluster mode: one master, N followers, copied by a real cluster (redis-server, W workers, one control
 * process), events one at a time as in the latency scenario and timed the same way, in the simulator process (trade
 * frame emitted → each follower leg received). Beside it, on the same simulator process and world, the floor copier
 * with and without the followers' streams: what the simulator and the machine cost at this size by themselves.
 *
 * After each event the next waits until the cluster is idle: every partition's group has read and acknowledged the
 * master stream (state written, alerts published) and the control process has acknowledged the alerts.
 */
import { BENCH_CLUSTER_SETTINGS, type ClusterSettings } from '../lib/cluster-procs.js';
import { ClusterUnderTest } from '../lib/cluster-rig.js';
import type { CopierUnderTest } from '../lib/copier.js';
import { FloorCopier } from '../lib/floor-copier.js';
import { cpuDelta, readCpu, type CpuReadings } from '../lib/proc-stat.js';
import type { WorldReply } from '../lib/protocol.js';
import { callsBetween, commandCalls, scriptCalls, totalCalls, type CommandCalls } from '../lib/redis-stats.js';
import { SimChild } from '../lib/sim-child.js';
import { sleep } from '../lib/stats.js';
import type { LagSummary } from '../lib/stream-lag.js';
import { legLatency, runEvents, simCostOf, type LegLatency, type Rig, type SimCost } from './common.js';

export interface ClusterCaseResult {
  followers: number;
  workers: number;
  partitions: number;
  events: number;
  warmupEvents: number;
  e2e: LegLatency;
  opens: LegLatency;
  closes: LegLatency;
  missing: number;
  duplicates: number;
  /** Legs the simulator received outside any measured event (reconciliation, late legs). */
  strayLegs: number;
  /** Events after which the cluster was not idle within 15 s. */
  notIdle: number;
  /** CPU per measured event per process, ms (w1…, control, redis, sim). */
  cpuMsPerEvent: Record<string, number | null>;
  /** CPU per second of the same processes while idle but connected (before the measured phase), ms/s. */
  idleCpuMsPerS: Record<string, number | null>;
  redis: {
    /** INFO commandstats calls per event (script-inner commands counted too, as Redis counts them). */
    callsPerEvent: number;
    /** EVAL/EVALSHA per event: one round trip each. */
    scriptCallsPerEvent: number;
    /** The idle rate (renewals, heartbeats, blocked reads timing out) times the phase's length, per event. */
    backgroundCallsPerEvent: number;
    idleCallsPerS: number;
    /** Calls per event by command, largest first. */
    byCommand: Record<string, number>;
  };
  streamLag: LagSummary;
  sim: SimCost;
  measuredS: number;
  startup: ClusterUnderTest['startup'];
}

export interface ClusterFloorResult {
  copier: 'floor' | 'floor-streams';
  followers: number;
  events: number;
  e2e: LegLatency;
  missing: number;
  duplicates: number;
  simCpuMsPerEvent: number | null;
}

export interface ClusterScenarioResult {
  floor: ClusterFloorResult[];
  cases: ClusterCaseResult[];
  errors: string[];
}

export interface ClusterScenarioOptions {
  followers: number;
  workers: readonly number[];
  events: number;
  warmup: number;
  /** Idle window before the measured phase, ms (background CPU and Redis rates). */
  idleMs: number;
  seed: number;
  settings?: ClusterSettings;
  log?: (line: string) => void;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

function perUnit(d: CpuReadings, units: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(d)) out[k] = v === null ? null : round(v / Math.max(1, units));
  return out;
}

function rigOf(child: SimChild, world: WorldReply, copier: CopierUnderTest): Rig {
  return { child, world, copier, startupMs: 0, close: () => copier.stop() };
}

async function floorCase(child: SimChild, world: WorldReply, copier: FloorCopier, o: ClusterScenarioOptions): Promise<ClusterFloorResult> {
  await copier.start();
  const r = rigOf(child, world, copier);
  try {
    await runEvents(r, { count: o.warmup, legs: o.followers, seed: o.seed + 1, timeoutMs: 30_000 });
    await child.resetCost();
    const series = await runEvents(r, { count: o.events, legs: o.followers, seed: o.seed + 2 });
    const s = await child.stats();
    return {
      copier: copier.name as ClusterFloorResult['copier'],
      followers: o.followers,
      events: o.events,
      e2e: legLatency(series.replies),
      missing: series.missing,
      duplicates: series.duplicates,
      simCpuMsPerEvent: round(s.cpuMs / Math.max(1, o.events)),
    };
  } finally {
    await copier.stop();
  }
}

/** Warm-up until at least `warmup` events ran and the last one reached every follower (at most 3× as many). */
async function warmUp(r: Rig, o: ClusterScenarioOptions): Promise<number> {
  let n = 0;
  for (;;) {
    // Pairs, so every warm-up open is closed again before the measured phase.
    const s = await runEvents(r, { count: 2, legs: o.followers, seed: o.seed + 1 + n, timeoutMs: 30_000 });
    n += 2;
    if ((n >= o.warmup && s.missing === 0) || n >= o.warmup * 3 + 2) return n;
  }
}

async function clusterCase(child: SimChild, world: WorldReply, workers: number, o: ClusterScenarioOptions): Promise<ClusterCaseResult> {
  const settings = o.settings ?? BENCH_CLUSTER_SETTINGS;
  const cluster = new ClusterUnderTest(world, workers, settings);
  try {
    await cluster.start();
    const r = rigOf(child, world, cluster);
    const warmupEvents = await warmUp(r, o);
    const pids = { ...cluster.pids(), sim: child.pid as number };

    // Idle but connected: what the cluster costs with no trade at all.
    const idleCpu0 = readCpu(pids);
    const idleCalls0 = await commandCalls(cluster.redis);
    const idleXinfo0 = cluster.lag.xinfoCalls;
    const idleT0 = performance.now();
    await sleep(o.idleMs);
    const idleS = (performance.now() - idleT0) / 1000;
    const idleCalls = callsBetween(idleCalls0, await commandCalls(cluster.redis), { 'xinfo|groups': cluster.lag.xinfoCalls - idleXinfo0 });
    const idleCpu = cpuDelta(idleCpu0, readCpu(pids));

    await child.resetCost();
    cluster.lag.resetMax();
    cluster.notIdle = 0;
    const calls0 = await commandCalls(cluster.redis);
    const xinfo0 = cluster.lag.xinfoCalls;
    const cpu0 = readCpu(pids);
    const t0 = performance.now();
    const series = await runEvents(r, { count: o.events, legs: o.followers, seed: o.seed + 2 });
    const measuredS = (performance.now() - t0) / 1000;
    const cpu = cpuDelta(cpu0, readCpu(pids));
    const calls = callsBetween(calls0, await commandCalls(cluster.redis), { 'xinfo|groups': cluster.lag.xinfoCalls - xinfo0 });
    const stats = await child.stats();

    const idleRate = totalCalls(idleCalls) / Math.max(0.001, idleS);
    const byCommand: CommandCalls = {};
    for (const [name, n] of Object.entries(calls).sort((a, b) => b[1] - a[1])) byCommand[name] = round(n / o.events);
    return {
      followers: o.followers,
      workers,
      partitions: settings.partitions,
      events: o.events,
      warmupEvents,
      e2e: legLatency(series.replies),
      opens: legLatency(series.replies, 'open'),
      closes: legLatency(series.replies, 'close'),
      missing: series.missing,
      duplicates: series.duplicates,
      strayLegs: stats.strayLegs,
      notIdle: cluster.notIdle,
      cpuMsPerEvent: perUnit(cpu, o.events),
      idleCpuMsPerS: perUnit(idleCpu, idleS),
      redis: {
        callsPerEvent: round(totalCalls(calls) / o.events, 1),
        scriptCallsPerEvent: round(scriptCalls(calls) / o.events, 1),
        backgroundCallsPerEvent: round((idleRate * measuredS) / o.events, 1),
        idleCallsPerS: round(idleRate, 1),
        byCommand,
      },
      streamLag: cluster.lag.summary(),
      sim: simCostOf(stats, series.replies.map((x) => x.batchToFirstLegMs).filter((v): v is number => v !== null)),
      measuredS: round(measuredS, 1),
      startup: { workersMs: Math.round(cluster.startup.workersMs), controlMs: Math.round(cluster.startup.controlMs), partitionsMs: Math.round(cluster.startup.partitionsMs), totalMs: Math.round(cluster.startup.totalMs) },
    };
  } finally {
    await cluster.stop();
  }
}

/** The floor (with and without the followers' streams), then the cluster at each worker count, on one simulator. */
export async function clusterScenario(o: ClusterScenarioOptions): Promise<ClusterScenarioResult> {
  const log = o.log ?? (() => undefined);
  const out: ClusterScenarioResult = { floor: [], cases: [], errors: [] };
  const child = await SimChild.spawn();
  try {
    const world = await child.world({ seed: o.seed, masters: 1, followersPerMaster: o.followers, priceFeedMs: false });
    for (const copier of [new FloorCopier(world), new FloorCopier(world, { followerStreams: true })]) {
      const t0 = performance.now();
      try {
        const f = await floorCase(child, world, copier, o);
        out.floor.push(f);
        log(`  ${f.copier}, ${o.followers} followers: last leg p50 ${f.e2e.lastLeg.p50} / p99 ${f.e2e.lastLeg.p99} ms (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        out.errors.push(`${copier.name}, ${o.followers} followers: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const w of o.workers) {
      const t0 = performance.now();
      try {
        const c = await clusterCase(child, world, w, o);
        out.cases.push(c);
        log(`  cluster ${o.followers} followers × ${w} worker(s): last leg p50 ${c.e2e.lastLeg.p50} / p99 ${c.e2e.lastLeg.p99} ms, first leg p50 ${c.e2e.firstLeg.p50} ms, Redis ${c.redis.callsPerEvent} calls/event, missing ${c.missing} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const msg = `cluster ${o.followers} followers × ${w} worker(s): ${err instanceof Error ? err.message : String(err)}`;
        out.errors.push(msg);
        log(`  FAILED: ${msg}`);
      }
    }
  } finally {
    await child.shutdown();
  }
  return out;
}

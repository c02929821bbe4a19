/**
 * Scenarios 2 and 3 — burst, memory and loop health: 10 masters with 100 followers each (1,000 followers, every one
 * connected and streaming its account, positions and prices topics while the simulator's price feed runs). Memory is
 * read once everything is connected and streaming; then every master trades 100 times within one second and the
 * simulator counts every leg: time to drain, lost and duplicated legs, and the copies on the followers' books.
 * Event-loop delay of the copier process is sampled during the burst.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { waitUntil, type FxmirrorCopier } from '../lib/copier.js';
import type { BurstReply } from '../lib/protocol.js';
import { startPhaseProfile } from '../lib/phase-profile.js';
import { mb, sleep } from '../lib/stats.js';
import { rig, runEvents, simCostOf, type SimCost } from './common.js';

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

export interface BurstResult {
  masters: number;
  followersPerMaster: number;
  followers: number;
  tradesPerMaster: number;
  windowMs: number;
  startupMs: number;
  startupPhases: FxmirrorCopier['startup'];
  /** Connected and streaming, before the burst. */
  memorySteady: MemorySample;
  /** Highest RSS sampled (every 50 ms) during the burst and the drain. */
  rssPeakDuringBurstMb: number;
  memoryAfter: MemorySample;
  burst: BurstReply;
  /** Copier process event-loop delay during the burst and drain (resolution subtracted), ms. */
  eventLoopDelay: { p50: number; p99: number; max: number; samples: number };
  /** Same monitor on the copier process while idle-but-streaming, for comparison (machine noise). */
  eventLoopDelayIdle: { p50: number; p99: number; max: number; samples: number };
  copierCpuShare: number;
  sim: SimCost;
}

function memory(): MemorySample {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
}

const RESOLUTION_MS = 1;

async function sampleLoop<T>(during: () => Promise<T>): Promise<[T, BurstResult['eventLoopDelay']]> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const out = await during();
  h.disable();
  // The histogram records the time between timer callbacks, which includes the resolution itself.
  const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  return [out, { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count }];
}

export async function burstScenario(opts: { masters: number; followersPerMaster: number; tradesPerMaster: number; windowMs: number; seed: number }): Promise<BurstResult> {
  const r = await rig('fxmirror', { seed: opts.seed, masters: opts.masters, followersPerMaster: opts.followersPerMaster, priceFeedMs: 250 });
  const fx = r.copier as FxmirrorCopier;
  try {
    // Warm-up: one open and one close per master (symbol specs and margins load on the first open).
    for (let m = 0; m < opts.masters; m++) await runEvents(r, { master: m, count: 2, legs: opts.followersPerMaster, seed: opts.seed + m, timeoutMs: 60_000 });
    // Streaming steady state: let the price feed run, then read memory.
    const [, idleLoop] = await sampleLoop(() => sleep(3000));
    const memorySteady = memory();

    await r.child.resetCost();
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const total = opts.masters * opts.tradesPerMaster;
    const processedBefore = fx.engine.metrics.eventsProcessed;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const prof = await startPhaseProfile();
    const [, loop] = await sampleLoop(async () => {
      await r.child.burst({
        perMaster: opts.tradesPerMaster,
        windowMs: opts.windowMs,
        symbol: 'EURUSD',
        volume: 0.1,
        legsPerEvent: opts.followersPerMaster,
        timeoutMs: 600_000,
      });
      // Counting goes on in the simulator until the copier has taken every trade and drained what it queued.
      await waitUntil(() => fx.engine.metrics.eventsProcessed >= processedBefore + total, 'the copier to take every burst trade', 600_000).catch(
        (e: unknown) => console.error(`  burst: ${String(e)}`),
      );
      await fx.idle();
    });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await prof?.stop('burst');
    clearInterval(sampler);
    const final = await r.child.burstFinish();
    const childStats = await r.child.stats();
    return {
      masters: opts.masters,
      followersPerMaster: opts.followersPerMaster,
      followers: opts.masters * opts.followersPerMaster,
      tradesPerMaster: opts.tradesPerMaster,
      windowMs: opts.windowMs,
      startupMs: Math.round(r.startupMs),
      startupPhases: fx.startup,
      memorySteady,
      rssPeakDuringBurstMb: mb(peak),
      memoryAfter: memory(),
      burst: final,
      eventLoopDelay: loop,
      eventLoopDelayIdle: idleLoop,
      copierCpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 1000,
      sim: simCostOf(childStats, []),
    };
  } finally {
    await r.close();
  }
}

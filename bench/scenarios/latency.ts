/**
 * Scenario 1 — copy latency: one master, N followers, events one at a time (open, close, open, …). End to end is
 * measured in the simulator process (trade frame emitted → each follower leg received); the copier's own overhead
 * (frame taken off the socket → batch request about to be written) is read from the engine's metrics.
 */
import { FxmirrorCopier } from '../lib/copier.js';
import { startPhaseProfile } from '../lib/phase-profile.js';
import { mb, type Summary } from '../lib/stats.js';
import { legLatency, rig, runEvents, simCostOf, type CopierKind, type LegLatency, type SimCost } from './common.js';

export interface LatencyResult {
  copier: CopierKind;
  followers: number;
  events: number;
  warmupEvents: number;
  startupMs: number;
  startupPhases?: FxmirrorCopier['startup'];
  /** All measured events (opens and closes). */
  e2e: LegLatency;
  opens: LegLatency;
  closes: LegLatency;
  /** fxmirror only: frame received → batch request written, ms. */
  overhead: Summary | null;
  missing: number;
  duplicates: number;
  sim: SimCost;
  copierRssMb: number;
  copierHeapMb: number;
  /**
   * CPU time of the copier's process (user + system, every thread: GC included) per measured event, ms. Unlike the
   * latencies it hardly moves when other processes compete for the cores.
   */
  copierCpuMsPerEvent: number;
}

export async function latencyScenario(opts: { copier: CopierKind; followers: number; events: number; warmup: number; seed: number }): Promise<LatencyResult> {
  // The baseline closes through terminal `OrderClose`, which the simulator does not report as a received order: its
  // closes are made and awaited but not timed, so it is compared with fxmirror on opens.
  const closeLegs = opts.copier === 'baseline' ? 0 : opts.followers;
  const r = await rig(opts.copier, { seed: opts.seed, masters: 1, followersPerMaster: opts.followers, priceFeedMs: false });
  try {
    // Warm-up: first-symbol loads (specs, margin), JIT, connection pools. Excluded from every number.
    await runEvents(r, { count: opts.warmup, legs: opts.followers, closeLegs, seed: opts.seed + 1, timeoutMs: 30_000 });
    const fx = r.copier instanceof FxmirrorCopier ? r.copier : null;
    fx?.resetOverhead();
    await r.child.resetCost();
    const prof = await startPhaseProfile();
    const cpu0 = process.cpuUsage();
    const series = await runEvents(r, { count: opts.events, legs: opts.followers, closeLegs, seed: opts.seed + 2 });
    const cpu = process.cpuUsage(cpu0);
    await prof?.stop(`latency-${opts.copier}-${opts.followers}`);
    const childStats = await r.child.stats();
    const firstLegOffsets = series.replies.map((x) => x.batchToFirstLegMs).filter((v): v is number => v !== null);
    let overhead: Summary | null = null;
    if (fx) {
      const w = fx.overheadSamples();
      const q = (p: number) => {
        const v = w.quantile(p);
        return v === null ? null : Math.round(v * 1000) / 1000;
      };
      overhead = { count: w.size, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1), mean: null };
    }
    const mem = process.memoryUsage();
    return {
      copier: opts.copier,
      followers: opts.followers,
      events: opts.events,
      warmupEvents: opts.warmup,
      startupMs: Math.round(r.startupMs),
      ...(fx ? { startupPhases: roundAll(fx.startup) } : {}),
      e2e: legLatency(series.replies),
      opens: legLatency(series.replies, 'open'),
      closes: legLatency(series.replies, 'close'),
      overhead,
      missing: series.missing,
      duplicates: series.duplicates,
      sim: simCostOf(childStats, firstLegOffsets),
      copierRssMb: mb(mem.rss),
      copierHeapMb: mb(mem.heapUsed),
      copierCpuMsPerEvent: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, opts.events)) * 100) / 100,
    };
  } finally {
    await r.close();
  }
}

function roundAll<T extends Record<string, number>>(o: T): T {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Math.round(v);
  return out as T;
}

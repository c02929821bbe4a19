/** Shared pieces of the scenarios: world start-up around a copier, the run of sequential events, sim cost. */
import { BaselineCopier } from '../baseline-copier.js';
import { FxmirrorCopier, type CopierUnderTest } from '../lib/copier.js';
import { FloorCopier } from '../lib/floor-copier.js';
import type { ChildStats, EventReply, WorldReply } from '../lib/protocol.js';
import { SimChild } from '../lib/sim-child.js';
import { seededRandom, sleep, summarize, type Summary } from '../lib/stats.js';

export type CopierKind = 'fxmirror' | 'baseline' | 'floor' | 'floor-streams';

export const SYMBOL = 'EURUSD';
/** 0.1 lot: the smallest size every follower broker in the world accepts (Raw Prime steps 0.1). */
export const VOLUME = 0.1;

export function makeCopier(kind: CopierKind, world: WorldReply): CopierUnderTest {
  switch (kind) {
    case 'fxmirror':
      return new FxmirrorCopier(world);
    case 'baseline':
      return new BaselineCopier(world);
    case 'floor':
      return new FloorCopier(world);
    case 'floor-streams':
      return new FloorCopier(world, { followerStreams: true });
  }
}

/** What the simulator process itself spent while a scenario ran. */
export interface SimCost {
  /** CPU time / wall time of the simulator process: near 1.0 would mean it was saturated (it is single-threaded). */
  cpuShare: number;
  loopDelayP99Ms: number | null;
  /** Handling time per batch request (request parsed → reply written), ms. */
  ordersBatch: Summary | null;
  closeBatch: Summary | null;
  orderSend: Summary | null;
  /** Batch request arrived → first leg handed to the broker model, ms (body, JSON, validation, merging). */
  batchToFirstLeg: Summary;
  rssMb: number;
}

export function simCostOf(s: ChildStats, batchToFirstLeg: number[]): SimCost {
  return {
    cpuShare: Math.round((s.cpuMs / Math.max(1, s.wallMs)) * 1000) / 1000,
    loopDelayP99Ms: s.loopDelayP99Ms === null ? null : Math.round(s.loopDelayP99Ms * 100) / 100,
    ordersBatch: s.routes['POST /v1/orders'] ?? null,
    closeBatch: s.routes['POST /v1/orders/close'] ?? null,
    orderSend: s.routes['POST /OrderSend'] ?? null,
    batchToFirstLeg: summarize(batchToFirstLeg),
    rssMb: Math.round((s.rssBytes / 1024 / 1024) * 10) / 10,
  };
}

/** A simulator process with a world, and a copier connected to it. */
export interface Rig {
  child: SimChild;
  world: WorldReply;
  copier: CopierUnderTest;
  startupMs: number;
  close(): Promise<void>;
}

export async function rig(kind: CopierKind, opts: { seed: number; masters: number; followersPerMaster: number; priceFeedMs: number | false }): Promise<Rig> {
  const child = await SimChild.spawn();
  try {
    const world = await child.world({ seed: opts.seed, masters: opts.masters, followersPerMaster: opts.followersPerMaster, priceFeedMs: opts.priceFeedMs });
    const copier = makeCopier(kind, world);
    const t0 = performance.now();
    await copier.start();
    const startupMs = performance.now() - t0;
    return {
      child,
      world,
      copier,
      startupMs,
      async close() {
        await copier.stop().catch((e: unknown) => console.error(`  ${kind}: stop failed: ${String(e)}`));
        await child.shutdown();
      },
    };
  } catch (err) {
    await child.shutdown();
    throw err;
  }
}

export interface EventSeries {
  replies: EventReply[];
  missing: number;
  duplicates: number;
}

/**
 * Trades master `master` `count` times, alternating open and close, one event at a time: the next trade is made
 * only after every leg arrived and the copier went idle, plus a seeded gap of 0–4 ms.
 */
export async function runEvents(
  r: Rig,
  opts: { master?: number; count: number; legs: number; seed: number; timeoutMs?: number; closeLegs?: number },
): Promise<EventSeries> {
  const rand = seededRandom(opts.seed);
  const replies: EventReply[] = [];
  let missing = 0;
  let duplicates = 0;
  for (let i = 0; i < opts.count; i++) {
    const action = i % 2 === 0 ? 'open' : 'close';
    const reply = await r.child.event({ master: opts.master ?? 0, action, symbol: SYMBOL, volume: VOLUME, expectLegs: action === 'open' ? opts.legs : (opts.closeLegs ?? opts.legs), timeoutMs: opts.timeoutMs ?? 10_000 });
    missing += reply.missing;
    duplicates += reply.duplicates;
    replies.push(reply);
    await r.copier.idle();
    await sleep(Math.floor(rand() * 5));
  }
  return { replies, missing, duplicates };
}

/** First-leg and last-leg latency of each event, per kind of event. */
export interface LegLatency {
  firstLeg: Summary;
  lastLeg: Summary;
  allLegs: Summary;
}

export function legLatency(replies: readonly EventReply[], action?: 'open' | 'close'): LegLatency {
  const first: number[] = [];
  const last: number[] = [];
  const all: number[] = [];
  for (const r of replies) {
    if (action && r.action !== action) continue;
    if (r.legsMs.length === 0) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of r.legsMs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      all.push(v);
    }
    first.push(lo);
    last.push(hi);
  }
  return { firstLeg: summarize(first), lastLeg: summarize(last), allLegs: summarize(all) };
}

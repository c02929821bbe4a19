/**
 * Source-side copy latency, measured in the simulator: a master's opening deal → the first order for that master
 * position reaching each follower (by the order's copy tag).
 */
import type { OrderReceivedEvent, Sim, TradeFrameEvent } from '../../src/sim/index.js';
import type { SimRecorder } from './recorder.js';

/** One follower's first order for one master position. */
export interface LatencySample {
  ms: number;
  /** Runner clock (Date.now) of the master deal and of the order's arrival. */
  dealAt: number;
  orderAt: number;
}

/** Listens to the simulator until `close()`. */
export class CopyLatencyProbe {
  readonly samples: LatencySample[] = [];
  private readonly dealAt = new Map<string, { t: bigint; at: number }>();
  private readonly seen = new Set<string>();
  private readonly onTrade = (e: TradeFrameEvent) => {
    if (e.entry === 'In' && this.masters.has(e.accountId)) this.dealAt.set(`${e.accountId}#${e.position}`, { t: e.t, at: Date.now() });
  };
  private readonly onOrder = (e: OrderReceivedEvent) => {
    const m = /fxm:([0-9a-z]{7}):([0-9a-z]+):/.exec(e.comment);
    if (!m) return;
    const masterId = this.recorder.masterOfShort(m[1] as string);
    if (!masterId) return;
    const ticket = parseInt(m[2] as string, 36);
    const k = `${e.accountId}|${masterId}#${ticket}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    const t0 = this.dealAt.get(`${masterId}#${ticket}`);
    if (t0 !== undefined) this.samples.push({ ms: Number(e.t - t0.t) / 1e6, dealAt: t0.at, orderAt: Date.now() });
  };

  constructor(
    private readonly sim: Sim,
    private readonly masters: ReadonlySet<string>,
    private readonly recorder: SimRecorder,
  ) {
    sim.events.on('tradeFrame', this.onTrade);
    sim.events.on('orderReceived', this.onOrder);
  }

  close(): void {
    this.sim.events.off('tradeFrame', this.onTrade);
    this.sim.events.off('orderReceived', this.onOrder);
  }
}

/** The p-th percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

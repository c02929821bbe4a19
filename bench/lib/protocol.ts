/**
 * Messages between the benchmark (parent) and the simulator process (`bench/sim-process.ts`, child) over Node's IPC
 * channel. Every time in a reply is measured with the child's own `process.hrtime`, so a latency is one clock's
 * difference (leg received − trade frame emitted), never a comparison across processes.
 */
import type { Summary } from './stats.js';

export interface WorldRequest {
  seed: number;
  masters: number;
  followersPerMaster: number;
  /** Seeded price random walk (ms between steps) or off. */
  priceFeedMs: number | false;
}

export interface WorldReply {
  url: string;
  apiKey: string;
  masters: string[];
  /** followers[i] follow masters[i]. */
  followers: string[][];
  /** rest_url per account id (the baseline copier needs it for followers). */
  restUrls: Record<string, string>;
  wsUrls: Record<string, string>;
}

/** One master trade, traded by hand in the simulator; the reply comes when `expectLegs` legs reached followers. */
export interface EventRequest {
  master: number;
  action: 'open' | 'close';
  symbol: string;
  volume: number;
  expectLegs: number;
  timeoutMs: number;
}

export interface EventReply {
  action: 'open' | 'close';
  masterTicket: number;
  /** Leg receive times − frame emit time, ms, in receive order. */
  legsMs: number[];
  missing: number;
  /** Legs of this event received more than once by one follower. */
  duplicates: number;
  /** Sim-side handling of the batch request(s) that carried the legs, ms (request parsed → reply written). */
  batchHandlingMs: number[];
  /** Sim-side: batch request arrived → first leg handed to the broker model (body read, JSON, validation), ms. */
  batchToFirstLegMs: number | null;
}

/** Starts a burst; the reply comes when every leg arrived or after `timeoutMs`, and counting goes on until `burstFinish`. */
export interface BurstRequest {
  perMaster: number;
  windowMs: number;
  symbol: string;
  volume: number;
  /** Legs expected per master trade (its follower count). */
  legsPerEvent: number;
  timeoutMs: number;
}

export interface BurstReply {
  framesEmitted: number;
  /** First trade frame → first frame emitted + windowMs target; actual spread of the frames, ms. */
  emitSpanMs: number;
  /** First trade frame → last leg received, ms. */
  drainMs: number;
  /** Last trade frame → last leg received, ms. */
  tailMs: number;
  legsExpected: number;
  legsReceived: number;
  /** (follower, master ticket) pairs expected but not received (final only after `burstFinish`). */
  lost: number;
  /** (follower, master ticket) pairs received more than once (extra copies). */
  duplicated: number;
  /** Legs that carried no copy tag of a burst trade. */
  unattributed: number;
  /** Open copies (copier magic) counted on the followers' books after the burst, and the expected count. */
  positionsOnFollowers: number;
  positionsExpected: number;
  legLatency: Summary;
}

export interface ChildStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time used since the last `resetCost`, ms (user + system), and wall time over the same span. */
  cpuMs: number;
  wallMs: number;
  /** Simulator event-loop delay p99 since the last `resetCost`, ms. */
  loopDelayP99Ms: number | null;
  /** Per route: request handling time since the last `resetCost`. */
  routes: Record<string, Summary>;
  orders: number;
  wsFramesSent: number;
  wsFramesDropped: number;
}

export type ParentMessage =
  | { id: number; type: 'world'; req: WorldRequest }
  | { id: number; type: 'event'; req: EventRequest }
  | { id: number; type: 'burst'; req: BurstRequest }
  | { id: number; type: 'burstFinish' }
  | { id: number; type: 'stats' }
  | { id: number; type: 'resetCost' }
  | { id: number; type: 'shutdown' };

export type ChildMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: -1; ok: true; result: 'booted' };

/**
 * The simulator in its own process, so the copier under test pays real socket costs and shares no event loop or
 * heap with it. Spawned by the benchmark with an IPC channel (compiled: `node bench/.build/bench/sim-process.js`;
 * with `--no-build` or from the tests: `node --import tsx bench/sim-process.ts`); it builds the world it is asked
 * for, trades the masters by hand, and reports per-leg receive times measured with its own `process.hrtime`:
 * latency = leg received − trade frame emitted, both in this process, in one clock.
 *
 * It also measures its own cost (request handling per route, CPU, event-loop delay) so a result can show that the
 * simulator was not the bottleneck.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseCopyComment } from '../src/domain/tags.js';
import { createSimulator, DEMO_INSTRUMENTS, apexTrading, classicFx, demoMarkets, rawPrime } from '../src/sim/index.js';
import type { AccountSpec, OrderReceivedEvent, Sim, TradeFrameEvent } from '../src/sim/index.js';
import type {
  BurstReply,
  BurstRequest,
  ChildMessage,
  ChildStats,
  EventReply,
  EventRequest,
  ParentMessage,
  WorldReply,
  WorldRequest,
} from './lib/protocol.js';
import { summarize } from './lib/stats.js';

if (typeof process.send !== 'function') {
  console.error('bench/sim-process must be spawned with an IPC channel');
  process.exit(2);
}

let sim: Sim | undefined;
let masterIds: string[] = [];
const openTickets = new Map<string, number[]>();

const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

// ------------------------------------------------------------------ the simulator's own cost

const routeTimes = new Map<string, number[]>();
let lastBatchStart: bigint | null = null;
let costSince = process.hrtime.bigint();
let cpuSince = process.cpuUsage();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

function routeOf(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith('/v1/')) return `${req.method} ${path.startsWith('/v1/accounts') ? '/v1/accounts' : path}`;
  const m = /^\/mt[45]\/[^/]+(\/.*)?$/.exec(path);
  return `${req.method} ${m ? (m[1] ?? '/') : path}`;
}

function watchRequests(s: Sim): void {
  s.internals.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const start = process.hrtime.bigint();
    const route = routeOf(req);
    if (route === 'POST /v1/orders' || route === 'POST /v1/orders/close' || route === 'POST /OrderSend') lastBatchStart = start;
    res.once('finish', () => {
      let list = routeTimes.get(route);
      if (!list) routeTimes.set(route, (list = []));
      const ms = nsToMs(process.hrtime.bigint() - start);
      list.push(ms);
      if (current && (route === 'POST /v1/orders' || route === 'POST /v1/orders/close')) current.batchHandlingMs.push(ms);
    });
  });
}

// ------------------------------------------------------------------ world

function buildWorld(req: WorldRequest): AccountSpec[] {
  const brokers = ['Demo Markets', 'Apex Trading', 'Raw Prime', 'Classic FX'];
  const accounts: AccountSpec[] = [];
  for (let m = 0; m < req.masters; m++) {
    accounts.push({ nickname: `bm${m}`, broker: 'Demo Markets', balance: 10_000_000, leverage: 100, marginMode: 'Hedging' });
    for (let f = 0; f < req.followersPerMaster; f++) {
      // Followers spread over four brokers (suffixed symbols, 0.1-lot steps, MT4), as a real copier's would be.
      const broker = brokers[(m * req.followersPerMaster + f) % brokers.length] as string;
      accounts.push({ nickname: `bf${m}-${f}`, broker, balance: 1_000_000, leverage: 100, marginMode: 'Hedging' });
    }
  }
  return accounts;
}

async function world(req: WorldRequest): Promise<WorldReply> {
  if (sim) throw new Error('world already built');
  sim = await createSimulator({
    seed: req.seed,
    port: 0,
    world: {
      instruments: DEMO_INSTRUMENTS.map((i) => ({ ...i })),
      brokers: [demoMarkets(), apexTrading(), rawPrime(), classicFx()],
      accounts: buildWorld(req),
    },
    priceFeed: req.priceFeedMs === false ? false : { intervalMs: req.priceFeedMs },
    demoTrader: false,
    marketHours: 'always',
  });
  watchRequests(sim);
  sim.events.on('tradeFrame', onTradeFrame);
  sim.events.on('orderReceived', onOrderReceived);
  const restUrls: Record<string, string> = {};
  const wsUrls: Record<string, string> = {};
  for (const h of sim.accounts) {
    restUrls[h.id] = h.restUrl;
    wsUrls[h.id] = h.wsUrl;
  }
  masterIds = [];
  const followers: string[][] = [];
  for (let m = 0; m < req.masters; m++) {
    masterIds.push(sim.account(`bm${m}`).id);
    const list: string[] = [];
    for (let f = 0; f < req.followersPerMaster; f++) list.push(sim.account(`bf${m}-${f}`).id);
    followers.push(list);
  }
  return { url: sim.url, apiKey: sim.apiKey, masters: masterIds, followers, restUrls, wsUrls };
}

// ------------------------------------------------------------------ one event at a time (latency)

interface Current {
  req: EventRequest;
  masterId: string;
  t0: bigint | null;
  ticket: number;
  seen: Set<string>;
  legsMs: number[];
  duplicates: number;
  batchHandlingMs: number[];
  batchToFirstLegMs: number | null;
  done: (reply: EventReply) => void;
  timer: NodeJS.Timeout | undefined;
}

let current: Current | null = null;
let burst: BurstState | null = null;
let strayLegs = 0;

/** The master ticket a leg copies: the fxmirror copy tag, the baseline's `bl:<ticket>`, or null (closes carry no comment). */
function ticketOfLeg(comment: string): number | null {
  const tag = parseCopyComment(comment);
  if (tag) return tag.masterTicket;
  const m = /^bl:(\d+)$/.exec(comment);
  return m ? Number(m[1]) : null;
}

function onTradeFrame(ev: TradeFrameEvent): void {
  if (current && current.t0 === null && ev.accountId === current.masterId) {
    current.t0 = ev.t;
    current.ticket = ev.position;
  }
  if (burst && burst.masters.has(ev.accountId) && ev.entry === 'In') {
    burst.frameAt.set(ev.position, ev.t);
    burst.firstFrame ??= ev.t;
    burst.lastFrame = ev.t;
  }
}

function onOrderReceived(ev: OrderReceivedEvent): void {
  if (current && current.t0 !== null) {
    const ticket = ticketOfLeg(ev.comment);
    const mine = current.req.action === 'close' ? ticket === null || ticket === current.ticket : ticket === current.ticket;
    if (mine) {
      if (current.batchToFirstLegMs === null && lastBatchStart !== null) current.batchToFirstLegMs = nsToMs(ev.t - lastBatchStart);
      if (current.seen.has(ev.accountId)) {
        current.duplicates++;
        return;
      }
      current.seen.add(ev.accountId);
      current.legsMs.push(nsToMs(ev.t - current.t0));
      if (current.seen.size >= current.req.expectLegs) finishEvent();
      return;
    }
  }
  if (burst) {
    burstLeg(ev);
    return;
  }
  strayLegs++;
}

function finishEvent(): void {
  const c = current;
  if (!c) return;
  current = null;
  clearTimeout(c.timer);
  // Handling times are recorded on 'finish', which may come a moment after the last leg: report what is known.
  c.done({
    action: c.req.action,
    masterTicket: c.ticket,
    legsMs: c.legsMs,
    missing: Math.max(0, c.req.expectLegs - c.seen.size),
    duplicates: c.duplicates,
    batchHandlingMs: c.batchHandlingMs,
    batchToFirstLegMs: c.batchToFirstLegMs,
  });
}

function event(req: EventRequest): Promise<EventReply> {
  const s = sim;
  if (!s) throw new Error('no world');
  if (current) throw new Error('an event is already running');
  const masterId = masterIds[req.master];
  if (masterId === undefined) throw new Error(`no master ${req.master}`);
  const handle = s.account(masterId);
  return new Promise<EventReply>((resolve, reject) => {
    current = {
      req,
      masterId,
      t0: null,
      ticket: -1,
      seen: new Set(),
      legsMs: [],
      duplicates: 0,
      batchHandlingMs: [],
      batchToFirstLegMs: null,
      done: resolve,
      timer: setTimeout(finishEvent, req.timeoutMs),
    };
    try {
      const tickets = openTickets.get(masterId) ?? [];
      openTickets.set(masterId, tickets);
      if (req.action === 'open') {
        const r = handle.send({ symbol: req.symbol, operation: 'Buy', volume: req.volume });
        if (!r.success) throw new Error(`master open failed: ${r.retcode} ${r.comment}`);
        tickets.push(r.order);
      } else {
        const ticket = tickets.shift();
        if (ticket === undefined) throw new Error('no open master position to close');
        const r = handle.close(ticket);
        if (!r.success) throw new Error(`master close failed: ${r.retcode} ${r.comment}`);
      }
      if (req.expectLegs === 0) finishEvent();
    } catch (err) {
      const c = current;
      current = null;
      if (c) clearTimeout(c.timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

// ------------------------------------------------------------------ burst

interface BurstState {
  req: BurstRequest;
  masters: Set<string>;
  frameAt: Map<number, bigint>;
  firstFrame: bigint | null;
  lastFrame: bigint | null;
  lastLeg: bigint | null;
  pairs: Set<string>;
  duplicated: number;
  unattributed: number;
  latencies: number[];
  expected: number;
  framesEmitted: number;
  done: () => void;
}

function burstLeg(ev: OrderReceivedEvent): void {
  const b = burst as BurstState;
  const ticket = ticketOfLeg(ev.comment);
  const t0 = ticket === null ? undefined : b.frameAt.get(ticket);
  if (t0 === undefined) {
    b.unattributed++;
    return;
  }
  const key = `${ev.accountId}:${ticket}`;
  if (b.pairs.has(key)) {
    b.duplicated++;
    return;
  }
  b.pairs.add(key);
  b.latencies.push(nsToMs(ev.t - t0));
  b.lastLeg = ev.t;
  if (b.pairs.size >= b.expected && b.framesEmitted === b.req.perMaster * b.masters.size) b.done();
}

async function runBurst(req: BurstRequest): Promise<BurstReply> {
  const s = sim;
  if (!s) throw new Error('no world');
  const masters = masterIds.map((id) => s.account(id));
  const total = req.perMaster * masters.length;
  // Master i trades at i·step, then every masters·step: evenly interleaved over the window.
  const step = req.windowMs / total;
  const b: BurstState = {
    req,
    masters: new Set(masterIds),
    frameAt: new Map(),
    firstFrame: null,
    lastFrame: null,
    lastLeg: null,
    pairs: new Set(),
    duplicated: 0,
    unattributed: 0,
    latencies: [],
    expected: total * req.legsPerEvent,
    framesEmitted: 0,
    done: () => undefined,
  };
  burst = b;
  const finished = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, req.timeoutMs);
    b.done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const tickets: number[] = [];
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = (): void => {
      const elapsed = nsToMs(process.hrtime.bigint() - start);
      while (k < total && k * step <= elapsed) {
        const h = masters[k % masters.length];
        k++;
        if (!h) continue;
        const r = h.send({ symbol: req.symbol, operation: 'Buy', volume: req.volume });
        b.framesEmitted++;
        if (r.success) tickets.push(r.order);
      }
      if (k < total) setTimeout(tick, Math.max(0, k * step - nsToMs(process.hrtime.bigint() - start)));
      else resolve();
    };
    tick();
  });
  // Returns once every trade was made; legs keep being counted until `burstFinish`.
  void finished;
  burstTickets = new Set(tickets);
  burstStart = start;
  return report(b);
}

let burstTickets = new Set<number>();
let burstStart = 0n;

/**
 * Final count, once the copier says it is idle: lingers a moment for late duplicates, then counts every leg and the
 * copies on the followers' books. Until this call, legs keep being counted however long the drain takes.
 */
async function finishBurst(): Promise<BurstReply> {
  const b = burst;
  if (!b) throw new Error('no burst running');
  await new Promise((r) => setTimeout(r, 300));
  burst = null;
  return report(b, true);
}

function report(b: BurstState, final = false): BurstReply {
  const s = sim as Sim;
  let positions = 0;
  if (final) {
    for (const h of s.accounts) {
      if (b.masters.has(h.id)) continue;
      for (const p of h.positions()) {
        const tag = parseCopyComment(p.comment);
        if (tag && burstTickets.has(tag.masterTicket)) positions++;
      }
    }
  }
  const first = b.firstFrame ?? burstStart;
  return {
    framesEmitted: b.framesEmitted,
    emitSpanMs: b.lastFrame !== null ? nsToMs(b.lastFrame - first) : 0,
    drainMs: b.lastLeg !== null ? nsToMs(b.lastLeg - first) : -1,
    tailMs: b.lastLeg !== null && b.lastFrame !== null ? nsToMs(b.lastLeg - b.lastFrame) : -1,
    legsExpected: b.expected,
    legsReceived: b.pairs.size + b.duplicated,
    lost: b.expected - b.pairs.size,
    duplicated: b.duplicated,
    unattributed: b.unattributed,
    positionsOnFollowers: positions,
    positionsExpected: b.expected,
    legLatency: summarize(b.latencies),
  };
}

// ------------------------------------------------------------------ stats

function stats(): ChildStats {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage(cpuSince);
  const routes: ChildStats['routes'] = {};
  for (const [route, list] of routeTimes) routes[route] = summarize(list);
  const st = sim?.stats();
  return {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: nsToMs(process.hrtime.bigint() - costSince),
    loopDelayP99Ms: loop.count > 0 ? Math.max(0, loop.percentile(99) / 1e6 - 10) : null,
    routes,
    orders: st ? Object.values(st.orders).reduce((a, b) => a + b, 0) : 0,
    wsFramesSent: st?.wsFramesSent ?? 0,
    wsFramesDropped: st?.wsFramesDropped ?? 0,
  };
}

function resetCost(): null {
  routeTimes.clear();
  costSince = process.hrtime.bigint();
  cpuSince = process.cpuUsage();
  loop.reset();
  strayLegs = 0;
  return null;
}

// ------------------------------------------------------------------ IPC

function reply(msg: ChildMessage): void {
  process.send?.(msg);
}

process.on('message', (raw: ParentMessage) => {
  const run = async (): Promise<unknown> => {
    switch (raw.type) {
      case 'world':
        return world(raw.req);
      case 'event':
        return event(raw.req);
      case 'burst':
        return runBurst(raw.req);
      case 'burstFinish':
        return finishBurst();
      case 'stats':
        return { ...stats(), strayLegs };
      case 'resetCost':
        return resetCost();
      case 'shutdown':
        await sim?.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  run().then(
    (result) => reply({ id: raw.id, ok: true, result }),
    (err: unknown) => reply({ id: raw.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

process.on('disconnect', () => process.exit(0));
reply({ id: -1, ok: true, result: 'booted' });

/**
 * The master side of the trial: seeded random master actions (opens with and without SL/TP, partial and full
 * closes, SL/TP moves, pending orders placed, moved, deleted and triggered) typed "by hand" into the masters'
 * simulated terminals, and the faults the simulator injects meanwhile. Everything the masters did is kept as history,
 * so the expected follower books can be computed from the rules afterwards.
 */
import type { Rng } from '../../src/sim/rng.js';
import type { AccountHandle, OpenedOrder, Sim } from '../../src/sim/index.js';

/** A master position as the trial made it. */
export interface PositionHistory {
  masterId: string;
  ticket: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** Lots at the open (or of the pending order that triggered). */
  openVolume: number;
  openedAt: number;
  /** Pending order this position came from, or null for a market open. */
  fromPending: number | null;
  /** Partial and full closes in order: master deal, volume before, volume closed. */
  closes: { deal: number; before: number; closed: number; at: number }[];
  closedAt: number | null;
}

/** A master pending order as the trial made it. */
export interface PendingHistory {
  masterId: string;
  ticket: number;
  symbol: string;
  operation: string;
  volume: number;
  /** Near stop orders are the ones a later `trigger` action fills. */
  near: boolean;
  placedAt: number;
  endedAt: number | null;
  triggered: boolean;
}

export type MasterActionKind = 'open' | 'partial_close' | 'close' | 'modify' | 'pending_place' | 'pending_modify' | 'pending_delete' | 'trigger';

/** Master symbols with their weights and lot grids. */
const SYMBOLS: { name: string; weight: number; step: number; pendings: boolean }[] = [
  { name: 'EURUSD', weight: 28, step: 0.01, pendings: true },
  { name: 'GBPUSD', weight: 18, step: 0.01, pendings: true },
  { name: 'USDJPY', weight: 14, step: 0.01, pendings: true },
  { name: 'XAUUSD', weight: 16, step: 0.01, pendings: true },
  { name: 'US30', weight: 14, step: 0.1, pendings: false },
  { name: 'DE40', weight: 6, step: 0.1, pendings: false },
];

const MASTER_BROKER = 'Demo Markets';

function weighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = rng.next() * total;
  for (const i of items) {
    x -= i.weight;
    if (x < 0) return i;
  }
  return items[items.length - 1] as T;
}

function roundTo(x: number, digits: number): number {
  const s = 10 ** digits;
  return Math.round(x * s) / s;
}

const digitsOf = (symbol: string): number => (symbol === 'USDJPY' ? 3 : symbol === 'XAUUSD' ? 2 : symbol === 'US30' || symbol === 'DE40' ? 1 : 5);
const pointOf = (symbol: string): number => 10 ** -digitsOf(symbol);

/** Drives the masters. One `step()` = one master action (one master event for the copier). */
export class MasterDriver {
  readonly positions = new Map<string, PositionHistory>();
  readonly pendings = new Map<string, PendingHistory>();
  readonly counts: Record<MasterActionKind, number> = { open: 0, partial_close: 0, close: 0, modify: 0, pending_place: 0, pending_modify: 0, pending_delete: 0, trigger: 0 };
  /** Opens that came from a triggered pending order (each is one master event for the copier). */
  triggeredOpens = 0;
  /** Actions the broker refused (the trial's own mistakes; should stay 0). */
  refused: string[] = [];

  constructor(
    private readonly sim: Sim,
    private readonly masters: readonly { id: string; handle: AccountHandle }[],
    private readonly rng: Rng,
  ) {}

  private key(masterId: string, ticket: number): string {
    return `${masterId}#${ticket}`;
  }

  private quote(symbol: string): { bid: number; ask: number } {
    return this.sim.quote(MASTER_BROKER, symbol);
  }

  /** Stops at `lo`–`hi` (fractions of the price) on the right sides of `price` for `side`. */
  private stops(symbol: string, side: 'buy' | 'sell', price: number, lo = 0.008, hi = 0.02): { stopLoss?: number; takeProfit?: number } {
    const d = digitsOf(symbol);
    const sl = price * this.rng.range(lo, hi);
    const tp = price * this.rng.range(lo, hi);
    const out: { stopLoss?: number; takeProfit?: number } = {};
    const roll = this.rng.next();
    if (roll < 0.8) out.stopLoss = roundTo(side === 'buy' ? price - sl : price + sl, d);
    if (roll < 0.7 || roll >= 0.9) out.takeProfit = roundTo(side === 'buy' ? price + tp : price - tp, d);
    return out;
  }

  private volume(symbol: string): number {
    const s = SYMBOLS.find((x) => x.name === symbol);
    const step = s?.step ?? 0.01;
    const maxSteps = step >= 0.1 ? 30 : 60;
    const u = this.rng.next();
    const steps = 1 + Math.floor(maxSteps * u * u);
    return roundTo(steps * step, 2);
  }

  private openRows(master: { handle: AccountHandle }): OpenedOrder[] {
    return master.handle.positions();
  }

  /** Performs one random master action; returns what it did. */
  step(now: number): { kind: MasterActionKind; master: string; ticket: number; note: string } | null {
    const master = this.masters[this.rng.int(this.masters.length)] as { id: string; handle: AccountHandle };
    const rows = this.openRows(master);
    const positions = rows.filter((r) => r.kind === 'Position');
    const pendings = rows.filter((r) => r.kind === 'Pending');
    const nearStops = pendings.filter((r) => this.pendings.get(this.key(master.id, r.ticket))?.near === true);
    const farPendings = pendings.filter((r) => this.pendings.get(this.key(master.id, r.ticket))?.near !== true);
    const kinds: { kind: MasterActionKind; weight: number }[] = [
      { kind: 'open', weight: positions.length > 14 ? 10 : 30 },
      { kind: 'partial_close', weight: positions.length > 0 ? 12 : 0 },
      { kind: 'close', weight: positions.length > 14 ? 40 : positions.length > 0 ? 16 : 0 },
      { kind: 'modify', weight: positions.length > 0 ? 14 : 0 },
      { kind: 'pending_place', weight: pendings.length > 8 ? 2 : 10 },
      { kind: 'pending_modify', weight: farPendings.length > 0 ? 5 : 0 },
      { kind: 'pending_delete', weight: pendings.length > 0 ? 5 : 0 },
      { kind: 'trigger', weight: nearStops.length > 0 ? 7 : 0 },
    ];
    for (let attempt = 0; attempt < 6; attempt++) {
      const kind = weighted(this.rng, kinds).kind;
      const done = this.act(kind, master, positions, pendings, nearStops, farPendings, now);
      if (done) {
        this.counts[kind]++;
        return done;
      }
    }
    return null;
  }

  private act(
    kind: MasterActionKind,
    master: { id: string; handle: AccountHandle },
    positions: OpenedOrder[],
    pendings: OpenedOrder[],
    nearStops: OpenedOrder[],
    farPendings: OpenedOrder[],
    now: number,
  ): { kind: MasterActionKind; master: string; ticket: number; note: string } | null {
    const h = master.handle;
    const refuse = (what: string, r: { retcode: number; comment: string }) => {
      this.refused.push(`${what}: ${r.retcode} ${r.comment}`);
      return null;
    };
    switch (kind) {
      case 'open': {
        const symbol = weighted(this.rng, SYMBOLS).name;
        const side = this.rng.chance(0.5) ? 'buy' : 'sell';
        const q = this.quote(symbol);
        const price = side === 'buy' ? q.ask : q.bid;
        const volume = this.volume(symbol);
        const r = h.send({ symbol, operation: side === 'buy' ? 'Buy' : 'Sell', volume, ...this.stops(symbol, side, price) });
        if (!r.success) return refuse(`open ${symbol}`, r);
        this.positions.set(this.key(master.id, r.order), { masterId: master.id, ticket: r.order, symbol, side, openVolume: volume, openedAt: now, fromPending: null, closes: [], closedAt: null });
        return { kind, master: master.id, ticket: r.order, note: `${side} ${volume} ${symbol}` };
      }
      case 'partial_close': {
        const candidates = positions.filter((p) => p.lots >= 2 * (SYMBOLS.find((s) => s.name === p.symbol)?.step ?? 0.01) - 1e-9);
        const p = this.rng.pick(candidates);
        if (!p) return null;
        const step = SYMBOLS.find((s) => s.name === p.symbol)?.step ?? 0.01;
        const total = Math.round(p.lots / step);
        const closeSteps = 1 + this.rng.int(total - 1);
        const volume = roundTo(closeSteps * step, 2);
        const r = h.close(p.ticket, volume);
        if (!r.success) return refuse(`partial close #${p.ticket}`, r);
        this.positions.get(this.key(master.id, p.ticket))?.closes.push({ deal: r.deal, before: p.lots, closed: volume, at: now });
        return { kind, master: master.id, ticket: p.ticket, note: `${volume} of ${p.lots}` };
      }
      case 'close': {
        const p = this.rng.pick(positions);
        if (!p) return null;
        const r = h.close(p.ticket);
        if (!r.success) return refuse(`close #${p.ticket}`, r);
        const hist = this.positions.get(this.key(master.id, p.ticket));
        if (hist) {
          hist.closes.push({ deal: r.deal, before: p.lots, closed: p.lots, at: now });
          hist.closedAt = now;
        }
        return { kind, master: master.id, ticket: p.ticket, note: `${p.lots} ${p.symbol}` };
      }
      case 'modify': {
        const p = this.rng.pick(positions);
        if (!p) return null;
        const side = p.type === 'Buy' ? 'buy' : 'sell';
        const q = this.quote(p.symbol);
        const ref = side === 'buy' ? q.bid : q.ask;
        const next = this.stops(p.symbol, side, ref, 0.006, 0.02);
        const req: { ticket: number; stopLoss?: number; takeProfit?: number } = { ticket: p.ticket };
        // Sometimes remove a level the position has, sometimes move one, sometimes both.
        const roll = this.rng.next();
        if (roll < 0.12 && p.stopLoss > 0) req.stopLoss = 0;
        else if (roll < 0.24 && p.takeProfit > 0) req.takeProfit = 0;
        else {
          if (next.stopLoss !== undefined) req.stopLoss = next.stopLoss;
          if (next.takeProfit !== undefined) req.takeProfit = next.takeProfit;
          if (req.stopLoss === undefined && req.takeProfit === undefined) req.stopLoss = roundTo(side === 'buy' ? ref * 0.99 : ref * 1.01, digitsOf(p.symbol));
        }
        const r = h.modify(req);
        if (!r.success) return r.retcode === 10025 ? null : refuse(`modify #${p.ticket}`, r);
        return { kind, master: master.id, ticket: p.ticket, note: `sl ${req.stopLoss ?? '='} tp ${req.takeProfit ?? '='}` };
      }
      case 'pending_place': {
        const symbol = weighted(this.rng, SYMBOLS.filter((s) => s.pendings)).name;
        const q = this.quote(symbol);
        const d = digitsOf(symbol);
        const near = (symbol === 'EURUSD' || symbol === 'GBPUSD') && this.rng.chance(0.45);
        const buy = this.rng.chance(0.5);
        let operation: string;
        let price: number;
        if (near) {
          // A stop order 150–300 points away: a later `trigger` fills it on every broker at once.
          const dist = (150 + this.rng.int(150)) * pointOf(symbol);
          operation = buy ? 'BuyStop' : 'SellStop';
          price = roundTo(buy ? q.ask + dist : q.bid - dist, d);
        } else {
          const limit = this.rng.chance(0.5);
          const dist = (buy ? q.ask : q.bid) * this.rng.range(0.01, 0.02);
          operation = `${buy ? 'Buy' : 'Sell'}${limit ? 'Limit' : 'Stop'}`;
          price = roundTo(buy ? (limit ? q.ask - dist : q.ask + dist) : limit ? q.bid + dist : q.bid - dist, d);
        }
        const side = buy ? 'buy' : 'sell';
        const volume = this.volume(symbol);
        const r = h.send({ symbol, operation, volume, price, ...this.stops(symbol, side, price) });
        if (!r.success) return refuse(`place ${operation} ${symbol} @ ${price}`, r);
        this.pendings.set(this.key(master.id, r.order), { masterId: master.id, ticket: r.order, symbol, operation, volume, near, placedAt: now, endedAt: null, triggered: false });
        return { kind, master: master.id, ticket: r.order, note: `${operation} ${volume} ${symbol} @ ${price}${near ? ' (near)' : ''}` };
      }
      case 'pending_modify': {
        const p = this.rng.pick(farPendings);
        if (!p) return null;
        const buy = p.type.startsWith('Buy');
        const limit = p.type.endsWith('Limit');
        const q = this.quote(p.symbol);
        const dist = (buy ? q.ask : q.bid) * this.rng.range(0.01, 0.02);
        const d = digitsOf(p.symbol);
        const price = roundTo(buy ? (limit ? q.ask - dist : q.ask + dist) : limit ? q.bid + dist : q.bid - dist, d);
        // A level left out would be kept where it was, possibly on the wrong side of the new price: 0 removes it.
        const levels = this.stops(p.symbol, buy ? 'buy' : 'sell', price);
        const r = h.modify({ ticket: p.ticket, price, stopLoss: levels.stopLoss ?? 0, takeProfit: levels.takeProfit ?? 0 });
        if (!r.success) return r.retcode === 10025 ? null : refuse(`move pending #${p.ticket}`, r);
        return { kind, master: master.id, ticket: p.ticket, note: `to ${price}` };
      }
      case 'pending_delete': {
        const p = this.rng.pick(pendings);
        if (!p) return null;
        const r = h.close(p.ticket);
        if (!r.success) return refuse(`delete pending #${p.ticket}`, r);
        const hist = this.pendings.get(this.key(master.id, p.ticket));
        if (hist) hist.endedAt = now;
        return { kind, master: master.id, ticket: p.ticket, note: `${p.type} ${p.symbol}` };
      }
      case 'trigger': {
        const p = this.rng.pick(nearStops);
        if (!p) return null;
        return this.trigger(master.id, p, now);
      }
    }
  }

  /**
   * Moves the instrument's price across a near stop order and back. Every broker quotes the same bid (asks differ by
   * their spreads), so the target bid is chosen outside the band where another near order would trigger on some
   * brokers and not on others: then each order triggers everywhere or nowhere, as the master's does.
   */
  private trigger(masterId: string, p: OpenedOrder, now: number): { kind: MasterActionKind; master: string; ticket: number; note: string } | null {
    const point = pointOf(p.symbol);
    const up = p.type === 'BuyStop';
    const near: number[] = [];
    for (const m of this.masters) {
      for (const r of m.handle.positions()) if (r.kind === 'Pending' && this.pendings.get(this.key(m.id, r.ticket))?.near === true && r.symbol === p.symbol) near.push(r.openPrice);
    }
    const ambiguous = (bid: number) => near.some((price) => bid >= price - 25 * point && bid <= price + 2 * point);
    let bid = up ? p.openPrice + 40 * point : p.openPrice - 40 * point;
    for (let i = 0; i < 40 && ambiguous(bid); i++) bid += (up ? 10 : -10) * point;
    if (ambiguous(bid)) return null;
    const before = this.quote(p.symbol);
    const beforeTickets = new Map(this.masters.map((m) => [m.id, new Set(m.handle.positions().filter((r) => r.kind === 'Pending').map((r) => r.ticket))] as const));
    this.sim.setQuote({ instrument: p.symbol }, roundTo(bid, digitsOf(p.symbol)));
    this.sim.setQuote({ instrument: p.symbol }, before.bid);
    // Every master pending that filled is now a position with the same ticket.
    let filled = 0;
    for (const m of this.masters) {
      const rows = new Map(m.handle.positions().map((r) => [r.ticket, r] as const));
      for (const ticket of beforeTickets.get(m.id) ?? []) {
        const row = rows.get(ticket);
        if (row?.kind !== 'Position') continue;
        const hist = this.pendings.get(this.key(m.id, ticket));
        if (hist) {
          hist.triggered = true;
          hist.endedAt = now;
        }
        filled++;
        this.triggeredOpens++;
        this.positions.set(this.key(m.id, ticket), {
          masterId: m.id,
          ticket,
          symbol: row.symbol,
          side: row.type === 'Buy' ? 'buy' : 'sell',
          openVolume: row.lots,
          openedAt: now,
          fromPending: ticket,
          closes: [],
          closedAt: null,
        });
      }
    }
    return { kind: 'trigger', master: masterId, ticket: p.ticket, note: `${p.type} ${p.symbol} @ ${p.openPrice}: ${filled} filled` };
  }
}

/** Faults injected by the runner (the simulator counts its own as they bite). */
export interface InjectedCounts {
  wsDrops: number;
  frameDropBursts: number;
  latencySpikes: number;
  timeout504Armed: number;
  marketClosures: number;
  kills: number;
}

/** The fault schedule: persistent rates plus random bursts, all from the trial's seed. */
export class FaultInjector {
  readonly counts: InjectedCounts = { wsDrops: 0, frameDropBursts: 0, latencySpikes: 0, timeout504Armed: 0, marketClosures: 0, kills: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private closedMarkets: { broker: string; symbol: string }[] = [];
  private active = false;

  constructor(
    private readonly sim: Sim,
    private readonly masters: readonly AccountHandle[],
    private readonly followers: readonly AccountHandle[],
    private readonly rng: Rng,
    private readonly rates: { error5xx: number; legTimeout: number; timeout504: number },
  ) {}

  /** Switches the persistent faults on: 5xx on terminal REST, batch legs timing out after executing, 504s that executed. */
  start(): void {
    this.active = true;
    for (const m of this.masters) m.faults.set({ error5xxRate: this.rates.error5xx });
    for (const f of this.followers) f.faults.set({ error5xxRate: this.rates.error5xx, batchLegTimeoutAfterExecute: this.rates.legTimeout, timeout504Rate: this.rates.timeout504 });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.active) fn();
    }, ms);
    this.timers.add(t);
  }

  private anyAccount(): AccountHandle {
    return (this.rng.chance(0.3) ? this.rng.pick(this.masters) : this.rng.pick(this.followers)) as AccountHandle;
  }

  /** One scheduling step (called once per master action). */
  step(): void {
    if (!this.active) return;
    if (this.rng.chance(0.06)) {
      this.anyAccount().dropConnections();
      this.counts.wsDrops++;
    }
    if (this.rng.chance(0.05)) {
      this.anyAccount().faults.set({ dropFramesNext: 1 + this.rng.int(4) });
      this.counts.frameDropBursts++;
    }
    if (this.rng.chance(0.04)) {
      const a = this.rng.chance(0.2) ? (this.rng.pick(this.masters) as AccountHandle) : (this.rng.pick(this.followers) as AccountHandle);
      a.faults.set({ latencyMs: 300 + this.rng.int(1700), jitterMs: 200 });
      this.counts.latencySpikes++;
      this.later(2000 + this.rng.int(4000), () => a.faults.set({ latencyMs: 0, jitterMs: 0 }));
    }
    if (this.rng.chance(0.02)) {
      (this.rng.pick(this.followers) as AccountHandle).faults.set({ timeout504Executed: 1 });
      this.counts.timeout504Armed++;
    }
  }

  /** Closes one symbol at every follower broker that lists it (not at the masters' broker) for `ms`. */
  closeMarket(instrument: string, ms: number): void {
    if (!this.active) return;
    const targets: { broker: string; symbol: string }[] = [];
    for (const f of this.followers) {
      if (f.broker === 'Demo Markets') continue;
      for (const s of f.symbols) {
        const base = s.replace(/(\.[a-z]+|[a-z]{1,2})$/, '');
        if (base === instrument && !targets.some((t) => t.broker === f.broker && t.symbol === s)) targets.push({ broker: f.broker, symbol: s });
      }
    }
    for (const t of targets) this.sim.setMarketClosed(t, true);
    this.closedMarkets.push(...targets);
    this.counts.marketClosures++;
    this.later(ms, () => this.reopen(targets));
  }

  private reopen(targets: { broker: string; symbol: string }[]): void {
    for (const t of targets) this.sim.setMarketClosed(t, false);
    this.closedMarkets = this.closedMarkets.filter((c) => !targets.includes(c));
  }

  /** Ends every fault: rates off, markets open, spikes over. */
  stop(): void {
    this.active = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.reopen([...this.closedMarkets]);
    for (const a of [...this.masters, ...this.followers]) a.faults.clear();
  }
}

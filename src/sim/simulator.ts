import { DEFAULT_VARIANT, type WorldVariant } from './variant.js';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SimAccount, type AccountSink } from './broker/account.js';
import { SimBroker } from './broker/broker.js';
import { Market } from './broker/market.js';
import type { AccountSpec, BrokerSpec, WorldSpec } from './broker/spec.js';
import type { SimSymbol } from './broker/symbol.js';
import { brokerTimeString } from './broker/time.js';
import { realClock, type SimClock } from './clock.js';
import { DemoTrader, type DemoTraderOptions } from './demo-trader.js';
import { AccountHandle } from './handle.js';
import { KeyRing, type ApiKeysOption } from './http/auth.js';
import { IdempotencyStore } from './http/idempotency.js';
import { handleRequest, handleUpgrade } from './http/server.js';
import { deriveSeed, Rng, uuidFrom } from './rng.js';
import { Stats, type SimStats } from './stats.js';
import { Terminal } from './terminal.js';
import type { AccountStatus, TradeEvent } from './types.js';
import { BarTracker } from './ws/bars.js';
import { accountFrame, degrade, positionsFrame, terminalFrame, tickFrame, tradeFrame } from './ws/frames.js';
import { Hub, type HubHost, type Topic } from './ws/hub.js';
import { DEMO_INSTRUMENTS, demoWorld, resolveBrokers } from './world.js';

/** Options of `createSimulator`. */
export interface SimulatorOptions {
  /** Seeds ids, tickets, prices, faults and the demo trader. Default 42. */
  seed?: number;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  apiKeys?: ApiKeysOption;
  /** `'demo'` (default) or a custom world. */
  world?: 'demo' | WorldSpec;
  /** Default real time; pass a `ManualClock` in tests. */
  clock?: SimClock;
  /** Seeded random walk of every instrument; `false` = prices move only by hand. Default `{ intervalMs: 250 }`. */
  priceFeed?: { intervalMs: number } | false;
  /** Demo trader on the master account; `false` disables it. Default: on, every 3 s, on `master`. */
  demoTrader?: false | DemoTraderOptions;
  /** Each terminal answers 503 on trading routes for this long after it connects (sim clock). Default 0. */
  terminalStartMs?: number;
  /** `'always'` ignores trading sessions (symbols never closed by the calendar). Default `'sessions'`. */
  marketHours?: 'sessions' | 'always';
  /** Provisioning time of accounts created with `POST /v1/accounts` (sim clock). Default 2000. */
  linkDelayMs?: number;
  /** Readings of the contract's silent points (see variant.ts); unset points take {@link DEFAULT_VARIANT}'s. */
  variant?: Partial<WorldVariant>;
}

/** Payload of the `tradeFrame` event. */
export interface TradeFrameEvent extends TradeEvent {
  accountId: string;
  t: bigint;
}

/** Payload of the `orderReceived` event. */
export interface OrderReceivedEvent {
  accountId: string;
  via: 'batch' | 'terminal';
  symbol: string;
  volume: number;
  comment: string;
  magic: number;
  t: bigint;
}

/** Payload of the `request` event. */
export interface RequestEvent {
  method: string;
  route: string;
  status: number;
  /** The client's User-Agent header ('' when absent): which process sent it, when several share one API key. */
  userAgent: string;
  t: bigint;
}

/** Payload of the `requestStart` event: a request as it arrives, before it is handled (tests act while it is in flight). */
export interface RequestStartEvent {
  method: string;
  /** Path and query as sent. */
  url: string;
  userAgent: string;
}

/** Target of `setQuote`/`movePrice`: a broker symbol name (every broker listing it), or a broker + symbol, or an instrument. */
export type PriceTarget = string | { broker: string; symbol: string } | { instrument: string };

/** The running simulator. Create it with `createSimulator`. */
export class Simulator implements AccountSink, HubHost {
  readonly seed: number;
  /** How every account's bridge reads the contract's silent points. */
  readonly variant: WorldVariant;
  readonly clock: SimClock;
  readonly market: Market;
  readonly brokers = new Map<string, SimBroker>();
  readonly terminals = new Map<string, Terminal>();
  readonly handles = new Map<string, AccountHandle>();
  readonly stats = new Stats();
  readonly events = new EventEmitter();
  readonly keys: KeyRing;
  readonly idempotency: IdempotencyStore;
  readonly hub: Hub;
  readonly server: Server;
  readonly terminalStartMs: number;
  readonly linkDelayMs: number;
  demoTrader: DemoTrader;
  url = '';
  port = 0;
  #commandId = 1;
  #batchSeq = 0;
  readonly #symbolBroker = new Map<SimSymbol, SimBroker>();
  readonly #brokerTerminals = new Map<SimBroker, Set<Terminal>>();
  readonly #dirtyPositions = new Set<Terminal>();
  readonly #dirtySummary = new Set<Terminal>();
  #flushScheduled = false;
  readonly #bars = new BarTracker();
  readonly #barSubs = new Map<string, Array<{ symbol: string; timeframe: string }>>();
  readonly #priceRng: Rng;
  #priceTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #sockets = new Set<Socket>();

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 42;
    this.variant = { ...DEFAULT_VARIANT, ...opts.variant };
    this.clock = opts.clock ?? realClock;
    this.terminalStartMs = opts.terminalStartMs ?? 0;
    this.linkDelayMs = opts.linkDelayMs ?? 2000;
    this.keys = new KeyRing(opts.apiKeys);
    this.idempotency = new IdempotencyStore(this.clock);
    const world = opts.world === undefined || opts.world === 'demo' ? demoWorld() : opts.world;
    this.market = new Market(world.instruments ?? DEMO_INSTRUMENTS);
    this.market.alwaysOpen = opts.marketHours === 'always';
    this.#priceRng = new Rng(deriveSeed(this.seed, 'prices'));
    for (const b of resolveBrokers(world)) this.addBroker(b);
    for (const a of world.accounts) this.addAccount(a);
    this.hub = new Hub(this, this.stats);
    this.server = createServer({ noDelay: true, keepAlive: true }, (req, res) => handleRequest(this, req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('upgrade', (req, socket, head) => handleUpgrade(this, req, socket, head as Buffer));
    this.server.on('connection', (s) => {
      s.setNoDelay(true);
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    const dt = opts.demoTrader === false ? undefined : (opts.demoTrader ?? {});
    this.demoTrader = new DemoTrader(this, { seed: deriveSeed(this.seed, 'demo-trader'), ...dt });
    if (dt) this.demoTrader.autoStart = true;
    if (opts.priceFeed !== false) this.#startPriceFeed(opts.priceFeed?.intervalMs ?? 250);
  }

  /** Starts listening; resolves once the URL is known. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    this.port = addr.port;
    this.url = `http://${host}:${addr.port}`;
    this.#heartbeat = setInterval(() => this.#beat(), 1000);
    this.#heartbeat.unref();
    if (this.demoTrader.autoStart) this.demoTrader.start();
  }

  // ------------------------------------------------------------------ world

  addBroker(spec: BrokerSpec): SimBroker {
    if (this.brokers.has(spec.name)) throw new Error(`duplicate broker ${spec.name}`);
    const rng = new Rng(deriveSeed(this.seed, `tickets:${spec.server}`));
    const broker = new SimBroker(spec, (spec.platform === 'mt4' ? 40_000_000 : 100_000_000) + rng.int(900) * 100_000);
    this.brokers.set(spec.name, broker);
    this.#brokerTerminals.set(broker, new Set());
    const now = this.clock.now();
    for (const sym of broker.symbols.values()) {
      this.market.register(sym);
      this.#symbolBroker.set(sym, broker);
      sym.requote(this.market.mid(sym.spec.instrument), now);
    }
    return broker;
  }

  brokerOf(nameOrServer: string): SimBroker | undefined {
    const byName = this.brokers.get(nameOrServer);
    if (byName) return byName;
    for (const b of this.brokers.values()) if (b.server === nameOrServer) return b;
    return undefined;
  }

  /** Adds an account (at start or at run time). */
  addAccount(spec: AccountSpec): AccountHandle {
    const broker = this.brokerOf(spec.broker);
    if (!broker) throw new Error(`account ${spec.nickname}: unknown broker ${spec.broker}`);
    const id = spec.id ?? uuidFrom(this.seed, `account:${spec.nickname}`);
    if (this.terminals.has(id)) throw new Error(`duplicate account id ${id}`);
    for (const t of this.terminals.values()) if (t.account.nickname === spec.nickname) throw new Error(`duplicate nickname ${spec.nickname}`);
    const platform = spec.platform ?? broker.platform;
    const rng = new Rng(deriveSeed(this.seed, `login:${spec.nickname}`));
    const login = spec.login ?? (platform === 'mt4' ? 2_000_000 : 50_000_000) + rng.int(9_000_000);
    const account = new SimAccount(
      {
        id,
        nickname: spec.nickname,
        login,
        name: spec.name ?? spec.nickname,
        platform,
        marginMode: spec.marginMode ?? 'Hedging',
        currency: spec.currency ?? 'USD',
        leverage: spec.leverage ?? 100,
        balance: spec.balance ?? 10_000,
        credit: spec.credit ?? 0,
        type: spec.type ?? 'Demo',
        stopOutLevel: spec.stopOutLevel ?? 50,
        marginCallLevel: spec.marginCallLevel ?? 100,
        variant: this.variant,
      },
      broker,
      this.market,
      () => this.clock.now(),
      this,
    );
    // Fail early on a currency the market cannot convert.
    this.market.usdPer(account.currency);
    const terminal = new Terminal(account, {
      createdAtMs: this.clock.now(),
      connectDelayMs: spec.connectDelayMs ?? 0,
      startMs: this.terminalStartMs,
      faultSeed: deriveSeed(this.seed, `faults:${id}`),
      ...(spec.status !== undefined ? { status: spec.status } : {}),
      ...(spec.tradeEaSymbol !== undefined ? { tradeEaSymbol: spec.tradeEaSymbol } : {}),
    });
    this.terminals.set(id, terminal);
    this.#brokerTerminals.get(broker)?.add(terminal);
    const handle = new AccountHandle(this, terminal);
    this.handles.set(id, handle);
    return handle;
  }

  /** Removes an account: its sockets are dropped and its URLs stop answering. */
  removeAccount(id: string): boolean {
    const t = this.terminals.get(id);
    if (!t) return false;
    t.deleted = true;
    this.hub.dropConnections(id);
    this.terminals.delete(id);
    this.handles.delete(id);
    this.#brokerTerminals.get(t.account.broker)?.delete(t);
    return true;
  }

  terminal(idOrNickname: string): Terminal | undefined {
    const byId = this.terminals.get(idOrNickname);
    if (byId) return byId;
    for (const t of this.terminals.values()) if (t.account.nickname === idOrNickname) return t;
    return undefined;
  }

  restUrl(t: Terminal): string {
    return t.reachable(this.clock.now()) ? `${this.url}${t.pathPrefix}` : '';
  }

  wsUrl(t: Terminal): string {
    return t.reachable(this.clock.now()) ? `ws://${this.url.slice('http://'.length)}${t.pathPrefix}/ws` : '';
  }

  setStatus(t: Terminal, status: AccountStatus): void {
    if (status === 'connected') {
      t.statusOverride = undefined;
      t.connectAtMs = Math.min(t.connectAtMs, this.clock.now());
    } else if (status === 'connecting') {
      t.statusOverride = undefined;
      t.connectAtMs = Infinity;
    } else {
      t.statusOverride = status;
      this.hub.dropConnections(t.id);
    }
  }

  nextCommandId(): number {
    return this.#commandId++;
  }

  nextBatchId(): string {
    return uuidFrom(this.seed, `batch:${this.#batchSeq++}`);
  }

  // ------------------------------------------------------------------ prices

  #startPriceFeed(intervalMs: number): void {
    this.#priceTimer = setInterval(() => {
      const changed = this.market.step(this.#priceRng, this.clock.now());
      this.quotesChanged(changed);
    }, intervalMs);
    this.#priceTimer.unref();
  }

  #symbolsFor(target: PriceTarget): SimSymbol[] {
    if (typeof target === 'string') {
      const out: SimSymbol[] = [];
      for (const b of this.brokers.values()) {
        const s = b.symbols.get(target);
        if (s) out.push(s);
      }
      if (out.length === 0 && this.market.hasInstrument(target)) return this.#symbolsFor({ instrument: target });
      if (out.length === 0) throw new Error(`no broker lists symbol ${target}`);
      return out;
    }
    if ('instrument' in target) {
      const out = [...this.#symbolBroker.keys()].filter((s) => s.spec.instrument === target.instrument);
      if (out.length === 0) throw new Error(`unknown instrument ${target.instrument}`);
      return out;
    }
    const s = this.brokerOf(target.broker)?.symbols.get(target.symbol);
    if (!s) throw new Error(`unknown symbol ${target.symbol} at ${target.broker}`);
    return [s];
  }

  /** Sets bid (and ask; default bid + current spread) by hand; triggers SL/TP/pending orders. */
  setQuote(target: PriceTarget, bid: number, ask?: number): void {
    const now = this.clock.now();
    const syms = this.#symbolsFor(target);
    for (const s of syms) s.setQuote(bid, ask ?? bid + s.spreadPoints * s.point, this.market.mid(s.spec.instrument), now);
    this.market.touched();
    this.quotesChanged(syms);
  }

  /** Moves bid and ask by `delta` (price units). */
  movePrice(target: PriceTarget, delta: number): void {
    const now = this.clock.now();
    const syms = this.#symbolsFor(target);
    for (const s of syms) s.setQuote(s.bid + delta, s.ask + delta, this.market.mid(s.spec.instrument), now);
    this.market.touched();
    this.quotesChanged(syms);
  }

  /** Closes or reopens a symbol by hand at every broker listing it (10018 while closed). */
  setMarketClosed(target: PriceTarget, closed: boolean): void {
    for (const s of this.#symbolsFor(target)) s.forcedClosed = closed;
  }

  /** Propagates quote changes: SL/TP/pending triggers, stop-outs, tick/bar frames, account frames. */
  quotesChanged(symbols: readonly SimSymbol[]): void {
    for (const sym of symbols) {
      const broker = this.#symbolBroker.get(sym);
      if (!broker) continue;
      const terms = this.#brokerTerminals.get(broker);
      if (!terms) continue;
      let tick: string | undefined;
      const priceKey = `prices:${sym.name}`;
      for (const t of terms) {
        const acc = t.account;
        acc.onQuote(sym);
        if (this.hub.listening(t.id, priceKey)) {
          tick ??= tickFrame(acc, sym);
          this.hub.publish(t.id, priceKey, tick);
        }
        const bars = this.#barSubs.get(t.id);
        if (bars) this.#feedBars(t, sym, bars);
        if (acc.rowsBySymbol.has(sym.name)) {
          // One reading of the contract pushes positions frames on price moves too (variant.ts): profit and
          // currentPrice change while no row did.
          if (acc.variant.positionsFrames === 'on_price') this.positionsChanged(acc);
          else if (this.hub.listening(t.id, 'account')) this.summaryChanged(acc);
        }
      }
    }
  }

  #feedBars(t: Terminal, sym: SimSymbol, subs: Array<{ symbol: string; timeframe: string }>): void {
    const brokerMs = t.account.broker.brokerMs(this.clock.now());
    for (const b of subs) {
      if (b.symbol !== sym.name) continue;
      const key = `${t.id}:${b.symbol}:${b.timeframe}`;
      const done = this.#bars.update(key, b.timeframe, brokerMs, sym.bid, sym.spreadPoints);
      if (done) {
        const frame = JSON.stringify({ type: 'bar', symbol: b.symbol, timeframe: b.timeframe, data: { time: new Date(done.start).toISOString(), ...done.candle } });
        this.hub.publish(t.id, `bars:${b.symbol}:${b.timeframe}`, frame);
      }
    }
  }

  // ------------------------------------------------------------------ AccountSink

  deal(account: SimAccount, event: TradeEvent): void {
    const t = this.terminals.get(account.id);
    if (!t) return;
    // Degraded frames never happen on MT4 (§4.5).
    const degraded = t.faults.config.degradeTrades === true && account.platform === 'mt5';
    const ev = degraded ? degrade(event) : event;
    if (degraded) this.stats.fault('degradedTrade');
    if (this.hub.listening(account.id, 'trades')) this.hub.publish(account.id, 'trades', tradeFrame(ev));
    if (this.events.listenerCount('tradeFrame') > 0) {
      const payload: TradeFrameEvent = { accountId: account.id, ...ev, t: process.hrtime.bigint() };
      this.events.emit('tradeFrame', payload);
    }
  }

  positionsChanged(account: SimAccount): void {
    const t = this.terminals.get(account.id);
    if (!t) return;
    this.#dirtyPositions.add(t);
    this.#dirtySummary.add(t);
    this.#scheduleFlush();
  }

  summaryChanged(account: SimAccount): void {
    const t = this.terminals.get(account.id);
    if (!t) return;
    this.#dirtySummary.add(t);
    this.#scheduleFlush();
  }

  /** Coalesces positions/account frames: at most one of each per account per event-loop turn, always the full state. */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    // Per account, positions then account (the order they always had), with its sockets corked so both frames
    // leave in one write.
    const positions = this.#dirtyPositions;
    const summaries = this.#dirtySummary;
    for (const t of positions) {
      const summary = summaries.delete(t) && this.hub.listening(t.id, 'account');
      const list = this.hub.listening(t.id, 'positions');
      if (!list && !summary) continue;
      this.hub.corked(t.id, () => {
        if (list) this.hub.publish(t.id, 'positions', positionsFrame(t.account));
        if (summary) this.hub.publish(t.id, 'account', accountFrame(t.account));
      });
    }
    positions.clear();
    for (const t of summaries) {
      if (this.hub.listening(t.id, 'account')) this.hub.publish(t.id, 'account', accountFrame(t.account));
    }
    summaries.clear();
  }

  // ------------------------------------------------------------------ HubHost

  snapshot(t: Terminal, topic: Topic, symbol?: string): string | undefined {
    if (topic === 'account') return accountFrame(t.account);
    if (topic === 'positions') return positionsFrame(t.account);
    if (topic === 'prices' && symbol !== undefined) {
      const sym = t.account.symbol(symbol);
      return sym ? tickFrame(t.account, sym) : undefined;
    }
    return undefined;
  }

  hasSymbol(t: Terminal, symbol: string): boolean {
    return t.account.symbol(symbol) !== undefined;
  }

  subscriptionsChanged(t: Terminal): void {
    const bars = this.hub
      .marketSubs(t.id)
      .filter((s) => s.topic === 'bars' && s.symbol !== undefined && s.timeframe !== undefined)
      .map((s) => ({ symbol: s.symbol as string, timeframe: s.timeframe as string }));
    if (bars.length > 0) this.#barSubs.set(t.id, bars);
    else {
      this.#barSubs.delete(t.id);
      this.#bars.forget(`${t.id}:`);
    }
  }

  #beat(): void {
    const now = this.clock.now();
    for (const t of this.hub.terminals()) {
      if (!this.hub.listening(t.id, 'terminal')) continue;
      const frame = terminalFrame(t.reachable(now), t.account.tradeAllowed && !t.starting(now), brokerTimeString(now, t.account.broker.utcOffsetSeconds));
      this.hub.publish(t.id, 'terminal', frame);
    }
  }

  // ------------------------------------------------------------------ events

  emitOrderReceived(accountId: string, via: 'batch' | 'terminal', o: { symbol: string; volume: number; comment?: string | undefined; magic?: number | undefined }): void {
    this.stats.order(accountId);
    if (this.events.listenerCount('orderReceived') === 0) return;
    const ev: OrderReceivedEvent = { accountId, via, symbol: o.symbol, volume: o.volume, comment: o.comment ?? '', magic: o.magic ?? 0, t: process.hrtime.bigint() };
    this.events.emit('orderReceived', ev);
  }

  emitRequestStart(method: string, url: string, userAgent?: string): void {
    if (this.events.listenerCount('requestStart') === 0) return;
    const ev: RequestStartEvent = { method, url, userAgent: userAgent ?? '' };
    this.events.emit('requestStart', ev);
  }

  emitRequest(method: string, route: string, status: number, userAgent?: string): void {
    this.stats.request(`${method} ${route}`);
    if (this.events.listenerCount('request') === 0) return;
    const ev: RequestEvent = { method, route, status, userAgent: userAgent ?? '', t: process.hrtime.bigint() };
    this.events.emit('request', ev);
  }

  snapshotStats(): SimStats {
    return this.stats.snapshot();
  }

  // ------------------------------------------------------------------ shutdown

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.demoTrader.stop();
    if (this.#priceTimer) clearInterval(this.#priceTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.hub.close();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const s of this.#sockets) s.destroy();
    });
  }
}

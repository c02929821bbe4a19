/**
 * A follower's hot cache (design.md §3, Detection): account money state and open orders from its `account` and
 * `positions` topics, symbol list, specs and margin per lot loaded once per symbol. The copy path reads only this.
 */
import type { AccountSummary, MarginMode, OpenedOrder, SymbolSpec } from '../domain/trading.js';
import { sleepOn } from './clock.js';
import { frameAnomaly } from './contract-anomalies.js';
import type { StreamAnomaly } from './contract-anomalies.js';
import { retryRead } from './retry-read.js';
import type { Clock, Logger, StreamEvent, StreamPort, TerminalPort } from './ports.js';

/** Waits between attempts of the start-up reads: a transient 5xx or reset must not stop the whole copier. */
const START_READ_WAITS_MS = [250, 500, 1_000, 2_000, 4_000] as const;
/** Waits between attempts of a symbol's spec and margin reads (on the copy path: short). */
const SYMBOL_READ_WAITS_MS = [100, 300] as const;

export interface FollowerStateHandlers {
  onAccount(summary: AccountSummary): void;
  onConnection(state: 'lost' | 'restored', downMs: number | null): void;
  onResync(): void;
  /** A frame the contract does not describe (unknown type, unreadable payload): report only, it changed nothing. */
  onAnomaly?(anomaly: StreamAnomaly): void;
}

export class FollowerState {
  readonly id: string;
  readonly terminal: TerminalPort;
  summary: AccountSummary | null = null;
  positions: OpenedOrder[] = [];
  marginMode: MarginMode = 'Hedging';
  symbols: string[] = [];
  readonly specs = new Map<string, SymbolSpec>();
  readonly marginPerLot = new Map<string, { buy: number; sell: number }>();
  /** Broker server time − UTC, seconds (for trading sessions). */
  utcOffsetSeconds = 0;
  tradeAllowed = true;
  private readonly stream: StreamPort;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly handlers: FollowerStateHandlers;
  private readonly warming = new Map<string, Promise<void>>();
  private lostAt: number | null = null;
  private everOpened = false;

  constructor(args: { id: string; terminal: TerminalPort; stream: StreamPort; clock: Clock; log: Logger; handlers: FollowerStateHandlers }) {
    this.id = args.id;
    this.terminal = args.terminal;
    this.stream = args.stream;
    this.clock = args.clock;
    this.log = args.log;
    this.handlers = args.handlers;
  }

  get streaming(): boolean {
    return this.stream.connected;
  }

  /** Loads what does not stream (account mode, symbol list, server time zone), then opens the stream. */
  async start(): Promise<void> {
    const sleep = sleepOn(this.clock);
    const read = <T>(fn: () => Promise<T>) => retryRead(fn, sleep, START_READ_WAITS_MS);
    const [info, symbols, tz, summary, rows] = await Promise.all([
      read(() => this.terminal.accountInfo()),
      read(() => this.terminal.symbols()),
      read(() => this.terminal.serverTimezone()),
      read(() => this.terminal.accountSummary()),
      read(() => this.terminal.openedOrders()),
    ]);
    this.marginMode = info.marginMode;
    this.tradeAllowed = info.tradeAllowed;
    this.symbols = symbols;
    this.utcOffsetSeconds = tz.utcOffsetSeconds;
    this.summary = summary;
    this.positions = rows;
    this.stream.onEvent((event) => this.onStreamEvent(event));
    this.stream.subscribe('account');
    this.stream.subscribe('positions');
    this.stream.start();
  }

  async close(): Promise<void> {
    await this.stream.close();
  }

  /** Loads the spec and margin per lot of a symbol once (cached); also subscribes its prices for the deviation guard. */
  ensureSymbol(symbol: string): Promise<void> {
    if (this.specs.has(symbol) && this.marginPerLot.has(symbol)) return Promise.resolve();
    let pending = this.warming.get(symbol);
    if (!pending) {
      pending = this.loadSymbol(symbol).finally(() => this.warming.delete(symbol));
      this.warming.set(symbol, pending);
    }
    return pending;
  }

  private async loadSymbol(symbol: string): Promise<void> {
    const sleep = sleepOn(this.clock);
    const read = <T>(fn: () => Promise<T>) => retryRead(fn, sleep, SYMBOL_READ_WAITS_MS);
    const spec = await read(() => this.terminal.symbolInfo(symbol));
    this.specs.set(symbol, spec);
    const price = spec.ask > 0 ? spec.ask : spec.bid;
    if (price > 0) {
      const [buy, sell] = await Promise.all([
        read(() => this.terminal.calcMargin({ symbol, operation: 'Buy', volume: 1, price: spec.ask || price })),
        read(() => this.terminal.calcMargin({ symbol, operation: 'Sell', volume: 1, price: spec.bid || price })),
      ]);
      this.marginPerLot.set(symbol, { buy: buy.margin, sell: sell.margin });
    }
    this.stream.subscribe('prices', symbol);
  }

  /** Re-reads the open orders (after an unknown outcome or for reconciliation). */
  async refreshPositions(): Promise<OpenedOrder[]> {
    this.positions = await this.terminal.openedOrders();
    return this.positions;
  }

  private onStreamEvent(event: StreamEvent): void {
    switch (event.type) {
      case 'account':
        this.summary = event.data;
        this.handlers.onAccount(event.data);
        return;
      case 'positions':
        this.positions = event.data;
        return;
      case 'tick': {
        const spec = this.specs.get(event.symbol);
        if (spec) {
          spec.bid = event.data.bid;
          spec.ask = event.data.ask;
        }
        return;
      }
      case 'terminal':
        this.tradeAllowed = event.data.tradeAllowed && event.data.connected;
        return;
      case 'open':
        if (this.lostAt !== null) {
          this.handlers.onConnection('restored', this.clock.now() - this.lostAt);
          this.lostAt = null;
        }
        if (this.everOpened || event.reconnect) this.handlers.onResync();
        this.everOpened = true;
        return;
      case 'closed':
        if (this.lostAt === null) {
          this.lostAt = this.clock.now();
          this.handlers.onConnection('lost', null);
        }
        return;
      case 'warning':
      case 'lag':
        this.log.warn({ followerId: this.id, dropped: event.dropped }, 'follower stream dropped frames');
        this.handlers.onResync();
        return;
      case 'malformed':
      case 'other': {
        // Counted by the stream (`stats().malformed`); the cached state is unchanged, so it is only reported.
        if (event.type === 'malformed') this.log.warn({ followerId: this.id, err: event.error.message }, 'malformed follower frame ignored');
        const anomaly = frameAnomaly(event);
        if (anomaly !== null) this.handlers.onAnomaly?.(anomaly);
        return;
      }
      case 'auth_failed':
        // The connection-lost alert went out with the `closed` before it; the stream keeps trying, so a re-enabled key heals.
        if (event.attempt === 1) this.log.error({ followerId: this.id, status: event.status, retryInMs: event.retryInMs }, 'follower stream refused: the API key was rejected; retrying');
        return;
      default:
        return;
    }
  }
}

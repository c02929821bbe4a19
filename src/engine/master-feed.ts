/**
 * One master's terminal stream turned into ordered MasterEvents (design.md §3, Detection). Frames are handled
 * synchronously on arrival; only a degraded deal needs an async read of the master's open orders, and while it is
 * resolved later frames wait in a buffer so order is kept.
 */
import { applyDeal, applyPositions, createMasterBook, resolveDegradedEntry } from '../domain/detect.js';
import type { MasterBook, MasterSplit } from '../domain/detect.js';
import type { MasterEvent } from '../domain/events.js';
import { ticketChanges } from '../domain/ticket-change.js';
import type { AccountSummary, TradeDeal } from '../domain/trading.js';
import { frameAnomaly, ticketChangeAnomaly } from './contract-anomalies.js';
import type { StreamAnomaly } from './contract-anomalies.js';
import type { Clock, Logger, StreamEvent, StreamPort, TerminalPort } from './ports.js';
import { TicketChangeWatch } from './ticket-change-watch.js';

export interface MasterFeedHandlers {
  /** Events in master order. `receivedAt` is `performance.now()` when the frame was taken off the socket. */
  onEvents(events: MasterEvent[], receivedAt: number): void;
  onConnection(state: 'lost' | 'restored', downMs: number | null): void;
  /** State may have gaps (reconnect, server warning, local lag, unresolved degraded deal): reconcile. */
  onResync(reason: 'connect' | 'warning'): void;
  /** MT4 partial closes whose rest reopened under a new ticket: move the copy links to it, in master order. */
  onSplits(splits: MasterSplit[]): void;
  /**
   * Something the contract does not describe: an unknown or unreadable frame, or a ticket that changed without a deal.
   * Report only; the feed has already ignored the frame and copies nothing for the changed ticket.
   */
  onAnomaly?(anomaly: StreamAnomaly): void;
}

export class MasterFeed {
  readonly masterId: string;
  readonly book: MasterBook;
  lastEventAt: number | null = null;
  /** The master's money state from its `account` topic (balance/equity ratio sizing). */
  summary: AccountSummary | null = null;
  private readonly stream: StreamPort;
  private readonly terminal: TerminalPort;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly handlers: MasterFeedHandlers;
  private resolving: Promise<void> | null = null;
  /** The position of the degraded deal being resolved, if any. */
  private pendingLookup: number | null = null;
  private readonly buffer: { event: StreamEvent; receivedAt: number }[] = [];
  /** An `In` deal held until the positions list that carries its SL/TP (see `handle`). */
  private holding: { cancel(): void } | null = null;
  private readonly holdMs: number;
  private lostAt: number | null = null;
  private everOpened = false;
  private readonly ticketWatch: TicketChangeWatch;

  constructor(args: {
    masterId: string;
    stream: StreamPort;
    terminal: TerminalPort;
    clock: Clock;
    log: Logger;
    handlers: MasterFeedHandlers;
    /** Longest wait for the positions list after an `In` deal of a position not listed yet. Default 250 ms. */
    holdMs?: number;
    /** How long a ticket change in a positions list waits for the trade frames that explain it. Default 3 000 ms. */
    anomalyGraceMs?: number;
  }) {
    this.masterId = args.masterId;
    this.stream = args.stream;
    this.terminal = args.terminal;
    this.clock = args.clock;
    this.log = args.log;
    this.handlers = args.handlers;
    this.book = createMasterBook(args.masterId);
    this.holdMs = args.holdMs ?? 250;
    this.ticketWatch = new TicketChangeWatch({
      clock: this.clock,
      graceMs: args.anomalyGraceMs ?? 3_000,
      busy: () => this.resolving !== null || this.holding !== null,
      onUnexplained: (change) => this.handlers.onAnomaly?.(ticketChangeAnomaly(change)),
    });
  }

  get streaming(): boolean {
    return this.stream.connected;
  }

  /** True while an `In` deal is held for the positions list that carries its SL/TP: a copy has begun. */
  get awaitingList(): boolean {
    return this.holding !== null;
  }

  /**
   * Positions of the trade frames taken off the socket but not yet turned into events (held or behind a lookup), and
   * both tickets of a ticket change still waiting for the deals that would explain it.
   */
  heldTickets(): number[] {
    const out: number[] = [];
    for (const { event } of this.buffer) if (event.type === 'trade') out.push(event.data.position);
    if (this.pendingLookup !== null) out.push(this.pendingLookup);
    out.push(...this.ticketWatch.tickets());
    return out;
  }

  start(): void {
    this.stream.onEvent((event) => this.onStreamEvent(event, performance.now()));
    this.stream.subscribe('trades');
    this.stream.subscribe('positions');
    this.stream.subscribe('terminal');
    this.stream.subscribe('account');
    this.stream.start();
  }

  async close(): Promise<void> {
    this.holding?.cancel();
    this.holding = null;
    this.ticketWatch.reset();
    await this.stream.close();
  }

  private onStreamEvent(event: StreamEvent, receivedAt: number): void {
    if (this.holding) {
      if (event.type === 'positions') {
        // The list that ends the hold goes first: it gives the new position its SL/TP (and marks a triggered pending)
        // before the deal that opened it is turned into an event; the frames held meanwhile follow in order.
        this.releaseHold({ event, receivedAt });
      } else {
        this.buffer.push({ event, receivedAt });
      }
      return;
    }
    if (this.resolving) {
      this.buffer.push({ event, receivedAt });
      return;
    }
    this.handle(event, receivedAt);
  }

  private handle(event: StreamEvent, receivedAt: number, mayHold = true): void {
    switch (event.type) {
      case 'trade':
        this.ticketWatch.deal(event.data);
        if (event.data.degraded || event.data.entry === 'Unknown') {
          this.resolveDegraded(event.data, receivedAt);
          return;
        }
        if (mayHold && this.needsList(event.data)) {
          // The trade frame of a new position comes before the positions list that shows its SL/TP (no deal carries
          // them, fxsocket-api.md §4.5). Copying now would open the followers unprotected and size risk-percent copies
          // without a stop; the list follows within moments, so the deal waits for it (bounded by holdMs).
          this.buffer.unshift({ event, receivedAt });
          this.holding = this.clock.setTimeout(() => this.releaseHold(null), this.holdMs);
          return;
        }
        this.emit(applyDeal(this.book, event.data, this.clock.now()), receivedAt);
        return;
      case 'positions': {
        // Read before the list is applied: applying it forgets the positions that left.
        const changes = ticketChanges(this.book, event.data);
        const events = applyPositions(this.book, event.data, this.clock.now());
        if (changes.length > 0) this.ticketWatch.listed(changes);
        const splits = this.book.splits;
        if (splits !== undefined && splits.length > 0) {
          this.book.splits = [];
          this.handlers.onSplits(splits);
        }
        this.emit(events, receivedAt);
        return;
      }
      case 'account':
        this.summary = event.data;
        return;
      case 'open':
        if (this.lostAt !== null) {
          this.handlers.onConnection('restored', this.clock.now() - this.lostAt);
          this.lostAt = null;
        }
        if (this.everOpened || event.reconnect) {
          this.book.resyncLots = true;
          this.handlers.onResync('connect');
        }
        this.everOpened = true;
        return;
      case 'closed':
        this.ticketWatch.reset();
        if (this.lostAt === null) {
          this.lostAt = this.clock.now();
          this.handlers.onConnection('lost', null);
        }
        return;
      case 'warning':
      case 'lag':
        this.ticketWatch.reset();
        this.log.warn({ masterId: this.masterId, dropped: event.dropped, kind: event.type }, 'master stream dropped frames');
        this.book.resyncLots = true;
        this.handlers.onResync('warning');
        return;
      case 'malformed':
      case 'other': {
        if (event.type === 'malformed') this.log.warn({ masterId: this.masterId, err: event.error.message }, 'malformed master frame ignored');
        // Ignored (no state changes), and reported: a frame the contract does not describe may carry a change the
        // copier cannot see.
        const anomaly = frameAnomaly(event);
        if (anomaly !== null) this.handlers.onAnomaly?.(anomaly);
        return;
      }
      case 'auth_failed':
        // The connection-lost alert went out with the `closed` before it; the stream keeps trying, so a re-enabled key heals.
        if (event.attempt === 1) this.log.error({ masterId: this.masterId, status: event.status, retryInMs: event.retryInMs }, 'master stream refused: the API key was rejected; retrying');
        return;
      default:
        return;
    }
  }

  /** An `In` deal of a position whose SL/TP the book has not seen in a positions list (a new position). */
  private needsList(deal: TradeDeal): boolean {
    if (deal.entry !== 'In' || this.holdMs <= 0 || !this.book.primed) return false;
    return this.book.positions.get(deal.position)?.seenInList !== true;
  }

  private releaseHold(list: { event: StreamEvent; receivedAt: number } | null): void {
    this.holding?.cancel();
    this.holding = null;
    const held = this.buffer.splice(0, this.buffer.length);
    if (list) this.handle(list.event, list.receivedAt);
    for (let i = 0; i < held.length; i++) {
      const next = held[i];
      if (!next) continue;
      if (this.resolving) {
        // A held degraded deal started its lookup: keep the rest behind it, in order.
        this.buffer.push(...held.slice(i));
        return;
      }
      // Frames held here came before the list (or the wait ran out): the list cannot tell more about them.
      this.handle(next.event, next.receivedAt, false);
    }
  }

  private emit(events: MasterEvent[], receivedAt: number): void {
    if (events.length === 0) return;
    this.lastEventAt = this.clock.now();
    this.handlers.onEvents(events, receivedAt);
  }

  private resolveDegraded(deal: TradeDeal, receivedAt: number): void {
    this.pendingLookup = deal.position;
    this.resolving = (async () => {
      try {
        const rows = await this.terminal.openedOrders();
        const entry = resolveDegradedEntry(this.book, deal, rows);
        if (entry === null) {
          this.log.warn({ masterId: this.masterId, deal: deal.deal }, 'degraded deal could not be resolved; reconciling');
          this.handlers.onResync('warning');
        } else {
          this.emit(applyDeal(this.book, { ...deal, entry }, this.clock.now()), receivedAt);
        }
      } catch (error) {
        this.log.warn({ masterId: this.masterId, deal: deal.deal, err: (error as Error).message }, 'degraded deal lookup failed; reconciling');
        this.handlers.onResync('warning');
      }
    })();
    void this.resolving.finally(() => {
      this.resolving = null;
      this.pendingLookup = null;
      while (this.buffer.length > 0 && !this.resolving && !this.holding) {
        const next = this.buffer.shift();
        if (next) this.handle(next.event, next.receivedAt);
      }
    });
  }
}

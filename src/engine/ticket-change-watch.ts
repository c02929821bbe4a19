/**
 * Waits, after a master positions list that shows a ticket change (domain/ticket-change.ts), for the trade frames that
 * would explain it. The contract does not order trade frames against positions frames, and the master feed holds an
 * `In` deal until the list that shows its position, so the deals may come just after the list: only a change that no
 * trade frame of either ticket explains within the grace period is an anomaly. A gap in the stream (reconnect,
 * server warning, local lag) drops what is waiting: deals from a gap are lost by contract, and reconciliation, not
 * this watch, answers for that.
 */
import type { TicketChange } from '../domain/ticket-change.js';
import type { TradeDeal } from '../domain/trading.js';
import type { Clock } from './ports.js';

interface Waiting {
  change: TicketChange;
  timer: { cancel(): void };
}

export class TicketChangeWatch {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #onUnexplained: (change: TicketChange) => void;
  readonly #busy: () => boolean;
  readonly #waiting = new Set<Waiting>();
  /**
   * Changes reported as unexplained: both tickets stay left to the live path (reconciliation would otherwise close
   * the old ticket's copies as orphans and open the new ticket afresh, acting on a change nobody explained) until a
   * trade frame of either ticket says what happened. Kept through stream gaps; bounded.
   */
  readonly #unexplained = new Set<TicketChange>();

  /**
   * `busy`: frames are waiting behind a degraded deal's lookup or a held deal; the grace period then starts again, so
   * a deal that came in time but is not handled yet is not missed.
   */
  constructor(args: { clock: Clock; graceMs: number; onUnexplained: (change: TicketChange) => void; busy?: () => boolean }) {
    this.#clock = args.clock;
    this.#graceMs = args.graceMs;
    this.#onUnexplained = args.onUnexplained;
    this.#busy = args.busy ?? (() => false);
  }

  /** Changes waiting for their deals. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Both tickets of every change waiting or unexplained: reconciliation leaves them alone meanwhile. */
  tickets(): number[] {
    const out: number[] = [];
    for (const { change } of this.#waiting) out.push(change.from, change.to);
    for (const change of this.#unexplained) out.push(change.from, change.to);
    return out;
  }

  /** A positions list showed these changes: each is reported unless a trade frame of its tickets comes in time. */
  listed(changes: readonly TicketChange[]): void {
    for (const change of changes) {
      const entry: Waiting = { change, timer: { cancel: () => undefined } };
      this.#waiting.add(entry);
      this.#arm(entry);
    }
  }

  #arm(entry: Waiting): void {
    entry.timer = this.#clock.setTimeout(() => {
      if (!this.#waiting.has(entry)) return;
      if (this.#busy()) {
        this.#arm(entry);
        return;
      }
      this.#waiting.delete(entry);
      if (this.#unexplained.size >= 1_000) this.#unexplained.clear();
      this.#unexplained.add(entry.change);
      this.#onUnexplained(entry.change);
    }, this.#graceMs);
  }

  /** A trade frame: any deal of either ticket explains the change (a close of the old one, an open of the new one). */
  deal(deal: TradeDeal): void {
    for (const change of this.#unexplained) {
      if (deal.position === change.from || deal.position === change.to || deal.order === change.from || deal.order === change.to) this.#unexplained.delete(change);
    }
    if (this.#waiting.size === 0) return;
    for (const entry of [...this.#waiting]) {
      const { from, to } = entry.change;
      const tickets = [deal.position, deal.order];
      if (tickets.includes(from) || tickets.includes(to)) {
        entry.timer.cancel();
        this.#waiting.delete(entry);
      }
    }
  }

  /** A gap in the stream: deals may have been lost, so nothing waiting can be judged. */
  reset(): void {
    for (const entry of this.#waiting) entry.timer.cancel();
    this.#waiting.clear();
  }
}

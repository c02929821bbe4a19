/**
 * Copier events from before any chat front-end listens. The engine starts (and may already copy, reconcile or lose a
 * connection) before the chat exists; subscribed first, the backlog keeps those events, bounded, and hands them in
 * order to the first front-end that subscribes, then steps aside.
 */
import type { CopierEvent } from '../engine/events.js';
import type { BotLogger, SubscribeEvents } from './ports.js';

/** Options of {@link EventBacklog}. */
export interface EventBacklogOptions {
  /** Where the events come from (the engine's bus). */
  source: SubscribeEvents;
  /** Events kept before a listener arrives (default 1 000); beyond it the oldest are dropped, counted and logged. */
  maxEvents?: number;
  log?: BotLogger;
}

/** A {@link SubscribeEvents} that also delivers what happened before the first subscription. */
export class EventBacklog {
  readonly #maxEvents: number;
  readonly #log: BotLogger | undefined;
  readonly #listeners = new Set<(event: CopierEvent) => void>();
  #backlog: CopierEvent[] | null = [];
  #dropped = 0;
  #unsubscribe: (() => void) | void;

  constructor(options: EventBacklogOptions) {
    this.#maxEvents = Math.max(1, options.maxEvents ?? 1_000);
    this.#log = options.log;
    this.#unsubscribe = options.source((event) => this.#onEvent(event));
  }

  /** Events waiting for the first listener. */
  get pending(): number {
    return this.#backlog?.length ?? 0;
  }

  /** Events dropped because the backlog was full before anyone listened. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Subscribes; the first listener first receives the backlog, synchronously and in order. */
  readonly subscribe: SubscribeEvents = (listener) => {
    const backlog = this.#backlog;
    this.#backlog = null;
    if (backlog !== null) {
      if (this.#dropped > 0) this.#log?.warn({ dropped: this.#dropped }, 'copier events from start-up dropped before the chat was ready');
      for (const event of backlog) listener(event);
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  /** Detaches from the source. */
  close(): void {
    if (typeof this.#unsubscribe === 'function') this.#unsubscribe();
    this.#unsubscribe = undefined;
    this.#listeners.clear();
    this.#backlog = null;
  }

  #onEvent(event: CopierEvent): void {
    if (this.#backlog !== null) {
      if (this.#backlog.length >= this.#maxEvents) {
        this.#backlog.shift();
        this.#dropped += 1;
      }
      this.#backlog.push(event);
      return;
    }
    // A listener that throws must not keep the others from their event (the engine bus isolates it the same way).
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#log?.error({ err: String(err), type: event.type }, 'copier event listener failed');
      }
    }
  }
}

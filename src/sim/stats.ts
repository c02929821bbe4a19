import type { FaultKind } from './faults.js';

/** Plain-data snapshot returned by `sim.stats()`. */
export interface SimStats {
  /** Requests per route, e.g. `"POST /v1/orders"`, `"GET /AccountSummary"`, `"WS upgrade"`. */
  requests: Record<string, number>;
  /** Orders (batch legs and terminal OrderSend) per account id. */
  orders: Record<string, number>;
  wsFramesSent: number;
  wsFramesDropped: number;
  faults: Partial<Record<FaultKind, number>>;
}

/** Cheap counters on the hot path (Map increments only). */
export class Stats {
  readonly requests = new Map<string, number>();
  readonly orders = new Map<string, number>();
  readonly faults = new Map<FaultKind, number>();
  wsFramesSent = 0;
  wsFramesDropped = 0;

  request(route: string): void {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
  }

  order(accountId: string): void {
    this.orders.set(accountId, (this.orders.get(accountId) ?? 0) + 1);
  }

  fault(kind: FaultKind): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  snapshot(): SimStats {
    return {
      requests: Object.fromEntries(this.requests),
      orders: Object.fromEntries(this.orders),
      wsFramesSent: this.wsFramesSent,
      wsFramesDropped: this.wsFramesDropped,
      faults: Object.fromEntries(this.faults) as SimStats['faults'],
    };
  }
}

/**
 * The broker as one partition's engine sees it in cluster mode:
 *
 * - every money-moving call (batch orders and closes, terminal send/modify/close) first checks that the partition's
 *   lease will still be ours when the call's timeout ends, and that Redis is connected (an outcome must be writable);
 *   if not, it throws `LeaseLostError` and sends nothing (the engine reads that as refused, not unknown), and a lost
 *   connection gives the lease up, so the refused legs are never written as failed;
 * - batch Idempotency-Keys carry the partition, so two partitions copying one master event send two different keys,
 *   and a new owner of the partition replays the old owner's keys exactly (FxSocket returns the stored reply);
 * - a master's stream is the master's Redis stream read through the partition's group (`masterStream`), every other
 *   call goes to FxSocket as before.
 */
import { createHash } from 'node:crypto';
import type { BrokerPort, Logger, StreamPort, TerminalPort } from '../engine/ports.js';
import { LeaseLostError } from './errors.js';
import type { Lease } from './lease.js';

const MAX_KEY = 128;

/** The partition's Idempotency-Key for an engine key: readable when short enough, else a hash (still deterministic). */
export function partitionKey(partition: number, key: string): string {
  const readable = `p${partition}.${key}`;
  if (readable.length <= MAX_KEY) return readable;
  return `p${partition}.h.${createHash('sha256').update(key).digest('base64url')}`;
}

export interface FencedBrokerDeps {
  inner: BrokerPort;
  lease: Lease;
  partition: number;
  /** Longest a single guarded call may take (the batch timeout): the lease must outlive it. */
  maxCallMs: number;
  /**
   * True while the connection the partition's state is written on is up. A call made while it is down could not be
   * recorded, so the guard refuses it and gives the lease up (the partition then reloads from Redis).
   */
  connected(): boolean;
  isMaster(accountId: string): boolean;
  masterStream(masterId: string): StreamPort;
  log?: Logger;
}

export class FencedBroker implements BrokerPort {
  /** Calls refused because the lease would not outlive them. */
  refused = 0;

  constructor(private readonly deps: FencedBrokerDeps) {}

  private guard(what: string): void {
    if (this.deps.lease.token !== null && !this.deps.connected()) {
      this.deps.lease.lose('the connection to Redis is down: an order sent now could not be recorded');
    }
    if (!this.deps.lease.canWriteFor(this.deps.maxCallMs)) {
      this.refused++;
      const leftMs = Math.round(this.deps.lease.remainingMs());
      this.deps.log?.warn({ partition: this.deps.partition, call: what, leftMs, maxCallMs: this.deps.maxCallMs }, 'order refused by the fence: the partition lease may not outlive the call; nothing sent');
      throw new LeaseLostError(this.deps.lease.key, `${what} refused: ${leftMs} ms of lease left, a call may take ${this.deps.maxCallMs} ms`);
    }
  }

  listAccounts() {
    return this.deps.inner.listAccounts();
  }

  getAccount(accountId: string) {
    return this.deps.inner.getAccount(accountId);
  }

  async terminal(accountId: string): Promise<TerminalPort> {
    const t = await this.deps.inner.terminal(accountId);
    const guard = (what: string) => this.guard(what);
    return {
      accountId: t.accountId,
      accountSummary: () => t.accountSummary(),
      accountInfo: () => t.accountInfo(),
      openedOrders: () => t.openedOrders(),
      orderHistory: (range) => t.orderHistory(range),
      positionHistory: (range) => t.positionHistory(range),
      symbols: () => t.symbols(),
      symbolInfo: (symbol) => t.symbolInfo(symbol),
      quote: (symbol) => t.quote(symbol),
      calcMargin: (args) => t.calcMargin(args),
      serverTimezone: () => t.serverTimezone(),
      orderSend: (request) => (guard('OrderSend'), t.orderSend(request)),
      orderModify: (request, options) => (guard('OrderModify'), t.orderModify(request, options)),
      orderClose: (request) => (guard('OrderClose'), t.orderClose(request)),
    };
  }

  async stream(accountId: string, options?: { coalesceSnapshots?: boolean }): Promise<StreamPort> {
    if (this.deps.isMaster(accountId)) return this.deps.masterStream(accountId);
    return this.deps.inner.stream(accountId, options);
  }

  placeOrders(request: Parameters<BrokerPort['placeOrders']>[0], options: Parameters<BrokerPort['placeOrders']>[1]) {
    this.guard('POST /v1/orders');
    const key = options.idempotencyKey === undefined ? undefined : partitionKey(this.deps.partition, options.idempotencyKey);
    return this.deps.inner.placeOrders(request, { ...options, ...(key === undefined ? {} : { idempotencyKey: key }) });
  }

  closeOrders(request: Parameters<BrokerPort['closeOrders']>[0], options: Parameters<BrokerPort['closeOrders']>[1]) {
    this.guard('POST /v1/orders/close');
    const key = options.idempotencyKey === undefined ? undefined : partitionKey(this.deps.partition, options.idempotencyKey);
    return this.deps.inner.closeOrders(request, { ...options, ...(key === undefined ? {} : { idempotencyKey: key }) });
  }

  /** The shared FxSocket client outlives the partition: closing a partition closes nothing here. */
  async close(): Promise<void> {}
}

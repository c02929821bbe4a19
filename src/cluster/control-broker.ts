/**
 * The broker as the control process's engine sees it: reads go to FxSocket (accounts, follower caches for /positions
 * and /risk, symbol specs for previews), a master's stream is silent (the workers copy; the control process never
 * detects a master event), and every money-moving call is refused: orders are sent only by partition owners.
 */
import { FatalError } from '../domain/errors.js';
import type { BrokerPort, StreamEvent, StreamPort, TerminalPort } from '../engine/ports.js';

function refuse(what: string): never {
  throw new FatalError('control_does_not_trade', `${what} is sent by the worker that owns the follower, never by the control process.`);
}

/** A master stream that never delivers: the control process keeps master config, not master events. */
export class SilentStream implements StreamPort {
  constructor(readonly accountId: string) {}
  subscribe(): void {}
  unsubscribe(): void {}
  onEvent(_listener: (event: StreamEvent) => void): void {}
  start(): void {}
  async close(): Promise<void> {}
  readonly connected = true;
}

export class ControlBroker implements BrokerPort {
  constructor(
    private readonly inner: BrokerPort,
    private readonly isMaster: (accountId: string) => boolean,
  ) {}

  listAccounts() {
    return this.inner.listAccounts();
  }

  getAccount(accountId: string) {
    return this.inner.getAccount(accountId);
  }

  async terminal(accountId: string): Promise<TerminalPort> {
    const t = await this.inner.terminal(accountId);
    return { ...bindAll(t), orderSend: () => refuse('OrderSend'), orderModify: () => refuse('OrderModify'), orderClose: () => refuse('OrderClose') };
  }

  async stream(accountId: string, options?: { coalesceSnapshots?: boolean }): Promise<StreamPort> {
    if (this.isMaster(accountId)) return new SilentStream(accountId);
    return this.inner.stream(accountId, options);
  }

  placeOrders(): never {
    return refuse('POST /v1/orders');
  }

  closeOrders(): never {
    return refuse('POST /v1/orders/close');
  }

  async close(): Promise<void> {}
}

function bindAll(t: TerminalPort): TerminalPort {
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
    orderSend: (request) => t.orderSend(request),
    orderModify: (request, options) => t.orderModify(request, options),
    orderClose: (request) => t.orderClose(request),
  };
}

import type { CloseAllRequest } from './broker/account.js';
import { parseOperation } from './broker/symbols.js';
import type { FaultConfig } from './faults.js';
import type { Simulator } from './simulator.js';
import type { Terminal } from './terminal.js';
import type {
  AccountStatus,
  AccountSummary,
  CloseAllSummary,
  HistoryTrade,
  MarginMode,
  OpenedOrder,
  OrderResult,
  Platform,
  PositionTrade,
} from './types.js';

/** A trade typed by hand in the MT terminal (operation in any casing, §3.4). */
export interface HandOrder {
  symbol: string;
  operation: string;
  volume: number;
  price?: number;
  stopLimitPrice?: number;
  stopLoss?: number;
  takeProfit?: number;
  expiration?: string;
  comment?: string;
  magic?: number;
}

/** A modification typed by hand: absent = keep, 0 = remove. */
export interface HandModify {
  ticket: number;
  stopLoss?: number;
  takeProfit?: number;
  price?: number;
  stopLimitPrice?: number;
  expiration?: string;
}

/** Fault controls of one account. */
export interface FaultControls {
  /** Merges switches (see FaultConfig); counters restart from the given values. */
  set(patch: FaultConfig): void;
  /** Removes every switch and ends a start-up window. */
  clear(): void;
  get(): FaultConfig;
}

/**
 * An account as tests and the demo see it. Trades placed through a handle act like trades typed in the MT
 * terminal: no faults, no HTTP, but the same frames and events as an API order.
 */
export class AccountHandle {
  readonly faults: FaultControls;

  constructor(
    readonly sim: Simulator,
    readonly terminal: Terminal,
  ) {
    this.faults = {
      set: (patch) => {
        const t = this.terminal;
        t.faults.set(patch);
        if (patch.startingForMs !== undefined) t.startingUntilMs = this.sim.clock.now() + patch.startingForMs;
        if (patch.closedSymbols !== undefined) {
          t.account.closedSymbols.clear();
          for (const s of patch.closedSymbols) t.account.closedSymbols.add(s);
        }
        if (patch.tradeAllowed !== undefined) t.account.tradeAllowed = patch.tradeAllowed;
      },
      clear: () => {
        const t = this.terminal;
        t.faults.clear();
        t.account.closedSymbols.clear();
        t.account.tradeAllowed = true;
        t.startingUntilMs = Math.min(t.startingUntilMs, this.sim.clock.now());
      },
      get: () => ({ ...this.terminal.faults.config }),
    };
  }

  get id(): string {
    return this.terminal.account.id;
  }
  get nickname(): string {
    return this.terminal.account.nickname;
  }
  get login(): number {
    return this.terminal.account.login;
  }
  get server(): string {
    return this.terminal.account.broker.server;
  }
  get broker(): string {
    return this.terminal.account.broker.name;
  }
  get platform(): Platform {
    return this.terminal.account.platform;
  }
  get marginMode(): MarginMode {
    return this.terminal.account.marginMode;
  }
  get currency(): string {
    return this.terminal.account.currency;
  }
  /** `rest_url` as the management API reports it ("" while not reachable). */
  get restUrl(): string {
    return this.sim.restUrl(this.terminal);
  }
  get wsUrl(): string {
    return this.sim.wsUrl(this.terminal);
  }
  /** Symbol names this account's broker lists. */
  get symbols(): string[] {
    return [...this.terminal.account.broker.symbols.keys()];
  }

  send(o: HandOrder): OrderResult {
    const operation = parseOperation(o.operation);
    if (!operation) throw new Error(`unknown operation ${o.operation}`);
    const { operation: _op, ...rest } = o;
    return this.terminal.account.send({ ...rest, operation });
  }

  modify(m: HandModify): OrderResult {
    return this.terminal.account.modify(m);
  }

  close(ticket: number, volume?: number): OrderResult {
    return this.terminal.account.close(volume === undefined ? { ticket } : { ticket, volume });
  }

  closeAll(req: CloseAllRequest = {}): CloseAllSummary {
    return this.terminal.account.closeAll(req);
  }

  positions(): OpenedOrder[] {
    return this.terminal.account.opened();
  }

  history(): HistoryTrade[] {
    return this.terminal.account.history();
  }

  positionHistory(): PositionTrade[] {
    return this.terminal.account.positionHistory();
  }

  summary(): AccountSummary {
    return this.terminal.account.summary();
  }

  /** Balance operation by hand (margin squeeze); stop-out applies. */
  setBalance(balance: number): void {
    this.terminal.account.setBalance(balance);
  }

  setLeverage(leverage: number): void {
    this.terminal.account.leverage = leverage;
    this.sim.summaryChanged(this.terminal.account);
  }

  /** `connected`, `connecting` (URLs ""), `disconnected`/`error` (unreachable; sockets dropped). */
  setStatus(status: AccountStatus): void {
    this.sim.setStatus(this.terminal, status);
  }

  /** Restarts the terminal: sockets drop and trading routes answer 503 for `ms` (sim clock). */
  restart(ms = 2000): void {
    this.sim.hub.dropConnections(this.id);
    this.terminal.startingUntilMs = this.sim.clock.now() + ms;
  }

  /** Drops every WebSocket of this account now; returns how many. */
  dropConnections(): number {
    const n = this.sim.hub.dropConnections(this.id);
    for (let i = 0; i < n; i++) this.sim.stats.fault('droppedConnection');
    return n;
  }
}

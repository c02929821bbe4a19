import type { WorldVariant } from '../variant.js';
import type { AccountSummary, CloseAllSummary, HistoryTrade, MarginMode, OpenedOrder, OrderResult, Platform, PositionTrade } from '../types.js';
import type { AccountConfig, AccountSink, CloseAllRequest, CloseRequest, ModifyRequest, Row, SendRequest } from './account-types.js';
import { OrderBook } from './book.js';
import type { SimBroker } from './broker.js';
import { orderResult } from './checks.js';
import { closeAllOrders, closeOrder } from './closing.js';
import { historyOf, positionHistoryOf } from './ledger.js';
import type { Market } from './market.js';
import { modifyOrder } from './modify.js';
import { applyStopOut, summaryOf } from './money.js';
import { openedOrderOf, rowJsonOf } from './row-view.js';
import { sendOrder } from './send.js';
import type { SimSymbol } from './symbol.js';
import { brokerTimeString } from './time.js';
import { onQuoteMoved } from './triggers.js';

export { TerminalError } from './account-types.js';
export type { AccountConfig, AccountSink, CloseAllRequest, CloseRequest, ModifyRequest, Row, SendRequest } from './account-types.js';

/**
 * One trading account at a broker: the order book (positions and pending orders), balance, deals and history,
 * with MetaTrader's rules for hedging, netting and MT4. All methods are synchronous; the sink is told about deals
 * (one per trade frame) and about changes to the positions list and the account summary.
 *
 * This class is the facade the simulator uses; the rules live in the modules next to it (send, modify, closing,
 * execution, triggers, money, ledger, row-view) and the open rows with their cached totals in {@link OrderBook}.
 */
export class SimAccount {
  readonly id: string;
  readonly nickname: string;
  readonly login: number;
  readonly name: string;
  readonly platform: Platform;
  readonly marginMode: MarginMode;
  readonly currency: string;
  readonly type: 'Demo' | 'Real';
  /** How this account's bridge reads the contract's silent points. */
  readonly variant: WorldVariant;
  leverage: number;
  balance: number;
  credit: number;
  stopOutLevel: number;
  marginCallLevel: number;
  /** Trading allowed in the terminal (AutoTrading); false rejects with 10027. */
  tradeAllowed = true;
  /** Symbols closed for this account only (fault switch). */
  readonly closedSymbols = new Set<string>();
  readonly rows: Map<number, Row>;
  readonly deals: HistoryTrade[] = [];
  readonly closedPositions: PositionTrade[] = [];
  /** Open rows per symbol name, so price updates only look at rows on the symbol that moved. */
  readonly rowsBySymbol: Map<string, Set<Row>>;
  readonly #book: OrderBook;

  constructor(
    cfg: AccountConfig,
    readonly broker: SimBroker,
    readonly market: Market,
    readonly now: () => number,
    readonly sink: AccountSink,
  ) {
    this.id = cfg.id;
    this.nickname = cfg.nickname;
    this.login = cfg.login;
    this.name = cfg.name;
    this.platform = cfg.platform;
    this.marginMode = cfg.platform === 'mt4' ? 'Hedging' : cfg.marginMode;
    this.currency = cfg.currency;
    this.leverage = cfg.leverage;
    this.balance = cfg.balance;
    this.credit = cfg.credit;
    this.type = cfg.type;
    this.variant = cfg.variant;
    this.stopOutLevel = cfg.stopOutLevel;
    this.marginCallLevel = cfg.marginCallLevel;
    this.#book = new OrderBook(this);
    this.rows = this.#book.rows;
    this.rowsBySymbol = this.#book.rowsBySymbol;
  }

  // ---------------------------------------------------------------- reads

  symbol(name: string): SimSymbol | undefined {
    return this.broker.symbols.get(name);
  }

  time(utcMs: number): string {
    return brokerTimeString(utcMs, this.broker.utcOffsetSeconds);
  }

  marketOpen(sym: SimSymbol): boolean {
    if (this.closedSymbols.has(sym.name)) return false;
    return sym.isOpenAt(this.broker.brokerMs(this.now()), this.market.alwaysOpen);
  }

  equity(): number {
    return this.balance + this.credit + this.#book.totals().profit;
  }

  freeMargin(): number {
    const t = this.#book.totals();
    return this.balance + this.credit + t.profit - t.margin;
  }

  summary(): AccountSummary {
    return summaryOf(this, this.#book);
  }

  hasPositions(): boolean {
    return this.#book.hasPositions();
  }

  openedOrder(r: Row): OpenedOrder {
    return openedOrderOf(this, this.#book, r);
  }

  /**
   * JSON of one OpenedOrder row for positions frames. The static fields are cached per row revision and only
   * `currentPrice`/`profit` are rebuilt when prices moved, so a frame with many rows stays cheap.
   */
  rowJson(r: Row): string {
    return rowJsonOf(this, this.#book, r);
  }

  opened(): OpenedOrder[] {
    const out: OpenedOrder[] = [];
    for (const r of this.rows.values()) out.push(this.openedOrder(r));
    return out;
  }

  history(fromMs?: number, toMs?: number): HistoryTrade[] {
    return historyOf(this, fromMs, toMs);
  }

  positionHistory(fromMs?: number, toMs?: number): PositionTrade[] {
    return positionHistoryOf(this, fromMs, toMs);
  }

  // ---------------------------------------------------------------- results

  result(code: number, fields: Partial<Pick<OrderResult, 'deal' | 'order' | 'volume' | 'price'>>, sym?: SimSymbol): OrderResult {
    return orderResult(code, fields, sym);
  }

  // ---------------------------------------------------------------- requests

  /** `/OrderSend`. Throws TerminalError for requests the terminal refuses outright (400/500). */
  send(req: SendRequest): OrderResult {
    return sendOrder(this, this.#book, req);
  }

  /** `/OrderModify`: absent = keep, 0 = remove, > 0 = set; 10025 when nothing changes. */
  modify(req: ModifyRequest): OrderResult {
    return modifyOrder(this, req);
  }

  /** `/OrderClose`: whole or partial close of a position, or deletion of a pending order. */
  close(req: CloseRequest, why: { magic: number; comment: string } = { magic: 0, comment: '' }): OrderResult {
    return closeOrder(this, this.#book, req, why);
  }

  /** `/CloseAll`: one pass over the matching orders. */
  closeAll(req: CloseAllRequest): CloseAllSummary {
    return closeAllOrders(this, req);
  }

  // ---------------------------------------------------------------- price-driven events

  /** Re-evaluates pending triggers, expirations and SL/TP on a symbol after its quote moved. */
  onQuote(sym: SimSymbol): void {
    onQuoteMoved(this, this.#book, sym);
  }

  /** Broker stop-out: closes the most losing position while the margin level is at or under the stop-out level. */
  stopOutCheck(): boolean {
    return applyStopOut(this, this.#book);
  }

  /** Sets the balance by hand (a balance operation; margin squeeze) and applies stop-out. */
  setBalance(balance: number): void {
    this.balance = balance;
    this.#book.markDirty();
    this.sink.summaryChanged(this);
    this.stopOutCheck();
  }
}

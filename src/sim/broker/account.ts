import type {
  AccountSummary,
  CloseAllSummary,
  DealEntry,
  HistoryTrade,
  MarginMode,
  OpenedOrder,
  Operation,
  OrderKind,
  OrderResult,
  Platform,
  PositionTrade,
  TradeEvent,
} from '../types.js';
import type { SimBroker } from './broker.js';
import { commissionOf, marginOf, profitOf } from './margin.js';
import type { Market } from './market.js';
import { outcomeOf, RC, retcodeComment, retcodeDescription } from './retcodes.js';
import { isBuy, isPending, isStopLimit } from './symbols.js';
import type { SimSymbol } from './symbol.js';
import { brokerTimeString, money, parseBrokerTime } from './time.js';
import { checkVolume, toLots, toUnits } from './volume.js';

/** A failure the terminal reports with an HTTP error instead of an OrderResult (§3.8). */
export class TerminalError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

/** `/OrderSend` body after parsing (§3.5). */
export interface SendRequest {
  symbol: string;
  operation: Operation;
  volume: number;
  price?: number;
  stopLimitPrice?: number;
  stopLoss?: number;
  takeProfit?: number;
  slippage?: number;
  expiration?: string;
  comment?: string;
  magic?: number;
}

/** `/OrderModify` body: absent = keep, 0 = remove, > 0 = set (§3.5). */
export interface ModifyRequest {
  ticket: number;
  stopLoss?: number;
  takeProfit?: number;
  price?: number;
  stopLimitPrice?: number;
  expiration?: string;
}

/** `/OrderClose` body (§3.5). */
export interface CloseRequest {
  ticket: number;
  volume?: number;
  slippage?: number;
}

/** `/CloseAll` body (§3.5). */
export interface CloseAllRequest {
  symbol?: string;
  magic?: number;
  deletePending?: boolean;
}

/** Where an account reports what happened; the simulator turns these into WS frames and events. */
export interface AccountSink {
  deal(account: SimAccount, event: TradeEvent): void;
  positionsChanged(account: SimAccount): void;
  summaryChanged(account: SimAccount): void;
}

/** An open position or pending order. */
export interface Row {
  ticket: number;
  sym: SimSymbol;
  type: Operation;
  kind: OrderKind;
  units: number;
  openPrice: number;
  stopLimitPrice: number;
  stopLoss: number;
  takeProfit: number;
  /** UTC ms; 0 = good till cancelled. */
  expiration: number;
  magic: number;
  comment: string;
  openTimeMs: number;
  /** Bumped on every change of a static field; keys the static half of the JSON cache. */
  rev: number;
  staticJson: string;
  staticRev: number;
  json: string;
  /** Market version the cached `json` (current price, profit) was built at. */
  jsonVersion: number;
  // Aggregates for PositionHistory.
  inUnits: number;
  commission: number;
  realized: number;
  outValue: number;
  outUnits: number;
}

/** Static settings of an account. */
export interface AccountConfig {
  id: string;
  nickname: string;
  login: number;
  name: string;
  platform: Platform;
  marginMode: MarginMode;
  currency: string;
  leverage: number;
  balance: number;
  credit: number;
  type: 'Demo' | 'Real';
  stopOutLevel: number;
  marginCallLevel: number;
}

interface Totals {
  profit: number;
  margin: number;
}

type Verdict = { code: number } | undefined;

/**
 * One trading account at a broker: the order book (positions and pending orders), balance, deals and history,
 * with MetaTrader's rules for hedging, netting and MT4. All methods are synchronous; the sink is told about deals
 * (one per trade frame) and about changes to the positions list and the account summary.
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
  leverage: number;
  balance: number;
  credit: number;
  stopOutLevel: number;
  marginCallLevel: number;
  /** Trading allowed in the terminal (AutoTrading); false rejects with 10027. */
  tradeAllowed = true;
  /** Symbols closed for this account only (fault switch). */
  readonly closedSymbols = new Set<string>();
  readonly rows = new Map<number, Row>();
  readonly deals: HistoryTrade[] = [];
  readonly closedPositions: PositionTrade[] = [];
  /** Open rows per symbol name, so price updates only look at rows on the symbol that moved. */
  readonly rowsBySymbol = new Map<string, Set<Row>>();
  #totals: Totals = { profit: 0, margin: 0 };
  #totalsVersion = -1;
  #dirty = true;

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
    this.stopOutLevel = cfg.stopOutLevel;
    this.marginCallLevel = cfg.marginCallLevel;
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

  #totalsNow(): Totals {
    if (this.#dirty || this.#totalsVersion !== this.market.version) {
      let profit = 0;
      let margin = 0;
      for (const r of this.rows.values()) {
        if (r.kind !== 'Position') continue;
        profit += this.#rowProfit(r);
        margin += this.#rowMargin(r);
      }
      this.#totals = { profit, margin };
      this.#totalsVersion = this.market.version;
      this.#dirty = false;
    }
    return this.#totals;
  }

  #rowProfit(r: Row): number {
    const buy = isBuy(r.type);
    return profitOf(r.sym, buy, r.units, r.openPrice, buy ? r.sym.bid : r.sym.ask, this.currency, this.market);
  }

  #rowMargin(r: Row): number {
    return marginOf(r.sym, isBuy(r.type), r.units, this.leverage, this.currency, this.market);
  }

  equity(): number {
    return this.balance + this.credit + this.#totalsNow().profit;
  }

  freeMargin(): number {
    const t = this.#totalsNow();
    return this.balance + this.credit + t.profit - t.margin;
  }

  summary(): AccountSummary {
    const t = this.#totalsNow();
    const equity = this.balance + this.credit + t.profit;
    return {
      balance: money(this.balance),
      credit: money(this.credit),
      profit: money(t.profit),
      equity: money(equity),
      margin: money(t.margin),
      freeMargin: money(equity - t.margin),
      marginLevel: t.margin > 0 ? money((equity / t.margin) * 100) : 0,
      leverage: this.leverage,
      currency: this.currency,
      type: this.type,
    };
  }

  hasPositions(): boolean {
    for (const r of this.rows.values()) if (r.kind === 'Position') return true;
    return false;
  }

  openedOrder(r: Row): OpenedOrder {
    const buy = isBuy(r.type);
    const pos = r.kind === 'Position';
    return {
      ticket: r.ticket,
      symbol: r.sym.name,
      type: r.type,
      kind: r.kind,
      lots: toLots(r.units),
      openPrice: r.openPrice,
      currentPrice: pos === buy ? r.sym.bid : r.sym.ask,
      stopLoss: r.stopLoss,
      takeProfit: r.takeProfit,
      swap: 0,
      profit: pos ? money(this.#rowProfit(r)) : 0,
      magic: r.magic,
      comment: r.comment,
      openTime: this.time(r.openTimeMs),
    };
  }

  /**
   * JSON of one OpenedOrder row for positions frames. The static fields are cached per row revision and only
   * `currentPrice`/`profit` are rebuilt when prices moved, so a frame with many rows stays cheap.
   */
  rowJson(r: Row): string {
    if (r.staticRev !== r.rev) {
      r.staticJson =
        `{"ticket":${r.ticket},"symbol":${JSON.stringify(r.sym.name)},"type":"${r.type}","kind":"${r.kind}",` +
        `"lots":${toLots(r.units)},"openPrice":${r.openPrice},"stopLoss":${r.stopLoss},"takeProfit":${r.takeProfit},` +
        `"swap":0,"magic":${r.magic},"comment":${JSON.stringify(r.comment)},"openTime":"${this.time(r.openTimeMs)}"`;
      r.staticRev = r.rev;
      r.jsonVersion = -1;
    }
    if (r.jsonVersion !== this.market.version) {
      const buy = isBuy(r.type);
      const pos = r.kind === 'Position';
      const current = pos === buy ? r.sym.bid : r.sym.ask;
      r.json = `${r.staticJson},"currentPrice":${current},"profit":${pos ? money(this.#rowProfit(r)) : 0}}`;
      r.jsonVersion = this.market.version;
    }
    return r.json;
  }

  opened(): OpenedOrder[] {
    const out: OpenedOrder[] = [];
    for (const r of this.rows.values()) out.push(this.openedOrder(r));
    return out;
  }

  history(fromMs?: number, toMs?: number): HistoryTrade[] {
    if (fromMs === undefined && toMs === undefined) return this.deals.slice();
    return this.deals.filter((d) => this.#inRange(d.time, fromMs, toMs));
  }

  positionHistory(fromMs?: number, toMs?: number): PositionTrade[] {
    if (fromMs === undefined && toMs === undefined) return this.closedPositions.slice();
    return this.closedPositions.filter((p) => this.#inRange(p.closeTime, fromMs, toMs));
  }

  #inRange(brokerTime: string, fromMs?: number, toMs?: number): boolean {
    const utc = Date.parse(brokerTime) - this.broker.utcOffsetSeconds * 1000;
    return (fromMs === undefined || utc >= fromMs) && (toMs === undefined || utc <= toMs);
  }

  // ---------------------------------------------------------------- results

  result(code: number, fields: Partial<Pick<OrderResult, 'deal' | 'order' | 'volume' | 'price'>>, sym?: SimSymbol): OrderResult {
    const { success, outcome } = outcomeOf(code);
    return {
      success,
      outcome,
      retcode: code,
      retcodeDescription: retcodeDescription(code),
      deal: fields.deal ?? 0,
      order: fields.order ?? 0,
      volume: fields.volume ?? 0,
      price: fields.price ?? 0,
      bid: sym?.bid ?? 0,
      ask: sym?.ask ?? 0,
      comment: retcodeComment(code),
    };
  }

  // ---------------------------------------------------------------- checks

  #tradeModeAllowsOpen(sym: SimSymbol, buy: boolean, reducing: boolean): Verdict {
    switch (sym.tradeMode) {
      case 'Disabled':
        return { code: RC.TRADE_DISABLED };
      case 'CloseOnly':
        return reducing ? undefined : { code: RC.CLOSE_ONLY };
      case 'LongOnly':
        return !buy && !reducing ? { code: RC.LONG_ONLY } : undefined;
      case 'ShortOnly':
        return buy && !reducing ? { code: RC.SHORT_ONLY } : undefined;
      default:
        return undefined;
    }
  }

  /** SL/TP must sit on the right side of `ref` and at least stopsLevel points away. */
  #stopsValid(sym: SimSymbol, buy: boolean, ref: number, sl: number, tp: number): boolean {
    const gap = (sym.spec.stopsLevel ?? 0) * sym.point;
    const eps = sym.point / 1000;
    if (buy) {
      if (sl > 0 && !(sl < ref - gap + eps && sl < ref)) return false;
      if (tp > 0 && !(tp > ref + gap - eps && tp > ref)) return false;
    } else {
      if (sl > 0 && !(sl > ref + gap - eps && sl > ref)) return false;
      if (tp > 0 && !(tp < ref - gap + eps && tp < ref)) return false;
    }
    return true;
  }

  /** Pending trigger price on the right side of the market, outside stopsLevel. */
  #pendingPriceValid(sym: SimSymbol, op: Operation, price: number, stopLimit: number): boolean {
    const gap = (sym.spec.stopsLevel ?? 0) * sym.point;
    const eps = sym.point / 1000;
    switch (op) {
      case 'BuyLimit':
        return price < sym.ask && price <= sym.ask - gap + eps;
      case 'SellLimit':
        return price > sym.bid && price >= sym.bid + gap - eps;
      case 'BuyStop':
        return price > sym.ask && price >= sym.ask + gap - eps;
      case 'SellStop':
        return price < sym.bid && price <= sym.bid - gap + eps;
      case 'BuyStopLimit':
        return price > sym.ask && price >= sym.ask + gap - eps && stopLimit > 0 && stopLimit < price;
      case 'SellStopLimit':
        return price < sym.bid && price <= sym.bid - gap + eps && stopLimit > price;
      default:
        return true;
    }
  }

  /** Whether a price sits within freezeLevel of the market (MT5 refuses changes then, 10029). */
  #frozen(sym: SimSymbol, level: number, market: number): boolean {
    const freeze = (sym.spec.freezeLevel ?? 0) * sym.point;
    return freeze > 0 && level > 0 && Math.abs(market - level) <= freeze + sym.point / 1000;
  }

  #netPosition(sym: SimSymbol): Row | undefined {
    for (const r of this.rows.values()) if (r.kind === 'Position' && r.sym === sym) return r;
    return undefined;
  }

  // ---------------------------------------------------------------- OrderSend

  /** `/OrderSend`. Throws TerminalError for requests the terminal refuses outright (400/500). */
  send(req: SendRequest): OrderResult {
    const sym = this.symbol(req.symbol);
    if (!sym) throw new TerminalError(500, 'MRPC', `symbol ${req.symbol} not found`);
    const op = req.operation;
    const pending = isPending(op);
    if (!(req.volume > 0)) throw new TerminalError(400, 'MRPC_VALIDATION', 'volume must be > 0');
    if (pending && !(req.price !== undefined && req.price > 0)) {
      throw new TerminalError(400, 'MRPC_VALIDATION', `price is required for ${op}`);
    }
    if (isStopLimit(op) && !(req.stopLimitPrice !== undefined && req.stopLimitPrice > 0)) {
      throw new TerminalError(400, 'MRPC_VALIDATION', `stopLimitPrice is required for ${op}`);
    }
    if ((req.stopLoss ?? 0) < 0 || (req.takeProfit ?? 0) < 0) {
      throw new TerminalError(400, 'MRPC_VALIDATION', 'stopLoss/takeProfit must be >= 0');
    }
    const buy = isBuy(op);
    const units = toUnits(req.volume);
    const sl = sym.round(req.stopLoss ?? 0);
    const tp = sym.round(req.takeProfit ?? 0);
    const magic = req.magic ?? 0;
    const comment = req.comment ?? '';

    if (!this.tradeAllowed) return this.result(RC.CLIENT_DISABLES_AT, {}, sym);
    const net = this.marginMode === 'Netting' && !pending ? this.#netPosition(sym) : undefined;
    const reducing = net !== undefined && isBuy(net.type) !== buy && units <= net.units;
    const mode = this.#tradeModeAllowsOpen(sym, buy, reducing);
    if (mode) return this.result(mode.code, {}, sym);
    if (!this.marketOpen(sym)) return this.result(RC.MARKET_CLOSED, {}, sym);
    if (checkVolume(units, sym.rules) !== 'ok') return this.result(RC.INVALID_VOLUME, {}, sym);
    if (!(sym.bid > 0 && sym.ask > 0)) return this.result(RC.PRICE_OFF, {}, sym);

    if (pending) {
      const price = sym.round(req.price ?? 0);
      const stopLimit = sym.round(req.stopLimitPrice ?? 0);
      if (!this.#pendingPriceValid(sym, op, price, stopLimit)) return this.result(RC.INVALID_PRICE, {}, sym);
      const ref = isStopLimit(op) ? stopLimit : price;
      if (!this.#stopsValid(sym, buy, ref, sl, tp)) return this.result(RC.INVALID_STOPS, {}, sym);
      let expiration = 0;
      if (req.expiration !== undefined && req.expiration !== '') {
        const ms = parseBrokerTime(req.expiration, this.broker.utcOffsetSeconds);
        if (ms === undefined || ms <= this.now()) return this.result(RC.INVALID_EXPIRATION, {}, sym);
        expiration = ms;
      }
      const ticket = this.broker.nextTicket();
      this.#addRow({ ticket, sym, type: op, kind: 'Pending', units, openPrice: price, stopLimitPrice: stopLimit, stopLoss: sl, takeProfit: tp, expiration, magic, comment });
      this.sink.positionsChanged(this);
      return this.result(RC.PLACED, { order: ticket, volume: toLots(units), price }, sym);
    }

    const ref = buy ? sym.bid : sym.ask;
    if (!this.#stopsValid(sym, buy, ref, sl, tp)) return this.result(RC.INVALID_STOPS, {}, sym);
    // Liquidity: an order above the symbol's depth is filled partially, the rest cancelled (IOC), MT5 only.
    const fillUnits = this.platform === 'mt5' && units > sym.liquidityUnits ? sym.liquidityUnits : units;
    if (!this.#marginFits(sym, buy, fillUnits)) return this.result(RC.NO_MONEY, {}, sym);
    const filled = this.#fill(sym, buy, fillUnits, { sl, tp, magic, comment });
    const code = fillUnits < units ? RC.DONE_PARTIAL : RC.DONE;
    this.sink.positionsChanged(this);
    this.sink.summaryChanged(this);
    return this.result(code, { deal: filled.deal, order: filled.position, volume: toLots(fillUnits), price: filled.price }, sym);
  }

  #marginFits(sym: SimSymbol, buy: boolean, units: number): boolean {
    let need: number;
    if (this.marginMode === 'Netting') {
      const net = this.#netPosition(sym);
      const before = net ? this.#rowMargin(net) : 0;
      const signed = (net ? (isBuy(net.type) ? net.units : -net.units) : 0) + (buy ? units : -units);
      const after = signed === 0 ? 0 : marginOf(sym, signed > 0, Math.abs(signed), this.leverage, this.currency, this.market);
      need = after - before;
      if (need <= 0) return true;
    } else {
      need = marginOf(sym, buy, units, this.leverage, this.currency, this.market);
    }
    const commission = -commissionOf(sym, units, this.currency, this.market);
    return this.freeMargin() - need - commission >= 0;
  }

  /** Executes a market deal at the current price, with netting/hedging semantics. */
  #fill(
    sym: SimSymbol,
    buy: boolean,
    units: number,
    o: { sl: number; tp: number; magic: number; comment: string; ticket?: number },
  ): { deal: number; position: number; price: number } {
    const price = buy ? sym.ask : sym.bid;
    const type: Operation = buy ? 'Buy' : 'Sell';
    const orderTicket = o.ticket ?? this.broker.nextTicket();
    const net = this.marginMode === 'Netting' ? this.#netPosition(sym) : undefined;
    const commission = commissionOf(sym, units, this.currency, this.market);
    this.balance += commission;
    if (!net) {
      const row = this.#addRow({ ticket: orderTicket, sym, type, kind: 'Position', units, openPrice: price, stopLimitPrice: 0, stopLoss: o.sl, takeProfit: o.tp, expiration: 0, magic: o.magic, comment: o.comment });
      row.inUnits = units;
      row.commission = commission;
      const deal = this.#deal(row, { type, entry: 'In', units, price, profit: 0, commission, magic: o.magic, comment: o.comment, order: orderTicket });
      return { deal, position: row.ticket, price };
    }
    this.#dirty = true;
    net.rev++;
    if (isBuy(net.type) === buy) {
      // Netting add: one position, volume-weighted open price.
      const total = net.units + units;
      net.openPrice = sym.round((net.openPrice * net.units + price * units) / total);
      net.units = total;
      net.inUnits += units;
      net.commission += commission;
      if (o.sl > 0) net.stopLoss = o.sl;
      if (o.tp > 0) net.takeProfit = o.tp;
      const deal = this.#deal(net, { type, entry: 'In', units, price, profit: 0, commission, magic: o.magic, comment: o.comment, order: orderTicket });
      return { deal, position: net.ticket, price };
    }
    const closing = Math.min(units, net.units);
    const profit = money(profitOf(sym, !buy, closing, net.openPrice, price, this.currency, this.market));
    this.balance += profit;
    net.realized += profit;
    net.commission += commission;
    net.outUnits += closing;
    net.outValue += price * closing;
    if (units < net.units) {
      net.units -= units;
      const deal = this.#deal(net, { type, entry: 'Out', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
      return { deal, position: net.ticket, price };
    }
    if (units === net.units) {
      const deal = this.#deal(net, { type, entry: 'Out', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
      this.#removeRow(net);
      this.#recordClosedPosition(net, price);
      return { deal, position: net.ticket, price };
    }
    // Reversal: one InOut deal for the whole order; the position keeps its id and flips side (§3.2).
    this.#recordClosedPosition(net, price);
    net.type = type;
    net.units = units - net.units;
    net.openPrice = price;
    net.openTimeMs = this.now();
    net.stopLoss = o.sl;
    net.takeProfit = o.tp;
    net.magic = o.magic;
    net.comment = o.comment;
    net.inUnits = net.units;
    net.commission = 0;
    net.realized = 0;
    net.outUnits = 0;
    net.outValue = 0;
    const deal = this.#deal(net, { type, entry: 'InOut', units, price, profit, commission, magic: o.magic, comment: o.comment, order: orderTicket });
    return { deal, position: net.ticket, price };
  }

  #addRow(
    r: Omit<Row, 'rev' | 'staticJson' | 'staticRev' | 'json' | 'jsonVersion' | 'openTimeMs' | 'inUnits' | 'commission' | 'realized' | 'outValue' | 'outUnits'>,
  ): Row {
    const row: Row = { ...r, openTimeMs: this.now(), rev: 0, staticJson: '', staticRev: -1, json: '', jsonVersion: -1, inUnits: 0, commission: 0, realized: 0, outValue: 0, outUnits: 0 };
    this.rows.set(row.ticket, row);
    const set = this.rowsBySymbol.get(row.sym.name);
    if (set) set.add(row);
    else this.rowsBySymbol.set(row.sym.name, new Set([row]));
    if (row.kind === 'Position') {
      // Keep the cached totals valid on the hot path (a burst of opens) instead of recomputing them.
      if (!this.#dirty && this.#totalsVersion === this.market.version) {
        this.#totals = { profit: this.#totals.profit + this.#rowProfit(row), margin: this.#totals.margin + this.#rowMargin(row) };
      }
    }
    return row;
  }

  #removeRow(row: Row): void {
    this.rows.delete(row.ticket);
    const set = this.rowsBySymbol.get(row.sym.name);
    if (set) {
      set.delete(row);
      if (set.size === 0) this.rowsBySymbol.delete(row.sym.name);
    }
    this.#dirty = true;
  }

  #deal(
    row: Row,
    d: { type: Operation; entry: DealEntry; units: number; price: number; profit: number; commission: number; magic: number; comment: string; order: number },
  ): number {
    const mt4 = this.platform === 'mt4';
    const deal = mt4 ? 0 : this.broker.nextDeal();
    const time = this.time(this.now());
    const commission = money(d.commission);
    if (!mt4) {
      this.deals.push({
        ticket: deal,
        order: d.order,
        position: row.ticket,
        symbol: row.sym.name,
        type: d.type,
        entry: d.entry,
        volume: toLots(d.units),
        price: d.price,
        commission,
        swap: 0,
        profit: d.profit,
        magic: d.magic,
        comment: d.comment,
        time,
      });
    }
    // MT4 bridges report per order: deal 0, order = position = the ticket, magic/comment kept (§4.5).
    this.sink.deal(this, {
      deal,
      order: mt4 ? row.ticket : d.order,
      position: row.ticket,
      symbol: row.sym.name,
      type: d.type,
      entry: d.entry,
      volume: toLots(d.units),
      price: d.price,
      profit: d.profit,
      commission,
      swap: 0,
      magic: d.magic,
      comment: d.comment,
      time,
      degraded: false,
    });
    return deal;
  }

  #recordClosedPosition(row: Row, lastPrice: number): void {
    const closePrice = row.outUnits > 0 ? row.sym.round(row.outValue / row.outUnits) : lastPrice;
    const commission = money(row.commission);
    const profit = money(row.realized);
    this.closedPositions.push({
      positionId: row.ticket,
      symbol: row.sym.name,
      type: row.type,
      volume: toLots(row.inUnits),
      openTime: this.time(row.openTimeMs),
      openPrice: row.openPrice,
      closeTime: this.time(this.now()),
      closePrice,
      profit,
      swap: 0,
      commission,
      netProfit: money(profit + commission),
      magic: row.magic,
      comment: row.comment,
    });
  }

  /**
   * Closes `units` of a position at the current price. MT5: Out deal with the closing request's magic/comment;
   * MT4: the order's own magic/comment, and a partial close reopens the rest under a new ticket ("from #…").
   */
  #closePart(row: Row, units: number, why: { magic: number; comment: string }): { deal: number; price: number } {
    const sym = row.sym;
    const buy = isBuy(row.type);
    const price = buy ? sym.bid : sym.ask;
    const profit = money(profitOf(sym, buy, units, row.openPrice, price, this.currency, this.market));
    const commission = commissionOf(sym, units, this.currency, this.market);
    this.balance += profit + commission;
    row.realized += profit;
    row.commission += commission;
    row.outUnits += units;
    row.outValue += price * units;
    row.rev++;
    this.#dirty = true;
    const closeType: Operation = buy ? 'Sell' : 'Buy';
    const mt4 = this.platform === 'mt4';
    const orderTicket = mt4 ? row.ticket : this.broker.nextTicket();
    if (mt4) {
      const fullUnits = row.units;
      const rest = fullUnits - units;
      row.units = units;
      const deal = this.#deal(row, { type: row.type, entry: 'Out', units, price, profit, commission, magic: row.magic, comment: why.comment || row.comment, order: orderTicket });
      this.#mt4History(row, units, price, profit, commission);
      this.#removeRow(row);
      if (rest > 0) {
        const reopened = this.#addRow({ ticket: this.broker.nextTicket(), sym, type: row.type, kind: 'Position', units: rest, openPrice: row.openPrice, stopLimitPrice: 0, stopLoss: row.stopLoss, takeProfit: row.takeProfit, expiration: 0, magic: row.magic, comment: `from #${row.ticket}` });
        reopened.openTimeMs = row.openTimeMs;
        reopened.inUnits = rest;
      }
      return { deal, price };
    }
    row.units -= units;
    const deal = this.#deal(row, { type: closeType, entry: 'Out', units, price, profit, commission, magic: why.magic, comment: why.comment, order: orderTicket });
    if (row.units === 0) {
      this.#removeRow(row);
      this.#recordClosedPosition(row, price);
    }
    return { deal, price };
  }

  #mt4History(row: Row, units: number, price: number, profit: number, commission: number): void {
    const time = this.time(this.now());
    this.deals.push({
      ticket: row.ticket,
      order: row.ticket,
      position: row.ticket,
      symbol: row.sym.name,
      type: row.type,
      entry: 'Out',
      volume: toLots(units),
      price,
      commission: money(commission),
      swap: 0,
      profit,
      magic: row.magic,
      comment: row.comment,
      time,
    });
    this.closedPositions.push({
      positionId: row.ticket,
      symbol: row.sym.name,
      type: row.type,
      volume: toLots(units),
      openTime: this.time(row.openTimeMs),
      openPrice: row.openPrice,
      closeTime: time,
      closePrice: price,
      profit,
      swap: 0,
      commission: money(commission),
      netProfit: money(profit + commission),
      magic: row.magic,
      comment: row.comment,
    });
  }

  // ---------------------------------------------------------------- OrderModify

  /** `/OrderModify`: absent = keep, 0 = remove, > 0 = set; 10025 when nothing changes. */
  modify(req: ModifyRequest): OrderResult {
    const row = this.rows.get(req.ticket);
    if (!row) return this.result(RC.POSITION_CLOSED, { order: req.ticket });
    const sym = row.sym;
    for (const v of [req.stopLoss, req.takeProfit, req.price, req.stopLimitPrice]) {
      if (v !== undefined && v < 0) throw new TerminalError(400, 'MRPC_VALIDATION', 'prices must be >= 0');
    }
    const sl = req.stopLoss === undefined ? row.stopLoss : sym.round(req.stopLoss);
    const tp = req.takeProfit === undefined ? row.takeProfit : sym.round(req.takeProfit);
    const pending = row.kind === 'Pending';
    const price = pending && req.price !== undefined ? sym.round(req.price) : row.openPrice;
    const stopLimit = pending && req.stopLimitPrice !== undefined ? sym.round(req.stopLimitPrice) : row.stopLimitPrice;
    let expiration = row.expiration;
    if (pending && req.expiration !== undefined) {
      if (req.expiration === '') expiration = 0;
      else {
        const ms = parseBrokerTime(req.expiration, this.broker.utcOffsetSeconds);
        if (ms === undefined || ms <= this.now()) return this.result(RC.INVALID_EXPIRATION, { order: row.ticket }, sym);
        expiration = ms;
      }
    }
    const unchanged = sl === row.stopLoss && tp === row.takeProfit && price === row.openPrice && stopLimit === row.stopLimitPrice && expiration === row.expiration;
    if (unchanged) return this.result(RC.NO_CHANGES, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
    if (!this.tradeAllowed) return this.result(RC.CLIENT_DISABLES_AT, {}, sym);
    if (sym.tradeMode === 'Disabled') return this.result(RC.TRADE_DISABLED, {}, sym);
    if (!this.marketOpen(sym)) return this.result(RC.MARKET_CLOSED, {}, sym);
    const buy = isBuy(row.type);
    if (pending) {
      const mkt = buy ? sym.ask : sym.bid;
      if (this.#frozen(sym, row.openPrice, mkt)) return this.result(RC.FROZEN, {}, sym);
      if (!(price > 0) || !this.#pendingPriceValid(sym, row.type, price, stopLimit)) return this.result(RC.INVALID_PRICE, {}, sym);
      if (!this.#stopsValid(sym, buy, isStopLimit(row.type) ? stopLimit : price, sl, tp)) return this.result(RC.INVALID_STOPS, {}, sym);
    } else {
      const mkt = buy ? sym.bid : sym.ask;
      if (this.#frozen(sym, row.stopLoss, mkt) || this.#frozen(sym, row.takeProfit, mkt)) return this.result(RC.FROZEN, {}, sym);
      if (!this.#stopsValid(sym, buy, mkt, sl, tp)) return this.result(RC.INVALID_STOPS, {}, sym);
    }
    row.stopLoss = sl;
    row.takeProfit = tp;
    row.openPrice = price;
    row.stopLimitPrice = stopLimit;
    row.expiration = expiration;
    row.rev++;
    // No deal, so no trade frame: the change is visible only in the next positions frame (§4.5).
    this.sink.positionsChanged(this);
    return this.result(RC.DONE, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
  }

  // ---------------------------------------------------------------- OrderClose

  /** `/OrderClose`: whole or partial close of a position, or deletion of a pending order. */
  close(req: CloseRequest, why: { magic: number; comment: string } = { magic: 0, comment: '' }): OrderResult {
    if (req.volume !== undefined && req.volume < 0) throw new TerminalError(400, 'MRPC_VALIDATION', 'volume must be >= 0');
    const row = this.rows.get(req.ticket);
    if (!row) return this.result(RC.POSITION_CLOSED, { order: req.ticket });
    const sym = row.sym;
    if (!this.tradeAllowed) return this.result(RC.CLIENT_DISABLES_AT, {}, sym);
    if (row.kind === 'Pending') {
      if (!this.marketOpen(sym)) return this.result(RC.MARKET_CLOSED, {}, sym);
      if (this.#frozen(sym, row.openPrice, isBuy(row.type) ? sym.ask : sym.bid)) return this.result(RC.FROZEN, {}, sym);
      this.#removeRow(row);
      this.sink.positionsChanged(this);
      return this.result(RC.DONE, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
    }
    if (sym.tradeMode === 'Disabled') return this.result(RC.TRADE_DISABLED, {}, sym);
    if (!this.marketOpen(sym)) return this.result(RC.MARKET_CLOSED, {}, sym);
    const units = req.volume !== undefined && req.volume > 0 ? toUnits(req.volume) : row.units;
    if (units > row.units) return this.result(RC.INVALID_CLOSE_VOLUME, { order: row.ticket }, sym);
    if (units !== row.units && (units < sym.rules.minUnits || units % sym.rules.stepUnits !== 0)) {
      return this.result(RC.INVALID_VOLUME, { order: row.ticket }, sym);
    }
    const mkt = isBuy(row.type) ? sym.bid : sym.ask;
    if (this.#frozen(sym, row.stopLoss, mkt) || this.#frozen(sym, row.takeProfit, mkt)) return this.result(RC.FROZEN, {}, sym);
    const ticket = row.ticket;
    const done = this.#closePart(row, units, why);
    this.sink.positionsChanged(this);
    this.sink.summaryChanged(this);
    return this.result(RC.DONE, { deal: done.deal, order: ticket, volume: toLots(units), price: done.price }, sym);
  }

  /** `/CloseAll`: one pass over the matching orders. */
  closeAll(req: CloseAllRequest): CloseAllSummary {
    const targets = [...this.rows.values()].filter(
      (r) =>
        (req.symbol === undefined || req.symbol === '' || r.sym.name === req.symbol) &&
        (req.magic === undefined || r.magic === req.magic) &&
        (r.kind === 'Position' || req.deletePending === true),
    );
    const results: CloseAllSummary['results'] = [];
    let closed = 0;
    for (const r of targets) {
      const res = this.close({ ticket: r.ticket });
      if (res.success) closed++;
      results.push({
        ticket: r.ticket,
        kind: r.kind === 'Position' ? 'position' : 'pending',
        success: res.success,
        retcode: res.retcode,
        retcodeDescription: res.retcodeDescription,
      });
    }
    return { requested: targets.length, closed, failed: targets.length - closed, results };
  }

  // ---------------------------------------------------------------- price-driven events

  /** Re-evaluates pending triggers, expirations and SL/TP on a symbol after its quote moved. */
  onQuote(sym: SimSymbol): void {
    const onSymbol = this.rowsBySymbol.get(sym.name);
    if (!onSymbol) return;
    const open = this.marketOpen(sym);
    const nowMs = this.now();
    let changed = false;
    let traded = false;
    const rows = [...onSymbol];
    for (const r of rows) {
      if (!this.rows.has(r.ticket)) continue;
      if (r.kind === 'Pending') {
        if (r.expiration > 0 && nowMs >= r.expiration) {
          this.#removeRow(r);
          changed = true;
          continue;
        }
        if (!open) continue;
        const t = this.#triggerPending(r);
        changed ||= t !== 'none';
        traded ||= t === 'filled';
        continue;
      }
      if (!open) continue;
      const buy = isBuy(r.type);
      const px = buy ? sym.bid : sym.ask;
      const hitSl = r.stopLoss > 0 && (buy ? px <= r.stopLoss : px >= r.stopLoss);
      const hitTp = r.takeProfit > 0 && (buy ? px >= r.takeProfit : px <= r.takeProfit);
      if (hitSl || hitTp) {
        const level = hitSl ? r.stopLoss : r.takeProfit;
        const tag = hitSl ? 'sl' : 'tp';
        // MT5 tags server-side closes "[sl 1.08000]" and keeps the position's magic; MT4 appends "[sl]".
        const comment = this.platform === 'mt4' ? `${r.comment}[${tag}]` : `[${tag} ${level.toFixed(sym.digits)}]`;
        this.#closePart(r, r.units, { magic: r.magic, comment });
        changed = true;
        traded = true;
      }
    }
    if (changed) this.sink.positionsChanged(this);
    if (traded) this.sink.summaryChanged(this);
    if (this.hasPositions()) this.stopOutCheck();
  }

  #triggerPending(r: Row): 'none' | 'converted' | 'filled' | 'cancelled' {
    const sym = r.sym;
    let hit: boolean;
    switch (r.type) {
      case 'BuyLimit':
        hit = sym.ask <= r.openPrice;
        break;
      case 'SellLimit':
        hit = sym.bid >= r.openPrice;
        break;
      case 'BuyStop':
      case 'BuyStopLimit':
        hit = sym.ask >= r.openPrice;
        break;
      case 'SellStop':
      case 'SellStopLimit':
        hit = sym.bid <= r.openPrice;
        break;
      default:
        hit = false;
    }
    if (!hit) return 'none';
    if (isStopLimit(r.type)) {
      // A stop-limit becomes a limit order at its stopLimitPrice; no deal yet.
      r.type = r.type === 'BuyStopLimit' ? 'BuyLimit' : 'SellLimit';
      r.openPrice = r.stopLimitPrice;
      r.stopLimitPrice = 0;
      r.rev++;
      return 'converted';
    }
    const buy = isBuy(r.type);
    this.#removeRow(r);
    if (!this.#marginFits(sym, buy, r.units)) return 'cancelled';
    // The pending ticket becomes the position ticket: an In deal, and the row turns kind Position (§4.5).
    this.#fill(sym, buy, r.units, { sl: r.stopLoss, tp: r.takeProfit, magic: r.magic, comment: r.comment, ticket: r.ticket });
    return 'filled';
  }

  /** Broker stop-out: closes the most losing position while the margin level is at or under the stop-out level. */
  stopOutCheck(): boolean {
    let acted = false;
    for (let guard = 0; guard < 10_000; guard++) {
      const t = this.#totalsNow();
      if (t.margin <= 0) break;
      const equity = this.balance + this.credit + t.profit;
      const level = (equity / t.margin) * 100;
      if (level > this.stopOutLevel) break;
      let worst: Row | undefined;
      let worstProfit = Infinity;
      for (const r of this.rows.values()) {
        if (r.kind !== 'Position') continue;
        const p = this.#rowProfit(r);
        if (p < worstProfit) {
          worst = r;
          worstProfit = p;
        }
      }
      if (!worst) break;
      const comment = `[so ${level.toFixed(2)}%/${equity.toFixed(2)}/${t.margin.toFixed(2)}]`;
      this.#closePart(worst, worst.units, { magic: 0, comment });
      acted = true;
    }
    if (acted) {
      this.sink.positionsChanged(this);
      this.sink.summaryChanged(this);
    }
    return acted;
  }

  /** Sets the balance by hand (a balance operation; margin squeeze) and applies stop-out. */
  setBalance(balance: number): void {
    this.balance = balance;
    this.#dirty = true;
    this.sink.summaryChanged(this);
    this.stopOutCheck();
  }
}

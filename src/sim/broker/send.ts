import type { OrderResult } from '../types.js';
import type { SimAccount } from './account.js';
import { TerminalError, type SendRequest } from './account-types.js';
import type { OrderBook } from './book.js';
import { orderResult, pendingPriceValid, stopsValid, tradeModeAllowsOpen } from './checks.js';
import { fill, marginFits } from './execution.js';
import { RC } from './retcodes.js';
import { isBuy, isPending, isStopLimit } from './symbols.js';
import { parseBrokerTime } from './time.js';
import { checkVolume, toLots, toUnits } from './volume.js';

/** `/OrderSend`. Throws TerminalError for requests the terminal refuses outright (400/500). */
export function sendOrder(a: SimAccount, book: OrderBook, req: SendRequest): OrderResult {
  const sym = a.symbol(req.symbol);
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

  if (!a.tradeAllowed) return orderResult(RC.CLIENT_DISABLES_AT, {}, sym);
  const net = a.marginMode === 'Netting' && !pending ? book.netPosition(sym) : undefined;
  const reducing = net !== undefined && isBuy(net.type) !== buy && units <= net.units;
  const mode = tradeModeAllowsOpen(sym, buy, reducing);
  if (mode) return orderResult(mode.code, {}, sym);
  if (!a.marketOpen(sym)) return orderResult(RC.MARKET_CLOSED, {}, sym);
  if (checkVolume(units, sym.rules) !== 'ok') return orderResult(RC.INVALID_VOLUME, {}, sym);
  if (!(sym.bid > 0 && sym.ask > 0)) return orderResult(RC.PRICE_OFF, {}, sym);

  if (pending) {
    const price = sym.round(req.price ?? 0);
    const stopLimit = sym.round(req.stopLimitPrice ?? 0);
    if (!pendingPriceValid(sym, op, price, stopLimit)) return orderResult(RC.INVALID_PRICE, {}, sym);
    const ref = isStopLimit(op) ? stopLimit : price;
    if (!stopsValid(sym, buy, ref, sl, tp)) return orderResult(RC.INVALID_STOPS, {}, sym);
    let expiration = 0;
    if (req.expiration !== undefined && req.expiration !== '') {
      const ms = parseBrokerTime(req.expiration, a.broker.utcOffsetSeconds);
      if (ms === undefined || ms <= a.now()) return orderResult(RC.INVALID_EXPIRATION, {}, sym);
      expiration = ms;
    }
    const ticket = a.broker.nextTicket();
    book.add({ ticket, sym, type: op, kind: 'Pending', units, openPrice: price, stopLimitPrice: stopLimit, stopLoss: sl, takeProfit: tp, expiration, magic, comment });
    a.sink.positionsChanged(a);
    return orderResult(RC.PLACED, { order: ticket, volume: toLots(units), price }, sym);
  }

  const ref = buy ? sym.bid : sym.ask;
  if (!stopsValid(sym, buy, ref, sl, tp)) return orderResult(RC.INVALID_STOPS, {}, sym);
  // Liquidity: an order above the symbol's depth is filled partially, the rest cancelled (IOC), MT5 only.
  const fillUnits = a.platform === 'mt5' && units > sym.liquidityUnits ? sym.liquidityUnits : units;
  if (!marginFits(a, book, sym, buy, fillUnits)) return orderResult(RC.NO_MONEY, {}, sym);
  const filled = fill(a, book, sym, buy, fillUnits, { sl, tp, magic, comment });
  const code = fillUnits < units ? RC.DONE_PARTIAL : RC.DONE;
  a.sink.positionsChanged(a);
  a.sink.summaryChanged(a);
  return orderResult(code, { deal: filled.deal, order: filled.position, volume: toLots(fillUnits), price: filled.price }, sym);
}

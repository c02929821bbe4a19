import type { OrderResult } from '../types.js';
import type { SimAccount } from './account.js';
import { TerminalError, type ModifyRequest } from './account-types.js';
import { frozen, orderResult, pendingPriceValid, stopsValid } from './checks.js';
import { RC } from './retcodes.js';
import { isBuy, isStopLimit } from './symbols.js';
import { parseBrokerTime } from './time.js';
import { toLots } from './volume.js';

/** `/OrderModify`: absent = keep, 0 = remove, > 0 = set; 10025 when nothing changes. */
export function modifyOrder(a: SimAccount, req: ModifyRequest): OrderResult {
  const row = a.rows.get(req.ticket);
  if (!row) return orderResult(RC.POSITION_CLOSED, { order: req.ticket });
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
      const ms = parseBrokerTime(req.expiration, a.broker.utcOffsetSeconds);
      if (ms === undefined || ms <= a.now()) return orderResult(RC.INVALID_EXPIRATION, { order: row.ticket }, sym);
      expiration = ms;
    }
  }
  const unchanged = sl === row.stopLoss && tp === row.takeProfit && price === row.openPrice && stopLimit === row.stopLimitPrice && expiration === row.expiration;
  if (unchanged) return orderResult(RC.NO_CHANGES, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
  if (!a.tradeAllowed) return orderResult(RC.CLIENT_DISABLES_AT, {}, sym);
  if (sym.tradeMode === 'Disabled') return orderResult(RC.TRADE_DISABLED, {}, sym);
  if (!a.marketOpen(sym)) return orderResult(RC.MARKET_CLOSED, {}, sym);
  const buy = isBuy(row.type);
  if (pending) {
    const mkt = buy ? sym.ask : sym.bid;
    if (frozen(sym, row.openPrice, mkt)) return orderResult(RC.FROZEN, {}, sym);
    if (!(price > 0) || !pendingPriceValid(sym, row.type, price, stopLimit)) return orderResult(RC.INVALID_PRICE, {}, sym);
    if (!stopsValid(sym, buy, isStopLimit(row.type) ? stopLimit : price, sl, tp)) return orderResult(RC.INVALID_STOPS, {}, sym);
  } else {
    const mkt = buy ? sym.bid : sym.ask;
    if (frozen(sym, row.stopLoss, mkt) || frozen(sym, row.takeProfit, mkt)) return orderResult(RC.FROZEN, {}, sym);
    if (!stopsValid(sym, buy, mkt, sl, tp)) return orderResult(RC.INVALID_STOPS, {}, sym);
  }
  row.stopLoss = sl;
  row.takeProfit = tp;
  row.openPrice = price;
  row.stopLimitPrice = stopLimit;
  row.expiration = expiration;
  row.rev++;
  // No deal, so no trade frame: the change is visible only in the next positions frame (§4.5).
  a.sink.positionsChanged(a);
  return orderResult(RC.DONE, { order: row.ticket, volume: toLots(row.units), price: row.openPrice }, sym);
}

import type { SimAccount } from './account.js';
import type { Row } from './account-types.js';
import type { OrderBook } from './book.js';
import { closePart } from './closing.js';
import { fill, marginFits } from './execution.js';
import { isBuy, isStopLimit } from './symbols.js';
import type { SimSymbol } from './symbol.js';

/** Re-evaluates pending triggers, expirations and SL/TP on a symbol after its quote moved. */
export function onQuoteMoved(a: SimAccount, book: OrderBook, sym: SimSymbol): void {
  const onSymbol = a.rowsBySymbol.get(sym.name);
  if (!onSymbol) return;
  const open = a.marketOpen(sym);
  if (!mayAct(onSymbol, sym, open)) {
    // Nothing to trigger on this quote (the common case: positions without SL/TP in reach, no pending orders).
    if (a.hasPositions()) a.stopOutCheck();
    return;
  }
  const nowMs = a.now();
  let changed = false;
  let traded = false;
  const rows = [...onSymbol];
  for (const r of rows) {
    if (!a.rows.has(r.ticket)) continue;
    if (r.kind === 'Pending') {
      if (r.expiration > 0 && nowMs >= r.expiration) {
        book.remove(r);
        changed = true;
        continue;
      }
      if (!open) continue;
      const t = triggerPending(a, book, r);
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
      const comment = a.platform === 'mt4' ? `${r.comment}[${tag}]` : `[${tag} ${level.toFixed(sym.digits)}]`;
      closePart(a, book, r, r.units, { magic: r.magic, comment });
      changed = true;
      traded = true;
    }
  }
  if (changed) a.sink.positionsChanged(a);
  if (traded) a.sink.summaryChanged(a);
  if (a.hasPositions()) a.stopOutCheck();
}

/**
 * Whether the loop of {@link onQuoteMoved} could do anything: a pending order (expiry or trigger) or, with the market
 * open, a position whose SL or TP the quote reached. Read-only, so the set is copied only when something will change.
 */
function mayAct(rows: ReadonlySet<Row>, sym: SimSymbol, open: boolean): boolean {
  for (const r of rows) {
    if (r.kind === 'Pending') return true;
    if (!open || (r.stopLoss <= 0 && r.takeProfit <= 0)) continue;
    const buy = isBuy(r.type);
    const px = buy ? sym.bid : sym.ask;
    if (r.stopLoss > 0 && (buy ? px <= r.stopLoss : px >= r.stopLoss)) return true;
    if (r.takeProfit > 0 && (buy ? px >= r.takeProfit : px <= r.takeProfit)) return true;
  }
  return false;
}

function triggerPending(a: SimAccount, book: OrderBook, r: Row): 'none' | 'converted' | 'filled' | 'cancelled' {
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
  book.remove(r);
  if (!marginFits(a, book, sym, buy, r.units)) return 'cancelled';
  // The pending ticket becomes the position ticket: an In deal, and the row turns kind Position (§4.5).
  fill(a, book, sym, buy, r.units, { sl: r.stopLoss, tp: r.takeProfit, magic: r.magic, comment: r.comment, ticket: r.ticket });
  return 'filled';
}

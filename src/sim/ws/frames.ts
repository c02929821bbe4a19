import type { SimAccount } from '../broker/account.js';
import type { SimSymbol } from '../broker/symbol.js';
import type { Quote, TradeEvent } from '../types.js';

/** Frame builders: each returns the JSON text once, to be sent to every subscribed socket as is. */

export function quoteOf(account: SimAccount, sym: SimSymbol): Quote {
  return { symbol: sym.name, bid: sym.bid, ask: sym.ask, time: account.time(sym.quoteTimeMs || account.now()), last: 0, volume: 0 };
}

export function tickFrame(account: SimAccount, sym: SimSymbol): string {
  return `{"type":"tick","symbol":${JSON.stringify(sym.name)},"data":${JSON.stringify(quoteOf(account, sym))}}`;
}

export function positionsFrame(account: SimAccount): string {
  const parts: string[] = [];
  for (const r of account.rows.values()) parts.push(account.rowJson(r));
  return `{"type":"positions","data":[${parts.join(',')}]}`;
}

export function accountFrame(account: SimAccount): string {
  return `{"type":"account","data":${JSON.stringify(account.summary())}}`;
}

export function tradeFrame(ev: TradeEvent): string {
  return `{"type":"trade","data":${JSON.stringify(ev)}}`;
}

export function terminalFrame(connected: boolean, tradeAllowed: boolean, serverTime: string): string {
  return JSON.stringify({ type: 'terminal', data: { connected, tradeAllowed, serverTime } });
}

/** A degraded trade event (§4.5): ids, symbol, type, volume, price reliable; the rest zeroed. */
export function degrade(ev: TradeEvent): TradeEvent {
  return { ...ev, entry: 'Unknown', profit: 0, commission: 0, swap: 0, magic: 0, comment: '', degraded: true };
}

import type { Outcome } from '../types.js';

/** MT5 trade-server return codes the simulator emits (§3.6). */
export const RC = {
  PLACED: 10008,
  DONE: 10009,
  DONE_PARTIAL: 10010,
  INVALID: 10013,
  INVALID_VOLUME: 10014,
  INVALID_PRICE: 10015,
  INVALID_STOPS: 10016,
  TRADE_DISABLED: 10017,
  MARKET_CLOSED: 10018,
  NO_MONEY: 10019,
  PRICE_OFF: 10021,
  INVALID_EXPIRATION: 10022,
  NO_CHANGES: 10025,
  CLIENT_DISABLES_AT: 10027,
  FROZEN: 10029,
  POSITION_CLOSED: 10036,
  INVALID_CLOSE_VOLUME: 10038,
  LONG_ONLY: 10042,
  SHORT_ONLY: 10043,
  CLOSE_ONLY: 10044,
} as const;

const DESCRIPTIONS: Record<number, string> = {
  10008: 'Order placed',
  10009: 'Request completed',
  10010: 'Only part of the request was completed',
  10013: 'Invalid request',
  10014: 'Invalid volume in the request',
  10015: 'Invalid price in the request',
  10016: 'Invalid stops in the request',
  10017: 'Trade is disabled',
  10018: 'Market is closed',
  10019: 'There is not enough money to complete the request',
  10021: 'There are no quotes to process the request',
  10022: 'Invalid order expiration date in the request',
  10025: 'No changes in request',
  10027: 'Autotrading disabled by client terminal',
  10029: 'Order or position frozen',
  10036: 'Position with the specified POSITION_IDENTIFIER has already been closed',
  10038: 'A close volume exceeds the current position volume',
  10042: 'The request is rejected, because the "Only long positions are allowed" rule is set for the symbol',
  10043: 'The request is rejected, because the "Only short positions are allowed" rule is set for the symbol',
  10044: 'The request is rejected, because the "Only position closing is allowed" rule is set for the symbol',
};

/** Broker comments as MT5 puts them in `MqlTradeResult.comment`. */
const COMMENTS: Record<number, string> = {
  10008: 'Request executed',
  10009: 'Request executed',
  10010: 'Request executed partially',
  10014: 'Invalid volume',
  10015: 'Invalid price',
  10016: 'Invalid stops',
  10017: 'Trade disabled',
  10018: 'Market closed',
  10019: 'No money',
  10025: 'No changes',
  10036: 'Position closed',
  10038: 'Invalid close volume',
  10044: 'Close only',
};

export function retcodeDescription(code: number): string {
  return DESCRIPTIONS[code] ?? `Retcode ${code}`;
}

export function retcodeComment(code: number): string {
  return COMMENTS[code] ?? retcodeDescription(code);
}

/** `success`/`outcome` per the table in §3.6. */
export function outcomeOf(code: number): { success: boolean; outcome: Outcome } {
  if (code === RC.DONE || code === RC.PLACED) return { success: true, outcome: 'applied' };
  if (code === RC.DONE_PARTIAL) return { success: false, outcome: 'partial' };
  if (code === RC.NO_CHANGES) return { success: false, outcome: 'no_change' };
  return { success: false, outcome: 'rejected' };
}

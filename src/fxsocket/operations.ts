/** Operation spellings (§3.4): the server accepts any case and separator; clients send the canonical form. */
import { PENDING_OPERATIONS, type Operation } from '../domain/trading.js';

const CANONICAL: ReadonlyMap<string, Operation> = new Map(
  (['Buy', 'Sell', ...PENDING_OPERATIONS] as const).map((op) => [op.toLowerCase(), op]),
);

/** `buy_limit`, `BUY-STOP-LIMIT`, `BuyLimit` → the canonical name; `undefined` when it is none of the eight. */
export function canonicalOperation(value: string): Operation | undefined {
  return CANONICAL.get(value.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** True for the six pending operations (they need `price`). */
export function isPending(operation: Operation): boolean {
  return operation !== 'Buy' && operation !== 'Sell';
}

/** True for `BuyStopLimit` / `SellStopLimit` (they need a stop-limit price). */
export function isStopLimit(operation: Operation): boolean {
  return operation === 'BuyStopLimit' || operation === 'SellStopLimit';
}

import type { Operation } from '../types.js';

const OPERATIONS: readonly Operation[] = [
  'Buy',
  'Sell',
  'BuyLimit',
  'SellLimit',
  'BuyStop',
  'SellStop',
  'BuyStopLimit',
  'SellStopLimit',
];
const BY_FOLDED = new Map(OPERATIONS.map((op) => [op.toLowerCase(), op]));

/**
 * Canonical operation from any casing/separators (`buy_limit`, `BUY-STOP-LIMIT`), as the terminal accepts them
 * (§3.4). Returns undefined for anything else.
 */
export function parseOperation(raw: string): Operation | undefined {
  return BY_FOLDED.get(raw.replace(/[^A-Za-z]/g, '').toLowerCase());
}

export function isPending(op: Operation): boolean {
  return op !== 'Buy' && op !== 'Sell';
}

export function isBuy(op: Operation): boolean {
  return op === 'Buy' || op === 'BuyLimit' || op === 'BuyStop' || op === 'BuyStopLimit';
}

export function isStopLimit(op: Operation): boolean {
  return op === 'BuyStopLimit' || op === 'SellStopLimit';
}

const ALNUM = /^[A-Za-z0-9]{1,2}$/;
const SEPARATOR_LED = /^[^A-Za-z0-9]/;

/**
 * `symbol_match: "base"` (§2.5): the typed symbol matches itself and broker-suffixed variants, where a suffix is
 * either led by any non-alphanumeric separator (`.raw`, `-i`, `#`) or one or two alphanumerics (`m`, `pro` is too
 * long). Case-sensitive, as the contract suggests for simulators.
 */
export function matchesBase(typed: string, candidate: string): boolean {
  if (candidate === typed) return true;
  if (typed.length === 0 || !candidate.startsWith(typed)) return false;
  const suffix = candidate.slice(typed.length);
  return SEPARATOR_LED.test(suffix) || ALNUM.test(suffix);
}

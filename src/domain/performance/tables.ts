/**
 * Period and symbol tables of paired copies: each copy counts once, in the bucket of its close time or under its
 * master's symbol, so the rows of a table always sum to its total.
 */
import { sumMinor, type Minor } from './money.js';
import type { PairedCopy } from './pairing.js';
import { bucketIndex, type Bucket } from './period.js';

/** Totals of a group of copies, with the master's result at the copies' size beside them. */
export interface GroupTotals {
  trades: number;
  wins: number;
  net: Minor;
  /** Σ of the master's scaled net over the copies where it is known; null when it is known for none. */
  masterNet: Minor | null;
  /** Copies whose master result is known (≤ trades). */
  masterTrades: number;
}

/** Totals of `copies`. */
export function totalsOf(copies: readonly PairedCopy[]): GroupTotals {
  const known = copies.filter((p) => p.masterScaledNet !== null);
  return {
    trades: copies.length,
    wins: copies.filter((p) => p.copy.net > 0).length,
    net: sumMinor(copies.map((p) => p.copy.net)),
    masterNet: known.length === 0 ? null : sumMinor(known.map((p) => p.masterScaledNet as Minor)),
    masterTrades: known.length,
  };
}

/** One row per bucket (same order), with the copies that closed in it; copies outside every bucket are left out. */
export function bucketRows(copies: readonly PairedCopy[], list: readonly Bucket[]): (Bucket & GroupTotals)[] {
  const groups: PairedCopy[][] = list.map(() => []);
  for (const p of copies) {
    const i = bucketIndex(list, p.copy.closeMs);
    if (i >= 0) (groups[i] as PairedCopy[]).push(p);
  }
  return list.map((b, i) => ({ ...b, ...totalsOf(groups[i] as PairedCopy[]) }));
}

/** One row per master symbol, the largest |net| first; `followerSymbols` are the symbols the copies traded. */
export function symbolRows(copies: readonly PairedCopy[]): ({ symbol: string; followerSymbols: string[] } & GroupTotals)[] {
  const groups = new Map<string, PairedCopy[]>();
  for (const p of copies) {
    const g = groups.get(p.masterSymbol);
    if (g) g.push(p);
    else groups.set(p.masterSymbol, [p]);
  }
  return [...groups]
    .map(([symbol, g]) => ({ symbol, followerSymbols: [...new Set(g.map((p) => p.copy.symbol))].sort(), ...totalsOf(g) }))
    .sort((a, b) => Math.abs(b.net) - Math.abs(a.net) || a.symbol.localeCompare(b.symbol));
}

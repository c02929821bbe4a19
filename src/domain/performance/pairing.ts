/**
 * Each closed copy beside the master position it copied, and the master's result scaled to the copy: the master's
 * money × (copy lots × follower money per price unit) ÷ (master lots × master money per price unit). That is the
 * volume ratio of the copy, carried into the follower's currency and contract size through the two symbols'
 * `SymbolInfo` (tickValue ÷ tickSize, at the time of reading); with one currency and one contract it is the plain
 * volume ratio. Each copy's scaled amount is rounded to the follower's minor units once; sums stay integer.
 */
import { scaleMinor, type Minor } from './money.js';
import { copyKeyText, type ClosedCopy, type MasterTrade, type SymbolValue } from './types.js';

/** A closed copy and its master position. */
export interface PairedCopy {
  copy: ClosedCopy;
  /** The master position, when its history was found. */
  master: MasterTrade | null;
  /** The master's symbol (the follower's when the master position was not found). */
  masterSymbol: string;
  /** Follower money per master money on this trade; null when it cannot be known (no master, no symbol values). */
  factor: number | null;
  /** The master's net on this trade at the copy's size, in the follower's minor units; null when unknown or still open on the master. */
  masterScaledNet: Minor | null;
  /** The master's swap + commission at the copy's size, follower minor units. */
  masterScaledCosts: Minor | null;
}

/** What pairing reads besides the trades. */
export interface PairingContext {
  follower: { currency: string; digits: number };
  /** Per master account: its currency and the trades by key ticket. */
  masters: ReadonlyMap<string, { currency: string; digits: number; trades: ReadonlyMap<number, MasterTrade> }>;
  /** Money per price unit of a symbol on the follower, or null when unknown. */
  followerValue(symbol: string): SymbolValue | null;
  /** Money per price unit of a symbol on a master, or null when unknown. */
  masterValue(masterId: string, symbol: string): SymbolValue | null;
}

/** Follower minor units per master minor unit of one trade, or null. */
export function scaleFactor(copy: ClosedCopy, master: MasterTrade, ctx: PairingContext): number | null {
  const m = ctx.masters.get(master.masterId);
  if (m === undefined || !(master.volume > 0) || !(copy.volume > 0)) return null;
  const digits = 10 ** (ctx.follower.digits - m.digits);
  const fv = ctx.followerValue(copy.symbol);
  const mv = ctx.masterValue(master.masterId, master.symbol);
  if (fv !== null && mv !== null && fv.perPriceUnit > 0 && mv.perPriceUnit > 0) {
    return ((copy.volume * fv.perPriceUnit) / (master.volume * mv.perPriceUnit)) * digits;
  }
  // Without both symbols' values only the same currency can be compared (and then contract sizes are assumed equal).
  return m.currency === ctx.follower.currency ? (copy.volume / master.volume) * digits : null;
}

/** Pairs each copy with its master position. */
export function pairCopies(copies: readonly ClosedCopy[], ctx: PairingContext): PairedCopy[] {
  return copies.map((copy) => {
    const master = ctx.masters.get(copy.key.masterId)?.trades.get(copy.key.masterTicket) ?? null;
    const factor = master === null ? null : scaleFactor(copy, master, ctx);
    const closed = master !== null && master.closed && factor !== null;
    return {
      copy,
      master,
      masterSymbol: master?.symbol ?? copy.symbol,
      factor,
      masterScaledNet: closed ? scaleMinor(master.net, factor) : null,
      masterScaledCosts: closed ? scaleMinor(master.swap + master.commission, factor) : null,
    };
  });
}

/** Text key of a paired copy (for lookups by the copy's key). */
export function pairedKey(p: PairedCopy): string {
  return copyKeyText(p.copy.key);
}

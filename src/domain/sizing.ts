/**
 * Sizing: the follower's lot for a master open (design.md §3, Planning). `rawLots` applies the sizing mode;
 * `sizeVolume` adds the max-lot clamp and makes the result exact with `volume.ts`.
 */
import type { Sizing, RiskLimits } from './config.js';
import type { Reason, ReasonCode } from './reasons.js';
import { reason } from './reasons.js';
import type { AliasTable } from './symbols.js';
import { resolveSymbol } from './symbols.js';
import type { AccountSummary, Side, SymbolSpec } from './trading.js';
import type { BelowMinPolicy } from './volume.js';
import { normalizeVolume, roundLots } from './volume.js';

/** What sizing needs to know about one master open. */
export interface SizingInput {
  /** Lots the master opened (or added). */
  masterVolume: number;
  masterSummary: AccountSummary | null;
  followerSummary: AccountSummary | null;
  /** Master fill price, or the trigger price of a pending order. */
  entryPrice: number;
  /** Master stop loss; 0 = none. */
  stopLoss: number;
  /** Tick size and value of the FOLLOWER symbol (tickValue in the follower's account currency per lot). */
  followerSpec: Pick<SymbolSpec, 'tickSize' | 'tickValue'> | null;
}

export type SizingResult =
  | { ok: true; lots: number; detail: Record<string, number> }
  | { ok: false; reason: ReasonCode; detail: Record<string, number | string> };

const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

/**
 * The unrounded follower lot for a sizing mode.
 *
 * Skips: `invalid_sizing` (non-positive parameter), `account_unknown` (a ratio or risk mode without the balance or
 * equity it needs), `no_stop_loss` (risk percent without a master SL), `spec_unknown` (risk percent without tick
 * data), `zero_volume` (the master volume is not positive).
 */
export function rawLots(sizing: Sizing, input: SizingInput): SizingResult {
  if (sizing.mode !== 'fixed' && sizing.mode !== 'risk_percent' && !positive(input.masterVolume)) {
    return { ok: false, reason: 'zero_volume', detail: { masterVolume: input.masterVolume } };
  }
  switch (sizing.mode) {
    case 'multiplier': {
      if (!positive(sizing.multiplier)) return invalid('multiplier', sizing.multiplier);
      return { ok: true, lots: input.masterVolume * sizing.multiplier, detail: { multiplier: sizing.multiplier } };
    }
    case 'fixed': {
      if (!positive(sizing.lots)) return invalid('lots', sizing.lots);
      return { ok: true, lots: sizing.lots, detail: {} };
    }
    case 'balance_ratio':
    case 'equity_ratio': {
      if (!positive(sizing.multiplier)) return invalid('multiplier', sizing.multiplier);
      const field = sizing.mode === 'balance_ratio' ? 'balance' : 'equity';
      const m = input.masterSummary?.[field];
      const f = input.followerSummary?.[field];
      if (m === undefined || !positive(m)) return unknownAccount('master', field);
      if (f === undefined || !Number.isFinite(f)) return unknownAccount('follower', field);
      if (f <= 0) return { ok: false, reason: 'zero_volume', detail: { [`follower_${field}`]: f } };
      const ratio = f / m;
      return {
        ok: true,
        lots: input.masterVolume * ratio * sizing.multiplier,
        detail: { ratio, multiplier: sizing.multiplier, master: m, follower: f },
      };
    }
    case 'risk_percent': {
      if (!positive(sizing.percent)) return invalid('percent', sizing.percent);
      if (!positive(input.stopLoss)) return { ok: false, reason: 'no_stop_loss', detail: {} };
      const equity = input.followerSummary?.equity;
      if (equity === undefined || !Number.isFinite(equity)) return unknownAccount('follower', 'equity');
      if (equity <= 0) return { ok: false, reason: 'zero_volume', detail: { follower_equity: equity } };
      const spec = input.followerSpec;
      if (spec === null || !positive(spec.tickSize) || !positive(spec.tickValue)) {
        return { ok: false, reason: 'spec_unknown', detail: { need: 'tickSize,tickValue' } };
      }
      const distance = Math.abs(input.entryPrice - input.stopLoss);
      if (!positive(distance) || !positive(input.entryPrice)) {
        return { ok: false, reason: 'no_stop_loss', detail: { entry: input.entryPrice, stopLoss: input.stopLoss } };
      }
      const lossPerLot = (distance / spec.tickSize) * spec.tickValue;
      const risk = (equity * sizing.percent) / 100;
      return {
        ok: true,
        lots: risk / lossPerLot,
        detail: { risk, lossPerLot, distance, percent: sizing.percent, equity },
      };
    }
  }
}

function invalid(field: string, value: number): SizingResult {
  return { ok: false, reason: 'invalid_sizing', detail: { field, value } };
}

function unknownAccount(who: 'master' | 'follower', field: string): SizingResult {
  return { ok: false, reason: 'account_unknown', detail: { account: who, field } };
}

/** The final, exact volume of a copy before margin checks. */
export type VolumeDecision =
  | { ok: true; rawLots: number; volume: number; reasons: Reason[] }
  | { ok: false; rawLots: number | null; reason: ReasonCode; detail: Record<string, number | string> };

/**
 * Sizing, then the per-trade `maxLot` clamp (reason `max_lot`), then exact volume on the follower symbol's grid
 * (reasons `volume_rounded`, `volume_max`, `rounded_up_to_min`; skip `below_min_volume`).
 */
export function sizeVolume(
  sizing: Sizing,
  input: SizingInput,
  spec: Pick<SymbolSpec, 'volumeMin' | 'volumeMax' | 'volumeStep'>,
  risk: Pick<RiskLimits, 'maxLot' | 'belowMin'>,
): VolumeDecision {
  const raw = rawLots(sizing, input);
  if (!raw.ok) return { ok: false, rawLots: null, reason: raw.reason, detail: raw.detail };
  const reasons: Reason[] = [];
  let lots = raw.lots;
  if (risk.maxLot !== null && positive(risk.maxLot) && lots > risk.maxLot) {
    reasons.push(reason('max_lot', { from: roundLots(lots), to: risk.maxLot }));
    lots = risk.maxLot;
  }
  const policy: BelowMinPolicy = risk.belowMin;
  const v = normalizeVolume(lots, spec, policy);
  if (!v.ok) return { ok: false, rawLots: raw.lots, reason: v.reason, detail: v.detail };
  return { ok: true, rawLots: raw.lots, volume: v.volume, reasons: [...reasons, ...v.reasons] };
}

/** One recent master open for the multiplier preview. */
export interface PreviewTrade {
  position: number;
  symbol: string;
  side: Side;
  volume: number;
  price: number;
  stopLoss: number;
}

/** The follower facts the preview needs; a `FollowerPlanInput` plus the master's summary fits. */
export interface PreviewFollowerInput {
  summary: AccountSummary | null;
  masterSummary: AccountSummary | null;
  symbols: readonly string[];
  specs: ReadonlyMap<string, SymbolSpec>;
  symbolMap?: Readonly<Record<string, string>>;
  risk?: Pick<RiskLimits, 'maxLot' | 'belowMin'>;
  aliases?: AliasTable;
}

/** What one master open would have copied as. */
export interface PreviewRow {
  position: number;
  masterSymbol: string;
  masterVolume: number;
  followerSymbol: string | null;
  /** Lot before rounding, clamping and the minimum. */
  rawLots: number | null;
  /** Lot that would be sent; null when skipped. */
  volume: number | null;
  /** True when the sent lot differs from the raw lot (step, max, minimum or max-lot). */
  rounded: boolean;
  skipped: { reason: ReasonCode; detail: Record<string, number | string> } | null;
  reasons: Reason[];
}

/**
 * The bot's preview before a sizing change: for each given master open (pass the last N), the lot the follower would
 * copy with `sizing`, whether it rounds and what would be skipped and why. Margin and filters are not applied: this
 * shows the effect of sizing alone.
 */
export function previewSizing(
  masterTrades: readonly PreviewTrade[],
  follower: PreviewFollowerInput,
  sizing: Sizing,
): PreviewRow[] {
  const risk = follower.risk ?? { maxLot: null, belowMin: 'skip' };
  return masterTrades.map((t): PreviewRow => {
    const base = { position: t.position, masterSymbol: t.symbol, masterVolume: t.volume };
    const resolved = resolveSymbol(t.symbol, follower.symbols, follower.symbolMap ?? {}, follower.aliases);
    if (!resolved.ok) {
      return { ...base, followerSymbol: null, rawLots: null, volume: null, rounded: false, skipped: { reason: resolved.reason, detail: resolved.detail }, reasons: [] };
    }
    const spec = follower.specs.get(resolved.symbol);
    if (spec === undefined) {
      return { ...base, followerSymbol: resolved.symbol, rawLots: null, volume: null, rounded: false, skipped: { reason: 'spec_unknown', detail: { symbol: resolved.symbol } }, reasons: [] };
    }
    const d = sizeVolume(
      sizing,
      { masterVolume: t.volume, masterSummary: follower.masterSummary, followerSummary: follower.summary, entryPrice: t.price, stopLoss: t.stopLoss, followerSpec: spec },
      spec,
      risk,
    );
    if (!d.ok) {
      return { ...base, followerSymbol: resolved.symbol, rawLots: d.rawLots, volume: null, rounded: false, skipped: { reason: d.reason, detail: d.detail }, reasons: [] };
    }
    return { ...base, followerSymbol: resolved.symbol, rawLots: d.rawLots, volume: d.volume, rounded: d.reasons.length > 0, skipped: null, reasons: d.reasons };
  });
}

/**
 * The daily risk budget as `/risk` previews it: today's realized loss, the open copies' loss at SL, what is left, and
 * what the next copy of a typical master trade (the follower's masters' most recent open, with its lot and SL
 * distance, entered at the follower's price now) would be capped to. Pure: the engine passes the facts.
 */
import type { Filters, NoStopLossRule, RiskLimits, Sizing } from './config.js';
import type { DailyRiskFacts } from './daily-risk.js';
import { budgetNumbers, capToDailyBudget, dailyBudget, worstMarketEntry } from './daily-risk.js';
import type { Reason, ReasonCode } from './reasons.js';
import { oppositeSide } from './rules.js';
import type { PreviewFollowerInput, PreviewTrade } from './sizing.js';
import { sizeVolume } from './sizing.js';
import { resolveSymbol } from './symbols.js';
import type { Side, SymbolSpec } from './trading.js';

type Detail = Record<string, number | string>;

/** What the preview needs besides the budget's facts. */
export interface DailyRiskPreviewInput {
  /** The daily loss limit; null = no budget. */
  limit: number | null;
  noStopLoss: NoStopLossRule;
  facts: DailyRiskFacts;
  follower: PreviewFollowerInput & { risk: Pick<RiskLimits, 'maxLot' | 'belowMin'> };
  sizing: Sizing;
  filters: Pick<Filters, 'reverse' | 'copySlTp'>;
  /** Slippage allowed on market copies, in points. */
  slippagePoints: number;
  /** The trade the next copy is modelled on; null = none remembered. */
  trade: PreviewTrade | null;
}

/** The next copy of the modelled trade. */
export interface NextCopyPreview {
  position: number;
  masterSymbol: string;
  followerSymbol: string | null;
  /** The follower's side. */
  side: Side;
  masterVolume: number;
  /** The entry and stop the budget would price (0 = none). */
  entryPrice: number;
  stopLoss: number;
  /** What sizing alone gives (null when sizing skips). */
  sized: number | null;
  /** What would be sent (null when skipped). */
  volume: number | null;
  /** The skip, when skipped. */
  skipped: { reason: ReasonCode; detail: Detail } | null;
  reasons: Reason[];
}

/** The preview: the budget's numbers (or why it cannot be computed) and the next copy. */
export interface DailyRiskPreview {
  budget: ReturnType<typeof budgetNumbers> | null;
  unavailable: { reason: ReasonCode; detail: Detail } | null;
  openCopies: number;
  next: NextCopyPreview | null;
}

/** The `/risk` preview of a follower's daily risk budget. */
export function previewDailyRisk(input: DailyRiskPreviewInput): DailyRiskPreview {
  const openCopies = input.facts.openCopies.length;
  if (input.limit === null) return { budget: null, unavailable: null, openCopies, next: null };
  const b = dailyBudget(input.limit, input.facts, input.follower.specs, input.noStopLoss);
  const budget = b.ok ? budgetNumbers(b.budget) : null;
  const unavailable = b.ok ? null : { reason: b.reason, detail: b.detail };
  const t = input.trade;
  if (t === null) return { budget, unavailable, openCopies, next: null };
  const side = input.filters.reverse ? oppositeSide(t.side) : t.side;
  const resolved = resolveSymbol(t.symbol, input.follower.symbols, input.follower.symbolMap ?? {}, input.follower.aliases);
  const base = { position: t.position, masterSymbol: t.symbol, side, masterVolume: t.volume };
  const skipped = (followerSymbol: string | null, reason: ReasonCode, detail: Detail, extra: Partial<NextCopyPreview> = {}): DailyRiskPreview => ({
    budget,
    unavailable,
    openCopies,
    next: { ...base, followerSymbol, entryPrice: 0, stopLoss: 0, sized: null, volume: null, skipped: { reason, detail }, reasons: [], ...extra },
  });
  if (!resolved.ok) return skipped(null, resolved.reason, resolved.detail);
  const spec: SymbolSpec | undefined = input.follower.specs.get(resolved.symbol);
  if (spec === undefined) return skipped(resolved.symbol, 'spec_unknown', { symbol: resolved.symbol });
  const entry = worstMarketEntry(side, 0, spec, input.slippagePoints);
  // The master's stop distance, kept from its open; the history keeps no take-profit, so a reverse copy's stop (the
  // master's TP) is unknown.
  const distance = t.stopLoss > 0 && t.price > 0 ? Math.abs(t.price - t.stopLoss) : 0;
  if (input.filters.reverse && input.filters.copySlTp) return skipped(resolved.symbol, 'daily_risk_unknown', { need: 'takeProfit' }, { entryPrice: entry });
  const stop = !input.filters.copySlTp || distance === 0 ? 0 : roundTo(side === 'buy' ? entry - distance : entry + distance, spec.digits);
  const sized = sizeVolume(
    input.sizing,
    { masterVolume: t.volume, masterSummary: input.follower.masterSummary, followerSummary: input.follower.summary, entryPrice: entry, stopLoss: stop, followerSpec: spec },
    spec,
    input.follower.risk,
  );
  if (!sized.ok) return skipped(resolved.symbol, sized.reason, sized.detail, { entryPrice: entry, stopLoss: stop });
  const priced = { ...base, followerSymbol: resolved.symbol, entryPrice: entry, stopLoss: stop, sized: sized.volume };
  if (!b.ok) return { budget, unavailable, openCopies, next: { ...priced, volume: null, skipped: { reason: b.reason, detail: b.detail }, reasons: sized.reasons } };
  const cap = capToDailyBudget(b.budget, { side, volume: sized.volume, entryPrice: entry, stopLoss: stop, spec }, input.noStopLoss);
  if (!cap.ok) return { budget, unavailable, openCopies, next: { ...priced, volume: null, skipped: { reason: cap.reason, detail: cap.detail }, reasons: sized.reasons } };
  return { budget, unavailable, openCopies, next: { ...priced, volume: cap.volume, skipped: null, reasons: [...sized.reasons, ...cap.reasons] } };
}

function roundTo(price: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) return price;
  const scale = 10 ** digits;
  return Math.round(price * scale) / scale;
}

/**
 * Copy quality: how far a follower's copies fall behind the master on the same trades, and why.
 *
 * On each closed copy whose master position is closed too, the tracking error is the copy's net minus the master's
 * net at the copy's size (pairing.ts). It is split into what the follower paid against the master:
 * - slippage at the open and at the close: the copy's fill against the master's, in the follower symbol's points and
 *   in money (points × point × money per price unit × lots), positive = worse for the follower;
 * - fees: the copy's swap and commission against the master's at the copy's size;
 * - other: the rest (currency conversion at today's tick value, the broker's price feed apart from fills, rounding).
 * Beside it: lot rounding (lots copied ÷ lots the sizing asked for, from the journal's resize reasons), the master
 * trades not copied with the reason the journal gives and what the master made on them, and latency from the
 * master's fill to the follower's fill (both brokers' times in UTC).
 */
import { percentile } from './figures.js';
import { scaleMinor, sumMinor, type Minor } from './money.js';
import type { PairedCopy } from './pairing.js';
import { copyKeyText, type CopyKey, type MasterTrade, type SymbolValue } from './types.js';

/** The journal row fields quality reads (the engine's `JournalRow` fits). */
export interface JournalFacts {
  at: number;
  masterId: string;
  eventKind: string;
  followerId: string;
  action: string;
  status: string;
  reason: string | null;
  detail: Readonly<Record<string, number | string | boolean | null>>;
  masterTicket: number | null;
  volume: number | null;
}

/** Slippage of one side (open or close) over the compared copies. */
export interface SlippageFigures {
  /** Copies measured. */
  copies: number;
  /** Money the follower lost to it (positive) or gained (negative), follower minor units. */
  cost: Minor;
  /** Points per copy, positive = worse for the follower. */
  meanPoints: number | null;
  p50Points: number | null;
  p95Points: number | null;
}

/** Lot rounding over the copies the journal recorded. */
export interface RoundingFigures {
  /** Opens whose asked and copied lots are known. */
  opens: number;
  /** Of them, rounded to the symbol's step or minimum. */
  rounded: number;
  /** Σ lots copied ÷ Σ lots asked (1 = nothing lost to rounding); null without opens. */
  ratio: number | null;
  /** The most rounded open: its ratio and master ticket. */
  worst: { ratio: number; masterId: string; masterTicket: number } | null;
  /** What the rounded-away lots would have made at the master's result (positive = the follower is behind by it). */
  cost: Minor | null;
  /** Opens resized by a rule after rounding (margin, symbol maximum), whose asked lots the journal does not keep. */
  unknown: number;
}

/** Master trades of one reason not copied. */
export interface NotCopiedFigures {
  /** The journal's reason code (or the leg status, e.g. `rejected`). */
  reason: string;
  /** Master positions. */
  trades: number;
  /** What the master made on those that closed, per master currency (master minor units). */
  masterNet: { masterId: string; net: Minor }[];
  /** Of them, still open on the master or not found in its history. */
  unknown: number;
}

/** Quality figures of one follower over one period. */
export interface QualityFigures {
  /** Closed copies with the master closed and both symbols' values known. */
  compared: number;
  /** Closed copies left out (master not found, still open on the master, no symbol value). */
  uncompared: number;
  /** Σ (copy net − master net at the copy's size); negative = behind the master. */
  trackingError: Minor;
  slippageOpen: SlippageFigures;
  slippageClose: SlippageFigures;
  /** Fees paid beyond the master's at the copy's size (positive = more). */
  fees: Minor;
  /** The rest of the gap: −trackingError − slippage − fees. */
  other: Minor;
  rounding: RoundingFigures;
  notCopied: NotCopiedFigures[];
  latency: { samples: number; p50Ms: number | null; p95Ms: number | null; maxMs: number | null };
}

/** One compared copy's numbers, also the samples of the distribution charts. */
export interface CopyQuality {
  paired: PairedCopy;
  openPoints: number | null;
  closePoints: number | null;
  openCost: Minor | null;
  closeCost: Minor | null;
  /** Follower open − master open, ms. */
  latencyMs: number | null;
}

const sign = (side: 'buy' | 'sell'): number => (side === 'buy' ? 1 : -1);
const roundPoints = (x: number): number => Math.round(x * 10) / 10;

/** Money of `priceDiff` per lot × lots on the follower, rounded to minor units once. */
function moneyOf(priceDiff: number, lots: number, value: SymbolValue, digits: number): Minor {
  return scaleMinor(10 ** digits, priceDiff * value.perPriceUnit * lots);
}

/** Per-copy slippage and latency. `followerValue` gives the follower symbol's point and money per price unit. */
export function copyQuality(paired: readonly PairedCopy[], followerValue: (symbol: string) => SymbolValue | null, digits: number): CopyQuality[] {
  return paired.map((p) => {
    const m = p.master;
    const v = followerValue(p.copy.symbol);
    if (m === null) return { paired: p, openPoints: null, closePoints: null, openCost: null, closeCost: null, latencyMs: null };
    const s = sign(p.copy.side);
    const openDiff = s * (p.copy.openPrice - m.openPrice);
    const closeDiff = m.closed ? s * (m.closePrice - p.copy.closePrice) : null;
    const ok = v !== null && v.point > 0;
    return {
      paired: p,
      openPoints: ok ? roundPoints(openDiff / v.point) : null,
      closePoints: ok && closeDiff !== null ? roundPoints(closeDiff / v.point) : null,
      openCost: v !== null ? moneyOf(openDiff, p.copy.volume, v, digits) : null,
      closeCost: v !== null && closeDiff !== null ? moneyOf(closeDiff, p.copy.volume, v, digits) : null,
      latencyMs: p.copy.openMs - m.openMs,
    };
  });
}

function slippageFigures(points: number[], costs: Minor[]): SlippageFigures {
  return {
    copies: costs.length,
    cost: sumMinor(costs),
    meanPoints: points.length === 0 ? null : roundPoints(points.reduce((a, b) => a + b, 0) / points.length),
    p50Points: percentile(points, 50),
    p95Points: percentile(points, 95),
  };
}

const ROUNDING_CODES = ['volume_rounded', 'rounded_up_to_min'];
/** Resize reasons the planner applies after rounding whose `from`/`to` overwrite rounding's in the journal detail. */
const LATER_RESIZES = ['volume_max', 'margin_reduced'];

/** Asked and copied lots of one journal open, as far as rounding goes; null when not recoverable. */
export function roundingOf(row: JournalFacts): { asked: number; copied: number; rounded: boolean } | null {
  const codes = (row.reason ?? '').split(',');
  if (codes.some((c) => LATER_RESIZES.includes(c))) return null;
  if (codes.some((c) => ROUNDING_CODES.includes(c))) {
    const from = row.detail.from;
    const to = row.detail.to;
    if (typeof from !== 'number' || typeof to !== 'number' || !(from > 0) || !(to > 0)) return null;
    return { asked: from, copied: to, rounded: true };
  }
  return row.volume !== null && row.volume > 0 ? { asked: row.volume, copied: row.volume, rounded: false } : null;
}

const isFilledOpen = (r: JournalFacts): boolean => (r.action === 'open' || r.action === 'place_pending') && (r.status === 'filled' || r.status === 'partial');

function rounding(journal: readonly JournalFacts[], paired: ReadonlyMap<string, PairedCopy>): RoundingFigures {
  let opens = 0;
  let rounded = 0;
  let unknown = 0;
  let asked = 0;
  let copied = 0;
  let worst: RoundingFigures['worst'] = null;
  const lostByKey = new Map<string, number>();
  for (const r of journal) {
    if (!isFilledOpen(r) || r.masterTicket === null) continue;
    const key = copyKeyText({ masterId: r.masterId, masterTicket: r.masterTicket });
    if (!paired.has(key)) continue;
    const x = roundingOf(r);
    if (x === null) {
      unknown++;
      continue;
    }
    opens++;
    asked += x.asked;
    copied += x.copied;
    if (!x.rounded) continue;
    rounded++;
    const ratio = x.copied / x.asked;
    if (worst === null || ratio < worst.ratio) worst = { ratio, masterId: r.masterId, masterTicket: r.masterTicket };
    lostByKey.set(key, (lostByKey.get(key) ?? 0) + (x.asked - x.copied));
  }
  let cost: Minor | null = lostByKey.size === 0 ? (opens > 0 ? 0 : null) : 0;
  for (const [key, lost] of lostByKey) {
    const p = paired.get(key) as PairedCopy;
    if (p.masterScaledNet === null || !(p.copy.volume > 0) || cost === null) continue;
    cost += scaleMinor(p.masterScaledNet, lost / p.copy.volume);
  }
  return { opens, rounded, ratio: asked > 0 ? copied / asked : null, worst, cost, unknown };
}

/** Reasons that mean the trade was copied after all (by a pending copy, or before the event). */
const COPIED_ANYWAY = new Set(['already_copied', 'pending_copy_exists']);

function notCopied(
  journal: readonly JournalFacts[],
  copiedKeys: ReadonlySet<string>,
  masterTrade: (key: CopyKey) => MasterTrade | null,
): NotCopiedFigures[] {
  const filled = new Set<string>();
  for (const r of journal) if (isFilledOpen(r) && r.masterTicket !== null) filled.add(copyKeyText({ masterId: r.masterId, masterTicket: r.masterTicket }));
  const byReason = new Map<string, Map<string, CopyKey>>();
  for (const r of journal) {
    if (r.masterTicket === null || (r.eventKind !== 'open' && r.eventKind !== 'pending_place')) continue;
    if (r.status !== 'skipped' && r.status !== 'rejected' && r.status !== 'failed') continue;
    const reason = r.reason ?? r.status;
    if (COPIED_ANYWAY.has(reason)) continue;
    const key = { masterId: r.masterId, masterTicket: r.masterTicket };
    const text = copyKeyText(key);
    if (copiedKeys.has(text) || filled.has(text)) continue;
    // One reason per master position: the first the journal gives.
    if ([...byReason.values()].some((m) => m.has(text))) continue;
    const keys = byReason.get(reason) ?? new Map<string, CopyKey>();
    keys.set(text, key);
    byReason.set(reason, keys);
  }
  const out: NotCopiedFigures[] = [];
  for (const [reason, keys] of byReason) {
    const nets = new Map<string, Minor>();
    let unknown = 0;
    for (const key of keys.values()) {
      const t = masterTrade(key);
      if (t === null || !t.closed) {
        unknown++;
        continue;
      }
      nets.set(key.masterId, (nets.get(key.masterId) ?? 0) + t.net);
    }
    out.push({ reason, trades: keys.size, masterNet: [...nets].map(([masterId, net]) => ({ masterId, net })), unknown });
  }
  return out.sort((a, b) => b.trades - a.trades || a.reason.localeCompare(b.reason));
}

/**
 * Quality figures of one follower. `paired` are its copies closed in the period, `journal` its journal rows in the
 * period (any order), `copiedKeys` every copy key the follower holds or held (closed or open), `masterTrade` looks a
 * master position up.
 */
export function qualityFigures(input: {
  paired: readonly PairedCopy[];
  followerValue: (symbol: string) => SymbolValue | null;
  digits: number;
  journal: readonly JournalFacts[];
  copiedKeys: ReadonlySet<string>;
  masterTrade: (key: CopyKey) => MasterTrade | null;
}): QualityFigures {
  const per = copyQuality(input.paired, input.followerValue, input.digits);
  const compared = per.filter((q) => q.paired.masterScaledNet !== null && q.paired.masterScaledCosts !== null && q.openCost !== null && q.closeCost !== null);
  const tracking = sumMinor(compared.map((q) => q.paired.copy.net - (q.paired.masterScaledNet as Minor)));
  const fees = sumMinor(compared.map((q) => (q.paired.masterScaledCosts as Minor) - (q.paired.copy.swap + q.paired.copy.commission)));
  const slippageOpen = slippageFigures(
    compared.flatMap((q) => (q.openPoints === null ? [] : [q.openPoints])),
    compared.map((q) => q.openCost as Minor),
  );
  const slippageClose = slippageFigures(
    compared.flatMap((q) => (q.closePoints === null ? [] : [q.closePoints])),
    compared.map((q) => q.closeCost as Minor),
  );
  const latencies = per.flatMap((q) => (q.latencyMs === null ? [] : [q.latencyMs]));
  const byKey = new Map(input.paired.map((p) => [copyKeyText(p.copy.key), p] as const));
  return {
    compared: compared.length,
    uncompared: per.length - compared.length,
    trackingError: tracking,
    slippageOpen,
    slippageClose,
    fees,
    other: -tracking - slippageOpen.cost - slippageClose.cost - fees,
    rounding: rounding(input.journal, byKey),
    notCopied: notCopied(input.journal, input.copiedKeys, input.masterTrade),
    latency: {
      samples: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      maxMs: latencies.reduce<number | null>((max, x) => (max === null || x > max ? x : max), null),
    },
  };
}

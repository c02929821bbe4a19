/**
 * Report views from what was read: the follower's closed copies, the masters' trades, the symbols' values and the
 * journal. Pure: the engine reads, this decides what the numbers are.
 */
import { cumulative, figuresOf, inCurveOrder, maxDrawdown, type TradeResult } from './figures.js';
import { minorToNumber, sumMinor, type Minor } from './money.js';
import { pairCopies, type PairedCopy } from './pairing.js';
import type { Bucket, BucketUnit, PeriodBounds } from './period.js';
import { copyQuality, qualityFigures, type JournalFacts } from './quality.js';
import { bucketRows, symbolRows, totalsOf, type GroupTotals } from './tables.js';
import { copyKeyText, type AccountFacts, type ClosedCopy, type CopyKey, type MasterTrade, type SymbolValue } from './types.js';
import type { AccountRefView, FiguresView, PeriodTableView, PeriodView, ProfitView, QualityView, SymbolTableView, TableRowView } from './views.js';

/** Everything a follower's reports are made from. */
export interface ReportInput {
  follower: AccountFacts;
  /** The masters its copies (and its journal) name. */
  masters: ReadonlyMap<string, AccountFacts>;
  bounds: PeriodBounds;
  /** Closed copies read (some may have closed outside the bounds: they are left out here). */
  copies: readonly ClosedCopy[];
  /** Copy keys still open on the follower. */
  openKeys: ReadonlySet<string>;
  /** Per master id: its trades by key ticket. */
  masterTrades: ReadonlyMap<string, ReadonlyMap<number, MasterTrade>>;
  followerValue(symbol: string): SymbolValue | null;
  masterValue(masterId: string, symbol: string): SymbolValue | null;
  /** The follower's journal rows (any time; filtered to the bounds here). */
  journal: readonly JournalFacts[];
}

const inBounds = (b: PeriodBounds, tMs: number): boolean => (b.fromMs === null || tMs >= b.fromMs) && tMs <= b.toMs;

/** The period as a view. */
export function periodView(b: PeriodBounds): PeriodView {
  return { label: b.label, fromMs: b.fromMs, toMs: b.toMs, utcOffsetSeconds: b.utcOffsetSeconds };
}

/** An account as a view names it. */
export function accountRef(a: AccountFacts): AccountRefView {
  return { id: a.id, name: a.name, currency: a.currency, digits: a.digits };
}

/** The copies closed inside the bounds, each beside its master position. */
export function periodCopies(input: ReportInput): PairedCopy[] {
  const masters = new Map<string, { currency: string; digits: number; trades: ReadonlyMap<number, MasterTrade> }>();
  for (const [id, facts] of input.masters) masters.set(id, { currency: facts.currency, digits: facts.digits, trades: input.masterTrades.get(id) ?? new Map() });
  return pairCopies(
    input.copies.filter((c) => inBounds(input.bounds, c.closeMs)),
    { follower: input.follower, masters, followerValue: (s) => input.followerValue(s), masterValue: (m, s) => input.masterValue(m, s) },
  );
}

interface Booked {
  tMs: number;
  order: number;
  symbol: string;
  masterId: string;
  masterTicket: number;
  net: Minor;
  profit: Minor;
  swap: Minor;
  commission: Minor;
}

function figuresView(items: readonly Booked[]): FiguresView {
  const results: (TradeResult & { item: Booked })[] = items.map((item) => ({ tMs: item.tMs, net: item.net, order: item.order, symbol: item.symbol, item }));
  const f = figuresOf(results);
  const ref = (r: TradeResult | null) => {
    if (r === null) return null;
    const item = (r as TradeResult & { item: Booked }).item;
    return { masterId: item.masterId, masterTicket: item.masterTicket, symbol: item.symbol, net: item.net, closeMs: item.tMs };
  };
  return {
    trades: f.trades,
    wins: f.wins,
    losses: f.losses,
    winRate: f.winRate,
    net: f.net,
    profit: sumMinor(items.map((i) => i.profit)),
    swap: sumMinor(items.map((i) => i.swap)),
    commission: sumMinor(items.map((i) => i.commission)),
    best: ref(f.best),
    worst: ref(f.worst),
    maxDrawdown: f.maxDrawdown,
  };
}

const followerBooked = (p: PairedCopy): Booked => ({
  tMs: p.copy.closeMs,
  order: p.copy.tickets[0] ?? 0,
  symbol: p.masterSymbol,
  masterId: p.copy.key.masterId,
  masterTicket: p.copy.key.masterTicket,
  net: p.copy.net,
  profit: p.copy.profit,
  swap: p.copy.swap,
  commission: p.copy.commission,
});

const masterBooked = (m: MasterTrade): Booked => ({
  tMs: m.closeMs,
  order: m.ticket,
  symbol: m.symbol,
  masterId: m.masterId,
  masterTicket: m.ticket,
  net: m.net,
  profit: m.profit,
  swap: m.swap,
  commission: m.commission,
});

/** `/profit`: figures of the copies closed in the period and of their master positions. */
export function profitView(input: ReportInput): ProfitView {
  const paired = periodCopies(input);
  const masters: ProfitView['masters'] = [];
  for (const [id, facts] of input.masters) {
    const mine = paired.filter((p) => p.copy.key.masterId === id);
    if (mine.length === 0) continue;
    const closed = mine.flatMap((p) => (p.master !== null && p.master.closed ? [p.master] : []));
    masters.push({
      master: accountRef(facts),
      figures: figuresView(closed.map(masterBooked)),
      stillOpen: mine.filter((p) => p.master !== null && !p.master.closed).length,
      notFound: mine.filter((p) => p.master === null).length,
    });
  }
  const scaled = inCurveOrder(
    paired.flatMap((p) => (p.masterScaledNet === null || p.master === null ? [] : [{ tMs: p.master.closeMs, order: p.master.ticket, net: p.masterScaledNet }])),
  );
  return {
    follower: accountRef(input.follower),
    period: periodView(input.bounds),
    figures: figuresView(paired.map(followerBooked)),
    masters,
    masterScaled: {
      trades: scaled.length,
      wins: scaled.filter((s) => s.net > 0).length,
      net: sumMinor(scaled.map((s) => s.net)),
      maxDrawdown: maxDrawdown(scaled.map((s) => s.net)),
    },
    openCopies: input.openKeys.size,
  };
}

const row = (label: string, t: GroupTotals): TableRowView => ({ label, trades: t.trades, wins: t.wins, net: t.net, masterNet: t.masterNet, masterTrades: t.masterTrades });

/** `/daily`, `/weekly`, `/monthly`: `list` are the buckets (period.ts `buckets`); the bounds must span them. */
export function periodTableView(input: ReportInput, unit: BucketUnit, list: readonly Bucket[]): PeriodTableView {
  const paired = periodCopies(input);
  const rows = bucketRows(paired, list);
  const counted = paired.filter((p) => list.some((b) => p.copy.closeMs >= b.fromMs && p.copy.closeMs <= b.toMs));
  return {
    follower: accountRef(input.follower),
    unit,
    period: periodView(input.bounds),
    rows: rows.map((r) => ({ ...row(r.label, r), fromMs: r.fromMs, toMs: r.toMs })),
    total: row('total', totalsOf(counted)),
  };
}

/** `/performance`: per master symbol. */
export function symbolTableView(input: ReportInput): SymbolTableView {
  const paired = periodCopies(input);
  return {
    follower: accountRef(input.follower),
    period: periodView(input.bounds),
    rows: symbolRows(paired).map((r) => ({ ...row(r.symbol, r), followerSymbols: r.followerSymbols })),
    total: row('total', totalsOf(paired)),
  };
}

/** Every copy key the follower holds or held, closed or open. */
function copiedKeys(input: ReportInput): Set<string> {
  const keys = new Set(input.openKeys);
  for (const c of input.copies) keys.add(copyKeyText(c.key));
  return keys;
}

/** `/quality`. */
export function qualityView(input: ReportInput): QualityView {
  const journal = input.journal.filter((r) => inBounds(input.bounds, r.at));
  const figures = qualityFigures({
    paired: periodCopies(input),
    followerValue: (s) => input.followerValue(s),
    digits: input.follower.digits,
    journal,
    copiedKeys: copiedKeys(input),
    masterTrade: (key: CopyKey) => input.masterTrades.get(key.masterId)?.get(key.masterTicket) ?? null,
  });
  return {
    ...figures,
    follower: accountRef(input.follower),
    period: periodView(input.bounds),
    masters: [...input.masters.values()].map(accountRef),
  };
}

/** `PnlChartInput` of src/charts/types.ts, produced here with the same shape. */
export interface PnlSeries {
  title: string;
  subtitle: string;
  currency: string;
  fromMs: number;
  toMs: number;
  follower: { tMs: number; value: number }[];
  master: { tMs: number; value: number }[];
}

/** `DistributionChartInput` of src/charts/types.ts. */
export interface DistributionSeries {
  title: string;
  subtitle: string;
  unit: string;
  samples: number[];
}

const utcText = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function span(input: ReportInput, paired: readonly PairedCopy[]): { fromMs: number; toMs: number; text: string } {
  const first = paired.reduce<number>((min, p) => Math.min(min, p.copy.closeMs), input.bounds.toMs);
  const fromMs = input.bounds.fromMs ?? first;
  return { fromMs, toMs: input.bounds.toMs, text: `${input.bounds.label} · ${utcText(fromMs)} – ${utcText(input.bounds.toMs)}` };
}

/**
 * The cumulative realized P&L of the copies closed in the period (at their close times) and the master's on the same
 * trades at the follower's size (at the master's close times), in the follower's currency; both start at 0.
 */
export function pnlSeries(input: ReportInput): PnlSeries {
  const paired = periodCopies(input);
  const s = span(input, paired);
  const digits = input.follower.digits;
  const curve = (points: readonly { tMs: number; order: number; net: Minor }[]) => {
    const ordered = inCurveOrder(points);
    const values = cumulative(ordered.map((p) => p.net));
    return [{ tMs: s.fromMs, value: 0 }, ...ordered.map((p, i) => ({ tMs: p.tMs, value: minorToNumber(values[i] as Minor, digits) }))];
  };
  const follower = curve(paired.map((p) => ({ tMs: p.copy.closeMs, order: p.copy.tickets[0] ?? 0, net: p.copy.net })));
  const master = curve(paired.flatMap((p) => (p.master === null || p.masterScaledNet === null ? [] : [{ tMs: p.master.closeMs, order: p.master.ticket, net: p.masterScaledNet }])));
  const compared = master.length - 1;
  return {
    title: `${input.follower.name}: realized P&L of copies`,
    subtitle: `${s.text} · ${paired.length} closed ${paired.length === 1 ? 'copy' : 'copies'} · master at your size on ${compared}`,
    currency: input.follower.currency,
    fromMs: s.fromMs,
    toMs: s.toMs,
    follower,
    master,
  };
}

/** Latency (ms, master fill → follower fill) and open slippage (points, positive = worse) of the period's copies. */
export function qualitySeries(input: ReportInput): { latency: DistributionSeries; slippage: DistributionSeries } {
  const paired = periodCopies(input);
  const s = span(input, paired);
  const per = copyQuality(paired, (sym) => input.followerValue(sym), input.follower.digits);
  const latency = per.flatMap((q) => (q.latencyMs === null ? [] : [q.latencyMs]));
  const slippage = per.flatMap((q) => (q.openPoints === null ? [] : [q.openPoints]));
  return {
    latency: { title: `${input.follower.name}: copy latency`, subtitle: `master fill → follower fill · ${s.text} · ${latency.length} copies`, unit: 'ms', samples: latency },
    slippage: { title: `${input.follower.name}: slippage at the open`, subtitle: `against the master's fill, positive = worse · ${s.text} · ${slippage.length} copies`, unit: 'points', samples: slippage },
  };
}

/**
 * The planner (design.md §3): one master event → one plain-data leg (or skip) per follower that follows the master.
 * The executor turns legs into one batch; every skip and resize carries a reason code with its numbers.
 *
 * Decisions where the contract is silent:
 * - A paused or close-only follower still gets closes, partial closes, SL/TP modifications and pending moves and
 *   deletions of its existing copies: pausing stops NEW exposure only, so a master close never leaves an orphan.
 * - Closes ignore the follower symbol's trade mode: reducing exposure is always attempted; the broker decides.
 * - A master pending that triggers is not copied again as a market open when the follower holds a live copy of that
 *   pending (`pending_copy_exists`): the follower's own pending fills at its trigger; reconciliation handles drift.
 * - On a netting follower, SL/TP of a position shared by several master positions are not modified
 *   (`shared_position`): one master's stops would overwrite another's.
 * - Prices (SL, TP, pending trigger) are copied as absolute levels, rounded to the follower symbol's digits.
 */
import type { FollowerConfig } from './config.js';
import type { CapDecision, DailyRiskFacts } from './daily-risk.js';
import { checkDailyRisk, worstMarketEntry } from './daily-risk.js';
import type {
  MasterClose,
  MasterEvent,
  MasterModify,
  MasterOpen,
  MasterPendingDelete,
  MasterPendingModify,
  MasterPendingPlace,
} from './events.js';
import type { CopyLink } from './ledger.js';
import type { Reason, ReasonCode } from './reasons.js';
import { reason } from './reasons.js';
import {
  checkCloseOnly,
  checkDailyLoss,
  checkMargin,
  checkMaxOpenPositions,
  checkPaused,
  checkPriceDeviation,
  checkSide,
  checkSymbolFilter,
  checkTradeMode,
  mapStops,
  oppositeSide,
  reverseOperation,
} from './rules.js';
import { isMarketOpen, nextSessionOpen } from './sessions.js';
import { sizeVolume } from './sizing.js';
import type { AliasTable } from './symbols.js';
import { resolveSymbol, type SymbolResolution } from './symbols.js';
import { copyComment } from './tags.js';
import type { AccountSummary, MarginMode, Operation, Side, SymbolSpec } from './trading.js';
import { isPendingOperation, sideOf } from './trading.js';
import { partialCloseVolume, roundLots } from './volume.js';

type Detail = Record<string, number | string>;

/** Everything the planner knows about one follower, from the engine's hot cache. */
export interface FollowerPlanInput {
  config: FollowerConfig;
  /** Cached from the follower's account topic; null = unknown. */
  summary: AccountSummary | null;
  marginMode: MarginMode;
  /** The follower's `/symbols` list. */
  symbols: readonly string[];
  /** Follower symbol → spec (bid/ask kept current by the engine). */
  specs: ReadonlyMap<string, SymbolSpec>;
  /** Follower symbol → margin for 1.0 lot in the account currency. */
  marginPerLot: ReadonlyMap<string, { buy: number; sell: number }>;
  /** This follower's links (all masters, any status). */
  links: readonly CopyLink[];
  /**
   * Comment tags of the copies open on the follower's broker now (its cached open rows with the copier's magic),
   * so a copy whose link was never recorded (a process killed mid-send, an unknown outcome) is not made twice.
   */
  copyTags?: ReadonlySet<string>;
  /** Copied positions currently open on this follower. */
  openPositionCount: number;
  /** Balance at the start of the trading day, for the daily loss limit; absent/null = not checked. */
  dayStartBalance?: number | null;
  /**
   * Today's realized loss and open copies, for the daily risk budget (daily-risk.ts). The engine fills it whenever
   * the follower has a daily loss limit; absent = new copies are not capped by the budget.
   */
  dailyRisk?: DailyRiskFacts;
  /**
   * What `resolveSymbol(masterSymbol, symbols, config.symbolMap)` answers, when the caller keeps it (the engine
   * remembers it per follower); used only with the default alias table (`PlanContext.aliases` unset). Absent: the
   * planner resolves the symbol itself.
   */
  resolveSymbol?: (masterSymbol: string) => SymbolResolution;
}

/** The event-independent context of one planning call. */
export interface PlanContext {
  /** Injected clock (epoch ms). */
  now: number;
  /** The copier's magic number, set on every follower order. */
  magic: number;
  master: { accountId: string; summary: AccountSummary | null; paused?: boolean };
  followers: readonly FollowerPlanInput[];
  aliases?: AliasTable;
  /** Slippage in points sent with market legs; absent = the terminal default. */
  slippagePoints?: number;
  /**
   * The follower broker's server time (server-time epoch ms, see sessions.ts) per follower id. When given, an open on a
   * closed market carries `market_closed` with the next open time so the executor can wait for it.
   */
  serverTimeMs?: ReadonlyMap<string, number>;
}

/** One follower ticket to close; `volume: null` = the whole position. */
export interface CloseTicket {
  ticket: number;
  volume: number | null;
}

/** How a close changes one link (`volumeAfter: 0` = the link is closed). */
export interface LinkVolumeChange {
  masterTicket: number;
  followerTicket: number;
  volumeBefore: number;
  volumeAfter: number;
  /** The master's volume after this close, the link's new `masterVolume`. */
  masterVolumeAfter: number;
}

/** One follower's plan for one master event. Plain data. */
export type LegPlan =
  | {
      action: 'open';
      followerId: string;
      masterTicket: number;
      symbol: string;
      operation: 'Buy' | 'Sell';
      side: Side;
      volume: number;
      stopLoss: number;
      takeProfit: number;
      comment: string;
      magic: number;
      slippage?: number;
      /**
       * Set when this order closes shares of a netting position instead of opening one: a share on the other side
       * of the net cannot be closed by ticket (that trades in the net's direction), so the opposite order is sent.
       * The links change as a close changes them; no link is added.
       */
      offsets?: LinkVolumeChange[];
      reasons: Reason[];
    }
  | {
      action: 'place_pending';
      followerId: string;
      masterTicket: number;
      symbol: string;
      operation: Operation;
      side: Side;
      volume: number;
      price: number;
      stopLoss: number;
      takeProfit: number;
      comment: string;
      magic: number;
      reasons: Reason[];
    }
  | {
      action: 'close';
      followerId: string;
      masterTicket: number;
      tickets: CloseTicket[];
      linkVolumes: LinkVolumeChange[];
      reasons: Reason[];
    }
  | {
      action: 'modify';
      followerId: string;
      masterTicket: number;
      ticket: number;
      /** Absent = keep; 0 only when the master removed it. */
      stopLoss?: number;
      takeProfit?: number;
      price?: number;
      reasons: Reason[];
    }
  | { action: 'delete_pending'; followerId: string; masterTicket: number; ticket: number; reasons: Reason[] }
  | { action: 'skip'; followerId: string; masterTicket: number; reason: ReasonCode; detail: Detail };

export type LegAction = LegPlan['action'];

/** Plans one master event for every follower of its master, in `ctx.followers` order. */
export function planEvent(event: MasterEvent, ctx: PlanContext): LegPlan[] {
  const out: LegPlan[] = [];
  for (const f of ctx.followers) {
    if (!f.config.masters.includes(event.masterId)) continue;
    const legs = planForFollower(event, f, ctx);
    for (let i = 0; i < legs.length; i++) out.push(legs[i] as LegPlan);
  }
  return out;
}

/** Plans one master event for one follower (no check that it follows the master). */
export function planForFollower(event: MasterEvent, f: FollowerPlanInput, ctx: PlanContext): LegPlan[] {
  switch (event.kind) {
    case 'open':
      return [planOpen(event, f, ctx)];
    case 'close':
      return planClose(event, f, ctx);
    case 'modify':
      return planModify(event, f);
    case 'pending_place':
      return [planPendingPlace(event, f, ctx)];
    case 'pending_modify':
      return planPendingModify(event, f);
    case 'pending_delete':
      return planPendingDelete(event, f);
  }
}

function skip(f: FollowerPlanInput, masterTicket: number, code: ReasonCode, detail: Detail = {}): LegPlan {
  return { action: 'skip', followerId: f.config.accountId, masterTicket, reason: code, detail };
}

/** A price rounded to the symbol's digits (0 stays 0 = none); unchanged when the spec is unknown. */
export function roundPrice(price: number, spec: SymbolSpec | undefined): number {
  if (!(price > 0)) return 0;
  if (spec === undefined || !Number.isInteger(spec.digits) || spec.digits < 0 || spec.digits > 10) return price;
  const scale = 10 ** spec.digits;
  return Math.round(price * scale) / scale;
}

function liveLinks(f: FollowerPlanInput, masterId: string, masterTicket: number, kind: CopyLink['kind']): CopyLink[] {
  return f.links.filter(
    (l) => l.masterId === masterId && l.masterTicket === masterTicket && l.kind === kind && l.status === 'open',
  );
}

function hasDetached(f: FollowerPlanInput, masterId: string, masterTicket: number): boolean {
  return f.links.some((l) => l.masterId === masterId && l.masterTicket === masterTicket && l.status === 'detached');
}

/**
 * A copy of this master ticket already exists on the follower: a live link (position or pending, e.g. made by
 * reconciliation while this event waited in the queue) or a tagged row on the broker the ledger does not know yet.
 * A deal replayed at start-up is no exception: its tagged copy may have been opened under another key (a
 * reconciliation open that a lost process never recorded), which its own key's replay would not deduplicate. Leaving
 * the follower out changes the replayed body; FxSocket then answers 422 and the legs are settled from their tags.
 */
function alreadyCopied(f: FollowerPlanInput, masterId: string, masterTicket: number): boolean {
  for (const l of f.links) {
    if (l.masterId === masterId && l.masterTicket === masterTicket && l.status === 'open') return true;
  }
  return f.copyTags?.has(copyComment(masterId, masterTicket)) === true;
}

/** Skip for a master event with no live link on this follower: `detached` if the owner took it over, else `no_link`. */
function noLiveLink(f: FollowerPlanInput, masterId: string, masterTicket: number): LegPlan {
  return hasDetached(f, masterId, masterTicket)
    ? skip(f, masterTicket, 'detached')
    : skip(f, masterTicket, 'no_link');
}

interface EntryChecks {
  symbol: string;
  spec: SymbolSpec;
  followerSide: Side;
  reasons: Reason[];
}

/** The checks shared by market opens and pending placements: state, filters, symbol, trade mode, position count. */
function entryChecks(
  f: FollowerPlanInput,
  ctx: PlanContext,
  masterTicket: number,
  masterSymbol: string,
  masterSide: Side,
): EntryChecks | LegPlan {
  const cfg = f.config;
  const decisions = [
    checkPaused(cfg),
    ctx.master.paused === true ? { ok: false as const, reason: 'master_paused' as const, detail: {} } : null,
    checkCloseOnly(cfg.risk),
    checkDailyLoss(cfg.risk.dailyLossLimit, f.dayStartBalance ?? null, f.summary?.equity ?? null),
    checkSymbolFilter(cfg.filters, masterSymbol),
    checkSide(cfg.filters, masterSide),
  ];
  for (const d of decisions) if (d !== null && !d.ok) return skip(f, masterTicket, d.reason, d.detail);

  const resolved =
    ctx.aliases === undefined && f.resolveSymbol !== undefined
      ? f.resolveSymbol(masterSymbol)
      : resolveSymbol(masterSymbol, f.symbols, cfg.symbolMap, ctx.aliases);
  if (!resolved.ok) return skip(f, masterTicket, resolved.reason, resolved.detail);
  const spec = f.specs.get(resolved.symbol);
  if (spec === undefined) return skip(f, masterTicket, 'spec_unknown', { symbol: resolved.symbol });

  const followerSide = cfg.filters.reverse ? oppositeSide(masterSide) : masterSide;
  const reasons: Reason[] = [];
  if (cfg.filters.reverse) reasons.push(reason('reversed', { masterSide, followerSide }));
  const mode = checkTradeMode(spec.tradeMode, { kind: 'open', side: followerSide });
  if (!mode.ok) return skip(f, masterTicket, mode.reason, { ...mode.detail, symbol: resolved.symbol });
  const count = checkMaxOpenPositions(cfg.risk, f.openPositionCount);
  if (!count.ok) return skip(f, masterTicket, count.reason, count.detail);
  return { symbol: resolved.symbol, spec, followerSide, reasons };
}

/** The daily risk budget's cap on a new copy (daily-risk.ts), from the follower's limit, rule and the engine's facts. */
function dailyRiskCap(f: FollowerPlanInput, copy: { side: Side; volume: number; entryPrice: number; stopLoss: number; spec: SymbolSpec }): CapDecision {
  const risk = f.config.risk;
  return checkDailyRisk(risk.dailyLossLimit, f.dailyRisk, f.specs, risk.noStopLoss, copy);
}

/** Plans a master market open for one follower (also used by reconciliation for a missing copy). */
export function planOpen(event: MasterOpen, f: FollowerPlanInput, ctx: PlanContext): LegPlan {
  const cfg = f.config;
  const ticket = event.position;
  if (event.fromPendingOrder !== null) {
    // The copy of the pending may already have filled on its own and be tracked as a position copy.
    const order = event.fromPendingOrder;
    const copy = liveLinks(f, event.masterId, order, 'position')[0] ?? liveLinks(f, event.masterId, order, 'pending')[0];
    if (copy !== undefined) {
      // `copy` says whether the ledger already holds it as a position (its pending filled) or still as a pending order.
      return skip(f, ticket, 'pending_copy_exists', { order, ticket: copy.followerTicket, copy: copy.kind, symbol: copy.followerSymbol });
    }
    if (hasDetached(f, event.masterId, event.fromPendingOrder)) {
      return skip(f, ticket, 'detached', { order: event.fromPendingOrder });
    }
  }
  // A new master position is copied once; only a netting add may open more next to an existing copy.
  if (!(event.volumeBefore > 0) && alreadyCopied(f, event.masterId, ticket)) return skip(f, ticket, 'already_copied');
  const checks = entryChecks(f, ctx, ticket, event.symbol, event.side);
  if ('action' in checks) return checks;
  const { symbol, spec, followerSide } = checks;
  const reasons = [...checks.reasons];

  // With reverse copy the follower's stop is the master's take-profit level, so risk is measured to that level.
  const riskStop = cfg.filters.reverse ? event.takeProfit : event.stopLoss;
  const sized = sizeVolume(
    cfg.sizing,
    {
      masterVolume: event.volume,
      masterSummary: ctx.master.summary,
      followerSummary: f.summary,
      entryPrice: event.price,
      stopLoss: riskStop,
      followerSpec: spec,
    },
    spec,
    cfg.risk,
  );
  if (!sized.ok) return skip(f, ticket, sized.reason, { ...sized.detail, symbol });
  reasons.push(...sized.reasons);

  const stops = mapStops(cfg.filters, event);
  const stopLoss = roundPrice(stops.stopLoss, spec);
  const entry = worstMarketEntry(followerSide, event.price, spec, ctx.slippagePoints ?? 0);
  const budget = dailyRiskCap(f, { side: followerSide, volume: sized.volume, entryPrice: entry, stopLoss, spec });
  if (!budget.ok) return skip(f, ticket, budget.reason, { ...budget.detail, symbol });
  reasons.push(...budget.reasons);

  const perLot = f.marginPerLot.get(symbol);
  const margin = checkMargin({
    volume: budget.volume,
    marginPerLot: perLot === undefined ? null : perLot[followerSide],
    freeMargin: f.summary?.freeMargin ?? null,
    risk: cfg.risk,
    spec,
  });
  if (!margin.ok) return skip(f, ticket, margin.reason, { ...margin.detail, symbol });
  reasons.push(...margin.reasons);

  const deviation = checkPriceDeviation({
    followerSide,
    masterPrice: event.price,
    spec,
    maxPoints: cfg.risk.maxPriceDeviationPoints,
  });
  if (!deviation.ok) return skip(f, ticket, deviation.reason, { ...deviation.detail, symbol });
  reasons.push(...deviation.reasons);

  const serverTime = ctx.serverTimeMs?.get(cfg.accountId);
  if (serverTime !== undefined && !isMarketOpen(spec.sessions, serverTime)) {
    reasons.push(reason('market_closed', { symbol, nextOpen: nextSessionOpen(spec.sessions, serverTime) ?? 0 }));
  }

  if (!cfg.filters.copySlTp && (event.stopLoss > 0 || event.takeProfit > 0)) reasons.push(reason('sl_tp_not_copied'));
  const leg: LegPlan = {
    action: 'open',
    followerId: cfg.accountId,
    masterTicket: ticket,
    symbol,
    operation: followerSide === 'buy' ? 'Buy' : 'Sell',
    side: followerSide,
    volume: margin.volume,
    stopLoss,
    takeProfit: roundPrice(stops.takeProfit, spec),
    comment: copyComment(event.masterId, ticket),
    magic: ctx.magic,
    reasons,
  };
  if (ctx.slippagePoints !== undefined) leg.slippage = ctx.slippagePoints;
  return leg;
}

/** Plans a master pending placement for one follower (also used by reconciliation). */
export function planPendingPlace(event: MasterPendingPlace, f: FollowerPlanInput, ctx: PlanContext): LegPlan {
  const cfg = f.config;
  const ticket = event.order;
  if (!cfg.filters.copyPending) return skip(f, ticket, 'pending_not_copied');
  if (alreadyCopied(f, event.masterId, ticket)) return skip(f, ticket, 'already_copied');
  if (!isPendingOperation(event.operation)) {
    return skip(f, ticket, 'unsupported_order_type', { operation: event.operation });
  }
  // The event carries no stop-limit price, so stop-limit orders are copied only when they fill.
  const operation = cfg.filters.reverse ? reverseOperation(event.operation) : (event.operation as Operation);
  if (operation === null || operation.endsWith('StopLimit')) {
    return skip(f, ticket, 'unsupported_order_type', { operation: event.operation });
  }
  const masterSide = sideOf(event.operation);
  const checks = entryChecks(f, ctx, ticket, event.symbol, masterSide);
  if ('action' in checks) return checks;
  const { symbol, spec, followerSide } = checks;
  const reasons = [...checks.reasons];
  const riskStop = cfg.filters.reverse ? event.takeProfit : event.stopLoss;
  const sized = sizeVolume(
    cfg.sizing,
    {
      masterVolume: event.volume,
      masterSummary: ctx.master.summary,
      followerSummary: f.summary,
      entryPrice: event.price,
      stopLoss: riskStop,
      followerSpec: spec,
    },
    spec,
    cfg.risk,
  );
  if (!sized.ok) return skip(f, ticket, sized.reason, { ...sized.detail, symbol });
  reasons.push(...sized.reasons);
  const stops = mapStops(cfg.filters, event);
  const price = roundPrice(event.price, spec);
  const stopLoss = roundPrice(stops.stopLoss, spec);
  const budget = dailyRiskCap(f, { side: followerSide, volume: sized.volume, entryPrice: price, stopLoss, spec });
  if (!budget.ok) return skip(f, ticket, budget.reason, { ...budget.detail, symbol });
  reasons.push(...budget.reasons);
  if (!cfg.filters.copySlTp && (event.stopLoss > 0 || event.takeProfit > 0)) reasons.push(reason('sl_tp_not_copied'));
  return {
    action: 'place_pending',
    followerId: cfg.accountId,
    masterTicket: ticket,
    symbol,
    operation,
    side: followerSide,
    volume: budget.volume,
    price,
    stopLoss,
    takeProfit: roundPrice(stops.takeProfit, spec),
    comment: copyComment(event.masterId, ticket),
    magic: ctx.magic,
    reasons,
  };
}

/** Open links on `followerTicket` other than `exclude` (any master): > 0 means a shared netting position. */
function otherLinksOnTicket(f: FollowerPlanInput, followerTicket: number, exclude: readonly CopyLink[]): CopyLink[] {
  return f.links.filter(
    (l) => l.followerTicket === followerTicket && l.status === 'open' && l.kind === 'position' && !exclude.includes(l),
  );
}

/** Signed lots of the open position links on a follower ticket (buy +, sell −): the net position they make up. */
function netOf(f: FollowerPlanInput, followerTicket: number): number {
  let net = 0;
  for (const l of f.links) {
    if (l.followerTicket === followerTicket && l.status === 'open' && l.kind === 'position') net += l.side === 'buy' ? l.volume : -l.volume;
  }
  return roundLots(net);
}

/** True when `volume` of a `side` share can be closed by ticket: the net position is on that side and holds it. */
function closableByTicket(net: number, side: Side, volume: number): boolean {
  return side === 'buy' ? net >= volume - 1e-9 : -net >= volume - 1e-9;
}

/** The order that closes `volume` of a `side` share of a netting position by trading against it (see `offsets`). */
/**
 * The order that takes `volume` out of a netting `share` by trading against it (see `offsets`): the opposite side,
 * no SL/TP, tagged with the share's master position.
 */
export function offsetOrder(share: CopyLink, volume: number, magic: number, offsets: LinkVolumeChange[], reasons: Reason[], slippage?: number): Extract<LegPlan, { action: 'open' }> {
  const side = oppositeSide(share.side);
  return {
    action: 'open',
    followerId: share.followerId,
    masterTicket: share.masterTicket,
    symbol: share.followerSymbol,
    operation: side === 'buy' ? 'Buy' : 'Sell',
    side,
    volume: roundLots(volume),
    stopLoss: 0,
    takeProfit: 0,
    comment: copyComment(share.masterId, share.masterTicket),
    magic,
    ...(slippage === undefined ? {} : { slippage }),
    offsets,
    reasons,
  };
}

/** `offsetOrder` for the links of one master position on a shared netting ticket, closing `volume` of them. */
function offsetLeg(ctx: PlanContext, group: readonly CopyLink[], volume: number, offsets: LinkVolumeChange[], reasons: Reason[]): LegPlan {
  const first = group[0] as CopyLink;
  const why = [...reasons, reason('shared_position', { ticket: first.followerTicket, volume: roundLots(volume), offset: 1 })];
  return offsetOrder(first, volume, ctx.magic, offsets, why, ctx.slippagePoints);
}

function planClose(event: MasterClose, f: FollowerPlanInput, ctx: PlanContext): LegPlan[] {
  const ticket = event.position;
  const links = liveLinks(f, event.masterId, ticket, 'position');
  const pendings = liveLinks(f, event.masterId, ticket, 'pending');
  const full = !(event.volumeBefore > 0) || !(event.volume < event.volumeBefore);
  const masterAfter = full ? 0 : roundLots(event.volumeBefore - event.volume);
  const fraction = full ? 1 : event.volume / event.volumeBefore;
  const out: LegPlan[] = [];

  // A follower copy of a master pending that has not triggered yet, while the master's has filled and now closes.
  if (full) {
    for (const p of pendings) {
      out.push({ action: 'delete_pending', followerId: f.config.accountId, masterTicket: ticket, ticket: p.followerTicket, reasons: [] });
    }
  }
  if (links.length === 0) {
    if (out.length > 0) return out;
    return [noLiveLink(f, event.masterId, ticket)];
  }
  // Every link already records a master volume at or below this close's result: a reconciliation run sized the copy
  // to the master after this deal (its event reached this copier late: a replay after a crash or a takeover, or a
  // stream backlog). Applying the deal's fraction again would close it twice. In the live order each close finds the
  // links at its own `volumeBefore`, so this only catches deals the ledger has already caught up with.
  if (!full && links.every((l) => l.masterVolume > 0 && roundLots(l.masterVolume) <= masterAfter)) {
    return [skip(f, ticket, 'close_already_reflected', { masterVolume: roundLots(Math.max(...links.map((l) => l.masterVolume))), masterVolumeAfter: masterAfter })];
  }

  const tickets: CloseTicket[] = [];
  const linkVolumes: LinkVolumeChange[] = [];
  const offsets: LegPlan[] = [];
  const reasons: Reason[] = [];
  if (!full) reasons.push(reason('partial_close', { fraction: roundLots(fraction, 6), masterVolume: event.volume, masterVolumeBefore: event.volumeBefore }));

  // Links of this master position grouped by follower ticket (a netting follower may hold several on one ticket).
  const byTicket = new Map<number, CopyLink[]>();
  for (const l of links) byTicket.set(l.followerTicket, [...(byTicket.get(l.followerTicket) ?? []), l]);

  for (const [followerTicket, group] of [...byTicket.entries()].sort((a, b) => a[0] - b[0])) {
    const shared = otherLinksOnTicket(f, followerTicket, group).length > 0;
    const spec = f.specs.get(group[0]?.followerSymbol ?? '');
    if (full) {
      const total = roundLots(group.reduce((s, l) => s + l.volume, 0));
      if (shared && !closableByTicket(netOf(f, followerTicket), group[0]?.side ?? 'buy', total)) {
        offsets.push(offsetLeg(ctx, group, total, group.map((l) => change(l, 0, 0)), reasons.filter((r) => r.code === 'partial_close')));
        continue;
      }
      if (shared) {
        reasons.push(reason('shared_position', { ticket: followerTicket, volume: total }));
        tickets.push({ ticket: followerTicket, volume: total });
      } else {
        tickets.push({ ticket: followerTicket, volume: null });
      }
      for (const l of group) linkVolumes.push(change(l, 0, 0));
      continue;
    }
    if (spec === undefined) {
      reasons.push(reason('spec_unknown', { ticket: followerTicket, symbol: group[0]?.followerSymbol ?? '' }));
      continue;
    }
    let ticketClose = 0;
    let wholeTicket = !shared;
    const changes: LinkVolumeChange[] = [];
    for (const l of group) {
      const p = partialCloseVolume(l.volume, fraction, spec);
      if (p.volume === 0) {
        reasons.push(reason('close_below_step', { ticket: followerTicket, volume: l.volume, fraction: roundLots(fraction, 6), step: spec.volumeStep }));
        wholeTicket = false;
        continue;
      }
      if (p.remainderBelowMin) reasons.push(reason('close_remainder_below_min', { ticket: followerTicket, volume: l.volume, min: spec.volumeMin }));
      if (!p.whole) wholeTicket = false;
      ticketClose += p.volume;
      changes.push(change(l, roundLots(l.volume - p.volume), p.whole ? 0 : masterAfter));
    }
    if (ticketClose <= 0) continue;
    if (shared && !closableByTicket(netOf(f, followerTicket), group[0]?.side ?? 'buy', ticketClose)) {
      offsets.push(offsetLeg(ctx, group, ticketClose, changes, reasons.filter((r) => r.code === 'partial_close')));
      continue;
    }
    linkVolumes.push(...changes);
    tickets.push({ ticket: followerTicket, volume: wholeTicket ? null : roundLots(ticketClose) });
  }
  out.push(...offsets);
  if (tickets.length === 0) {
    if (offsets.length > 0) return out;
    const r = reasons.find((x) => x.code === 'close_below_step' || x.code === 'spec_unknown');
    out.push(skip(f, ticket, r?.code ?? 'no_change', r?.detail ?? {}));
    return out;
  }
  out.push({ action: 'close', followerId: f.config.accountId, masterTicket: ticket, tickets, linkVolumes, reasons });
  return out;
}

function change(l: CopyLink, volumeAfter: number, masterVolumeAfter: number): LinkVolumeChange {
  return {
    masterTicket: l.masterTicket,
    followerTicket: l.followerTicket,
    volumeBefore: l.volume,
    volumeAfter,
    masterVolumeAfter: volumeAfter === 0 ? 0 : masterVolumeAfter,
  };
}

function planModify(event: MasterModify, f: FollowerPlanInput): LegPlan[] {
  const ticket = event.position;
  const links = liveLinks(f, event.masterId, ticket, 'position');
  if (links.length === 0) return [noLiveLink(f, event.masterId, ticket)];
  if (!f.config.filters.copySlTp) return [skip(f, ticket, 'sl_tp_not_copied')];
  const now = mapStops(f.config.filters, event);
  const before = mapStops(f.config.filters, { stopLoss: event.previousStopLoss, takeProfit: event.previousTakeProfit });
  const out: LegPlan[] = [];
  for (const followerTicket of uniqueTickets(links)) {
    if (otherLinksOnTicket(f, followerTicket, links).length > 0) {
      out.push(skip(f, ticket, 'shared_position', { ticket: followerTicket }));
      continue;
    }
    const spec = f.specs.get(links.find((l) => l.followerTicket === followerTicket)?.followerSymbol ?? '');
    const leg: LegPlan = { action: 'modify', followerId: f.config.accountId, masterTicket: ticket, ticket: followerTicket, reasons: [] };
    if (now.stopLoss !== before.stopLoss) leg.stopLoss = roundPrice(now.stopLoss, spec);
    if (now.takeProfit !== before.takeProfit) leg.takeProfit = roundPrice(now.takeProfit, spec);
    if (f.config.filters.reverse) leg.reasons.push(reason('reversed', {}));
    out.push(leg.stopLoss === undefined && leg.takeProfit === undefined ? skip(f, ticket, 'no_change', { ticket: followerTicket }) : leg);
  }
  return out;
}

function uniqueTickets(links: readonly CopyLink[]): number[] {
  return [...new Set(links.map((l) => l.followerTicket))].sort((a, b) => a - b);
}

function planPendingModify(event: MasterPendingModify, f: FollowerPlanInput): LegPlan[] {
  const ticket = event.order;
  const links = liveLinks(f, event.masterId, ticket, 'pending');
  if (links.length === 0) {
    return [f.config.filters.copyPending ? noLiveLink(f, event.masterId, ticket) : skip(f, ticket, 'pending_not_copied')];
  }
  // The event carries no previous levels, so all are sent as absolute values; a level already in effect is a no-op
  // (10025) at the broker. A 0 here means the master has none, so the follower's is removed too.
  const stops = mapStops(f.config.filters, event);
  return uniqueTickets(links).map((followerTicket): LegPlan => {
    const spec = f.specs.get(links.find((l) => l.followerTicket === followerTicket)?.followerSymbol ?? '');
    const leg: LegPlan = {
      action: 'modify',
      followerId: f.config.accountId,
      masterTicket: ticket,
      ticket: followerTicket,
      price: roundPrice(event.price, spec),
      reasons: [],
    };
    if (f.config.filters.copySlTp) {
      leg.stopLoss = roundPrice(stops.stopLoss, spec);
      leg.takeProfit = roundPrice(stops.takeProfit, spec);
    } else {
      leg.reasons.push(reason('sl_tp_not_copied'));
    }
    return leg;
  });
}

function planPendingDelete(event: MasterPendingDelete, f: FollowerPlanInput): LegPlan[] {
  const ticket = event.order;
  const links = liveLinks(f, event.masterId, ticket, 'pending');
  if (links.length === 0) {
    return [f.config.filters.copyPending ? noLiveLink(f, event.masterId, ticket) : skip(f, ticket, 'pending_not_copied')];
  }
  return uniqueTickets(links).map(
    (followerTicket): LegPlan => ({ action: 'delete_pending', followerId: f.config.accountId, masterTicket: ticket, ticket: followerTicket, reasons: [] }),
  );
}

/**
 * The planner's inputs, built from the hot caches: a follower's view, the context of one master event, and the
 * follower symbol specs a master symbol needs loaded first.
 */
import type { FollowerConfig } from '../domain/config.js';
import type { DailyRiskFacts } from '../domain/daily-risk.js';
import type { CopyLink } from '../domain/ledger.js';
import type { FollowerPlanInput, PlanContext } from '../domain/plan.js';
import { resolveSymbol, type SymbolResolution } from '../domain/symbols.js';
import type { AccountSummary, OpenedOrder } from '../domain/trading.js';
import { utcDay } from './daily-loss-guard.js';
import type { FollowerState } from './follower-state.js';
import type { LedgerIndex } from './ledger-index.js';
import type { LinkTracker } from './link-tracker.js';
import type { Clock, EngineState, Logger } from './ports.js';

/** What planning reads: follower caches, the ledger, state, and the master's summary and pause flag. */
export interface PlanInputsDeps {
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly ledger: LedgerIndex;
  readonly links: LinkTracker;
  readonly state: { readonly data: EngineState };
  readonly clock: Clock;
  readonly log: Logger;
  readonly options: { readonly magic: number; readonly slippagePoints: number };
  masterSummary(masterId: string): AccountSummary | null;
  masterPaused(masterId: string): boolean;
}

interface ResolvedSymbol {
  symbols: readonly string[];
  symbolMap: Readonly<Record<string, string>>;
  /** The map's keys and values, in order, when this was resolved. */
  mapEntries: readonly string[];
  resolution: SymbolResolution;
}

/** A resolution to hand out: a found one is immutable data; a miss gets its own `detail` (it may end up in a plan). */
function copyOf(r: SymbolResolution): SymbolResolution {
  return r.ok ? r : { ok: false, reason: r.reason, detail: { ...r.detail } };
}

/** True when `map` holds exactly `entries` (keys and values alternating, in insertion order). */
function sameEntries(map: Readonly<Record<string, string>>, entries: readonly string[]): boolean {
  let i = 0;
  for (const key in map) {
    if (key !== entries[i] || map[key] !== entries[i + 1]) return false;
    i += 2;
  }
  return i === entries.length;
}

/** Builds planner inputs from the engine's caches (never the broker, except to load a missing symbol spec). */
export class PlanInputs {
  /** Copy tags per cached rows list: a follower's rows change only when its positions frame does. */
  private readonly tagsOfRows = new WeakMap<readonly OpenedOrder[], ReadonlySet<string>>();
  /** See {@link PlanInputs.resolution}. */
  private readonly resolvedSymbols = new WeakMap<FollowerState, Map<string, ResolvedSymbol>>();

  constructor(private readonly deps: PlanInputsDeps) {}

  /**
   * How a master symbol resolves on a follower (`resolveSymbol` with the default aliases), remembered per follower
   * while its symbol list (the same array) and its symbol map (same entries; the map is edited in place) are
   * unchanged: every open and pending placement resolves it for every follower twice (spec warm-up and planning),
   * and resolving anew each time was a measurable share of planning a thousand followers.
   */
  private resolution(f: FollowerState, cfg: FollowerConfig, masterSymbol: string): SymbolResolution {
    let byMaster = this.resolvedSymbols.get(f);
    if (byMaster === undefined) {
      byMaster = new Map();
      this.resolvedSymbols.set(f, byMaster);
    }
    const hit = byMaster.get(masterSymbol);
    if (hit !== undefined && hit.symbols === f.symbols && hit.symbolMap === cfg.symbolMap && sameEntries(cfg.symbolMap, hit.mapEntries)) return copyOf(hit.resolution);
    const resolution = resolveSymbol(masterSymbol, f.symbols, cfg.symbolMap);
    const mapEntries: string[] = [];
    for (const key in cfg.symbolMap) mapEntries.push(key, cfg.symbolMap[key] as string);
    byMaster.set(masterSymbol, { symbols: f.symbols, symbolMap: cfg.symbolMap, mapEntries, resolution });
    return copyOf(resolution);
  }

  /** The comments of the copier's orders among `rows` (see FollowerPlanInput.copyTags). */
  private copyTags(rows: readonly OpenedOrder[]): ReadonlySet<string> {
    let tags = this.tagsOfRows.get(rows);
    if (tags === undefined) {
      const set = new Set<string>();
      const magic = this.deps.options.magic;
      for (const r of rows) if (r.magic === magic && r.comment !== '') set.add(r.comment);
      tags = set;
      this.tagsOfRows.set(rows, tags);
    }
    return tags;
  }

  /** The planner's view of a follower, from the hot cache. */
  planInput(cfg: FollowerConfig): FollowerPlanInput | null {
    const f = this.deps.followers.get(cfg.accountId);
    if (!f) return null;
    const links = this.deps.ledger.ofFollower(cfg.accountId);
    this.deps.links.retargetLinks(f.id);
    let open = 0;
    for (const l of links) if (l.status === 'open' && l.kind === 'position') open++;
    const dailyRisk = this.dailyRisk(f, cfg, links);
    return {
      ...(dailyRisk === null ? {} : { dailyRisk }),
      config: cfg,
      summary: f.summary,
      marginMode: f.marginMode,
      symbols: f.symbols,
      specs: f.specs,
      marginPerLot: f.marginPerLot,
      links,
      copyTags: this.copyTags(f.positions),
      resolveSymbol: (masterSymbol) => this.resolution(f, cfg, masterSymbol),
      openPositionCount: open,
      dayStartBalance: this.deps.state.data.daily[cfg.accountId]?.startBalance ?? null,
    };
  }

  /**
   * The daily risk budget's facts for a follower with a daily loss limit (null without one): the day's start balance
   * (today's mark, or the balance now when no frame of today has set it yet), the balance, and its open copies.
   */
  dailyRisk(f: FollowerState, cfg: FollowerConfig, links: readonly CopyLink[]): DailyRiskFacts | null {
    const fresh = this.deps.ledger.freshCopies;
    if (cfg.risk.dailyLossLimit === null) {
      fresh.forget(f.id);
      return null;
    }
    const balance = f.summary?.balance ?? null;
    const mark = this.deps.state.data.daily[cfg.accountId];
    const dayStartBalance = mark !== undefined && mark.day === utcDay(this.deps.clock.now()) ? mark.startBalance : balance;
    return { dayStartBalance, balance, openCopies: fresh.openCopies(f.id, f.positions, this.deps.options.magic, links) };
  }

  /** The followers configured to copy a master. */
  followersOf(masterId: string): FollowerConfig[] {
    return this.deps.state.data.followers.filter((f) => f.masters.includes(masterId));
  }

  /** The context of one master event's plan: now, the master, the followers and their server clocks. */
  planContext(masterId: string, inputs: FollowerPlanInput[]): PlanContext {
    const serverTimeMs = new Map<string, number>();
    const now = this.deps.clock.now();
    for (const input of inputs) {
      const f = this.deps.followers.get(input.config.accountId);
      if (f) serverTimeMs.set(f.id, now + f.utcOffsetSeconds * 1000);
    }
    return {
      now,
      magic: this.deps.options.magic,
      master: {
        accountId: masterId,
        summary: this.deps.masterSummary(masterId),
        paused: this.deps.masterPaused(masterId),
      },
      followers: inputs,
      slippagePoints: this.deps.options.slippagePoints,
      serverTimeMs,
    };
  }

  /** Loads the follower specs a master symbol resolves to, once per symbol (not on the steady-state path). */
  async warmSymbols(masterSymbol: string, followers: readonly FollowerConfig[]): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const cfg of followers) {
      const f = this.deps.followers.get(cfg.accountId);
      if (!f) continue;
      const r = this.resolution(f, cfg, masterSymbol);
      const symbols = r.ok ? [r.symbol] : [];
      // The daily risk budget prices every open copy's stop: after a restart their symbols may not be loaded yet.
      if (cfg.risk.dailyLossLimit !== null) {
        for (const row of f.positions) if (row.magic === this.deps.options.magic && !f.specs.has(row.symbol) && !symbols.includes(row.symbol)) symbols.push(row.symbol);
      }
      for (const symbol of symbols) {
        if (f.specs.has(symbol) && f.marginPerLot.has(symbol)) continue;
        loads.push(f.ensureSymbol(symbol).catch((e: unknown) => this.deps.log.warn({ followerId: f.id, symbol, err: String(e) }, 'symbol info unavailable')));
      }
    }
    if (loads.length > 0) await Promise.all(loads);
  }
}

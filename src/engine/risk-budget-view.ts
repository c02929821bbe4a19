/**
 * The daily risk budget view for the control API (`/risk`): the planner's own facts for the follower (its hot cache,
 * the day's mark and the copies just opened) run through the domain's preview. No broker call except loading a symbol
 * spec the cache lacks.
 */
import type { FollowerConfig } from '../domain/config.js';
import { previewDailyRisk } from '../domain/daily-risk-preview.js';
import { RejectedError } from '../domain/errors.js';
import type { RiskBudgetView } from './control-types.js';
import type { CopyEngine } from './engine.js';

/** The budget of `cfg` (the follower's configuration, or a copy with the risk settings to preview). */
export async function riskBudgetView(engine: CopyEngine, cfg: FollowerConfig): Promise<RiskBudgetView> {
  const f = engine.followers.get(cfg.accountId);
  if (!f) throw new RejectedError('follower_offline', `${engine.accountName(cfg.accountId)} is not connected; try again shortly.`);
  const history = cfg.masters.flatMap((m) => (engine.state.data.masterHistory[m] ?? []).map((t) => ({ ...t, masterId: m })));
  const last = history.reduce<(typeof history)[number] | null>((newest, t) => (newest === null || t.at >= newest.at ? t : newest), null);
  // Loads the modelled trade's symbol and, with a limit, the open copies' symbols (warmSymbols does both).
  await engine.warmSymbols(last?.symbol ?? '', [cfg]);
  const input = engine.planInput(cfg);
  if (!input) throw new RejectedError('follower_offline', `${engine.accountName(cfg.accountId)} is not connected; try again shortly.`);
  const preview = previewDailyRisk({
    limit: cfg.risk.dailyLossLimit,
    noStopLoss: cfg.risk.noStopLoss,
    facts: input.dailyRisk ?? { dayStartBalance: null, balance: f.summary?.balance ?? null, openCopies: [] },
    follower: {
      summary: f.summary,
      masterSummary: last === null ? null : (engine.masters.get(last.masterId)?.feed.summary ?? null),
      symbols: f.symbols,
      specs: f.specs,
      symbolMap: cfg.symbolMap,
      risk: cfg.risk,
    },
    sizing: cfg.sizing,
    filters: cfg.filters,
    slippagePoints: engine.options.slippagePoints,
    trade: last === null ? null : { position: last.position, symbol: last.symbol, side: last.side, volume: last.volume, price: last.price, stopLoss: last.stopLoss },
  });
  return {
    followerId: cfg.accountId,
    limit: cfg.risk.dailyLossLimit,
    noStopLoss: { ...cfg.risk.noStopLoss },
    currency: f.summary?.currency ?? null,
    budget: preview.budget,
    unavailable: preview.unavailable,
    openCopies: preview.openCopies,
    next: preview.next,
  };
}

/**
 * The control API (design.md §5.3): what the bot, or any UI, may ask. Plain data in and out; every refusal is a
 * `RejectedError` with a stable code and a sentence that can be shown to the user as is. Configuration changes are
 * flushed to disk before the call returns.
 */
import type { AccountId, Filters, FollowerConfig, RiskLimits, Sizing } from '../domain/config.js';
import { defaultFollower } from '../domain/config.js';
import { RejectedError } from '../domain/errors.js';
import { previewSizing } from '../domain/sizing.js';
import { idempotencyKey } from '../domain/tags.js';
import type {
  AccountView,
  CloseAllResult,
  ControlApi,
  JournalView,
  MasterPositionView,
  PauseTarget,
  PositionView,
  RiskBudgetView,
  SizingPreviewRow,
  StatusView,
} from './control-types.js';
import { filtersPatchSchema, invalid, riskPatchSchema, sizingSchema } from './control-schemas.js';
import { positionViews, statusView } from './control-views.js';
import { masterPositionViews } from './master-positions-view.js';
import { riskBudgetView } from './risk-budget-view.js';
import type { CopyEngine } from './engine.js';
import type { ReconcileReport } from './events.js';
import type { BucketUnit, DistributionChartInput, PeriodTableView, PnlChartInput, ProfitView, QualityView, ReportPeriod, SymbolTableView } from './reports/api.js';
import { createReports } from './reports/create.js';
import type { Reports } from './reports/reports.js';

export class EngineControl implements ControlApi {
  private readonly engine: CopyEngine;
  private readonly reports: Reports;

  constructor(engine: CopyEngine) {
    this.engine = engine;
    this.reports = createReports(engine);
  }

  private get data() {
    return this.engine.state.data;
  }

  private async save(): Promise<void> {
    this.engine.state.changed();
    await this.engine.state.flush();
  }

  async listAccounts(): Promise<AccountView[]> {
    const accounts = await this.engine.broker.listAccounts();
    for (const a of accounts) this.engine.accounts.set(a.id, a);
    return accounts.map((a) => {
      const master = this.engine.masterConfig(a.id);
      const follower = this.engine.followerConfig(a.id);
      return {
        id: a.id,
        nickname: a.nickname,
        platform: a.platform,
        server: a.server,
        login: a.login,
        status: a.status,
        role: master ? 'master' : follower ? 'follower' : 'none',
        paused: master?.paused ?? follower?.paused ?? false,
        streaming: master ? (this.engine.masters.get(a.id)?.feed.streaming ?? false) : follower ? (this.engine.followers.get(a.id)?.streaming ?? false) : false,
      };
    });
  }

  async resolveAccount(ref: string): Promise<AccountId> {
    const needle = ref.trim();
    if (needle === '') throw new RejectedError('unknown_account', 'Name an account: its nickname, id or the first characters of its id.');
    let accounts = [...this.engine.accounts.values()];
    if (accounts.length === 0) {
      await this.listAccounts();
      accounts = [...this.engine.accounts.values()];
    }
    const exact = accounts.find((a) => a.id === needle) ?? accounts.find((a) => a.nickname.toLowerCase() === needle.toLowerCase());
    if (exact) return exact.id;
    const byPrefix = needle.length >= 4 ? accounts.filter((a) => a.id.startsWith(needle.toLowerCase())) : [];
    if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0].id;
    if (byPrefix.length > 1) throw new RejectedError('ambiguous_account', `'${needle}' matches ${byPrefix.length} accounts; give more of the id or the nickname.`);
    throw new RejectedError('unknown_account', `No account '${needle}'. /accounts lists the accounts this API key sees.`);
  }

  private requireKnown(accountId: AccountId): void {
    if (!this.engine.accounts.has(accountId)) throw new RejectedError('unknown_account', `No account with id ${accountId}.`);
  }

  async setMaster(accountId: AccountId): Promise<void> {
    this.requireKnown(accountId);
    if (this.engine.followerConfig(accountId)) {
      throw new RejectedError('account_is_follower', `${this.engine.accountName(accountId)} is a follower; unfollow it first (a master cannot copy another master).`);
    }
    if (!this.engine.masterConfig(accountId)) {
      this.data.masters.push({ accountId, paused: false });
      await this.save();
    }
    await this.engine.startMaster(accountId);
  }

  async unsetMaster(accountId: AccountId): Promise<void> {
    if (!this.engine.masterConfig(accountId)) throw new RejectedError('not_a_master', `${this.engine.accountName(accountId)} is not a master.`);
    this.data.masters.splice(0, this.data.masters.length, ...this.data.masters.filter((m) => m.accountId !== accountId));
    for (const f of this.data.followers) f.masters = f.masters.filter((m) => m !== accountId);
    await this.save();
    await this.engine.stopMaster(accountId);
  }

  async follow(followerId: AccountId, masterId: AccountId): Promise<FollowerConfig> {
    this.requireKnown(followerId);
    this.requireKnown(masterId);
    if (followerId === masterId) throw new RejectedError('self_follow', 'An account cannot follow itself.');
    if (!this.engine.masterConfig(masterId)) throw new RejectedError('not_a_master', `${this.engine.accountName(masterId)} is not a master; set it with /master first.`);
    if (this.engine.masterConfig(followerId)) throw new RejectedError('account_is_master', `${this.engine.accountName(followerId)} is a master and cannot follow another account.`);
    let cfg = this.engine.followerConfig(followerId);
    if (!cfg) {
      cfg = defaultFollower(followerId, [masterId]);
      this.data.followers.push(cfg);
    } else if (!cfg.masters.includes(masterId)) {
      cfg.masters.push(masterId);
    }
    await this.save();
    await this.engine.startFollower(followerId);
    return structuredClone(cfg);
  }

  async unfollow(followerId: AccountId, masterId?: AccountId): Promise<void> {
    const cfg = this.engine.followerConfig(followerId);
    if (!cfg) throw new RejectedError('not_a_follower', `${this.engine.accountName(followerId)} follows no master.`);
    if (masterId !== undefined && !cfg.masters.includes(masterId)) {
      throw new RejectedError('not_following', `${this.engine.accountName(followerId)} does not follow ${this.engine.accountName(masterId)}.`);
    }
    cfg.masters = masterId === undefined ? [] : cfg.masters.filter((m) => m !== masterId);
    if (cfg.masters.length === 0) {
      this.data.followers.splice(0, this.data.followers.length, ...this.data.followers.filter((f) => f.accountId !== followerId));
      await this.save();
      await this.engine.stopFollower(followerId);
      return;
    }
    await this.save();
  }

  private async setPaused(target: PauseTarget, paused: boolean): Promise<void> {
    if ('all' in target) {
      for (const m of this.data.masters) m.paused = paused;
      for (const f of this.data.followers) {
        f.paused = paused;
        f.pausedReason = paused ? 'user' : null;
      }
    } else if ('master' in target) {
      const m = this.engine.masterConfig(target.master);
      if (!m) throw new RejectedError('not_a_master', `${this.engine.accountName(target.master)} is not a master.`);
      m.paused = paused;
    } else {
      const f = this.requireFollower(target.follower);
      f.paused = paused;
      f.pausedReason = paused ? 'user' : null;
    }
    await this.save();
  }

  pause(target: PauseTarget): Promise<void> {
    return this.setPaused(target, true);
  }

  resume(target: PauseTarget): Promise<void> {
    return this.setPaused(target, false);
  }

  private requireFollower(followerId: AccountId): FollowerConfig {
    const cfg = this.engine.followerConfig(followerId);
    if (!cfg) throw new RejectedError('not_a_follower', `${this.engine.accountName(followerId)} is not a follower; use /follow first.`);
    return cfg;
  }

  follower(followerId: AccountId): FollowerConfig {
    return structuredClone(this.requireFollower(followerId));
  }

  async setOwner(followerId: AccountId, userId: number | null): Promise<FollowerConfig> {
    const cfg = this.requireFollower(followerId);
    if (userId !== null && (!Number.isSafeInteger(userId) || userId <= 0)) throw new RejectedError('invalid_user', 'A Telegram user id is a positive whole number.');
    cfg.ownerUserId = userId;
    await this.save();
    return structuredClone(cfg);
  }

  async setSizing(followerId: AccountId, sizing: Sizing): Promise<FollowerConfig> {
    const cfg = this.requireFollower(followerId);
    const parsed = sizingSchema.safeParse(sizing);
    if (!parsed.success) throw invalid('invalid_sizing', parsed.error);
    cfg.sizing = parsed.data;
    await this.save();
    return structuredClone(cfg);
  }

  async previewSizing(followerId: AccountId, sizing: Sizing, lastN = 10): Promise<SizingPreviewRow[]> {
    const cfg = this.requireFollower(followerId);
    const parsed = sizingSchema.safeParse(sizing);
    if (!parsed.success) throw invalid('invalid_sizing', parsed.error);
    const f = this.engine.followers.get(followerId);
    if (!f) throw new RejectedError('follower_offline', `${this.engine.accountName(followerId)} is not connected; try again shortly.`);
    const trades = cfg.masters
      .flatMap((m) => (this.data.masterHistory[m] ?? []).map((t) => ({ ...t, masterId: m })))
      .sort((a, b) => a.at - b.at)
      .slice(-lastN);
    for (const symbol of new Set(trades.map((t) => t.symbol))) await this.engine.warmSymbols(symbol, [cfg]);
    return trades.map((t) => {
      const [row] = previewSizing(
        [{ position: t.position, symbol: t.symbol, side: t.side, volume: t.volume, price: t.price, stopLoss: t.stopLoss }],
        {
          summary: f.summary,
          masterSummary: this.engine.masters.get(t.masterId)?.feed.summary ?? null,
          symbols: f.symbols,
          specs: f.specs,
          symbolMap: cfg.symbolMap,
          risk: cfg.risk,
        },
        parsed.data,
      );
      return {
        masterTicket: t.position,
        symbol: t.symbol,
        followerSymbol: row?.followerSymbol ?? null,
        side: t.side,
        masterVolume: t.volume,
        volume: row?.volume ?? null,
        rawVolume: row?.rawLots ?? null,
        rounded: row?.rounded ?? false,
        skipped: row?.skipped?.reason ?? null,
        reasons: row?.reasons.map((r) => r.code) ?? [],
      };
    });
  }

  symbolMap(followerId: AccountId): Record<string, string> {
    return { ...this.requireFollower(followerId).symbolMap };
  }

  async setSymbolMapping(followerId: AccountId, from: string, to: string | null): Promise<Record<string, string>> {
    const cfg = this.requireFollower(followerId);
    const source = from.trim();
    if (!/^[A-Za-z0-9._#+-]{1,40}$/.test(source)) throw new RejectedError('invalid_symbol', `'${from}' is not a symbol name.`);
    if (to === null) {
      if (!(source in cfg.symbolMap)) throw new RejectedError('no_mapping', `There is no mapping for ${source}.`);
      delete cfg.symbolMap[source];
    } else {
      const target = to.trim();
      const f = this.engine.followers.get(followerId);
      if (f && f.symbols.length > 0 && !f.symbols.includes(target)) {
        const hint = f.symbols.filter((s) => s.toUpperCase().includes(target.toUpperCase().slice(0, 3))).slice(0, 5);
        throw new RejectedError('unknown_symbol', `${this.engine.accountName(followerId)}'s broker has no symbol '${target}'.${hint.length > 0 ? ` Did you mean: ${hint.join(', ')}?` : ''}`);
      }
      cfg.symbolMap[source] = target;
    }
    await this.save();
    return { ...cfg.symbolMap };
  }

  async setFilters(followerId: AccountId, patch: Partial<Filters>): Promise<Filters> {
    const cfg = this.requireFollower(followerId);
    const parsed = filtersPatchSchema.safeParse(patch);
    if (!parsed.success) throw invalid('invalid_filters', parsed.error);
    Object.assign(cfg.filters, parsed.data);
    await this.save();
    return { ...cfg.filters };
  }

  async setRisk(followerId: AccountId, patch: Partial<RiskLimits>): Promise<RiskLimits> {
    const cfg = this.requireFollower(followerId);
    const parsed = riskPatchSchema.safeParse(patch);
    if (!parsed.success) throw invalid('invalid_risk', parsed.error);
    Object.assign(cfg.risk, parsed.data);
    await this.save();
    return structuredClone(cfg.risk);
  }

  async riskBudget(followerId: AccountId, patch: Partial<RiskLimits> = {}): Promise<RiskBudgetView> {
    const cfg = this.requireFollower(followerId);
    const parsed = riskPatchSchema.safeParse(patch);
    if (!parsed.success) throw invalid('invalid_risk', parsed.error);
    return riskBudgetView(this.engine, { ...cfg, risk: { ...cfg.risk, ...parsed.data } });
  }

  async positions(followerId?: AccountId): Promise<PositionView[]> {
    const ids = followerId !== undefined ? [this.requireFollower(followerId).accountId] : this.data.followers.map((f) => f.accountId);
    return positionViews(this.engine, ids);
  }

  masterPositions(masterId?: AccountId): MasterPositionView[] {
    if (masterId !== undefined && !this.engine.masterConfig(masterId)) throw new RejectedError('not_a_master', `${this.engine.accountName(masterId)} is not a master.`);
    return masterPositionViews(this.engine, masterId !== undefined ? [masterId] : this.data.masters.map((m) => m.accountId));
  }

  reconcile(options: { followerId?: AccountId; apply: boolean }): Promise<ReconcileReport> {
    if (options.followerId !== undefined) this.requireFollower(options.followerId);
    return this.engine.runReconcile({ followerId: options.followerId, apply: options.apply, trigger: 'manual' });
  }

  async closeAll(followerId: AccountId): Promise<CloseAllResult> {
    this.requireFollower(followerId);
    const key = idempotencyKey(followerId, `closeall:${this.engine.clock.now()}`, 'u');
    const reply = await this.engine.broker.closeOrders(
      { accounts: [{ account_id: followerId, symbol: '*', magic: this.engine.options.magic, kind: 'any' }] },
      { idempotencyKey: key },
    );
    const leg = reply.results[0];
    const tickets = (leg?.results ?? []).map((t) => ({ ticket: t.ticket, status: t.status, retcode: t.retcode }));
    for (const t of tickets) {
      if (t.status !== 'closed') continue;
      for (const link of this.engine.ledger.ofFollower(followerId)) {
        if (link.followerTicket === t.ticket && link.status === 'open') {
          // Closed on purpose: mark detached so reconciliation does not reopen them.
          link.status = 'detached';
        }
      }
    }
    await this.save();
    return {
      followerId,
      closed: tickets.filter((t) => t.status === 'closed').length,
      failed: tickets.filter((t) => t.status !== 'closed' && t.status !== 'timeout').length,
      unknown: tickets.filter((t) => t.status === 'timeout').length + (leg?.status === 'timeout' ? 1 : 0),
      tickets,
    };
  }

  history(options: { limit?: number; followerId?: AccountId } = {}): JournalView[] {
    const limit = Math.max(1, Math.min(options.limit ?? 20, 500));
    const rows = options.followerId === undefined ? this.data.journal : this.data.journal.filter((j) => j.followerId === options.followerId);
    return rows.slice(-limit).reverse().map((r) => ({ ...r, detail: { ...r.detail } }));
  }

  why(ticket: number): JournalView[] {
    if (!Number.isSafeInteger(ticket) || ticket <= 0) throw new RejectedError('invalid_ticket', 'A ticket is a positive whole number.');
    return this.data.journal.filter((r) => r.followerTicket === ticket || r.masterTicket === ticket).map((r) => ({ ...r, detail: { ...r.detail } }));
  }

  status(): StatusView {
    return statusView(this.engine);
  }

  profitReport(followerId: AccountId, period: ReportPeriod): Promise<ProfitView> {
    return this.reports.profit(followerId, period);
  }

  periodReport(followerId: AccountId, unit: BucketUnit, count: number): Promise<PeriodTableView> {
    return this.reports.periodTable(followerId, unit, count);
  }

  symbolReport(followerId: AccountId, period: ReportPeriod): Promise<SymbolTableView> {
    return this.reports.symbols(followerId, period);
  }

  qualityReport(followerId: AccountId, period: ReportPeriod): Promise<QualityView> {
    return this.reports.quality(followerId, period);
  }

  pnlSeries(followerId: AccountId, period: ReportPeriod): Promise<PnlChartInput> {
    return this.reports.pnlSeries(followerId, period);
  }

  qualitySamples(followerId: AccountId, period: ReportPeriod): Promise<{ latency: DistributionChartInput; slippage: DistributionChartInput }> {
    return this.reports.qualitySamples(followerId, period);
  }
}

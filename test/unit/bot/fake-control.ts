/**
 * A hand-written in-memory ControlApi (design.md §5.7: fakes over mocks) for tests that need speed and determinism
 * more than the real engine: the property test and the console test. Same refusals as the engine: RejectedError
 * with a code and a user-presentable message.
 */
import type { AccountId, Filters, FollowerConfig, RiskLimits, Sizing } from '../../../src/domain/config.js';
import { defaultFollower } from '../../../src/domain/config.js';
import { RejectedError } from '../../../src/domain/errors.js';
import type { AccountView, CloseAllResult, JournalView, PauseTarget, PositionView, SizingPreviewRow, StatusView } from '../../../src/engine/control-types.js';
import type { ReconcileReport } from '../../../src/engine/events.js';
import type { BotControl } from '../../../src/bot/ports.js';

export const IDS = {
  master: '11111111-aaaa-4aaa-8aaa-000000000001',
  alpha: '22222222-bbbb-4bbb-8bbb-000000000002',
  beta: '33333333-cccc-4ccc-8ccc-000000000003',
  spare: '44444444-dddd-4ddd-8ddd-000000000004',
};

export class FakeControl implements BotControl {
  accounts: AccountView[] = [
    { id: IDS.master, nickname: 'master', platform: 'mt5', server: 'Demo-Live', login: 1, status: 'connected', role: 'master', paused: false, streaming: true },
    { id: IDS.alpha, nickname: 'alpha', platform: 'mt5', server: 'Apex-Real', login: 2, status: 'connected', role: 'follower', paused: false, streaming: true },
    { id: IDS.beta, nickname: 'beta <b>', platform: 'mt4', server: 'Classic & Co', login: 3, status: 'connected', role: 'follower', paused: false, streaming: false },
    { id: IDS.spare, nickname: 'spare', platform: 'mt5', server: 'Raw', login: 4, status: 'connected', role: 'none', paused: false, streaming: true },
  ];
  masters = new Map<string, { paused: boolean }>([[IDS.master, { paused: false }]]);
  followers = new Map<string, FollowerConfig>([
    [IDS.alpha, { ...defaultFollower(IDS.alpha, [IDS.master]), ownerUserId: 222 }],
    [IDS.beta, defaultFollower(IDS.beta, [IDS.master])],
  ]);
  journal: JournalView[] = [
    { at: 1, masterId: IDS.master, eventId: 'd1', eventKind: 'open', followerId: IDS.alpha, action: 'open', status: 'filled', reason: null, detail: {}, masterTicket: 100, followerTicket: 500, symbol: 'EURUSD', volume: 0.1, price: 1.1 },
    { at: 2, masterId: IDS.master, eventId: 'd1', eventKind: 'open', followerId: IDS.beta, action: 'open', status: 'skipped', reason: 'insufficient_margin', detail: { required: 900, free: 100 }, masterTicket: 100, followerTicket: null, symbol: 'EURUSD', volume: 0.1, price: null },
  ];
  pausedAll = false;

  #view(id: AccountId): AccountView {
    const a = this.accounts.find((x) => x.id === id);
    if (a === undefined) throw new RejectedError('unknown_account', `No account with id ${id}.`);
    const role = this.masters.has(id) ? 'master' : this.followers.has(id) ? 'follower' : 'none';
    const paused = this.masters.get(id)?.paused ?? this.followers.get(id)?.paused ?? false;
    return { ...a, role, paused };
  }

  #follower(id: AccountId): FollowerConfig {
    const f = this.followers.get(id);
    if (f === undefined) throw new RejectedError('not_a_follower', `${this.#view(id).nickname} is not a follower; use /follow first.`);
    return f;
  }

  async listAccounts(): Promise<AccountView[]> {
    return this.accounts.map((a) => this.#view(a.id));
  }
  async resolveAccount(ref: string): Promise<AccountId> {
    const needle = ref.trim().toLowerCase();
    const exact = this.accounts.find((a) => a.id === needle || a.nickname.toLowerCase() === needle);
    if (exact) return exact.id;
    const prefix = needle.length >= 4 ? this.accounts.filter((a) => a.id.startsWith(needle)) : [];
    if (prefix.length === 1 && prefix[0]) return prefix[0].id;
    throw new RejectedError('unknown_account', `No account '${ref}'. /accounts lists the accounts this API key sees.`);
  }
  async setMaster(id: AccountId): Promise<void> {
    this.#view(id);
    if (this.followers.has(id)) throw new RejectedError('account_is_follower', 'unfollow it first');
    this.masters.set(id, { paused: false });
  }
  async unsetMaster(id: AccountId): Promise<void> {
    if (!this.masters.delete(id)) throw new RejectedError('not_a_master', 'not a master');
  }
  async follow(f: AccountId, m: AccountId): Promise<FollowerConfig> {
    this.#view(f);
    if (!this.masters.has(m)) throw new RejectedError('not_a_master', 'not a master');
    const cfg = this.followers.get(f) ?? defaultFollower(f, []);
    if (!cfg.masters.includes(m)) cfg.masters.push(m);
    this.followers.set(f, cfg);
    return structuredClone(cfg);
  }
  async unfollow(f: AccountId, m?: AccountId): Promise<void> {
    const cfg = this.#follower(f);
    cfg.masters = m === undefined ? [] : cfg.masters.filter((x) => x !== m);
    if (cfg.masters.length === 0) this.followers.delete(f);
  }
  async pause(t: PauseTarget): Promise<void> {
    this.#setPaused(t, true);
  }
  async resume(t: PauseTarget): Promise<void> {
    this.#setPaused(t, false);
  }
  #setPaused(t: PauseTarget, paused: boolean): void {
    if ('all' in t) {
      this.pausedAll = paused;
      return;
    }
    if ('master' in t) {
      const m = this.masters.get(t.master);
      if (!m) throw new RejectedError('not_a_master', 'not a master');
      m.paused = paused;
      return;
    }
    const f = this.#follower(t.follower);
    f.paused = paused;
    f.pausedReason = paused ? 'user' : null;
  }
  follower(id: AccountId): FollowerConfig {
    return structuredClone(this.#follower(id));
  }
  async setSizing(id: AccountId, sizing: Sizing): Promise<FollowerConfig> {
    this.#follower(id).sizing = sizing;
    return this.follower(id);
  }
  async previewSizing(id: AccountId, sizing: Sizing): Promise<SizingPreviewRow[]> {
    this.#follower(id);
    const lots = sizing.mode === 'fixed' ? sizing.lots : sizing.mode === 'risk_percent' ? 0.2 * sizing.percent : 0.1 * sizing.multiplier;
    return [{ masterTicket: 100, symbol: 'EURUSD', followerSymbol: 'EURUSD', side: 'buy', masterVolume: 0.1, volume: Math.floor(lots * 100) / 100 || null, rawVolume: lots, rounded: false, skipped: lots < 0.01 ? 'below_min_volume' : null, reasons: [] }];
  }
  symbolMap(id: AccountId): Record<string, string> {
    return { ...this.#follower(id).symbolMap };
  }
  async setSymbolMapping(id: AccountId, from: string, to: string | null): Promise<Record<string, string>> {
    const f = this.#follower(id);
    if (to === null) delete f.symbolMap[from];
    else f.symbolMap[from] = to;
    return { ...f.symbolMap };
  }
  async setFilters(id: AccountId, patch: Partial<Filters>): Promise<Filters> {
    const f = this.#follower(id);
    f.filters = { ...f.filters, ...patch };
    return { ...f.filters };
  }
  async setRisk(id: AccountId, patch: Partial<RiskLimits>): Promise<RiskLimits> {
    const f = this.#follower(id);
    f.risk = { ...f.risk, ...patch };
    return { ...f.risk };
  }
  async positions(id?: AccountId): Promise<PositionView[]> {
    const all: PositionView[] = [
      { followerId: IDS.alpha, followerName: 'alpha', ticket: 500, symbol: 'EURUSD', side: 'buy', kind: 'position', volume: 0.1, openPrice: 1.1, stopLoss: 0, takeProfit: 0, profit: 3.2, masterId: IDS.master, masterTicket: 100 },
    ];
    return all.filter((p) => id === undefined || p.followerId === id);
  }
  async reconcile(o: { followerId?: AccountId; apply: boolean }): Promise<ReconcileReport> {
    return { dryRun: !o.apply, followers: [] };
  }
  async closeAll(id: AccountId): Promise<CloseAllResult> {
    return { followerId: id, closed: 1, failed: 0, unknown: 0, tickets: [{ ticket: 500, status: 'closed', retcode: 10009 }] };
  }
  history(o: { limit?: number; followerId?: AccountId } = {}): JournalView[] {
    return this.journal.filter((j) => o.followerId === undefined || j.followerId === o.followerId).slice(0, o.limit ?? 10);
  }
  why(ticket: number): JournalView[] {
    return this.journal.filter((j) => j.masterTicket === ticket || j.followerTicket === ticket);
  }
  status(): StatusView {
    return {
      startedAt: 0,
      paused: this.pausedAll,
      halted: null,
      masters: [...this.masters].map(([id, m]) => ({ id, name: this.#view(id).nickname, paused: m.paused, streaming: true, lastEventAt: null })),
      followers: [...this.followers.values()].map((f) => ({ id: f.accountId, name: this.#view(f.accountId).nickname, paused: f.paused, pausedReason: f.pausedReason, streaming: true, masters: f.masters, openCopies: 1 })),
      copyLagMs: { p50: 120, p99: 300, samples: 5 },
      lastMasterEventAt: null,
      pendingLegs: 0,
    };
  }
  async setOwner(id: AccountId, userId: number | null): Promise<FollowerConfig> {
    this.#follower(id).ownerUserId = userId;
    return this.follower(id);
  }
}

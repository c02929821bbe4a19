/**
 * The control API's vocabulary: what the bot (or any UI) can ask the engine, and the plain data it gets back.
 * Methods throw `RejectedError` (bad argument, unknown account, not allowed) with a stable `code` and a message
 * that can be shown to the user as is.
 */
import type { AccountId, Filters, FollowerConfig, NoStopLossRule, RiskLimits, Sizing } from '../domain/config.js';
import type { NextCopyPreview } from '../domain/daily-risk-preview.js';
import type { ReconcileReport } from './events.js';
import type { JournalRow } from './ports.js';
import type { ReportsApi } from './reports/api.js';

export type * from './reports/api.js';

/** An account the API key sees, with the copier's view of it. */
export interface AccountView {
  id: AccountId;
  nickname: string;
  platform: string;
  server: string;
  login: number;
  status: string;
  role: 'master' | 'follower' | 'none';
  paused: boolean;
  /** The copier's terminal stream for it is up. */
  streaming: boolean;
}

/** Who to pause or resume. */
export type PauseTarget = { follower: AccountId } | { master: AccountId } | { all: true };

/** One row of a sizing preview: how a past master trade would be copied under given settings. */
export interface SizingPreviewRow {
  masterTicket: number;
  symbol: string;
  followerSymbol: string | null;
  side: 'buy' | 'sell';
  masterVolume: number;
  /** Exact lot that would be sent, or null when skipped. */
  volume: number | null;
  /** Raw lot before rounding to the step. */
  rawVolume: number | null;
  rounded: boolean;
  skipped: string | null;
  reasons: string[];
}

export interface PositionView {
  followerId: AccountId;
  followerName: string;
  ticket: number;
  symbol: string;
  side: 'buy' | 'sell';
  kind: 'position' | 'pending';
  volume: number;
  openPrice: number;
  stopLoss: number;
  takeProfit: number;
  profit: number;
  /** The master position it copies, when it is a copy. */
  masterId: AccountId | null;
  masterTicket: number | null;
}

export interface StatusView {
  startedAt: number;
  paused: boolean;
  halted: string | null;
  masters: { id: AccountId; name: string; paused: boolean; streaming: boolean; lastEventAt: number | null }[];
  followers: { id: AccountId; name: string; paused: boolean; pausedReason: string | null; streaming: boolean; masters: AccountId[]; openCopies: number }[];
  /** Median and p99 of master event → last leg answered, over recent events (ms). */
  copyLagMs: { p50: number | null; p99: number | null; samples: number };
  lastMasterEventAt: number | null;
  pendingLegs: number;
  /** Cluster mode only: the workers, their partitions and leases, and how far each is behind. */
  cluster?: ClusterStatusView;
}

/** What /status shows of a cluster (src/cluster). */
export interface ClusterStatusView {
  partitions: number;
  configVersion: number;
  /** Partitions no live worker holds right now. */
  unowned: number[];
  workers: {
    id: string;
    version: string;
    /** Age of its last heartbeat: a worker that stopped renewing shows here first. */
    heartbeatAgeMs: number;
    stale: boolean;
    refused: string | null;
    feeds: string[];
    partitions: { partition: number; followers: number; unacked: number; leaseLeftMs: number }[];
  }[];
  /** Entries of each master stream not yet acknowledged by every partition that reads it. */
  streamLag: { masterId: string; pending: number; length: number }[];
  deadLetters: number;
}

/**
 * A follower's daily risk budget now (`/risk`), in its account currency: today's realized loss, what its open copies
 * would lose at their stop losses, what is left of the daily loss limit, and what the next copy of its masters' most
 * recent trade (same lot and SL distance, entered at the follower's price now) would be capped to.
 */
export interface RiskBudgetView {
  followerId: AccountId;
  /** The daily loss limit; null = none, so no budget (and every other field empty). */
  limit: number | null;
  noStopLoss: NoStopLossRule;
  /** The follower's account currency, when its account frame has been seen. */
  currency: string | null;
  /** The budget's numbers; null when there is no limit or it cannot be computed (`unavailable` says why). */
  budget: { limit: number; realizedLoss: number; openRisk: number; remaining: number; unprotected: number } | null;
  /** Why no new copy can be proven within the budget now (a reason code such as `daily_risk_unbounded`). */
  unavailable: { reason: string; detail: Record<string, number | string> } | null;
  /** Open copies (positions and pending orders) counted. */
  openCopies: number;
  /** The next copy of the most recent master trade; null when no master trade is remembered or there is no limit. */
  next: NextCopyPreview | null;
}

/** A master's open position or pending order as the copier's book knows it (beside the followers' copies). */
export interface MasterPositionView {
  masterId: AccountId;
  masterName: string;
  /** Position id, or the pending order's ticket. */
  ticket: number;
  symbol: string;
  side: 'buy' | 'sell';
  kind: 'position' | 'pending';
  volume: number;
  /** The pending order's price; null for positions (the book does not keep their open price). */
  openPrice: number | null;
  stopLoss: number;
  takeProfit: number;
}

/** A journal row as the control API returns it: the engine's own row shape, copied. */
export type JournalView = JournalRow;

export interface CloseAllResult {
  followerId: AccountId;
  closed: number;
  failed: number;
  unknown: number;
  tickets: { ticket: number; status: string; retcode: number }[];
}

/** The control API (design.md §5.3): plain data in and out. The reports' methods are in {@link ReportsApi}. */
export interface ControlApi extends ReportsApi {
  listAccounts(): Promise<AccountView[]>;
  /** Resolves an id, an id prefix (≥ 4 chars) or a nickname to an account id; throws `unknown_account`. */
  resolveAccount(ref: string): Promise<AccountId>;
  setMaster(accountId: AccountId): Promise<void>;
  unsetMaster(accountId: AccountId): Promise<void>;
  follow(followerId: AccountId, masterId: AccountId): Promise<FollowerConfig>;
  unfollow(followerId: AccountId, masterId?: AccountId): Promise<void>;
  pause(target: PauseTarget): Promise<void>;
  resume(target: PauseTarget): Promise<void>;
  follower(followerId: AccountId): FollowerConfig;
  /** Assigns a follower to the Telegram user who owns it (role `owner` manages only its own followers); null clears. */
  setOwner(followerId: AccountId, userId: number | null): Promise<FollowerConfig>;
  setSizing(followerId: AccountId, sizing: Sizing): Promise<FollowerConfig>;
  previewSizing(followerId: AccountId, sizing: Sizing, lastN?: number): Promise<SizingPreviewRow[]>;
  symbolMap(followerId: AccountId): Record<string, string>;
  /** `to: null` removes the mapping. */
  setSymbolMapping(followerId: AccountId, from: string, to: string | null): Promise<Record<string, string>>;
  setFilters(followerId: AccountId, patch: Partial<Filters>): Promise<Filters>;
  setRisk(followerId: AccountId, patch: Partial<RiskLimits>): Promise<RiskLimits>;
  /** The follower's daily risk budget now; with `patch`, as it would be under those risk settings (validated like `setRisk`). */
  riskBudget(followerId: AccountId, patch?: Partial<RiskLimits>): Promise<RiskBudgetView>;
  positions(followerId?: AccountId): Promise<PositionView[]>;
  /** The masters' open positions and pending orders from the copier's book (all masters, or one); no broker call. */
  masterPositions(masterId?: AccountId): MasterPositionView[];
  reconcile(options: { followerId?: AccountId; apply: boolean }): Promise<ReconcileReport>;
  closeAll(followerId: AccountId): Promise<CloseAllResult>;
  history(options?: { limit?: number; followerId?: AccountId }): JournalView[];
  why(ticket: number): JournalView[];
  status(): StatusView;
}

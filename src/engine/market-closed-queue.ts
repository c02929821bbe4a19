/**
 * Legs waiting for a closed market (pending legs of kind `market_closed`): the broker would answer 10018, so an open
 * the planner marked market-closed is not sent; it is kept in state, retried at the follower's next session, and
 * dropped (and reported) when the master position closes, the copy exists, it no longer plans, or it expires.
 */
import type { FollowerConfig } from '../domain/config.js';
import type { MasterBook } from '../domain/detect.js';
import type { MasterEvent, MasterOpen } from '../domain/events.js';
import type { LegPlan } from '../domain/plan.js';
import { planOpen } from '../domain/plan.js';
import { nextSessionOpen } from '../domain/sessions.js';
import { applyExecution } from './apply-results.js';
import type { EventFacts } from './apply-results.js';
import type { CopierEvent, LegOutcome } from './events.js';
import type { Executor, LegExecution } from './executor.js';
import type { FollowerState } from './follower-state.js';
import type { LedgerIndex } from './ledger-index.js';
import type { PlanInputs } from './plan-inputs.js';
import type { Clock, EngineState, JournalRow, Logger, PendingLeg } from './ports.js';

type OpenPlan = Extract<LegPlan, { action: 'open' }>;

/** The `leg` payload of a `market_closed` pending leg, as stored in state. */
export type QueuedLegJson = { plan: OpenPlan; event: MasterOpen; attempt: number; masterClosed?: true };

/** Opens the planner marked as market-closed are not sent (the broker would answer 10018): they wait. */
export function splitMarketClosed(plans: LegPlan[]): [LegPlan[], OpenPlan[]] {
  const send: LegPlan[] = [];
  const queued: OpenPlan[] = [];
  for (const p of plans) {
    if (p.action === 'open' && p.reasons.some((r) => r.code === 'market_closed')) queued.push(p);
    else send.push(p);
  }
  return [send, queued];
}

/**
 * A queued open after a later master event on its position: a partial close scales it, a full close cancels it
 * (null), an SL/TP move sets its levels. The live path found no copy to apply these to, so they apply here, in the
 * master's order, and the open goes out as the master position stands when its market opens.
 */
export function followMasterEvent(open: MasterOpen, event: MasterEvent): MasterOpen | null {
  if (event.masterId !== open.masterId) return open;
  if (event.kind === 'modify' && event.position === open.position) return { ...open, stopLoss: event.stopLoss, takeProfit: event.takeProfit };
  if (event.kind !== 'close' || event.position !== open.position) return open;
  if (!(event.volume < event.volumeBefore)) return null;
  const volume = Math.round(((open.volume * (event.volumeBefore - event.volume)) / event.volumeBefore) * 1e8) / 1e8;
  return { ...open, volume };
}

/** What the queue needs from the engine: state, caches, planning, sending and reporting. */
export interface MarketClosedQueueDeps {
  readonly state: { data: EngineState; changed(): void };
  readonly clock: Clock;
  readonly log: Logger;
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly ledger: LedgerIndex;
  readonly executor: Executor;
  /** How long a leg waits for a closed market to open before it is reported. */
  readonly expiryMs: number;
  isStopped(): boolean;
  /** The book of a running master, or undefined. */
  masterBook(masterId: string): MasterBook | undefined;
  /** Runs a retry on its master's serial queue, or in the background when the master is not running. */
  runForMaster(masterId: string, task: () => Promise<void>): void;
  accountName(id: string): string;
  followerConfig(id: string): FollowerConfig | undefined;
  readonly inputs: Pick<PlanInputs, 'planInput' | 'planContext'>;
  factsOf(event: MasterEvent): EventFacts;
  pointOf(plan: LegPlan): number | null;
  journal(rows: JournalRow[]): void;
  emit(event: CopierEvent): void;
  /** Settles a leg whose outcome is unknown, in the background. */
  settleUnknown(event: MasterEvent, exec: LegExecution): void;
}

/** Owns the `market_closed` pending legs: queue, schedule, retry, drop and report. */
export class MarketClosedQueue {
  private readonly timers = new Map<string, { cancel(): void }>();

  constructor(private readonly deps: MarketClosedQueueDeps) {}

  /** Schedules the legs state kept from a previous run. */
  async restore(): Promise<void> {
    const { state, followers, log } = this.deps;
    // Queued legs wait for their symbol's next session: its spec (and calendar) is loaded before they are scheduled.
    await Promise.all(
      state.data.pending.map(async (leg) => {
        const symbol = leg.kind === 'market_closed' ? (leg.leg as QueuedLegJson).plan.symbol : null;
        const f = followers.get(leg.followerId);
        if (symbol !== null && f) await f.ensureSymbol(symbol).catch((e: unknown) => log.warn({ followerId: f.id, symbol, err: String(e) }, 'symbol info unavailable'));
      }),
    );
    for (const leg of state.data.pending) this.schedule(leg);
  }

  /** Cancels every scheduled retry (stop). */
  cancelAll(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Keeps a market-closed open of a master event in state until its session opens. */
  queue(event: MasterOpen, plan: OpenPlan): void {
    const { state, clock } = this.deps;
    const now = clock.now();
    const leg: PendingLeg = {
      id: `mc:${event.masterId}:${event.eventId}:${plan.followerId}`,
      kind: 'market_closed',
      masterId: event.masterId,
      eventId: event.eventId,
      followerId: plan.followerId,
      createdAt: now,
      expiresAt: now + this.deps.expiryMs,
      leg: { plan, event, attempt: 0 } satisfies QueuedLegJson,
      note: `${plan.symbol} market closed`,
    };
    if (state.data.pending.some((p) => p.id === leg.id)) return;
    state.data.pending.push(leg);
    state.changed();
    this.schedule(leg);
  }

  /** Applies a processed master event to the opens of its position still waiting (see `followMasterEvent`). */
  onMasterEvent(event: MasterEvent): void {
    if (event.kind !== 'close' && event.kind !== 'modify') return;
    let changed = false;
    for (const leg of this.deps.state.data.pending) {
      if (leg.kind !== 'market_closed' || leg.masterId !== event.masterId) continue;
      const data = leg.leg as QueuedLegJson;
      const next = followMasterEvent(data.event, event);
      if (next === data.event) continue;
      changed = true;
      if (next === null) {
        // The master position is gone: the retry, queued behind this event, drops and reports it.
        data.masterClosed = true;
        this.timers.get(leg.id)?.cancel();
        this.timers.delete(leg.id);
        this.deps.runForMaster(leg.masterId, () => this.retry(leg));
      } else {
        data.event = next;
      }
    }
    if (changed) this.deps.state.changed();
  }

  /** True while an open of this master position waits for the follower's market (reconciliation must not open it). */
  isQueued(masterId: string, masterTicket: number, followerId: string): boolean {
    return this.deps.state.data.pending.some(
      (p) => p.kind === 'market_closed' && p.masterId === masterId && p.followerId === followerId && (p.leg as QueuedLegJson).event.position === masterTicket,
    );
  }

  private schedule(leg: PendingLeg): void {
    if (leg.kind !== 'market_closed' || this.deps.isStopped()) return;
    const data = leg.leg as QueuedLegJson;
    const f = this.deps.followers.get(leg.followerId);
    const spec = f?.specs.get(data.plan.symbol);
    const now = this.deps.clock.now();
    let wait = 60_000;
    if (f && spec) {
      const serverNow = now + f.utcOffsetSeconds * 1000;
      const next = nextSessionOpen(spec.sessions, serverNow);
      // Open by the calendar while the broker said 10018 (a holiday, a late open, no calendar published): look again
      // soon, then less and less often.
      if (next === serverNow) wait = Math.min(60_000, 1_000 * 2 ** Math.min(data.attempt, 6));
      else if (next !== null) wait = Math.max(0, next - serverNow) + 1_000;
    }
    wait = Math.min(wait, Math.max(0, leg.expiresAt - now));
    this.timers.get(leg.id)?.cancel();
    this.timers.set(leg.id, this.deps.clock.setTimeout(() => {
      this.timers.delete(leg.id);
      this.deps.runForMaster(leg.masterId, () => this.retry(leg));
    }, wait));
  }

  /** Re-plans a queued open at the session start with fresh follower state, if the master position is still open. */
  private async retry(leg: PendingLeg): Promise<void> {
    const { deps } = this;
    const data = leg.leg as QueuedLegJson;
    const now = deps.clock.now();
    const drop = (status: LegOutcome['status'], reason: string, detail: Record<string, number | string | boolean | null>, exec?: LegExecution) => {
      deps.state.data.pending = deps.state.data.pending.filter((p) => p.id !== leg.id);
      deps.state.changed();
      const outcome: LegOutcome = {
        followerId: leg.followerId,
        followerName: deps.accountName(leg.followerId),
        status,
        action: 'open',
        symbol: data.plan.symbol,
        volume: exec?.volume ?? data.plan.volume,
        price: exec?.price ?? null,
        slippagePoints: null,
        latencyMs: exec?.latencyMs ?? null,
        ticket: exec?.ticket ?? null,
        retcode: exec?.retcode ?? null,
        reason,
        detail,
      };
      deps.journal([{ at: now, masterId: leg.masterId, eventId: leg.eventId, eventKind: 'open', followerId: leg.followerId, action: 'open', status: status === 'failed' ? 'failed' : status, reason, detail, masterTicket: data.event.position, followerTicket: outcome.ticket, symbol: data.plan.symbol, volume: outcome.volume, price: outcome.price }]);
      deps.emit({ type: 'leg_resolved', at: now, masterId: leg.masterId, masterName: deps.accountName(leg.masterId), eventId: leg.eventId, leg: outcome, was: 'queued' });
    };
    const masterOpen = data.masterClosed !== true && (deps.masterBook(leg.masterId)?.positions.has(data.event.position) ?? true);
    if (!masterOpen) return drop('skipped', 'master_closed_while_queued', { masterTicket: data.event.position });
    if (now >= leg.expiresAt) return drop('rejected', 'market_closed_expired', { waitedMinutes: Math.round((now - leg.createdAt) / 60_000) });
    const cfg = deps.followerConfig(leg.followerId);
    const input = cfg ? deps.inputs.planInput(cfg) : null;
    if (!cfg || !input) return drop('failed', 'follower_unavailable', {});
    const copy = input.links.find((l) => l.masterId === leg.masterId && l.masterTicket === data.event.position && l.status !== 'closed');
    if (copy) return drop('skipped', 'already_copied', { followerTicket: copy.followerTicket });
    const plan = planOpen(data.event, input, deps.inputs.planContext(leg.masterId, [input]));
    if (plan.action !== 'open') return drop('skipped', plan.action === 'skip' ? plan.reason : 'not_open', plan.action === 'skip' ? { ...plan.detail } : {});
    if (plan.reasons.some((r) => r.code === 'market_closed')) {
      this.schedule(leg);
      return;
    }
    data.attempt++;
    const [exec] = await deps.executor.execute(leg.masterId, data.event.eventId, `q${data.attempt}:${leg.followerId.slice(0, 8)}:`, [plan]);
    if (!exec) return;
    if (exec.status === 'queued') {
      deps.state.changed();
      this.schedule(leg);
      return;
    }
    const facts = { ...deps.factsOf(data.event), at: now };
    applyExecution(exec, facts, deps.ledger, deps.accountName(leg.followerId), deps.pointOf(plan));
    if (exec.status === 'unknown') deps.settleUnknown(data.event, exec);
    drop(exec.status, exec.status === 'filled' || exec.status === 'partial' ? 'filled_at_open' : (exec.retcode !== null ? `retcode_${exec.retcode}` : exec.status), { message: exec.message }, exec);
  }
}

/**
 * The copier (design.md §1): master feeds in, plans through the pure domain, batches out, results into the ledger,
 * CopierEvents to whoever listens. One serial queue per master keeps each master's events in order; masters run
 * concurrently. The copy path reads only in-memory caches and never waits on a disk write.
 *
 * This file is the runtime: lifecycle, the masters' and followers' connections and queues, and the wiring of the
 * collaborators that each own one job: the copy path (copy-path.ts), planning inputs (plan-inputs.ts), link
 * retargeting (link-tracker.ts), legs waiting for a closed market (market-closed-queue.ts), unknown outcomes
 * (outcome-settler.ts), start-up recovery of missed deals (startup-recovery.ts), the daily loss limit
 * (daily-loss-guard.ts) and reconciliation (reconciler.ts, reconcile-scheduler.ts).
 */
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import type { MasterEvent } from '../domain/events.js';
import type { FollowerPlanInput, LegPlan, PlanContext } from '../domain/plan.js';
import { masterShortId } from '../domain/tags.js';
import type { AccountSummary } from '../domain/trading.js';
import { CopyPath } from './copy-path.js';
import type { EngineMetrics } from './copy-path.js';
import type { EventFacts } from './apply-results.js';
import type { SendPolicy } from './batch-sender.js';
import type { BatchSendPolicyHolder } from './batch-policy.js';
import { sleepOn } from './clock.js';
import { ContractAnomalies } from './contract-anomalies.js';
import { checkFollowerDay } from './daily-loss-guard.js';
import type { DailyLossGuardDeps } from './daily-loss-guard.js';
import { DailySummaryTimer } from './daily-summary.js';
import { EventBus } from './event-bus.js';
import { eventFacts, pointOf } from './event-facts.js';
import type { CopierEvent } from './events.js';
import { Executor } from './executor.js';
import type { LegExecution } from './executor.js';
import { FollowerState } from './follower-state.js';
import { LatencyWindow } from './latency-window.js';
import { LedgerIndex } from './ledger-index.js';
import { LinkTracker } from './link-tracker.js';
import { MarketClosedQueue } from './market-closed-queue.js';
import { MasterFeed } from './master-feed.js';
import { DEFAULT_ENGINE_OPTIONS } from './options.js';
import type { EngineOptions } from './options.js';
import { OutcomeSettler } from './outcome-settler.js';
import { PlanInputs } from './plan-inputs.js';
import type { AccountRecord, BrokerPort, Clock, JournalRow, Logger, StatePort } from './ports.js';
import { ProcessedEvents } from './processed-events.js';
import { InFlightTickets, ticketOf } from './in-flight.js';
import { ReconcileScheduler } from './reconcile-scheduler.js';
import { Reconciler } from './reconciler.js';
import { SerialQueue } from './serial-queue.js';
import { recoverMissed } from './startup-recovery.js';
import type { StartupRecoveryDeps } from './startup-recovery.js';

export { DEFAULT_ENGINE_OPTIONS } from './options.js';
export type { EngineOptions } from './options.js';
export type { EngineMetrics } from './copy-path.js';

/** What the engine is built from. */
export interface EngineDeps {
  broker: BrokerPort;
  state: StatePort;
  clock: Clock;
  log: Logger;
  options?: Partial<EngineOptions>;
}

/** The copier runtime: owns the caches and wires the collaborators; control, reconciler and tests reach in here. */
export class CopyEngine {
  readonly bus: EventBus;
  readonly metrics: EngineMetrics = {
    overheadMs: new LatencyWindow(4096),
    copyLagMs: new LatencyWindow(1024),
    eventsProcessed: 0,
    duplicatesIgnored: 0,
  };
  readonly options: EngineOptions;
  readonly broker: BrokerPort;
  readonly state: StatePort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly ledger: LedgerIndex;
  readonly masters = new Map<string, { feed: MasterFeed; queue: SerialQueue; inFlight: InFlightTickets }>();
  readonly followers = new Map<string, FollowerState>();
  readonly accounts = new Map<string, AccountRecord>();
  readonly startedAt: number;
  private readonly followerIndex = new Map<string, number>();
  halted: string | null = null;
  /** `master#ticket#follower` of legs whose outcome is being settled: reconciliation must not open them again. */
  readonly unsettled = new Set<string>();
  private readonly executor: Executor;
  private readonly reconciler: Reconciler;
  private readonly processed: ProcessedEvents;
  private readonly policy: BatchSendPolicyHolder;
  readonly links: LinkTracker;
  private readonly inputs: PlanInputs;
  private readonly marketClosed: MarketClosedQueue;
  private readonly settler: OutcomeSettler;
  private readonly copyPath: CopyPath;
  private readonly dailyLoss: DailyLossGuardDeps;
  private readonly recovery: StartupRecoveryDeps;
  private readonly reconcileScheduler: ReconcileScheduler;
  private stopped = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private dailySummary: DailySummaryTimer | null = null;
  /** Contract anomalies of the masters' and followers' streams, each reported once. */
  readonly anomalies: ContractAnomalies;

  constructor(deps: EngineDeps) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
    this.broker = deps.broker;
    this.state = deps.state;
    this.clock = deps.clock;
    this.log = deps.log;
    this.startedAt = deps.clock.now();
    this.bus = new EventBus((error) => this.log.error({ err: String(error) }, 'event listener failed'));
    this.ledger = new LedgerIndex(this.state.data.links);
    this.anomalies = new ContractAnomalies({
      clock: this.clock,
      log: this.log,
      accountName: (id) => this.accountName(id),
      emit: (event) => this.bus.emit(event),
    });
    this.processed = new ProcessedEvents(this.state, this.clock, this.options.processedRetention);
    this.policy = { current: this.options.send };
    this.executor = new Executor({
      broker: this.broker,
      terminal: (id) => this.followers.get(id)?.terminal,
      log: this.log,
      sleep: sleepOn(this.clock),
      policy: this.policy,
      onBatchSending: () => this.copyPath.onBatchSending(),
    });
    // What several collaborators share; each takes only the part its own deps interface names.
    const shared = {
      followers: this.followers,
      ledger: this.ledger,
      state: this.state,
      clock: this.clock,
      log: this.log,
      executor: this.executor,
      masterBook: (masterId: string) => this.masters.get(masterId)?.feed.book,
      platformOf: (id: string) => this.accounts.get(id)?.platform,
      accountName: (id: string) => this.accountName(id),
      followerConfig: (id: string) => this.followerConfig(id),
      journal: (rows: JournalRow[]) => this.journal(rows),
      emit: (event: CopierEvent) => this.bus.emit(event),
      factsOf: (event: MasterEvent) => this.factsOf(event),
      pointOf: (plan: LegPlan) => this.pointOf(plan),
      settleUnknown: (event: MasterEvent, exec: LegExecution) => this.settleUnknown(event, exec),
      isStopped: () => this.stopped,
    };
    this.dailyLoss = shared;
    this.recovery = {
      ...shared,
      broker: this.broker,
      maxCopyAgeMs: this.options.maxCopyAgeMs,
      magic: this.options.magic,
      nettingFollowersOf: (masterId) => this.inputs.followersOf(masterId).map((f) => f.accountId).filter((id) => this.followers.get(id)?.marginMode === 'Netting'),
      stateChanged: () => this.state.changed(),
      isProcessed: (id, eventId) => this.processed.has(id, eventId),
      markProcessed: (id, eventId) => this.processed.mark(id, eventId),
      processEvent: (event, receivedAt) => this.processEvent(event, receivedAt),
    };
    this.links = new LinkTracker({ ...shared, magic: this.options.magic });
    this.inputs = new PlanInputs({
      ...shared,
      links: this.links,
      options: this.options,
      masterSummary: (masterId) => this.masters.get(masterId)?.feed.summary ?? null,
      masterPaused: (masterId) => this.masterConfig(masterId)?.paused ?? false,
    });
    this.settler = new OutcomeSettler({ ...shared, options: this.options, unsettled: this.unsettled, requestReconcile: (trigger) => this.requestReconcile(trigger) });
    this.marketClosed = new MarketClosedQueue({
      ...shared,
      inputs: this.inputs,
      expiryMs: this.options.marketClosedExpiryMs,
      runForMaster: (masterId, task) => {
        const m = this.masters.get(masterId);
        if (m) void m.queue.push(task);
        else this.track(task());
      },
    });
    this.copyPath = new CopyPath({
      ...shared,
      metrics: this.metrics,
      processed: this.processed,
      inputs: this.inputs,
      links: this.links,
      marketClosed: this.marketClosed,
      halted: () => this.halted,
    });
    this.reconciler = new Reconciler(this);
    this.reconcileScheduler = new ReconcileScheduler({
      clock: this.clock,
      log: this.log,
      intervalMs: this.options.reconcileIntervalMs,
      run: (trigger) => this.reconciler.run({ trigger, apply: true }),
      track: (p) => this.track(p),
      isStopped: () => this.stopped,
    });
    this.state.onError((error) => this.halt('state_write_failed', `State cannot be saved (${error.message}); copying stopped.`));
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const accounts = await this.broker.listAccounts();
    for (const a of accounts) this.accounts.set(a.id, a);
    await Promise.all(this.state.data.followers.map((f) => this.startFollower(f.accountId)));
    await Promise.all(this.state.data.masters.map((m) => this.startMaster(m.accountId)));
    await this.marketClosed.restore();
    // Deals a previous process may have left in flight go first, under their own keys; reconciliation runs after them
    // on each master's queue, so it never opens a copy whose first batch is still running.
    for (const [masterId, m] of this.masters) void m.queue.push(() => this.recoverMissed(masterId));
    this.track(this.reconciler.run({ trigger: 'startup', apply: true }).catch((e: unknown) => this.log.error({ err: String(e) }, 'startup reconciliation failed')));
    this.reconcileScheduler.schedule();
    this.dailySummary = new DailySummaryTimer({
      clock: this.clock,
      state: this.state,
      accountName: (id) => this.accountName(id),
      equityOf: (id) => this.followers.get(id)?.summary?.equity ?? null,
      emit: (event) => this.bus.emit(event),
    });
    this.dailySummary.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reconcileScheduler.cancel();
    this.dailySummary?.stop();
    this.marketClosed.cancelAll();
    await Promise.all([...this.masters.values()].map((m) => m.queue.idle()));
    await Promise.allSettled([...this.inflight]);
    await Promise.all([...this.masters.values()].map((m) => m.feed.close()));
    await Promise.all([...this.followers.values()].map((f) => f.close()));
    this.state.changed();
    await this.state.flush().catch(() => undefined);
  }

  /** Resolves when every master queue and background settlement has drained (tests, benchmarks). */
  async idle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.all([...this.masters.values()].map((m) => m.queue.idle()));
      await Promise.allSettled([...this.inflight]);
    }
  }

  subscribe(listener: (event: CopierEvent) => void): () => void {
    return this.bus.subscribe(listener);
  }

  setSendPolicy(policy: Partial<SendPolicy>): void {
    this.policy.current = { ...this.policy.current, ...policy };
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  halt(reason: string, message: string): void {
    if (this.halted) return;
    this.halted = reason;
    this.log.error({ reason }, message);
    this.bus.emit({ type: 'halted', at: this.clock.now(), reason, message });
  }

  accountName(id: string): string {
    return this.accounts.get(id)?.nickname || id.slice(0, 8);
  }

  masterConfig(id: string): MasterConfig | undefined {
    return this.state.data.masters.find((m) => m.accountId === id);
  }

  /** Called per leg and per account frame: a position index instead of a scan of every follower (1,000 of them). */
  followerConfig(id: string): FollowerConfig | undefined {
    const list = this.state.data.followers;
    let i = this.followerIndex.get(id);
    if (i === undefined || list[i]?.accountId !== id) {
      // The list changed (a follower added or removed): index it again.
      this.followerIndex.clear();
      list.forEach((f, n) => this.followerIndex.set(f.accountId, n));
      i = this.followerIndex.get(id);
    }
    return i === undefined ? undefined : list[i];
  }

  async startMaster(masterId: string): Promise<void> {
    if (this.masters.has(masterId)) return;
    const [terminal, stream] = await Promise.all([this.broker.terminal(masterId), this.broker.stream(masterId)]);
    const log = this.log.child({ masterId });
    const queue = new SerialQueue((error) => log.error({ err: String(error), stack: (error as Error).stack }, 'master event failed'));
    const inFlight = new InFlightTickets();
    const feed = new MasterFeed({
      masterId,
      stream,
      terminal,
      clock: this.clock,
      log,
      handlers: {
        onEvents: (events, receivedAt) => {
          for (const event of events) {
            const ticket = ticketOf(event);
            inFlight.add(ticket);
            void queue.push(() => this.processEvent(event, receivedAt).finally(() => inFlight.done(ticket)));
          }
        },
        onConnection: (state, downMs) => this.connectionEvent(masterId, 'master', state, downMs),
        onResync: (reason) => this.requestReconcile(reason === 'connect' ? 'connect' : 'warning'),
        onSplits: (splits) => {
          void queue.push(async () => {
            if (this.links.followMasterSplits(masterId, splits)) this.state.changed();
          });
        },
        onAnomaly: (anomaly) => this.anomalies.report(masterId, 'master', anomaly),
      },
      anomalyGraceMs: this.options.anomalyGraceMs,
    });
    this.masters.set(masterId, { feed, queue, inFlight });
    feed.start();
  }

  async stopMaster(masterId: string): Promise<void> {
    const m = this.masters.get(masterId);
    if (!m) return;
    this.masters.delete(masterId);
    await m.queue.idle();
    await m.feed.close();
  }

  async startFollower(followerId: string): Promise<void> {
    if (this.followers.has(followerId)) return;
    const [terminal, stream] = await Promise.all([this.broker.terminal(followerId), this.broker.stream(followerId, { coalesceSnapshots: true })]);
    const follower = new FollowerState({
      id: followerId,
      terminal,
      stream,
      clock: this.clock,
      log: this.log.child({ followerId }),
      handlers: {
        onAccount: (summary) => this.onFollowerAccount(followerId, summary),
        onConnection: (state, downMs) => this.connectionEvent(followerId, 'follower', state, downMs),
        onResync: () => this.requestReconcile('warning'),
        onAnomaly: (anomaly) => this.anomalies.report(followerId, 'follower', anomaly),
      },
    });
    this.followers.set(followerId, follower);
    try {
      await follower.start();
    } catch (error) {
      this.followers.delete(followerId);
      throw error;
    }
    if (follower.summary) this.onFollowerAccount(followerId, follower.summary);
  }

  async stopFollower(followerId: string): Promise<void> {
    const f = this.followers.get(followerId);
    if (!f) return;
    this.followers.delete(followerId);
    await f.close();
  }

  /** Coalesces reconnect/warning triggers into one run shortly after. */
  requestReconcile(trigger: 'connect' | 'warning'): void {
    this.reconcileScheduler.request(trigger);
  }

  /** A reconciliation left master tickets to the stream: look again once they had time to arrive. */
  requestReconcileFollowUp(delayMs: number): void {
    this.reconcileScheduler.requestFollowUp(delayMs);
  }

  runReconcile(options: { followerId?: string; apply: boolean; trigger?: 'manual' }) {
    return this.track(this.reconciler.run({ trigger: options.trigger ?? 'manual', apply: options.apply, followerId: options.followerId }));
  }

  private connectionEvent(accountId: string, role: 'master' | 'follower', state: 'lost' | 'restored', downMs: number | null): void {
    this.bus.emit({ type: 'connection', at: this.clock.now(), accountId, accountName: this.accountName(accountId), role, state, downMs });
  }

  private onFollowerAccount(followerId: string, summary: AccountSummary): void {
    checkFollowerDay(this.dailyLoss, followerId, summary);
  }

  // ---------------------------------------------------------------- planning inputs and links (see plan-inputs.ts, link-tracker.ts)

  /** The planner's view of a follower, from the hot cache. */
  planInput(cfg: FollowerConfig): FollowerPlanInput | null {
    return this.inputs.planInput(cfg);
  }

  /** Keeps open links on the follower's live tickets (see LinkTracker.retargetLinks). */
  retargetLinks(followerId: string): void {
    this.links.retargetLinks(followerId);
  }

  /** After partial closes on MT4 followers: read their rows now, so the next event finds the reopened rest. */
  followSplits(executions: readonly LegExecution[]): Promise<void> {
    return this.links.followSplits(executions);
  }

  followersOf(masterId: string): FollowerConfig[] {
    return this.inputs.followersOf(masterId);
  }

  planContext(masterId: string, inputs: FollowerPlanInput[]): PlanContext {
    return this.inputs.planContext(masterId, inputs);
  }

  /** Loads the follower specs a master symbol resolves to, once per symbol (not on the steady-state path). */
  warmSymbols(masterSymbol: string, followers: readonly FollowerConfig[]): Promise<void> {
    return this.inputs.warmSymbols(masterSymbol, followers);
  }

  /** True while an open of this master position waits for the follower's market (reconciliation must not open it). */
  isQueued(masterId: string, masterTicket: number, followerId: string): boolean {
    return this.marketClosed.isQueued(masterId, masterTicket, followerId);
  }

  // ---------------------------------------------------------------- the copy path (see copy-path.ts)

  /** One master event, start to end. Runs on the master's serial queue. */
  processEvent(event: MasterEvent, receivedAt: number): Promise<void> {
    return this.copyPath.process(event, receivedAt);
  }

  private journal(rows: JournalRow[]): void {
    const j = this.state.data.journal;
    j.push(...rows);
    if (j.length > this.options.journalRetention * 1.1) j.splice(0, j.length - this.options.journalRetention);
  }

  /** Settles an unknown outcome from the broker in the background (see outcome-settler.ts); never re-sends. */
  private settleUnknown(event: MasterEvent, exec: LegExecution): void {
    this.track(this.settler.settle(event, exec));
  }

  /** The same for a reconciliation leg, by the facts it was sent with. */
  settleUnknownFacts(facts: EventFacts, exec: LegExecution): void {
    this.track(this.settler.settleFacts(facts, exec));
  }

  /** Replays the master's recent deals never recorded as processed (see startup-recovery.ts). Runs on its queue. */
  private recoverMissed(masterId: string): Promise<void> {
    return recoverMissed(this.recovery, masterId);
  }

  private factsOf(event: MasterEvent): EventFacts {
    return eventFacts(event, this.masters.get(event.masterId)?.feed.book, this.clock.now());
  }

  private pointOf(plan: LegPlan): number | null {
    return pointOf(plan, this.followers.get(plan.followerId));
  }

  /** Short tag prefix of a master, for matching copies in broker rows. */
  tagPrefix(masterId: string): string {
    return masterShortId(masterId);
  }
}

/**
 * The copier (design.md §1): master feeds in, plans through the pure domain, batches out, results into the ledger,
 * CopierEvents to whoever listens. One serial queue per master keeps each master's events in order; masters run
 * concurrently. The copy path reads only in-memory caches and never waits on a disk write.
 */
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import type { MasterEvent, MasterOpen } from '../domain/events.js';
import type { FollowerPlanInput, LegPlan, PlanContext } from '../domain/plan.js';
import { planEvent, planOpen } from '../domain/plan.js';
import { checkDailyLoss } from '../domain/rules.js';
import { nextSessionOpen } from '../domain/sessions.js';
import { resolveSymbol } from '../domain/symbols.js';
import { isCopyOf, parseCopyComment, masterShortId } from '../domain/tags.js';
import type { AccountSummary, OpenedOrder } from '../domain/trading.js';
import { Retcode } from '../domain/trading.js';
import { applyExecution, summarize } from './apply-results.js';
import type { EventFacts } from './apply-results.js';
import { DEFAULT_SEND_POLICY } from './batch-sender.js';
import type { SendPolicy } from './batch-sender.js';
import type { BatchSendPolicyHolder } from './batch-policy.js';
import { sleepOn } from './clock.js';
import { EventBus } from './event-bus.js';
import type { CopierEvent, LegOutcome } from './events.js';
import { Executor } from './executor.js';
import type { LegExecution } from './executor.js';
import { FollowerState } from './follower-state.js';
import { LatencyWindow } from './latency-window.js';
import { LedgerIndex } from './ledger-index.js';
import { MasterFeed } from './master-feed.js';
import type { AccountRecord, BrokerPort, Clock, JournalRow, Logger, PendingLeg, StatePort } from './ports.js';
import { Reconciler } from './reconciler.js';
import { recoverMissedEvents } from './recovery.js';
import { DailySummaryTimer } from './daily-summary.js';
import { SerialQueue } from './serial-queue.js';

/** Tunables of the engine; `main.ts` fills them from the configuration. */
export interface EngineOptions {
  /** Magic number on every follower order. */
  magic: number;
  /** Slippage in points sent with market legs. */
  slippagePoints: number;
  /** Reconciliation period; 0 disables the timer (runs on connect and on demand still happen). */
  reconcileIntervalMs: number;
  /** Reconciliation opens a missing copy only while the master position is younger than this. */
  maxCopyAgeMs: number;
  /** … and the follower's price within this many points of the master's open. */
  maxCopyDeviationPoints: number;
  /** How long a leg waits for a closed market to open before it is reported. */
  marketClosedExpiryMs: number;
  /** Delay before reading a follower's orders to settle an unknown outcome (the terminal may still be working). */
  unknownResolveDelayMs: number;
  send: SendPolicy;
  /** Processed-event ids kept per master (dedup window). */
  processedRetention: number;
  /** Journal rows kept. */
  journalRetention: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  magic: 20_260_601,
  slippagePoints: 30,
  reconcileIntervalMs: 30_000,
  maxCopyAgeMs: 300_000,
  maxCopyDeviationPoints: 200,
  marketClosedExpiryMs: 12 * 3_600_000,
  unknownResolveDelayMs: 400,
  send: DEFAULT_SEND_POLICY,
  processedRetention: 5_000,
  journalRetention: 10_000,
};

/** How far back start-up recovery replays unrecorded master deals (see recovery.ts). */
const RECOVERY_WINDOW_MS = 120_000;

export interface EngineDeps {
  broker: BrokerPort;
  state: StatePort;
  clock: Clock;
  log: Logger;
  options?: Partial<EngineOptions>;
}

/** Copier-internal measurements (benchmarks, /status). */
export interface EngineMetrics {
  /** Frame taken off the master socket → batch request about to be written, ms. */
  overheadMs: LatencyWindow;
  /** Master event seen → last leg answered, ms. */
  copyLagMs: LatencyWindow;
  eventsProcessed: number;
  duplicatesIgnored: number;
}

type QueuedLegJson = { plan: Extract<LegPlan, { action: 'open' }>; event: MasterOpen; attempt: number };

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
  readonly masters = new Map<string, { feed: MasterFeed; queue: SerialQueue }>();
  readonly followers = new Map<string, FollowerState>();
  readonly accounts = new Map<string, AccountRecord>();
  readonly startedAt: number;
  halted: string | null = null;
  /** `master#ticket#follower` of legs whose outcome is being settled: reconciliation must not open them again. */
  readonly unsettled = new Set<string>();
  private readonly executor: Executor;
  private readonly reconciler: Reconciler;
  private readonly processed = new Map<string, Set<string>>();
  private readonly policy: BatchSendPolicyHolder;
  private readonly timers = new Map<string, { cancel(): void }>();
  private reconcileTimer: { cancel(): void } | null = null;
  private currentReceivedAt = 0;
  private stopped = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private dailySummary: DailySummaryTimer | null = null;

  constructor(deps: EngineDeps) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
    this.broker = deps.broker;
    this.state = deps.state;
    this.clock = deps.clock;
    this.log = deps.log;
    this.startedAt = deps.clock.now();
    this.bus = new EventBus((error) => this.log.error({ err: String(error) }, 'event listener failed'));
    this.ledger = new LedgerIndex(this.state.data.links);
    for (const [masterId, list] of Object.entries(this.state.data.processed)) {
      this.processed.set(masterId, new Set(list.map((p) => p.eventId)));
    }
    this.policy = { current: this.options.send };
    this.executor = new Executor({
      broker: this.broker,
      terminal: (id) => this.followers.get(id)?.terminal,
      log: this.log,
      sleep: sleepOn(this.clock),
      policy: this.policy,
      onBatchSending: () => {
        if (this.currentReceivedAt > 0) {
          this.metrics.overheadMs.add(performance.now() - this.currentReceivedAt);
          this.currentReceivedAt = 0;
        }
      },
    });
    this.reconciler = new Reconciler(this);
    this.state.onError((error) => this.halt('state_write_failed', `State cannot be saved (${error.message}); copying stopped.`));
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const accounts = await this.broker.listAccounts();
    for (const a of accounts) this.accounts.set(a.id, a);
    await Promise.all(this.state.data.followers.map((f) => this.startFollower(f.accountId)));
    await Promise.all(this.state.data.masters.map((m) => this.startMaster(m.accountId)));
    // Queued legs wait for their symbol's next session: its spec (and calendar) is loaded before they are scheduled.
    await Promise.all(
      this.state.data.pending.map(async (leg) => {
        const symbol = leg.kind === 'market_closed' ? (leg.leg as QueuedLegJson).plan.symbol : null;
        const f = this.followers.get(leg.followerId);
        if (symbol !== null && f) await f.ensureSymbol(symbol).catch((e: unknown) => this.log.warn({ followerId: f.id, symbol, err: String(e) }, 'symbol info unavailable'));
      }),
    );
    for (const leg of this.state.data.pending) this.schedulePending(leg);
    // Deals a previous process may have left in flight go first, under their own keys; reconciliation runs after them
    // on each master's queue, so it never opens a copy whose first batch is still running.
    for (const [masterId, m] of this.masters) void m.queue.push(() => this.recoverMissed(masterId));
    this.track(this.reconciler.run({ trigger: 'startup', apply: true }).catch((e: unknown) => this.log.error({ err: String(e) }, 'startup reconciliation failed')));
    this.scheduleReconcile();
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
    this.reconcileTimer?.cancel();
    this.dailySummary?.stop();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
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

  private scheduleReconcile(): void {
    if (this.options.reconcileIntervalMs <= 0 || this.stopped) return;
    this.reconcileTimer = this.clock.setTimeout(() => {
      this.track(
        this.reconciler
          .run({ trigger: 'timer', apply: true })
          .catch((e: unknown) => this.log.error({ err: String(e) }, 'reconciliation failed'))
          .finally(() => this.scheduleReconcile()),
      );
    }, this.options.reconcileIntervalMs);
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

  followerConfig(id: string): FollowerConfig | undefined {
    return this.state.data.followers.find((f) => f.accountId === id);
  }

  async startMaster(masterId: string): Promise<void> {
    if (this.masters.has(masterId)) return;
    const [terminal, stream] = await Promise.all([this.broker.terminal(masterId), this.broker.stream(masterId)]);
    const log = this.log.child({ masterId });
    const queue = new SerialQueue((error) => log.error({ err: String(error), stack: (error as Error).stack }, 'master event failed'));
    const feed = new MasterFeed({
      masterId,
      stream,
      terminal,
      clock: this.clock,
      log,
      handlers: {
        onEvents: (events, receivedAt) => {
          for (const event of events) void queue.push(() => this.processEvent(event, receivedAt));
        },
        onConnection: (state, downMs) => this.connectionEvent(masterId, 'master', state, downMs),
        onResync: (reason) => this.requestReconcile(reason === 'connect' ? 'connect' : 'warning'),
      },
    });
    this.masters.set(masterId, { feed, queue });
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
    const [terminal, stream] = await Promise.all([this.broker.terminal(followerId), this.broker.stream(followerId)]);
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

  private reconcileRequested = false;

  /** Coalesces reconnect/warning triggers into one run shortly after. */
  requestReconcile(trigger: 'connect' | 'warning'): void {
    if (this.reconcileRequested || this.stopped) return;
    this.reconcileRequested = true;
    this.clock.setTimeout(() => {
      this.reconcileRequested = false;
      this.track(this.reconciler.run({ trigger, apply: true }).catch((e: unknown) => this.log.error({ err: String(e) }, 'reconciliation failed')));
    }, 250);
  }

  runReconcile(options: { followerId?: string; apply: boolean; trigger?: 'manual' }) {
    return this.track(this.reconciler.run({ trigger: options.trigger ?? 'manual', apply: options.apply, followerId: options.followerId }));
  }

  private connectionEvent(accountId: string, role: 'master' | 'follower', state: 'lost' | 'restored', downMs: number | null): void {
    this.bus.emit({ type: 'connection', at: this.clock.now(), accountId, accountName: this.accountName(accountId), role, state, downMs });
  }

  private onFollowerAccount(followerId: string, summary: AccountSummary): void {
    const cfg = this.followerConfig(followerId);
    if (!cfg) return;
    const day = new Date(this.clock.now()).toISOString().slice(0, 10);
    const daily = this.state.data.daily[followerId];
    if (!daily || daily.day !== day) {
      this.state.data.daily[followerId] = { day, startBalance: summary.balance };
      this.state.changed();
      return;
    }
    const decision = checkDailyLoss(cfg.risk.dailyLossLimit, daily.startBalance, summary.equity);
    if (!decision.ok && !cfg.paused) {
      cfg.paused = true;
      cfg.pausedReason = 'daily_loss_limit';
      this.state.changed();
      this.bus.emit({
        type: 'follower_paused',
        at: this.clock.now(),
        followerId,
        followerName: this.accountName(followerId),
        reason: 'daily_loss_limit',
        detail: { limit: cfg.risk.dailyLossLimit ?? 0, startBalance: daily.startBalance, equity: summary.equity },
      });
    }
  }

  // ---------------------------------------------------------------- planning inputs

  /** The planner's view of a follower, from the hot cache. */
  planInput(cfg: FollowerConfig): FollowerPlanInput | null {
    const f = this.followers.get(cfg.accountId);
    if (!f) return null;
    const links = this.ledger.ofFollower(cfg.accountId);
    this.retargetLinks(f.id);
    let open = 0;
    for (const l of links) if (l.status === 'open' && l.kind === 'position') open++;
    return {
      config: cfg,
      summary: f.summary,
      marginMode: f.marginMode,
      symbols: f.symbols,
      specs: f.specs,
      marginPerLot: f.marginPerLot,
      links,
      openPositionCount: open,
      dayStartBalance: this.state.data.daily[cfg.accountId]?.startBalance ?? null,
    };
  }

  /**
   * Keeps open links on the follower's live tickets, from its cached rows:
   * - a pending copy that filled is a position copy once the master's order has filled too (the master's ticket is
   *   then a position in its book);
   * - MT4 reopens what a partial close leaves under a new ticket commented `from #<old ticket>`, and the comment tag is
   *   gone from it: the link follows the new ticket, or the rest would look closed by hand;
   * - on a netting account an order merges into the symbol's one position, whose ticket is the first order's; the
   *   ticket a later fill reports is the order's.
   */
  retargetLinks(followerId: string): void {
    const f = this.followers.get(followerId);
    if (!f) return;
    const rows = rowsByTicket(f.positions);
    for (const link of this.ledger.ofFollower(followerId)) {
      if (link.status !== 'open') continue;
      const row = rows.get(link.followerTicket);
      if (link.kind === 'pending') {
        if (row?.kind === 'Position' && this.masters.get(link.masterId)?.feed.book.positions.has(link.masterTicket)) link.kind = 'position';
        continue;
      }
      if (row) continue;
      const rest = f.positions.find((p) => p.kind === 'Position' && p.symbol === link.followerSymbol && p.magic === this.options.magic && splitFrom(p.comment) === link.followerTicket);
      if (rest) {
        link.followerTicket = rest.ticket;
        continue;
      }
      if (f.marginMode !== 'Netting') continue;
      const net = f.positions.find((p) => p.kind === 'Position' && p.symbol === link.followerSymbol && p.magic === this.options.magic);
      if (net) link.followerTicket = net.ticket;
    }
  }

  /**
   * Before a close or SL/TP change: a follower whose copy of a triggered master pending is still a pending link, while
   * its cached row is not yet a position, re-reads its rows (its own fill may be moments old), so the close reaches it.
   */
  private async freshenTriggered(event: MasterEvent, followers: readonly FollowerConfig[]): Promise<void> {
    if (event.kind !== 'close' && event.kind !== 'modify') return;
    const reads: Promise<unknown>[] = [];
    for (const cfg of followers) {
      const f = this.followers.get(cfg.accountId);
      if (!f) continue;
      const stale = this.ledger.ofMaster(event.masterId, event.position).some(
        (l) => l.followerId === f.id && l.status === 'open' && l.kind === 'pending' && f.positions.find((p) => p.ticket === l.followerTicket)?.kind !== 'Position',
      );
      if (stale) reads.push(f.refreshPositions().catch((e: unknown) => this.log.warn({ followerId: f.id, err: String(e) }, 'follower orders unavailable')));
    }
    if (reads.length > 0) await Promise.all(reads);
  }

  /** After partial closes on MT4 followers: read their rows now, so the next event finds the reopened rest. */
  async followSplits(executions: readonly LegExecution[]): Promise<void> {
    const reads: Promise<unknown>[] = [];
    for (const exec of executions) {
      const plan = exec.plan;
      if (plan.action !== 'close' || (exec.status !== 'closed' && exec.status !== 'partial')) continue;
      if (!plan.tickets.some((t) => t.volume !== null) || this.accounts.get(plan.followerId)?.platform !== 'mt4') continue;
      const f = this.followers.get(plan.followerId);
      if (!f) continue;
      reads.push(
        f
          .refreshPositions()
          .then(() => this.retargetLinks(f.id))
          .catch((e: unknown) => this.log.warn({ followerId: f.id, err: String(e) }, 'follower orders unavailable after a partial close')),
      );
    }
    if (reads.length > 0) await Promise.all(reads);
  }

  followersOf(masterId: string): FollowerConfig[] {
    return this.state.data.followers.filter((f) => f.masters.includes(masterId));
  }

  planContext(masterId: string, inputs: FollowerPlanInput[]): PlanContext {
    const serverTimeMs = new Map<string, number>();
    const now = this.clock.now();
    for (const input of inputs) {
      const f = this.followers.get(input.config.accountId);
      if (f) serverTimeMs.set(f.id, now + f.utcOffsetSeconds * 1000);
    }
    return {
      now,
      magic: this.options.magic,
      master: {
        accountId: masterId,
        summary: this.masters.get(masterId)?.feed.summary ?? null,
        paused: this.masterConfig(masterId)?.paused ?? false,
      },
      followers: inputs,
      slippagePoints: this.options.slippagePoints,
      serverTimeMs,
    };
  }

  /** Loads the follower specs a master symbol resolves to, once per symbol (not on the steady-state path). */
  async warmSymbols(masterSymbol: string, followers: readonly FollowerConfig[]): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const cfg of followers) {
      const f = this.followers.get(cfg.accountId);
      if (!f) continue;
      const r = resolveSymbol(masterSymbol, f.symbols, cfg.symbolMap);
      if (r.ok && (!f.specs.has(r.symbol) || !f.marginPerLot.has(r.symbol))) {
        loads.push(f.ensureSymbol(r.symbol).catch((e: unknown) => this.log.warn({ followerId: f.id, symbol: r.symbol, err: String(e) }, 'symbol info unavailable')));
      }
    }
    if (loads.length > 0) await Promise.all(loads);
  }

  // ---------------------------------------------------------------- the copy path

  private isProcessed(masterId: string, eventId: string): boolean {
    return this.processed.get(masterId)?.has(eventId) ?? false;
  }

  private markProcessed(masterId: string, eventId: string): void {
    let set = this.processed.get(masterId);
    if (!set) {
      set = new Set();
      this.processed.set(masterId, set);
    }
    set.add(eventId);
    const list = (this.state.data.processed[masterId] ??= []);
    list.push({ eventId, at: this.clock.now() });
    if (list.length > this.options.processedRetention * 1.1) {
      const removed = list.splice(0, list.length - this.options.processedRetention);
      for (const r of removed) set.delete(r.eventId);
    }
  }

  private journal(rows: JournalRow[]): void {
    const j = this.state.data.journal;
    j.push(...rows);
    if (j.length > this.options.journalRetention * 1.1) j.splice(0, j.length - this.options.journalRetention);
  }

  /** One master event, start to end. Runs on the master's serial queue. */
  async processEvent(event: MasterEvent, receivedAt: number): Promise<void> {
    if (this.halted) {
      this.log.warn({ masterId: event.masterId, eventId: event.eventId, halted: this.halted }, 'halted: master event not copied');
      return;
    }
    if (this.isProcessed(event.masterId, event.eventId)) {
      this.metrics.duplicatesIgnored++;
      return;
    }
    const startedAt = performance.now();
    const followers = this.followersOf(event.masterId);
    if (event.kind === 'open') this.rememberMasterOpen(event);
    if (event.kind === 'open' || event.kind === 'pending_place') await this.warmSymbols(event.symbol, followers);
    await this.freshenTriggered(event, followers);

    const inputs: FollowerPlanInput[] = [];
    for (const cfg of followers) {
      const input = this.planInput(cfg);
      if (input) inputs.push(input);
    }
    const plans = planEvent(event, this.planContext(event.masterId, inputs));
    const [sendable, queued] = this.splitMarketClosed(plans);

    this.currentReceivedAt = receivedAt;
    const executions = sendable.length > 0 ? await this.executor.execute(event.masterId, event.eventId, 'e', sendable) : [];
    this.currentReceivedAt = 0;
    for (const q of queued) executions.push({ plan: q, status: 'queued', volume: q.volume, price: null, ticket: null, retcode: null, latencyMs: null, message: 'market closed' });

    const facts = this.factsOf(event);
    const outcomes: LegOutcome[] = [];
    const rows: JournalRow[] = [];
    for (const exec of executions) {
      const { outcome, journal } = applyExecution(exec, facts, this.ledger, this.accountName(exec.plan.followerId), this.pointOf(exec.plan));
      if (exec.status === 'rejected' && exec.retcode === Retcode.NO_MONEY) Object.assign(outcome.detail, this.marginNumbers(exec.plan));
      outcomes.push(outcome);
      rows.push(journal);
      if (exec.status === 'unknown') this.track(this.settleUnknown(event, exec));
      if (exec.status === 'queued' && exec.plan.action === 'open' && event.kind === 'open') this.queueMarketClosed(event, exec.plan);
    }
    this.journal(rows);
    if ((event.kind === 'close' && event.volume >= event.volumeBefore) || event.kind === 'pending_delete') {
      this.ledger.dropSettled(event.masterId, event.kind === 'close' ? event.position : event.order);
    }
    this.markProcessed(event.masterId, event.eventId);
    this.state.changed();
    const elapsed = performance.now() - startedAt;
    this.metrics.copyLagMs.add(elapsed);
    this.metrics.eventsProcessed++;
    if (outcomes.length > 0) {
      this.bus.emit({
        type: 'copied',
        at: this.clock.now(),
        masterId: event.masterId,
        masterName: this.accountName(event.masterId),
        event: summarize(event),
        legs: outcomes,
        elapsedMs: Math.round(elapsed * 10) / 10,
      });
    }
    if (event.kind === 'close') await this.followSplits(executions);
  }

  private factsOf(event: MasterEvent): EventFacts {
    const tracked = event.kind === 'open' || event.kind === 'close' ? this.masters.get(event.masterId)?.feed.book.positions.get(event.position) : undefined;
    return {
      masterId: event.masterId,
      eventId: event.eventId,
      kind: event.kind,
      masterPrice: event.kind === 'open' || event.kind === 'close' ? event.price : event.kind === 'pending_place' ? event.price : null,
      masterVolumeAfter: event.kind === 'open' ? (tracked?.dealVolume ?? event.volume) : event.kind === 'pending_place' ? event.volume : null,
      masterSymbol: event.symbol,
      at: this.clock.now(),
    };
  }

  /** What the copier's cache knew of a refused open's margin: the broker's 10019 alone does not say how short it was. */
  private marginNumbers(plan: LegPlan): Record<string, number> {
    if (plan.action !== 'open' && plan.action !== 'place_pending') return {};
    const f = this.followers.get(plan.followerId);
    const perLot = f?.marginPerLot.get(plan.symbol)?.[plan.side];
    const free = f?.summary?.freeMargin;
    const out: Record<string, number> = {};
    if (perLot !== undefined) out.required = Math.round(perLot * plan.volume * 100) / 100;
    if (free !== undefined) out.free = free;
    return out;
  }

  private pointOf(plan: LegPlan): number | null {
    if (plan.action !== 'open') return null;
    return this.followers.get(plan.followerId)?.specs.get(plan.symbol)?.point ?? null;
  }

  private rememberMasterOpen(event: MasterOpen): void {
    const list = (this.state.data.masterHistory[event.masterId] ??= []);
    list.push({ position: event.position, symbol: event.symbol, side: event.side, volume: event.volume, price: event.price, stopLoss: event.stopLoss, at: event.detectedAt });
    if (list.length > 50) list.splice(0, list.length - 50);
  }

  /** Replays the master's recent deals that were never recorded as processed (see recovery.ts). Runs on its queue. */
  private async recoverMissed(masterId: string): Promise<void> {
    if (this.accounts.get(masterId)?.platform === 'mt4') return; // MT4 reports no deal tickets to key on (§4.5).
    let events: MasterEvent[];
    try {
      const terminal = await this.broker.terminal(masterId);
      const [deals, open, tz] = await Promise.all([terminal.orderHistory(), terminal.openedOrders(), terminal.serverTimezone()]);
      events = recoverMissedEvents({
        masterId,
        deals,
        open,
        utcOffsetSeconds: tz.utcOffsetSeconds,
        now: this.clock.now(),
        // A batch left in flight by a dead process ends within its timeouts; older missed deals are reconciliation's,
        // which opens only what is still fresh and near the master's price.
        maxAgeMs: Math.min(this.options.maxCopyAgeMs, RECOVERY_WINDOW_MS),
        isProcessed: (eventId) => this.isProcessed(masterId, eventId),
        hadPendingCopy: (ticket) => this.ledger.ofMaster(masterId, ticket).some((l) => l.kind === 'pending'),
      });
    } catch (error) {
      this.log.warn({ masterId, err: String(error) }, 'recent master deals unavailable; reconciliation only');
      return;
    }
    if (events.length > 0) this.log.info({ masterId, events: events.map((e) => e.eventId) }, 'replaying master deals not recorded as processed');
    for (const event of events) await this.processEvent(event, performance.now());
  }

  /** Opens the planner marked as market-closed are not sent (the broker would answer 10018): they wait. */
  private splitMarketClosed(plans: LegPlan[]): [LegPlan[], Extract<LegPlan, { action: 'open' }>[]] {
    const send: LegPlan[] = [];
    const queued: Extract<LegPlan, { action: 'open' }>[] = [];
    for (const p of plans) {
      if (p.action === 'open' && p.reasons.some((r) => r.code === 'market_closed')) queued.push(p);
      else send.push(p);
    }
    return [send, queued];
  }

  // ---------------------------------------------------------------- market closed: wait for the session

  private queueMarketClosed(event: MasterOpen, plan: Extract<LegPlan, { action: 'open' }>): void {
    const now = this.clock.now();
    const leg: PendingLeg = {
      id: `mc:${event.masterId}:${event.eventId}:${plan.followerId}`,
      kind: 'market_closed',
      masterId: event.masterId,
      eventId: event.eventId,
      followerId: plan.followerId,
      createdAt: now,
      expiresAt: now + this.options.marketClosedExpiryMs,
      leg: { plan, event, attempt: 0 } satisfies QueuedLegJson,
      note: `${plan.symbol} market closed`,
    };
    if (this.state.data.pending.some((p) => p.id === leg.id)) return;
    this.state.data.pending.push(leg);
    this.state.changed();
    this.schedulePending(leg);
  }

  /** True while an open of this master position waits for the follower's market (reconciliation must not open it). */
  isQueued(masterId: string, masterTicket: number, followerId: string): boolean {
    return this.state.data.pending.some(
      (p) => p.kind === 'market_closed' && p.masterId === masterId && p.followerId === followerId && (p.leg as QueuedLegJson).event.position === masterTicket,
    );
  }

  private schedulePending(leg: PendingLeg): void {
    if (leg.kind !== 'market_closed' || this.stopped) return;
    const data = leg.leg as QueuedLegJson;
    const f = this.followers.get(leg.followerId);
    const spec = f?.specs.get(data.plan.symbol);
    const now = this.clock.now();
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
    this.timers.set(leg.id, this.clock.setTimeout(() => {
      this.timers.delete(leg.id);
      const m = this.masters.get(leg.masterId);
      const run = () => this.retryMarketClosed(leg);
      if (m) void m.queue.push(run);
      else this.track(run());
    }, wait));
  }

  /** Re-plans a queued open at the session start with fresh follower state, if the master position is still open. */
  private async retryMarketClosed(leg: PendingLeg): Promise<void> {
    const data = leg.leg as QueuedLegJson;
    const now = this.clock.now();
    const drop = (status: LegOutcome['status'], reason: string, detail: Record<string, number | string | boolean | null>, exec?: LegExecution) => {
      this.state.data.pending = this.state.data.pending.filter((p) => p.id !== leg.id);
      this.state.changed();
      const outcome: LegOutcome = {
        followerId: leg.followerId,
        followerName: this.accountName(leg.followerId),
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
      this.journal([{ at: now, masterId: leg.masterId, eventId: leg.eventId, eventKind: 'open', followerId: leg.followerId, action: 'open', status: status === 'failed' ? 'failed' : status, reason, detail, masterTicket: data.event.position, followerTicket: outcome.ticket, symbol: data.plan.symbol, volume: outcome.volume, price: outcome.price }]);
      this.bus.emit({ type: 'leg_resolved', at: now, masterId: leg.masterId, masterName: this.accountName(leg.masterId), eventId: leg.eventId, leg: outcome, was: 'queued' });
    };
    const masterOpen = this.masters.get(leg.masterId)?.feed.book.positions.has(data.event.position) ?? true;
    if (!masterOpen) return drop('skipped', 'master_closed_while_queued', { masterTicket: data.event.position });
    if (now >= leg.expiresAt) return drop('rejected', 'market_closed_expired', { waitedMinutes: Math.round((now - leg.createdAt) / 60_000) });
    const cfg = this.followerConfig(leg.followerId);
    const input = cfg ? this.planInput(cfg) : null;
    if (!cfg || !input) return drop('failed', 'follower_unavailable', {});
    const copy = input.links.find((l) => l.masterId === leg.masterId && l.masterTicket === data.event.position && l.status !== 'closed');
    if (copy) return drop('skipped', 'already_copied', { followerTicket: copy.followerTicket });
    const plan = planOpen(data.event, input, this.planContext(leg.masterId, [input]));
    if (plan.action !== 'open') return drop('skipped', plan.action === 'skip' ? plan.reason : 'not_open', plan.action === 'skip' ? { ...plan.detail } : {});
    if (plan.reasons.some((r) => r.code === 'market_closed')) {
      this.schedulePending(leg);
      return;
    }
    data.attempt++;
    const [exec] = await this.executor.execute(leg.masterId, data.event.eventId, `q${data.attempt}:${leg.followerId.slice(0, 8)}:`, [plan]);
    if (!exec) return;
    if (exec.status === 'queued') {
      this.state.changed();
      this.schedulePending(leg);
      return;
    }
    const facts = { ...this.factsOf(data.event), at: now };
    applyExecution(exec, facts, this.ledger, this.accountName(leg.followerId), this.pointOf(plan));
    if (exec.status === 'unknown') this.track(this.settleUnknown(data.event, exec));
    drop(exec.status, exec.status === 'filled' || exec.status === 'partial' ? 'filled_at_open' : (exec.retcode !== null ? `retcode_${exec.retcode}` : exec.status), { message: exec.message }, exec);
  }

  // ---------------------------------------------------------------- unknown outcomes: settle from the broker

  /**
   * A leg whose outcome is unknown is never re-sent: the follower's open orders (and recent history for a fast round
   * trip) are read and the copy tag decides whether it executed (design.md §3, Execution).
   */
  private async settleUnknown(event: MasterEvent, exec: LegExecution): Promise<void> {
    const plan = exec.plan;
    const f = this.followers.get(plan.followerId);
    if (!f) return;
    const key = `${event.masterId}#${plan.masterTicket}#${plan.followerId}`;
    this.unsettled.add(key);
    try {
      await this.settleUnknownLeg(event, exec, f);
    } finally {
      this.unsettled.delete(key);
    }
  }

  private async settleUnknownLeg(event: MasterEvent, exec: LegExecution, f: FollowerState): Promise<void> {
    const plan = exec.plan;
    await sleepOn(this.clock)(this.options.unknownResolveDelayMs);
    const now = this.clock.now();
    let outcome: LegOutcome['status'] = 'failed';
    let reason = 'not_executed';
    let ticket: number | null = null;
    let volume: number | null = null;
    try {
      const rows = await f.refreshPositions();
      if (plan.action === 'open' || plan.action === 'place_pending') {
        const known = new Set(this.ledger.ofFollower(f.id).map((l) => l.followerTicket));
        const row = rows.find((r) => r.comment === plan.comment && r.magic === plan.magic && !known.has(r.ticket))
          ?? rows.find((r) => isCopyOf(r, this.options.magic, event.masterId) && parseCopyComment(r.comment)?.masterTicket === plan.masterTicket && !known.has(r.ticket) && r.symbol === plan.symbol);
        if (row) {
          outcome = 'filled';
          reason = 'resolved_from_open_orders';
          ticket = row.ticket;
          volume = row.lots;
          this.ledger.add({
            masterId: event.masterId,
            masterTicket: plan.masterTicket,
            followerId: f.id,
            followerTicket: row.ticket,
            kind: plan.action === 'open' ? 'position' : 'pending',
            followerSymbol: plan.symbol,
            masterSymbol: event.symbol,
            side: plan.side,
            volume: row.lots,
            masterVolume: this.factsOf(event).masterVolumeAfter ?? 0,
            openedAt: now,
            status: 'open',
          });
        }
      } else if (plan.action === 'close' || plan.action === 'delete_pending') {
        // Per ticket: gone, or down to what this close leaves, means it executed; still at its volume before, it did not.
        const targets = plan.action === 'close' ? plan.tickets : [{ ticket: plan.ticket, volume: null }];
        const verdicts = targets.map((t) => {
          const row = rows.find((r) => r.ticket === t.ticket);
          if (!row) return 'done';
          if (t.volume === null) return 'not_done';
          const before = this.ledger.ofFollower(f.id).filter((l) => l.followerTicket === t.ticket && l.status === 'open').reduce((sum, l) => sum + l.volume, 0);
          if (Math.abs(row.lots - (before - t.volume)) < 1e-9) return 'done';
          return Math.abs(row.lots - before) < 1e-9 ? 'not_done' : 'unclear';
        });
        if (verdicts.every((v) => v === 'done')) {
          outcome = 'closed';
          reason = 'resolved_from_open_orders';
          const closedTickets = targets.map((t) => ({ ticket: t.ticket, status: 'closed', volume: t.volume ?? 0, retcode: 0 }));
          applyExecution({ ...exec, status: 'closed', closedTickets }, this.factsOf(event), this.ledger, this.accountName(f.id), null);
          if (plan.action === 'close') volume = Math.round(plan.linkVolumes.reduce((sum, c) => sum + c.volumeBefore - c.volumeAfter, 0) * 1e8) / 1e8;
        } else {
          // Not (fully) closed: reconciliation compares volumes against the master and finishes the job.
          reason = verdicts.every((v) => v === 'not_done') ? 'not_executed_reconciling' : 'not_closed_reconciling';
          this.requestReconcile('warning');
        }
      } else if (plan.action === 'modify') {
        const row = rows.find((r) => r.ticket === plan.ticket);
        const applied = row && (plan.stopLoss === undefined || row.stopLoss === plan.stopLoss) && (plan.takeProfit === undefined || row.takeProfit === plan.takeProfit);
        if (applied) {
          outcome = 'modified';
          reason = 'resolved_from_open_orders';
        } else if (row) {
          // Absolute levels: sending the same modify again cannot add exposure, and the row shows it did not apply.
          const again = await this.executor.execute(event.masterId, event.eventId, 'm2', [plan]);
          outcome = again[0]?.status === 'modified' ? 'modified' : 'failed';
          reason = 'modify_resent_after_check';
        }
      }
    } catch (error) {
      reason = 'settle_failed_reconciling';
      this.log.warn({ followerId: f.id, err: String(error) }, 'could not settle unknown outcome; reconciliation will');
      this.requestReconcile('warning');
    }
    if (outcome === 'failed' && (plan.action === 'open' || plan.action === 'place_pending')) this.requestReconcile('warning');
    const symbol = plan.action === 'open' || plan.action === 'place_pending' ? plan.symbol : null;
    const leg: LegOutcome = {
      followerId: f.id,
      followerName: this.accountName(f.id),
      status: outcome,
      action: plan.action === 'skip' ? 'none' : plan.action === 'modify' ? 'modify' : plan.action,
      symbol,
      volume,
      price: null,
      slippagePoints: null,
      latencyMs: null,
      ticket,
      retcode: null,
      reason,
      detail: { wasUnknown: true },
    };
    this.journal([{ at: now, masterId: event.masterId, eventId: event.eventId, eventKind: event.kind, followerId: f.id, action: leg.action, status: 'resolved', reason, detail: { outcome }, masterTicket: plan.masterTicket, followerTicket: ticket, symbol, volume, price: null }]);
    this.state.changed();
    this.bus.emit({ type: 'leg_resolved', at: now, masterId: event.masterId, masterName: this.accountName(event.masterId), eventId: event.eventId, leg, was: 'unknown' });
  }

  /** Short tag prefix of a master, for matching copies in broker rows. */
  tagPrefix(masterId: string): string {
    return masterShortId(masterId);
  }
}

/** The ticket an MT4 row was split from by a partial close (`from #123`), or null. */
function splitFrom(comment: string): number | null {
  const m = /from #(\d+)/.exec(comment);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** Rows by ticket, built once per positions list (the cache replaces the whole list on every frame). */
const rowIndex = new WeakMap<readonly OpenedOrder[], Map<number, OpenedOrder>>();
function rowsByTicket(rows: readonly OpenedOrder[]): Map<number, OpenedOrder> {
  let map = rowIndex.get(rows);
  if (!map) {
    map = new Map(rows.map((r) => [r.ticket, r] as const));
    rowIndex.set(rows, map);
  }
  return map;
}

/**
 * The copy path: one master event, start to end — dedup, plan from the hot caches, send, apply the results to the
 * ledger, journal and report. Runs on the master's serial queue; reads only in-memory caches and never waits on a
 * disk write.
 */
import type { MasterEvent, MasterOpen } from '../domain/events.js';
import type { FollowerPlanInput, LegPlan } from '../domain/plan.js';
import { planEvent } from '../domain/plan.js';
import { Retcode } from '../domain/trading.js';
import { applyExecution, summarize } from './apply-results.js';
import type { EventFacts } from './apply-results.js';
import { marginNumbers, pendingCopyFacts } from './event-facts.js';
import type { CopierEvent, LegOutcome } from './events.js';
import type { Executor, LegExecution } from './executor.js';
import type { FollowerState } from './follower-state.js';
import type { LatencyWindow } from './latency-window.js';
import type { LedgerIndex } from './ledger-index.js';
import type { LinkTracker } from './link-tracker.js';
import type { MarketClosedQueue } from './market-closed-queue.js';
import { splitMarketClosed } from './market-closed-queue.js';
import type { PlanInputs } from './plan-inputs.js';
import type { Clock, EngineState, JournalRow, Logger } from './ports.js';
import type { ProcessedEvents } from './processed-events.js';

/** Copier-internal measurements (benchmarks, /status). */
export interface EngineMetrics {
  /** Frame taken off the master socket → batch request about to be written, ms. */
  overheadMs: LatencyWindow;
  /** Master event seen → last leg answered, ms. */
  copyLagMs: LatencyWindow;
  eventsProcessed: number;
  duplicatesIgnored: number;
  /**
   * Master events between their frame and their batch requests right now (planning, warm-up reads): while above 0 the
   * store holds a due background write back (see `Store.deferWritesWhile`), so it does not land in a copy's path.
   */
  copiesInPlanning?: number;
}

/** What the copy path reads, sends through and reports to. */
export interface CopyPathDeps {
  /** Read on every sample: benchmarks swap its windows. */
  readonly metrics: EngineMetrics;
  readonly state: { readonly data: EngineState; changed(): void };
  readonly log: Logger;
  readonly clock: Clock;
  readonly ledger: LedgerIndex;
  readonly executor: Executor;
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly processed: ProcessedEvents;
  readonly inputs: PlanInputs;
  readonly links: LinkTracker;
  readonly marketClosed: MarketClosedQueue;
  /** The halt reason, or null while copying. */
  halted(): string | null;
  accountName(id: string): string;
  factsOf(event: MasterEvent): EventFacts;
  pointOf(plan: LegPlan): number | null;
  journal(rows: JournalRow[]): void;
  emit(event: CopierEvent): void;
  /** Settles a leg whose outcome is unknown, in the background. */
  settleUnknown(event: MasterEvent, exec: LegExecution): void;
}

/** Runs master events through plan → send → ledger → journal → `copied`. */
export class CopyPath {
  private currentReceivedAt = 0;

  constructor(private readonly deps: CopyPathDeps) {}

  /** The executor is about to write a batch: the event's overhead (socket frame → request) ends here. */
  onBatchSending(): void {
    if (this.currentReceivedAt > 0) {
      this.deps.metrics.overheadMs.add(performance.now() - this.currentReceivedAt);
      this.currentReceivedAt = 0;
    }
  }

  /** One master event, start to end. Runs on the master's serial queue. */
  async process(event: MasterEvent, receivedAt: number): Promise<void> {
    const { deps } = this;
    const halted = deps.halted();
    if (halted) {
      deps.log.warn({ masterId: event.masterId, eventId: event.eventId, halted }, 'halted: master event not copied');
      return;
    }
    if (deps.processed.has(event.masterId, event.eventId)) {
      deps.metrics.duplicatesIgnored++;
      return;
    }
    const planning = { open: true };
    deps.metrics.copiesInPlanning = (deps.metrics.copiesInPlanning ?? 0) + 1;
    try {
      await this.copy(event, receivedAt, planning);
    } finally {
      this.endPlanning(planning);
    }
  }

  /** The event's batch requests are written (or it has none, or it failed): it no longer counts as planning. */
  private endPlanning(planning: { open: boolean }): void {
    if (!planning.open) return;
    planning.open = false;
    const metrics = this.deps.metrics;
    metrics.copiesInPlanning = Math.max(0, (metrics.copiesInPlanning ?? 1) - 1);
  }

  private async copy(event: MasterEvent, receivedAt: number, planning: { open: boolean }): Promise<void> {
    const { deps } = this;
    const startedAt = performance.now();
    const followers = deps.inputs.followersOf(event.masterId);
    if (event.kind === 'open') this.rememberMasterOpen(event);
    // A partial close needs the copy's volume grid too; after a restart whose start-up reads failed the cache has not
    // loaded it (loading is once per symbol, so the steady-state path reads nothing).
    if (event.kind === 'open' || event.kind === 'pending_place' || (event.kind === 'close' && event.volume < event.volumeBefore)) {
      await deps.inputs.warmSymbols(event.symbol, followers);
    }
    // Only a copy of a triggered master pending can be behind (a pending link whose row is not a position yet): the
    // follower scan is skipped when this master ticket has no open pending link at all, the common case.
    if ((event.kind === 'close' || event.kind === 'modify') && hasOpenPendingLink(deps.ledger, event.masterId, event.position)) {
      await deps.links.freshenTriggered(event, followers);
    }
    if (event.kind === 'close') {
      deps.links.adoptBeforeClose(event, followers);
      await deps.links.resolveFillsSharingClose(event, followers);
    }

    const inputs: FollowerPlanInput[] = [];
    for (const cfg of followers) {
      const input = deps.inputs.planInput(cfg);
      if (input) inputs.push(input);
    }
    const plans = planEvent(event, deps.inputs.planContext(event.masterId, inputs));
    const [sendable, queued] = splitMarketClosed(plans);

    this.currentReceivedAt = receivedAt;
    // The executor writes its batch requests before its first await: once it returns, planning is over.
    const sending = sendable.length > 0 ? deps.executor.execute(event.masterId, event.eventId, 'e', sendable) : null;
    this.endPlanning(planning);
    const executions = sending === null ? [] : await sending;
    this.currentReceivedAt = 0;
    for (const q of queued) executions.push({ plan: q, status: 'queued', volume: q.volume, price: null, ticket: null, retcode: null, latencyMs: null, message: 'market closed' });

    const facts = deps.factsOf(event);
    deps.links.adoptReplayedCopies(plans, facts);
    const outcomes: LegOutcome[] = [];
    const rows: JournalRow[] = [];
    for (const exec of executions) {
      const { outcome, journal } = applyExecution(exec, facts, deps.ledger, deps.accountName(exec.plan.followerId), deps.pointOf(exec.plan));
      if (exec.status === 'rejected' && exec.retcode === Retcode.NO_MONEY) Object.assign(outcome.detail, marginNumbers(exec.plan, deps.followers.get(exec.plan.followerId)));
      const pendingCopy = pendingCopyFacts(exec.plan, deps.followers.get(exec.plan.followerId));
      if (pendingCopy !== null) {
        // The detail object is the journal row's too.
        outcome.detail.copy = pendingCopy.copy;
        outcome.price = journal.price = pendingCopy.price;
        outcome.volume = journal.volume = pendingCopy.volume;
        outcome.ticket = journal.followerTicket = pendingCopy.ticket;
        outcome.symbol = journal.symbol = pendingCopy.symbol;
      }
      outcomes.push(outcome);
      rows.push(journal);
      if (exec.status === 'unknown') deps.settleUnknown(event, exec);
      if (exec.status === 'queued' && exec.plan.action === 'open' && event.kind === 'open') deps.marketClosed.queue(event, exec.plan);
    }
    deps.journal(rows);
    deps.marketClosed.onMasterEvent(event);
    if ((event.kind === 'close' && event.volume >= event.volumeBefore) || event.kind === 'pending_delete') {
      deps.ledger.dropSettled(event.masterId, event.kind === 'close' ? event.position : event.order);
    }
    deps.processed.mark(event.masterId, event.eventId);
    deps.state.changed();
    const elapsed = performance.now() - startedAt;
    deps.metrics.copyLagMs.add(elapsed);
    deps.metrics.eventsProcessed++;
    if (outcomes.length > 0) {
      deps.emit({
        type: 'copied',
        at: deps.clock.now(),
        masterId: event.masterId,
        masterName: deps.accountName(event.masterId),
        event: summarize(event),
        legs: outcomes,
        elapsedMs: Math.round(elapsed * 10) / 10,
      });
    }
    if (event.kind === 'close') await deps.links.followSplits(executions);
  }

  private rememberMasterOpen(event: MasterOpen): void {
    const list = (this.deps.state.data.masterHistory[event.masterId] ??= []);
    list.push({ position: event.position, symbol: event.symbol, side: event.side, volume: event.volume, price: event.price, stopLoss: event.stopLoss, at: event.detectedAt });
    if (list.length > 50) list.splice(0, list.length - 50);
  }
}

/** True when some follower's copy of this master ticket is still an open pending link. */
function hasOpenPendingLink(ledger: LedgerIndex, masterId: string, masterTicket: number): boolean {
  for (const l of ledger.ofMaster(masterId, masterTicket)) if (l.status === 'open' && l.kind === 'pending') return true;
  return false;
}

/**
 * True while some master event is between its frame and its batch requests: a deal held for its positions list, or
 * an event being planned. The store holds due background writes back meanwhile (`Store.deferWritesWhile`).
 */
export function copyInProgress(metrics: Pick<EngineMetrics, 'copiesInPlanning'>, masters: Iterable<{ feed: { readonly awaitingList: boolean } }>): boolean {
  if ((metrics.copiesInPlanning ?? 0) > 0) return true;
  for (const m of masters) if (m.feed.awaitingList) return true;
  return false;
}

/**
 * Settles legs whose outcome is unknown (a timeout, a lost reply) from the broker: never by sending them again, but by
 * reading the follower's orders and matching the copy tag (design.md §3, Execution).
 */
import type { MasterEvent } from '../domain/events.js';
import type { LegPlan } from '../domain/plan.js';
import { isCopyOf, parseCopyComment } from '../domain/tags.js';
import type { OpenedOrder } from '../domain/trading.js';
import { applyExecution } from './apply-results.js';
import type { EventFacts } from './apply-results.js';
import { sleepOn } from './clock.js';
import { retryRead } from './retry-read.js';
import type { CopierEvent, LegOutcome } from './events.js';
import type { Executor, LegExecution } from './executor.js';
import type { FollowerState } from './follower-state.js';
import type { LedgerIndex } from './ledger-index.js';
import type { Clock, JournalRow, Logger } from './ports.js';

/** What settling reads and reports to; `unsettled` is shared with reconciliation. */
export interface OutcomeSettlerDeps {
  readonly followers: ReadonlyMap<string, FollowerState>;
  readonly ledger: LedgerIndex;
  readonly clock: Clock;
  readonly state: { changed(): void };
  readonly log: Logger;
  readonly executor: Executor;
  readonly options: { readonly magic: number; readonly unknownResolveDelayMs: number };
  /** `master#ticket#follower` of legs being settled; this class adds and removes its own. */
  readonly unsettled: Set<string>;
  accountName(id: string): string;
  factsOf(event: MasterEvent): EventFacts;
  journal(rows: JournalRow[]): void;
  emit(event: CopierEvent): void;
  requestReconcile(trigger: 'warning'): void;
}

/**
 * Waits before each further read of the follower's orders when one fails with a retryable error. Settling from the
 * broker's rows is the only safe way to learn a leg's outcome, and a later event for the same copy plans from the
 * ledger this settles: leaving it to the next reconciliation run lets that event act on a stale volume.
 */
export const SETTLE_READ_BACKOFF_MS: readonly number[] = [250, 500, 1000];

type OpenPlan = Extract<LegPlan, { action: 'open' }>;

/** Resolves unknown leg outcomes from the follower's rows, then journals and emits `leg_resolved`. */
export class OutcomeSettler {
  constructor(private readonly deps: OutcomeSettlerDeps) {}

  /**
   * A leg whose outcome is unknown is never re-sent: the follower's open orders (and recent history for a fast round
   * trip) are read and the copy tag decides whether it executed (design.md §3, Execution).
   */
  async settle(event: MasterEvent, exec: LegExecution): Promise<void> {
    return this.settleFacts(this.deps.factsOf(event), exec);
  }

  /** The same for a leg sent for something else than a master event (a reconciliation fix), by its facts. */
  async settleFacts(facts: EventFacts, exec: LegExecution): Promise<void> {
    const plan = exec.plan;
    const f = this.deps.followers.get(plan.followerId);
    if (!f) return;
    const key = `${facts.masterId}#${plan.masterTicket}#${plan.followerId}`;
    this.deps.unsettled.add(key);
    try {
      await this.settleLeg(facts, exec, f);
    } finally {
      this.deps.unsettled.delete(key);
    }
  }

  private async settleLeg(event: EventFacts, exec: LegExecution, f: FollowerState): Promise<void> {
    const { ledger, options } = this.deps;
    const plan = exec.plan;
    await sleepOn(this.deps.clock)(options.unknownResolveDelayMs);
    const now = this.deps.clock.now();
    let outcome: LegOutcome['status'] = 'failed';
    let reason = 'not_executed';
    let ticket: number | null = null;
    let volume: number | null = null;
    try {
      const rows = await retryRead(() => f.refreshPositions(), sleepOn(this.deps.clock), SETTLE_READ_BACKOFF_MS);
      const nettingAdd = plan.action === 'open' && plan.offsets === undefined && f.marginMode === 'Netting' ? this.nettingAdd(f, plan, rows) : null;
      if (nettingAdd !== null) {
        // An add to a netting position that was already open: the row keeps its first opener's ticket and tag, so the
        // tag cannot tell. The net volume can: the shares the ledger holds on that row, plus this order.
        if (nettingAdd.traded) {
          outcome = 'filled';
          reason = 'resolved_from_open_orders';
          ticket = nettingAdd.row.ticket;
          volume = nettingAdd.plan.volume;
          ledger.add({
            masterId: event.masterId,
            masterTicket: plan.masterTicket,
            followerId: f.id,
            followerTicket: nettingAdd.row.ticket,
            kind: 'position',
            followerSymbol: nettingAdd.plan.symbol,
            masterSymbol: event.masterSymbol,
            side: nettingAdd.plan.side,
            volume: nettingAdd.plan.volume,
            masterVolume: event.masterVolumeAfter ?? 0,
            openedAt: now,
            status: 'open',
          });
        } else {
          reason = nettingAdd.untouched ? 'not_executed' : 'not_executed_reconciling';
        }
      } else if (plan.action === 'open' && plan.offsets !== undefined) {
        // An order against a netting position (plan.ts, `offsets`): the net row tells whether it traded.
        const followerTicket = plan.offsets[0]?.followerTicket;
        // A net position that was flat when the order came (its row gone) is opened again under a new ticket.
        const row = rows.find((r) => r.ticket === followerTicket) ?? rows.find((r) => r.kind === 'Position' && r.symbol === plan.symbol);
        const move = this.netMove(f, followerTicket, row, plan);
        if (move.traded) {
          outcome = 'filled';
          reason = 'resolved_from_open_orders';
          volume = plan.volume;
          applyExecution({ ...exec, status: 'filled', volume: plan.volume }, event, ledger, this.deps.accountName(f.id), null);
        } else {
          reason = move.untouched ? 'not_executed_reconciling' : 'not_closed_reconciling';
          this.deps.requestReconcile('warning');
        }
      } else if (plan.action === 'open' || plan.action === 'place_pending') {
        const known = new Set(ledger.ofFollower(f.id).map((l) => l.followerTicket));
        const row = rows.find((r) => r.comment === plan.comment && r.magic === plan.magic && !known.has(r.ticket))
          ?? rows.find((r) => isCopyOf(r, options.magic, event.masterId) && parseCopyComment(r.comment)?.masterTicket === plan.masterTicket && !known.has(r.ticket) && r.symbol === plan.symbol);
        if (row) {
          outcome = 'filled';
          reason = 'resolved_from_open_orders';
          ticket = row.ticket;
          volume = row.lots;
          ledger.add({
            masterId: event.masterId,
            masterTicket: plan.masterTicket,
            followerId: f.id,
            followerTicket: row.ticket,
            kind: plan.action === 'open' ? 'position' : 'pending',
            followerSymbol: plan.symbol,
            masterSymbol: event.masterSymbol,
            side: plan.side,
            volume: row.lots,
            masterVolume: event.masterVolumeAfter ?? 0,
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
          // The row's volume before: the net of the shares on it (on a netting row they may sit on both sides).
          const before = Math.abs(ledger.ofFollower(f.id).filter((l) => l.followerTicket === t.ticket && l.status === 'open').reduce((sum, l) => sum + (l.side === 'buy' ? l.volume : -l.volume), 0));
          if (Math.abs(row.lots - (before - t.volume)) < 1e-9) return 'done';
          return Math.abs(row.lots - before) < 1e-9 ? 'not_done' : 'unclear';
        });
        if (verdicts.every((v) => v === 'done')) {
          outcome = 'closed';
          reason = 'resolved_from_open_orders';
          const closedTickets = targets.map((t) => ({ ticket: t.ticket, status: 'closed', volume: t.volume ?? 0, retcode: 0 }));
          applyExecution({ ...exec, status: 'closed', closedTickets }, event, ledger, this.deps.accountName(f.id), null);
          if (plan.action === 'close') volume = Math.round(plan.linkVolumes.reduce((sum, c) => sum + c.volumeBefore - c.volumeAfter, 0) * 1e8) / 1e8;
        } else {
          // Not (fully) closed: reconciliation compares volumes against the master and finishes the job.
          reason = verdicts.every((v) => v === 'not_done') ? 'not_executed_reconciling' : 'not_closed_reconciling';
          this.deps.requestReconcile('warning');
        }
      } else if (plan.action === 'modify') {
        const row = rows.find((r) => r.ticket === plan.ticket);
        // A pending order's move is applied only if its price moved too (its SL/TP may well be unchanged).
        const applied =
          row &&
          (plan.stopLoss === undefined || row.stopLoss === plan.stopLoss) &&
          (plan.takeProfit === undefined || row.takeProfit === plan.takeProfit) &&
          (plan.price === undefined || row.openPrice === plan.price);
        if (applied) {
          outcome = 'modified';
          reason = 'resolved_from_open_orders';
        } else if (row) {
          // Absolute levels: sending the same modify again cannot add exposure, and the row shows it did not apply.
          const again = await this.deps.executor.execute(event.masterId, event.eventId, 'm2', [plan]);
          outcome = again[0]?.status === 'modified' ? 'modified' : 'failed';
          reason = 'modify_resent_after_check';
        }
      }
    } catch (error) {
      reason = 'settle_failed_reconciling';
      outcome = 'failed';
      this.deps.log.warn({ followerId: f.id, err: String(error) }, 'could not settle unknown outcome; reconciliation will');
      this.deps.requestReconcile('warning');
    }
    if (outcome === 'failed' && (plan.action === 'open' || plan.action === 'place_pending')) this.deps.requestReconcile('warning');
    const symbol = plan.action === 'open' || plan.action === 'place_pending' ? plan.symbol : null;
    const leg: LegOutcome = {
      followerId: f.id,
      followerName: this.deps.accountName(f.id),
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
    this.deps.journal([{ at: now, masterId: event.masterId, eventId: event.eventId, eventKind: event.kind, followerId: f.id, action: leg.action, status: 'resolved', reason, detail: { outcome }, masterTicket: plan.masterTicket, followerTicket: ticket, symbol, volume, price: null }]);
    this.deps.state.changed();
    this.deps.emit({ type: 'leg_resolved', at: now, masterId: event.masterId, masterName: this.deps.accountName(event.masterId), eventId: event.eventId, leg, was: 'unknown' });
  }

  /**
   * For an open on a netting account whose position on the symbol was already held by other copies: whether the net
   * row moved by this order (traded), stayed where the ledger's shares put it (untouched), or neither. Null when no
   * copy shared a row on that symbol before (the order opened its own row, found by its tag).
   */
  private nettingAdd(f: FollowerState, plan: OpenPlan, rows: readonly OpenedOrder[]): { plan: OpenPlan; row: OpenedOrder; traded: boolean; untouched: boolean } | null {
    const shares = this.deps.ledger.ofFollower(f.id).filter((l) => l.status === 'open' && l.kind === 'position' && l.followerSymbol === plan.symbol);
    if (shares.length === 0) return null;
    const row = rows.find((r) => r.symbol === plan.symbol && r.ticket === shares[0]?.followerTicket);
    if (row === undefined) return null;
    return { plan, row, ...this.netMove(f, row.ticket, row, plan) };
  }

  /**
   * Whether an order moved a netting row: the row's signed volume (0 when gone) against the signed net of the ledger's
   * shares on `followerTicket`, with (traded) or without (untouched) the order's own volume.
   */
  private netMove(f: FollowerState, followerTicket: number | undefined, row: OpenedOrder | undefined, plan: OpenPlan): { traded: boolean; untouched: boolean } {
    const signed = (side: 'buy' | 'sell', lots: number): number => (side === 'buy' ? lots : -lots);
    const net = row === undefined ? 0 : signed(row.type.startsWith('Buy') ? 'buy' : 'sell', row.lots);
    const before = this.deps.ledger
      .ofFollower(f.id)
      .filter((l) => l.followerTicket === followerTicket && l.status === 'open' && l.kind === 'position')
      .reduce((sum, l) => sum + signed(l.side, l.volume), 0);
    return {
      traded: Math.abs(net - (before + signed(plan.side, plan.volume))) < 1e-9,
      untouched: Math.abs(net - before) < 1e-9,
    };
  }
}

/**
 * Execution (design.md §3, Execution): the planned legs of one master event become at most one `POST /v1/orders`
 * (opens and pending placements), one `POST /v1/orders/close` (closes and pending deletions) and one terminal
 * `OrderModify` per modified ticket, all sent concurrently. Every batch carries an Idempotency-Key derived from the
 * master account and event, so a replay after a crash or a lost reply is answered from FxSocket's stored reply.
 *
 * The executor only talks to the broker and reports what happened per leg; the engine applies it to the ledger.
 */
import type { LegPlan } from '../domain/plan.js';
import { idempotencyKey } from '../domain/tags.js';
import { Retcode } from '../domain/trading.js';
import type { BatchSendPolicyHolder } from './batch-policy.js';
import { sendWithReplay } from './batch-sender.js';
import type { LegStatus } from './events.js';
import type {
  BrokerPort,
  CloseBatchReply,
  CloseLeg,
  Logger,
  OrderBatchReply,
  OrderLeg,
  OrderLegResult,
  TerminalPort,
} from './ports.js';

/** The raw result of one planned leg. */
export interface LegExecution {
  plan: LegPlan;
  status: LegStatus;
  /** Filled/closed volume; for unknown legs, the planned volume. */
  volume: number | null;
  price: number | null;
  /** New follower ticket (opens and placements). */
  ticket: number | null;
  retcode: number | null;
  latencyMs: number | null;
  message: string;
  /** For closes: per ticket, what closed. */
  closedTickets?: { ticket: number; status: string; volume: number; retcode: number }[];
}

export interface ExecutorDeps {
  broker: BrokerPort;
  terminal(followerId: string): TerminalPort | undefined;
  log: Logger;
  sleep(ms: number): Promise<void>;
  policy: BatchSendPolicyHolder;
  /** Called right before a batch request is written (for the copier-overhead measurement). */
  onBatchSending?(kind: 'orders' | 'close', legs: number): void;
}

type OpenPlan = Extract<LegPlan, { action: 'open' } | { action: 'place_pending' }>;
type ClosePlan = Extract<LegPlan, { action: 'close' } | { action: 'delete_pending' }>;
type ModifyPlan = Extract<LegPlan, { action: 'modify' }>;

export class Executor {
  private readonly deps: ExecutorDeps;

  constructor(deps: ExecutorDeps) {
    this.deps = deps;
  }

  /**
   * Executes the legs of one master event. `scope` distinguishes the batches of one event (first copy `e`, a queued
   * leg re-sent at the market open `q1`, a reconciliation open `r`…); the same (master, event, scope) always yields
   * the same Idempotency-Key.
   */
  async execute(masterId: string, eventId: string, scope: string, legs: readonly LegPlan[]): Promise<LegExecution[]> {
    const opens: OpenPlan[] = [];
    const closes: ClosePlan[] = [];
    const modifies: ModifyPlan[] = [];
    const results: LegExecution[] = [];
    for (const leg of legs) {
      switch (leg.action) {
        case 'open':
        case 'place_pending':
          opens.push(leg);
          break;
        case 'close':
        case 'delete_pending':
          closes.push(leg);
          break;
        case 'modify':
          modifies.push(leg);
          break;
        case 'skip':
          results.push({ plan: leg, status: 'skipped', volume: null, price: null, ticket: null, retcode: null, latencyMs: null, message: leg.reason });
          break;
      }
    }
    const [a, b, c] = await Promise.all([
      opens.length > 0 ? this.sendOpens(masterId, eventId, scope, opens) : [],
      closes.length > 0 ? this.sendCloses(masterId, eventId, scope, closes) : [],
      modifies.length > 0 ? Promise.all(modifies.map((m) => this.sendModify(m))) : [],
    ]);
    results.push(...a, ...b, ...c);
    return results;
  }

  private async sendOpens(masterId: string, eventId: string, scope: string, plans: OpenPlan[]): Promise<LegExecution[]> {
    const orders: OrderLeg[] = plans.map((p) => {
      const leg: OrderLeg = {
        account_id: p.followerId,
        symbol: p.symbol,
        operation: p.operation,
        volume: p.volume,
        comment: p.comment,
        expert_id: p.magic,
      };
      if (p.stopLoss > 0) leg.stop_loss = p.stopLoss;
      if (p.takeProfit > 0) leg.take_profit = p.takeProfit;
      if (p.action === 'place_pending') leg.price = p.price;
      else if (p.slippage !== undefined) leg.slippage = p.slippage;
      return leg;
    });
    const key = idempotencyKey(masterId, eventId, `${scope}o`);
    this.deps.onBatchSending?.('orders', orders.length);
    const sent = await sendWithReplay<OrderBatchReply>(
      (o) => this.deps.broker.placeOrders({ orders }, o),
      key,
      this.deps.policy.current,
      this.deps.sleep,
      this.deps.log,
    );
    if (sent.kind === 'refused') {
      // A reused key with a different body means an earlier attempt may have executed: settle it from the broker.
      const status: LegStatus = sent.error.code === 'idempotency_key_reused' ? 'unknown' : 'failed';
      return plans.map((plan) => ({ plan, status, volume: plan.volume, price: null, ticket: null, retcode: null, latencyMs: null, message: sent.error.message }));
    }
    if (sent.kind === 'unknown') {
      return plans.map((plan) => ({ plan, status: 'unknown' as const, volume: plan.volume, price: null, ticket: null, retcode: null, latencyMs: null, message: sent.error.message }));
    }
    return plans.map((plan, i) => openResult(plan, sent.reply.results[i]));
  }

  private async sendCloses(masterId: string, eventId: string, scope: string, plans: ClosePlan[]): Promise<LegExecution[]> {
    // One close leg per (follower, volume): a leg's volume applies to all its tickets (§2.5).
    const accounts: CloseLeg[] = [];
    const owners: { plan: ClosePlan; tickets: number[] }[] = [];
    for (const plan of plans) {
      if (plan.action === 'delete_pending') {
        accounts.push({ account_id: plan.followerId, tickets: [plan.ticket] });
        owners.push({ plan, tickets: [plan.ticket] });
        continue;
      }
      const byVolume = new Map<number | null, number[]>();
      for (const t of plan.tickets) byVolume.set(t.volume, [...(byVolume.get(t.volume) ?? []), t.ticket]);
      for (const [volume, tickets] of byVolume) {
        const leg: CloseLeg = { account_id: plan.followerId, tickets };
        if (volume !== null) leg.volume = volume;
        accounts.push(leg);
        owners.push({ plan, tickets });
      }
    }
    const key = idempotencyKey(masterId, eventId, `${scope}c`);
    this.deps.onBatchSending?.('close', accounts.length);
    const sent = await sendWithReplay<CloseBatchReply>(
      (o) => this.deps.broker.closeOrders({ accounts }, o),
      key,
      this.deps.policy.current,
      this.deps.sleep,
      this.deps.log,
    );
    const merged = new Map<ClosePlan, LegExecution>();
    owners.forEach((owner, i) => {
      const prev = merged.get(owner.plan);
      let exec: LegExecution;
      if (sent.kind !== 'reply') {
        const status: LegStatus = sent.kind === 'refused' && sent.error.code !== 'idempotency_key_reused' ? 'failed' : 'unknown';
        exec = { plan: owner.plan, status, volume: null, price: null, ticket: null, retcode: null, latencyMs: null, message: sent.error.message, closedTickets: [] };
      } else {
        exec = closeResult(owner.plan, sent.reply.results[i]);
      }
      merged.set(owner.plan, prev ? mergeClose(prev, exec) : exec);
    });
    return [...merged.values()];
  }

  private async sendModify(plan: ModifyPlan): Promise<LegExecution> {
    const terminal = this.deps.terminal(plan.followerId);
    const base = { plan, volume: null, price: null, ticket: plan.ticket, latencyMs: null };
    if (!terminal) return { ...base, status: 'failed', retcode: null, message: 'follower terminal not available' };
    const request: { ticket: number; stopLoss?: number; takeProfit?: number; price?: number } = { ticket: plan.ticket };
    const clear: { clearStopLoss?: true; clearTakeProfit?: true } = {};
    // The planner's 0 means "the master removed it": that must travel as an explicit clear, never a bare 0.
    if (plan.stopLoss !== undefined) {
      if (plan.stopLoss > 0) request.stopLoss = plan.stopLoss;
      else clear.clearStopLoss = true;
    }
    if (plan.takeProfit !== undefined) {
      if (plan.takeProfit > 0) request.takeProfit = plan.takeProfit;
      else clear.clearTakeProfit = true;
    }
    if (plan.price !== undefined) request.price = plan.price;
    const started = performance.now();
    try {
      const r = await terminal.orderModify(request, clear);
      const latencyMs = Math.round(performance.now() - started);
      const effective = r.success || r.retcode === Retcode.NO_CHANGES;
      return { ...base, latencyMs, status: effective ? 'modified' : 'rejected', retcode: r.retcode, message: r.comment || r.retcodeDescription };
    } catch (error) {
      const e = error as { action?: string; message?: string };
      return { ...base, status: e.action === 'unknown' ? 'unknown' : 'failed', retcode: null, message: e.message ?? String(error) };
    }
  }
}

function openResult(plan: OpenPlan, r: OrderLegResult | undefined): LegExecution {
  if (!r) return { plan, status: 'unknown', volume: plan.volume, price: null, ticket: null, retcode: null, latencyMs: null, message: 'no result for leg' };
  // Built field by field, once per leg: on Node 20 `{ ...base, status, … }` leaves V8's fast path (microseconds each).
  const leg = (status: LegStatus, volume: number | null, ticket: number | null): LegExecution => ({
    plan,
    status,
    volume,
    price: r.price || null,
    ticket,
    retcode: r.retcode || null,
    latencyMs: r.latency_ms,
    message: r.message || r.retcode_description,
  });
  switch (r.status) {
    case 'filled':
      return leg(r.retcode === Retcode.DONE_PARTIAL ? 'partial' : 'filled', r.volume || plan.volume, r.order || null);
    case 'rejected':
      if (r.retcode === Retcode.DONE_PARTIAL && r.order > 0) return leg('partial', r.volume, r.order);
      if (r.retcode === Retcode.MARKET_CLOSED) return leg('queued', plan.volume, null);
      return leg('rejected', plan.volume, null);
    case 'timeout':
      return leg('unknown', plan.volume, null);
    default:
      // invalid / unavailable / unreachable: provably not executed (§2.4).
      return leg('failed', plan.volume, null);
  }
}

function closeResult(plan: ClosePlan, r: CloseBatchReply['results'][number] | undefined): LegExecution {
  if (!r) return { plan, status: 'unknown', volume: null, price: null, ticket: null, retcode: null, latencyMs: null, message: 'no result for leg', closedTickets: [] };
  const closedTickets = r.results.map((t) => ({ ticket: t.ticket, status: t.status, volume: t.volume, retcode: t.retcode }));
  const closedVolume = r.results.filter((t) => t.status === 'closed').reduce((s, t) => s + t.volume, 0);
  const price = r.results.find((t) => t.status === 'closed')?.price ?? null;
  const firstRetcode = r.results.find((t) => t.status !== 'closed')?.retcode ?? r.results[0]?.retcode ?? null;
  let status: LegStatus;
  if (r.status === 'closed') status = 'closed';
  else if (r.status === 'timeout' || r.results.some((t) => t.status === 'timeout')) status = 'unknown';
  else if (r.status === 'nothing_matched') status = 'closed';
  else if (r.status === 'partial') status = 'partial';
  else if (r.results.some((t) => t.retcode === Retcode.POSITION_CLOSED)) status = 'closed';
  else if (r.status === 'failed') status = 'rejected';
  else status = 'failed';
  return { plan, status, volume: Math.round(closedVolume * 1e8) / 1e8, price, ticket: null, retcode: firstRetcode, latencyMs: r.latency_ms, message: r.message, closedTickets };
}

function mergeClose(a: LegExecution, b: LegExecution): LegExecution {
  const rank: Record<string, number> = { unknown: 4, failed: 3, rejected: 2, partial: 1, closed: 0 };
  const status = (rank[a.status] ?? 0) >= (rank[b.status] ?? 0) ? a.status : b.status;
  return {
    ...a,
    status,
    volume: (a.volume ?? 0) + (b.volume ?? 0),
    latencyMs: Math.max(a.latencyMs ?? 0, b.latencyMs ?? 0),
    closedTickets: [...(a.closedTickets ?? []), ...(b.closedTickets ?? [])],
  };
}

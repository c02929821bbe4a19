import type { IncomingMessage, ServerResponse } from 'node:http';
import { TerminalError, type SendRequest } from '../broker/account.js';
import { isPending, isStopLimit, parseOperation } from '../broker/symbols.js';
import type { Simulator } from '../simulator.js';
import type { Terminal } from '../terminal.js';
import type { Operation } from '../types.js';
import type { KeyGrant } from './auth.js';
import { elapsedMs, resolveAccounts, runGrouped, withIdempotency } from './batch-common.js';
import { parseJson, readBody, sendJson, sleep } from './respond.js';
import { describeIssue, OrdersBodySchema, type OrderLegInput } from './schemas.js';

/** LegStatus of §2.4. */
export type LegStatus = 'filled' | 'rejected' | 'invalid' | 'unavailable' | 'unreachable' | 'timeout';

interface MergedLeg {
  account_id: string;
  symbol: string;
  operation: Operation;
  volume: number;
  request: SendRequest;
}

function invalid(res: ServerResponse, detail: string): void {
  sendJson(res, 400, { error: 'invalid_batch', detail });
}

/** Merges defaults into each leg (keys present on the leg win, falsy ones included) and checks the result. */
function mergeLegs(legs: OrderLegInput[], defaults: Partial<OrderLegInput>): MergedLeg[] | string {
  const out: MergedLeg[] = [];
  for (let i = 0; i < legs.length; i++) {
    // Object.assign rather than `{ ...defaults, ...leg }`: the same own-key merge, without Node 20's slow spread path.
    const m = Object.assign({}, defaults, legs[i]) as OrderLegInput;
    const where = `orders[${i}]`;
    if (m.symbol === undefined) return `${where}.symbol is required`;
    if (m.operation === undefined) return `${where}.operation is required`;
    if (m.volume === undefined) return `${where}.volume is required`;
    const operation = parseOperation(m.operation);
    if (!operation) return `${where}.operation: unknown operation ${m.operation}`;
    if (isPending(operation) && !(m.price !== undefined && m.price > 0)) return `${where}.price is required for ${operation}`;
    if (isStopLimit(operation) && !(m.stop_limit_price !== undefined && m.stop_limit_price > 0)) return `${where}.stop_limit_price is required for ${operation}`;
    const request: SendRequest = { symbol: m.symbol, operation, volume: m.volume };
    if (m.price !== undefined) request.price = m.price;
    if (m.stop_limit_price !== undefined) request.stopLimitPrice = m.stop_limit_price;
    if (m.stop_loss !== undefined) request.stopLoss = m.stop_loss;
    if (m.take_profit !== undefined) request.takeProfit = m.take_profit;
    if (m.slippage !== undefined) request.slippage = m.slippage;
    if (m.expiration !== undefined) request.expiration = m.expiration;
    if (m.comment !== undefined) request.comment = m.comment;
    if (m.expert_id !== undefined) request.magic = m.expert_id;
    out.push({ account_id: m.account_id, symbol: m.symbol, operation, volume: m.volume, request });
  }
  return out;
}

/** `POST /v1/orders` (§2.4). */
export async function handleOrdersBatch(sim: Simulator, req: IncomingMessage, res: ServerResponse, grant: KeyGrant): Promise<void> {
  if (grant.readOnly) return sendJson(res, 403, { error: 'read_only', detail: 'a read-only API key cannot place orders' });
  const bodyText = await readBody(req);
  const body = parseJson(bodyText);
  if (body === undefined) return invalid(res, 'body is not valid JSON');
  const parsed = OrdersBodySchema.safeParse(body);
  if (!parsed.success) return invalid(res, describeIssue(parsed.error));
  const legs = mergeLegs(parsed.data.orders, parsed.data.defaults ?? {});
  if (typeof legs === 'string') return invalid(res, legs);
  const terminals = resolveAccounts(sim, res, grant, legs.map((l) => l.account_id), parsed.data.require_reachable === true);
  if (!terminals) return;
  await withIdempotency(sim, req, res, grant, 'orders', bodyText, async () => {
    const results = await runGrouped(legs, (l) => l.account_id, (leg, i) => runLeg(sim, terminals[i] as Terminal, leg));
    const summary = { requested: results.length, filled: 0, failed: 0, unknown: 0 };
    for (const r of results) {
      if (r['status'] === 'filled') summary.filled++;
      else if (r['status'] === 'timeout') summary.unknown++;
      else summary.failed++;
    }
    return { batch_id: sim.nextBatchId(), idempotent_replay: false, summary, results };
  });
}

type LegResultFields = { order?: number; deal?: number; price?: number; volume?: number; retcode?: number; retcode_description?: string; message: string };

function legResult(t: Terminal, leg: MergedLeg, start: number, status: LegStatus, f: LegResultFields): Record<string, unknown> {
  const acc = t.account;
  return {
    account_id: leg.account_id,
    platform: acc.platform,
    symbol: leg.symbol,
    operation: leg.operation,
    volume: f.volume ?? leg.volume,
    status,
    order: f.order ?? 0,
    deal: f.deal ?? 0,
    price: f.price ?? 0,
    bid: acc.symbol(leg.symbol)?.bid ?? 0,
    ask: acc.symbol(leg.symbol)?.ask ?? 0,
    retcode: f.retcode ?? 0,
    retcode_description: f.retcode_description ?? '',
    message: f.message,
    latency_ms: elapsedMs(start),
  };
}

/** One leg. Synchronous unless a latency fault delays it, so a fault-free batch allocates no promise per leg. */
function runLeg(sim: Simulator, t: Terminal, leg: MergedLeg): Record<string, unknown> | Promise<Record<string, unknown>> {
  const start = performance.now();
  if (!t.reachable(sim.clock.now())) return legResult(t, leg, start, 'unreachable', { message: 'account has no reachable terminal' });
  const lat = t.faults.latency();
  if (lat > 0) {
    sim.stats.fault('latency');
    return sleep(lat).then(() => executeLeg(sim, t, leg, start));
  }
  return executeLeg(sim, t, leg, start);
}

function executeLeg(sim: Simulator, t: Terminal, leg: MergedLeg, start: number): Record<string, unknown> {
  const acc = t.account;
  if (t.starting(sim.clock.now())) {
    sim.stats.fault('starting');
    return legResult(t, leg, start, 'unavailable', { message: 'terminal is starting: trade EA not ready' });
  }
  sim.emitOrderReceived(acc.id, 'batch', { symbol: leg.symbol, volume: leg.volume, comment: leg.request.comment, magic: leg.request.magic });
  let r;
  try {
    r = acc.send(leg.request);
  } catch (err) {
    if (err instanceof TerminalError) return legResult(t, leg, start, 'invalid', { message: err.message });
    throw err;
  }
  if (t.faults.takeLegTimeout()) {
    // The order reached the broker; only the answer is lost (§2.4: never blind-retry a timeout).
    sim.stats.fault('batchLegTimeout');
    return legResult(t, leg, start, 'timeout', { message: 'no answer from the terminal in time' });
  }
  const status: LegStatus = r.success || r.outcome === 'partial' ? 'filled' : 'rejected';
  return legResult(t, leg, start, status, {
    order: r.order,
    deal: r.deal,
    price: r.price,
    volume: r.volume > 0 ? r.volume : leg.volume,
    retcode: r.retcode,
    retcode_description: r.retcodeDescription,
    message: r.comment,
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { TerminalError, type Row } from '../broker/account.js';
import { isBuy, matchesBase } from '../broker/symbols.js';
import { toLots } from '../broker/volume.js';
import type { Simulator } from '../simulator.js';
import type { Terminal } from '../terminal.js';
import type { KeyGrant } from './auth.js';
import { elapsedMs, resolveAccounts, runGrouped, withIdempotency } from './batch-common.js';
import { parseJson, readBody, sendJson, sleep } from './respond.js';
import { CloseBodySchema, describeIssue, type CloseFieldsInput, type CloseLegInput } from './schemas.js';

/** CloseLegStatus and TicketStatus of §2.5. */
export type CloseLegStatus = 'closed' | 'partial' | 'failed' | 'nothing_matched' | 'unavailable' | 'unreachable' | 'invalid' | 'timeout';
export type TicketStatus = 'closed' | 'rejected' | 'invalid' | 'unavailable' | 'unreachable' | 'skipped' | 'timeout';

type Merged = CloseFieldsInput & { account_id: string; tickets?: number[] };

const SELECTOR_KEYS = ['symbol', 'symbol_match', 'side', 'kind', 'magic'] as const;

function invalid(res: ServerResponse, detail: string): void {
  sendJson(res, 400, { error: 'invalid_batch', detail });
}

function mergeLegs(legs: CloseLegInput[], defaults: CloseFieldsInput): Merged[] | string {
  const out: Merged[] = [];
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i] as CloseLegInput;
    if (leg.tickets !== undefined) {
      const clash = SELECTOR_KEYS.find((k) => leg[k] !== undefined);
      if (clash) return `accounts[${i}]: tickets cannot be combined with ${clash}`;
      const m: Merged = { account_id: leg.account_id, tickets: leg.tickets };
      const volume = leg.volume ?? defaults.volume;
      const slippage = leg.slippage ?? defaults.slippage;
      if (volume !== undefined) m.volume = volume;
      if (slippage !== undefined) m.slippage = slippage;
      out.push(m);
      continue;
    }
    // Object.assign rather than `{ ...defaults, ...leg }`: the same own-key merge, without Node 20's slow spread path.
    const m = Object.assign({}, defaults, leg) as Merged;
    if (m.symbol === undefined) return `accounts[${i}].symbol is required without tickets ("*" for every symbol)`;
    out.push(m);
  }
  return out;
}

/** `POST /v1/orders/close` (§2.5). */
export async function handleCloseBatch(sim: Simulator, req: IncomingMessage, res: ServerResponse, grant: KeyGrant): Promise<void> {
  if (grant.readOnly) return sendJson(res, 403, { error: 'read_only', detail: 'a read-only API key cannot close orders' });
  const bodyText = await readBody(req);
  const body = parseJson(bodyText);
  if (body === undefined) return invalid(res, 'body is not valid JSON');
  const parsed = CloseBodySchema.safeParse(body);
  if (!parsed.success) return invalid(res, describeIssue(parsed.error));
  const legs = mergeLegs(parsed.data.accounts, parsed.data.defaults ?? {});
  if (typeof legs === 'string') return invalid(res, legs);
  const terminals = resolveAccounts(sim, res, grant, legs.map((l) => l.account_id), parsed.data.require_reachable === true);
  if (!terminals) return;
  await withIdempotency(sim, req, res, grant, 'orders/close', bodyText, async () => {
    const results = await runGrouped(legs, (l) => l.account_id, (leg, i) => runCloseLeg(sim, terminals[i] as Terminal, leg));
    const summary = { accounts: results.length, matched: 0, closed: 0, failed: 0, unknown: 0, accounts_unknown: 0 };
    for (const r of results) {
      summary.matched += r.matched;
      summary.closed += r.closed;
      if (r.status === 'timeout' || r.status === 'unavailable' || r.status === 'unreachable' || r.status === 'invalid') summary.accounts_unknown++;
      for (const tr of r.results) {
        if (tr.status === 'timeout') summary.unknown++;
        else if (tr.status !== 'closed') summary.failed++;
      }
    }
    return { batch_id: sim.nextBatchId(), idempotent_replay: false, summary, results };
  });
}

interface TicketResult {
  ticket: number;
  symbol: string;
  type: string;
  kind: 'position' | 'pending';
  volume: number;
  status: TicketStatus;
  retcode: number;
  retcode_description: string;
  price: number;
  message: string;
  latency_ms: number;
}

interface LegResult {
  account_id: string;
  platform: 'mt4' | 'mt5' | '';
  status: CloseLegStatus;
  matched: number;
  closed: number;
  message: string;
  latency_ms: number;
  results: TicketResult[];
}

function selects(leg: Merged, r: Row): boolean {
  const symbol = leg.symbol ?? '';
  if (symbol !== '*') {
    if ((leg.symbol_match ?? 'exact') === 'base' ? !matchesBase(symbol, r.sym.name) : r.sym.name !== symbol) return false;
  }
  const side = leg.side ?? 'any';
  if (side !== 'any' && (side === 'long') !== isBuy(r.type)) return false;
  const kind = leg.kind ?? 'position';
  if (kind !== 'any' && (kind === 'position') !== (r.kind === 'Position')) return false;
  return leg.magic === undefined || r.magic === leg.magic;
}

/** One account's close leg. Synchronous unless a latency fault delays it (no promise per leg in a fault-free batch). */
function runCloseLeg(sim: Simulator, t: Terminal, leg: Merged): LegResult | Promise<LegResult> {
  const start = performance.now();
  const empty = (status: CloseLegStatus, message: string): LegResult => emptyResult(t, leg, start, status, message);
  if (!t.reachable(sim.clock.now())) return empty('unreachable', 'account has no reachable terminal');
  const lat = t.faults.latency();
  if (lat > 0) {
    sim.stats.fault('latency');
    return sleep(lat).then(() => executeCloseLeg(sim, t, leg, start));
  }
  return executeCloseLeg(sim, t, leg, start);
}

function emptyResult(t: Terminal, leg: Merged, start: number, status: CloseLegStatus, message: string): LegResult {
  // Spelled out: `{ ...base, more }` costs microseconds per leg on Node 20, paid once per follower.
  return { account_id: leg.account_id, platform: t.account.platform, status, matched: 0, closed: 0, message, latency_ms: elapsedMs(start), results: [] };
}

function executeCloseLeg(sim: Simulator, t: Terminal, leg: Merged, start: number): LegResult {
  const acc = t.account;
  const empty = (status: CloseLegStatus, message: string): LegResult => emptyResult(t, leg, start, status, message);
  if (t.starting(sim.clock.now())) {
    sim.stats.fault('starting');
    return empty('unavailable', 'terminal is starting: trade EA not ready');
  }
  // Selectors resolve against the open orders at call time; tickets are taken as given (they may be stale).
  const targets: Array<{ ticket: number; row: Row | undefined }> = leg.tickets
    ? leg.tickets.map((ticket) => ({ ticket, row: acc.rows.get(ticket) }))
    : [...acc.rows.values()].filter((r) => selects(leg, r)).map((row) => ({ ticket: row.ticket, row }));
  const results: TicketResult[] = [];
  let closed = 0;
  for (const { ticket, row } of targets) {
    const tStart = performance.now();
    const symbol = row?.sym.name ?? '';
    const type = row?.type ?? '';
    const kind = row?.kind === 'Pending' ? 'pending' : 'position';
    if (row) sim.emitOrderReceived(acc.id, 'batch', { symbol: row.sym.name, volume: toLots(row.units), comment: '', magic: 0 });
    try {
      const res = acc.close(leg.volume !== undefined && row?.kind === 'Position' ? { ticket, volume: leg.volume } : { ticket });
      if (res.success) closed++;
      results.push({
        ticket,
        symbol,
        type,
        kind,
        volume: res.volume,
        status: res.success ? 'closed' : 'rejected',
        retcode: res.retcode,
        retcode_description: res.retcodeDescription,
        price: res.price,
        message: res.comment,
        latency_ms: elapsedMs(tStart),
      });
    } catch (err) {
      if (!(err instanceof TerminalError)) throw err;
      results.push({ ticket, symbol, type, kind, volume: 0, status: 'invalid', retcode: 0, retcode_description: '', price: 0, message: err.message, latency_ms: elapsedMs(tStart) });
    }
  }
  if (t.faults.takeLegTimeout()) {
    sim.stats.fault('batchLegTimeout');
    return empty('timeout', 'the account job ran out of time; orders may have closed');
  }
  const matched = targets.length;
  const status: CloseLegStatus = matched === 0 ? 'nothing_matched' : closed === matched ? 'closed' : closed === 0 ? 'failed' : 'partial';
  const message = status === 'nothing_matched' ? 'no open orders matched' : '';
  return { account_id: leg.account_id, platform: acc.platform, status, matched, closed, message, latency_ms: elapsedMs(start), results };
}

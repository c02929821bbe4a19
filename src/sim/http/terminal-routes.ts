import type { IncomingMessage, ServerResponse } from 'node:http';
import { TerminalError, type SimAccount } from '../broker/account.js';
import { marginOf, profitOf, tickValueOf } from '../broker/margin.js';
import { isBuy, isPending, parseOperation } from '../broker/symbols.js';
import { ALWAYS_OPEN } from '../broker/sessions.js';
import { brokerTimeString, money, parseBrokerTime } from '../broker/time.js';
import { toUnits } from '../broker/volume.js';
import { deriveSeed, Rng } from '../rng.js';
import type { Simulator } from '../simulator.js';
import type { Terminal } from '../terminal.js';
import type { AccountInfo, Candle, Health, HealthChecks } from '../types.js';
import { timeframeMs } from '../ws/bars.js';
import { quoteOf } from '../ws/frames.js';
import { canSee } from './auth.js';
import { header, parseJson, readBody, sendJson, sendText, sleep } from './respond.js';
import { CloseAllBodySchema, CloseBodyTerminalSchema, describeIssue, ModifyBodySchema, SendBodySchema } from './schemas.js';

type Handler = (ctx: Ctx) => Promise<unknown> | unknown;

interface Ctx {
  sim: Simulator;
  t: Terminal;
  acc: SimAccount;
  req: IncomingMessage;
  query: URLSearchParams;
}

const TRADING = new Set(['POST /OrderSend', 'POST /OrderModify', 'POST /OrderClose', 'POST /CloseAll']);
const MT5_ONLY_TIMEFRAMES = new Set(['M2', 'M3', 'H2', 'H6', 'H8', 'H12']);

function bad(message: string): TerminalError {
  return new TerminalError(400, 'MRPC_VALIDATION', message);
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const body = parseJson(await readBody(req));
  if (body === undefined) throw bad('body is not valid JSON');
  return body;
}

function symbolOf(ctx: Ctx, param = 'symbol') {
  const name = ctx.query.get(param);
  if (!name) throw bad(`${param} is required`);
  const sym = ctx.acc.symbol(name);
  // A symbol the broker does not list: processed, underlying call failed (§3.8).
  if (!sym) throw new TerminalError(500, 'MRPC', `symbol ${name} not found`);
  return sym;
}

function numberParam(ctx: Ctx, name: string, required: boolean): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') {
    if (required) throw bad(`${name} is required`);
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isFinite(n)) throw bad(`${name} must be a number`);
  return n;
}

function bound(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = parseBrokerTime(raw, ctx.acc.broker.utcOffsetSeconds);
  if (ms === undefined) throw bad(`${name} is not a date-time`);
  return ms;
}

function health(sim: Simulator, t: Terminal): Health {
  const now = sim.clock.now();
  const starting = t.starting(now);
  const a = t.account;
  return {
    status: starting ? 'starting' : 'ready',
    terminal: { alive: true, build: a.platform === 'mt5' ? 4755 : 1440, pingMs: 14 },
    broker: { connected: true, server: a.broker.server },
    account: { loggedIn: true, login: a.login, currency: a.currency, type: a.type, tradeAllowed: a.tradeAllowed },
    bridge: { version: a.platform === 'mt5' ? '0.14.2' : '0.13.1', tradeEaReady: !starting, tradeEaHeartbeatAgeMs: starting ? -1 : 250, symbolsSynced: true },
    serverTime: brokerTimeString(now, a.broker.utcOffsetSeconds),
  };
}

function checks(sim: Simulator, t: Terminal): HealthChecks {
  const h = health(sim, t);
  return { status: h.status, terminal: true, broker: true, account: true };
}

/** Deterministic candles ending at the current price: enough shape for charts and bounded-history tests. */
function priceHistory(ctx: Ctx): Candle[] {
  const sym = symbolOf(ctx);
  const tf = ctx.query.get('timeframe') ?? '';
  const len = timeframeMs(tf);
  if (len === undefined) throw bad(`invalid timeframe ${tf}`);
  if (ctx.acc.platform === 'mt4' && MT5_ONLY_TIMEFRAMES.has(tf)) throw bad(`timeframe ${tf} is not supported on MT4`);
  const from = bound(ctx, 'from');
  const to = bound(ctx, 'to') ?? ctx.sim.clock.now();
  // An unbounded request asks the broker for its entire history and times out (§3.1).
  if (from === undefined) throw new TerminalError(504, 'MRPC_TIMEOUT', 'CopyRates timed out');
  const off = ctx.acc.broker.utcOffsetSeconds * 1000;
  const first = Math.ceil((from + off) / len) * len;
  const last = Math.floor((to + off) / len) * len;
  const out: Candle[] = [];
  for (let start = first; start <= last && out.length < 10_000; start += len) {
    const rng = new Rng(deriveSeed(ctx.sim.seed, `${sym.name}:${tf}:${start}`));
    const wave = 1 + 0.002 * Math.sin(start / (len * 37)) + 0.0008 * rng.gauss();
    const open = sym.round(sym.bid * wave);
    const close = sym.round(open * (1 + 0.0005 * rng.gauss()));
    const high = sym.round(Math.max(open, close) * (1 + 0.0003 * rng.next()));
    const low = sym.round(Math.min(open, close) * (1 - 0.0003 * rng.next()));
    out.push({ time: new Date(start).toISOString(), open, high, low, close, tickVolume: 50 + rng.int(500), realVolume: 0, spread: sym.spreadPoints });
  }
  return out;
}

const ROUTES: Record<string, Handler> = {
  'GET /AccountSummary': ({ acc }) => acc.summary(),
  'GET /AccountInfo': ({ acc }): AccountInfo => ({
    name: acc.name,
    login: acc.login,
    server: acc.broker.server,
    company: acc.broker.company,
    currency: acc.currency,
    currencyDigits: 2,
    leverage: acc.leverage,
    type: acc.type,
    marginMode: acc.marginMode,
    marginSoMode: 'Percent',
    marginCallLevel: acc.marginCallLevel,
    stopOutLevel: acc.stopOutLevel,
    tradeAllowed: acc.tradeAllowed,
    tradeExpert: true,
    limitOrders: acc.platform === 'mt5' ? 200 : 0,
    fifoClose: false,
  }),
  'GET /OpenedOrders': ({ acc }) => acc.opened(),
  'GET /OrderHistory': (ctx) => ctx.acc.history(bound(ctx, 'from'), bound(ctx, 'to')),
  'GET /PositionHistory': (ctx) => ctx.acc.positionHistory(bound(ctx, 'from'), bound(ctx, 'to')),
  'GET /ServerTimezone': ({ sim, acc }) => ({
    serverTime: brokerTimeString(sim.clock.now(), acc.broker.utcOffsetSeconds),
    utcOffsetSeconds: acc.broker.utcOffsetSeconds,
  }),
  'GET /symbols': ({ acc }) => [...acc.broker.symbols.keys()],
  'GET /getQuote': (ctx) => quoteOf(ctx.acc, symbolOf(ctx)),
  'GET /SymbolInfo': (ctx) => {
    const sym = symbolOf(ctx);
    const info = sym.info(money(tickValueOf(sym, ctx.acc.currency, ctx.acc.market) * 1e5) / 1e5);
    // A world whose markets never close publishes round-the-clock sessions, as such a broker would.
    return ctx.acc.market.alwaysOpen ? { ...info, sessions: ALWAYS_OPEN } : info;
  },
  'GET /PriceHistory': priceHistory,
  'GET /OrderCalcMargin': (ctx) => {
    const sym = symbolOf(ctx);
    const operation = parseOperation(ctx.query.get('operation') ?? '');
    if (!operation) throw bad('operation is required');
    const volume = numberParam(ctx, 'volume', true) as number;
    if (!(volume > 0)) throw bad('volume must be > 0');
    const buy = isBuy(operation);
    const price = numberParam(ctx, 'price', false) || (buy ? sym.ask : sym.bid);
    const margin = marginOf(sym, buy, toUnits(volume), ctx.acc.leverage, ctx.acc.currency, ctx.acc.market, price);
    return { symbol: sym.name, operation, volume, price, margin: money(margin), currency: ctx.acc.currency };
  },
  'GET /OrderCalcProfit': (ctx) => {
    const sym = symbolOf(ctx);
    const operation = parseOperation(ctx.query.get('operation') ?? '');
    if (!operation) throw bad('operation is required');
    const volume = numberParam(ctx, 'volume', true) as number;
    if (!(volume > 0)) throw bad('volume must be > 0');
    const priceOpen = numberParam(ctx, 'priceOpen', true) as number;
    const priceClose = numberParam(ctx, 'priceClose', true) as number;
    const profit = profitOf(sym, isBuy(operation), toUnits(volume), priceOpen, priceClose, ctx.acc.currency, ctx.acc.market);
    return { symbol: sym.name, operation, volume, priceOpen, priceClose, profit: money(profit), currency: ctx.acc.currency };
  },
  'POST /OrderSend': async (ctx) => {
    const parsed = SendBodySchema.safeParse(await jsonBody(ctx.req));
    if (!parsed.success) throw bad(describeIssue(parsed.error));
    const b = parsed.data;
    const operation = parseOperation(b.operation);
    if (!operation) throw bad(`unknown operation ${b.operation}`);
    if (isPending(operation) && !(b.price !== undefined && b.price > 0)) throw bad(`price is required for ${operation}`);
    const { expertId, magic, operation: _op, ...rest } = b;
    const m = expertId ?? magic;
    ctx.sim.emitOrderReceived(ctx.acc.id, 'terminal', { symbol: b.symbol, volume: b.volume, comment: b.comment, magic: m });
    return ctx.acc.send({ ...rest, operation, ...(m !== undefined ? { magic: m } : {}) });
  },
  'POST /OrderModify': async (ctx) => {
    const parsed = ModifyBodySchema.safeParse(await jsonBody(ctx.req));
    if (!parsed.success) throw bad(describeIssue(parsed.error));
    return ctx.acc.modify(parsed.data);
  },
  'POST /OrderClose': async (ctx) => {
    const parsed = CloseBodyTerminalSchema.safeParse(await jsonBody(ctx.req));
    if (!parsed.success) throw bad(describeIssue(parsed.error));
    return ctx.acc.close(parsed.data);
  },
  'POST /CloseAll': async (ctx) => {
    const parsed = CloseAllBodySchema.safeParse(await jsonBody(ctx.req));
    if (!parsed.success) throw bad(describeIssue(parsed.error));
    return ctx.acc.closeAll(parsed.data);
  },
};

/** Per-account terminal REST (§3). Returns the route name for stats. */
export async function handleTerminal(
  sim: Simulator,
  req: IncomingMessage,
  res: ServerResponse,
  platform: 'mt4' | 'mt5',
  id: string,
  sub: string,
  query: URLSearchParams,
): Promise<string> {
  const method = req.method ?? 'GET';
  const t = sim.terminals.get(id);
  const now = sim.clock.now();
  // Unknown account or path: the edge answers a plain 404 (§3.8).
  if (!t || t.account.platform !== platform || t.status(now) === 'connecting') {
    sendText(res, 404, '404 page not found');
    return 'terminal 404';
  }
  const path = sub.length > 1 && sub.endsWith('/') ? sub.slice(0, -1) : sub;
  const route = `${method} ${path}`;
  if (t.status(now) !== 'connected') {
    sendText(res, 502, 'Bad Gateway');
    return path;
  }
  const cmd = sim.nextCommandId();
  const grant = sim.keys.get(header(req, 'x-api-key') ?? query.get('api_key') ?? undefined);
  if (!grant || !canSee(grant, t.account)) {
    sendJson(res, 401, { error: 'MRPC_UNAUTHORIZED', message: 'missing or invalid API key', command_id: cmd });
    return path;
  }
  const isHealth = path === '/status' || path === '/healthz' || path === '/livez';
  const handler = ROUTES[route];
  if (!handler && !(isHealth && method === 'GET')) {
    sendText(res, 404, '404 page not found');
    return 'terminal 404';
  }
  const trading = TRADING.has(route);
  if (trading && grant.readOnly) {
    sendJson(res, 401, { error: 'MRPC_UNAUTHORIZED', message: 'read-only API key cannot trade', command_id: cmd });
    return path;
  }
  if (isHealth) {
    if (path === '/status') sendJson(res, 200, health(sim, t));
    else {
      const c = checks(sim, t);
      const ok = path === '/livez' || c.status === 'ready';
      sendJson(res, ok ? 200 : 503, c);
    }
    return path;
  }
  const f = t.faults;
  const fail = f.take5xx();
  if (fail) {
    sim.stats.fault('error5xx');
    if (fail.envelope) sendJson(res, fail.status, { error: 'MRPC', message: 'terminal call failed', command_id: cmd });
    else sendText(res, fail.status, fail.status === 502 ? 'Bad Gateway' : 'Service Unavailable');
    return path;
  }
  const lat = f.latency();
  if (lat > 0) {
    sim.stats.fault('latency');
    await sleep(lat);
  }
  if (trading && t.starting(sim.clock.now())) {
    sim.stats.fault('starting');
    sendJson(res, 503, { error: 'MRPC_NOT_READY', message: 'trade EA has not registered yet', command_id: cmd });
    return path;
  }
  let body: unknown;
  try {
    body = await handler!({ sim, t, acc: t.account, req, query });
  } catch (err) {
    if (err instanceof TerminalError) {
      sendJson(res, err.status, { error: err.code, message: err.message, command_id: cmd });
      return path;
    }
    throw err;
  }
  if (trading && f.take504()) {
    // The trade went through; only the answer is lost (§3.8 "unknown outcome").
    sim.stats.fault('timeout504');
    sendJson(res, 504, { error: 'MRPC_TIMEOUT', message: 'terminal did not answer in time', command_id: cmd });
    return path;
  }
  sendJson(res, 200, body);
  return path;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulator } from '../simulator.js';
import type { Terminal } from '../terminal.js';
import { canSee, type KeyGrant } from './auth.js';
import { handleCloseBatch } from './close-batch.js';
import { handleOrdersBatch } from './orders-batch.js';
import { header, parseJson, readBody, sendJson } from './respond.js';
import { CreateAccountSchema, describeIssue, PatchAccountSchema } from './schemas.js';

/** Account object of §2.2 (snake_case, real UTC timestamps). */
export function accountJson(sim: Simulator, t: Terminal): Record<string, unknown> {
  const a = t.account;
  const status = t.status(sim.clock.now());
  return {
    id: a.id,
    nickname: a.nickname,
    platform: a.platform,
    server: a.broker.server,
    login: a.login,
    status,
    error: status === 'error' ? 'terminal failed to log in to the broker' : '',
    rest_url: sim.restUrl(t),
    ws_url: sim.wsUrl(t),
    proxy_address: '',
    proxy_type: '',
    proxy_local_port: null,
    trade_ea_symbol: t.tradeEaSymbol,
    created_at: new Date(t.createdAtMs).toISOString(),
  };
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: 'not_found', detail: 'not found' });
}

function readOnly(res: ServerResponse): void {
  sendJson(res, 403, { error: 'read_only', detail: 'this API key is read-only' });
}

/** `/v1/…` routes. Returns the route name for stats. */
export async function handleManagement(sim: Simulator, req: IncomingMessage, res: ServerResponse, path: string): Promise<string> {
  const method = req.method ?? 'GET';
  const grant = sim.keys.get(header(req, 'x-api-key'));
  const parts = path.split('/').filter(Boolean);
  const route = parts[1] === 'accounts' && parts[2] ? '/v1/accounts/{id}' : path;
  if (!grant) {
    sendJson(res, 401, { error: 'unauthorized', detail: 'missing or invalid API key' });
    return route;
  }
  if (parts[1] === 'accounts') {
    if (parts.length === 2) {
      if (method === 'GET') {
        const list = [...sim.terminals.values()].filter((t) => canSee(grant, t.account)).map((t) => accountJson(sim, t));
        sendJson(res, 200, list);
      } else if (method === 'POST') await createAccount(sim, req, res, grant);
      else sendJson(res, 405, { error: 'method_not_allowed', detail: `${method} not allowed` });
      return route;
    }
    if (parts.length === 3) {
      const t = sim.terminals.get(parts[2] as string);
      if (!t || !canSee(grant, t.account)) {
        notFound(res);
        return route;
      }
      if (method === 'GET') sendJson(res, 200, accountJson(sim, t));
      else if (method === 'PATCH') await patchAccount(sim, req, res, grant, t);
      else if (method === 'DELETE') {
        if (grant.readOnly) readOnly(res);
        else {
          sim.removeAccount(t.id);
          res.writeHead(204).end();
        }
      } else sendJson(res, 405, { error: 'method_not_allowed', detail: `${method} not allowed` });
      return route;
    }
  }
  if (parts[1] === 'orders' && method === 'POST') {
    if (parts.length === 2) await handleOrdersBatch(sim, req, res, grant);
    else if (parts.length === 3 && parts[2] === 'close') await handleCloseBatch(sim, req, res, grant);
    else notFound(res);
    return route;
  }
  notFound(res);
  return route;
}

async function createAccount(sim: Simulator, req: IncomingMessage, res: ServerResponse, grant: KeyGrant): Promise<void> {
  if (grant.readOnly) return readOnly(res);
  const body = parseJson(await readBody(req));
  const parsed = CreateAccountSchema.safeParse(body);
  if (!parsed.success) return sendJson(res, 400, { error: 'unknown', detail: describeIssue(parsed.error) });
  const b = parsed.data;
  const platform = b.platform ?? 'mt5';
  const broker = [...sim.brokers.values()].find((x) => x.server === b.server && x.platform === platform);
  if (!broker) return sendJson(res, 400, { error: 'server_not_found', detail: `no ${platform} server named ${b.server}` });
  // The simulator's only way to fake a refused login: a password starting with "wrong".
  if (b.password.startsWith('wrong')) return sendJson(res, 400, { error: 'invalid_credentials', detail: 'the broker refused the login' });
  for (const t of sim.terminals.values()) {
    if (t.account.broker === broker && t.account.login === b.login) return sendJson(res, 409, { error: 'conflict', detail: 'account already linked' });
  }
  const handle = sim.addAccount({
    nickname: b.nickname && b.nickname !== '' ? b.nickname : `${b.server}-${b.login}`,
    broker: broker.name,
    login: b.login,
    platform,
    connectDelayMs: sim.linkDelayMs,
    ...(b.trade_ea_symbol !== undefined ? { tradeEaSymbol: b.trade_ea_symbol } : {}),
  });
  sendJson(res, 201, accountJson(sim, handle.terminal));
}

async function patchAccount(sim: Simulator, req: IncomingMessage, res: ServerResponse, grant: KeyGrant, t: Terminal): Promise<void> {
  if (grant.readOnly) return readOnly(res);
  const parsed = PatchAccountSchema.safeParse(parseJson(await readBody(req)));
  if (!parsed.success) return sendJson(res, 400, { error: 'invalid_request', detail: describeIssue(parsed.error) });
  t.tradeEaSymbol = parsed.data.trade_ea_symbol;
  // Changing the trade EA's chart restarts the terminal: connecting again until it is back (§2.3).
  sim.hub.dropConnections(t.id);
  const now = sim.clock.now();
  if (t.statusOverride === undefined) t.connectAtMs = now + sim.linkDelayMs;
  t.startingUntilMs = t.connectAtMs + sim.terminalStartMs;
  sendJson(res, 200, accountJson(sim, t));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Simulator } from '../simulator.js';
import { canSee } from './auth.js';
import { handleManagement } from './management.js';
import { sendJson, sendText, splitUrl } from './respond.js';
import { handleTerminal } from './terminal-routes.js';

const TERMINAL_PATH = /^\/(mt4|mt5)\/([^/]+)(\/.*)?$/;
const WS_PATH = /^\/(mt4|mt5)\/([^/]+)\/ws\/?$/;

/** Entry point of every HTTP request: management under /v1, terminals under /mt5/<id> and /mt4/<id>. */
export function handleRequest(sim: Simulator, req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? 'GET';
  sim.emitRequestStart(method, req.url ?? '/', req.headers['user-agent']);
  const { path, query } = splitUrl(req.url);
  let work: Promise<string>;
  if (path === '/v1' || path.startsWith('/v1/')) {
    work = handleManagement(sim, req, res, path);
  } else {
    const m = TERMINAL_PATH.exec(path);
    if (m) work = handleTerminal(sim, req, res, m[1] as 'mt4' | 'mt5', m[2] as string, m[3] ?? '/', query);
    else {
      sendText(res, 404, '404 page not found');
      work = Promise.resolve('unknown');
    }
  }
  work.then(
    (route) => sim.emitRequest(method, route, res.statusCode, req.headers['user-agent']),
    (err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', detail: err instanceof Error ? err.message : String(err) });
      else res.destroy();
      sim.emitRequest(method, 'error', 500);
    },
  );
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${status} ${reason}`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
}

/** WebSocket upgrades at `{ws_url}?api_key=…`; a bad key is refused with HTTP 401 on the upgrade (§4.1). */
export function handleUpgrade(sim: Simulator, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const { path, query } = splitUrl(req.url);
  sim.emitRequest('GET', 'WS upgrade', 101, req.headers['user-agent']);
  const m = WS_PATH.exec(path);
  const t = m ? sim.terminals.get(m[2] as string) : undefined;
  if (!m || !t || t.account.platform !== m[1] || !t.reachable(sim.clock.now())) return refuse(socket, 404, 'Not Found');
  const grant = sim.keys.get(query.get('api_key') ?? undefined);
  if (!grant || !canSee(grant, t.account)) return refuse(socket, 401, 'Unauthorized');
  if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  sim.hub.upgrade(req, socket, head, t);
}

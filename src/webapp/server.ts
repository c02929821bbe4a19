/**
 * The Mini App's HTTP server (`node:http`: a handful of fixed routes need no framework, and every check below stays
 * in plain sight). It serves the page's static files and the JSON API of the route table, and refuses everything
 * else: a foreign `Host` (421), a cross-site API request (403), an unknown path (404), a wrong method (405), a body
 * that is not JSON (415) or too large (413), and an API call without a valid session (401).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeniedError } from '../bot/context.js';
import { ConfirmStore } from '../bot/confirm.js';
import { ReportCharts } from '../charts/report-charts.js';
import type { BotControl, BotLogger, Clock, SubscribeEvents, UserDirectory } from '../bot/ports.js';
import { FxmirrorError } from '../domain/errors.js';
import { Access } from './access.js';
import { RecentAlerts } from './alerts.js';
import { builtInRoutes } from './api-routes.js';
import type { ChatAnnouncer } from './api-routes.js';
import { MAX_BODY_BYTES, readJsonBody } from './body.js';
import { withPanels } from './panels.js';
import { reportRoutes } from './report-panels.js';
import { RateLimiter } from './rate-limit.js';
import { Router } from './router.js';
import { OriginPolicy, SECURITY_HEADERS } from './security.js';
import { DemoLogin, SessionStore } from './sessions.js';
import { loadStaticAssets } from './static-assets.js';
import type { StaticAsset } from './static-assets.js';
import type { ApiRequest, ApiResponse, ApiRoute, DashboardPanel, WebUser } from './types.js';
import { WebError } from './types.js';

export interface WebAppOptions {
  control: BotControl;
  users: UserDirectory;
  /** FXMIRROR_ADMINS (always admin). */
  admins: Iterable<number>;
  clock: Clock;
  log: BotLogger;
  /** Copier events, for the recent alerts. */
  events: SubscribeEvents;
  /** Signs Telegram's initData; null = no Telegram sign-in (the demo's login link only). */
  botToken: string | null;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** The public HTTPS URL behind the TLS proxy; null = reachable at the listening address only. */
  publicUrl: string | null;
  maxInitDataAgeSeconds: number;
  sessionTtlMs: number;
  /** The demo's terminal user: enables the one-time login link. Ignored (no login route) when a bot token is set. */
  demoUserId?: number | null;
  /** Confirmation lifetime, as the chat's (default 2 min). */
  confirmTtlMs?: number;
  /** More API routes, or replacements of the report panels' routes (same method and path): the extension point. */
  routes?: readonly ApiRoute[];
  /** The report charts the charts panel draws (default: drawn from `control`'s reports). */
  charts?: ReportCharts;
  /** Panels replacing (same id) or added to the default placeholders. */
  panels?: readonly DashboardPanel[];
  /** Where changes are announced; the chat front-end sets it with `setAnnouncer` once it runs. */
  announce?: ChatAnnouncer;
  /** The page's files (default `static/` beside this module). */
  staticDir?: URL;
  maxBodyBytes?: number;
  /** Sign-in attempts (the public routes) per client address and minute (default 30). */
  signInsPerMinute?: number;
}

export interface WebApp {
  /** Where the server listens, e.g. `http://127.0.0.1:8790/`. */
  readonly localUrl: string;
  /** The URL Telegram opens (the public one when configured, else `localUrl`). */
  readonly url: string;
  readonly port: number;
  /** A fresh one-time login link (demo only; null when a bot token is set). */
  demoLoginLink(): string | null;
  /** Routes chat announcements of dashboard changes (the bot's outbox). */
  setAnnouncer(announce: ChatAnnouncer): void;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, json: unknown, extra: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin', ...extra }, JSON.stringify(json));
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, { error: code, message }, extra);
}

/** The HTTP status for a control API refusal. */
function statusOf(err: FxmirrorError): number {
  if (err.action === 'retry') return 503;
  if (err.code === 'unknown_account' || err.code === 'not_a_follower' || err.code === 'not_a_master') return 404;
  return err.action === 'reject' ? 400 : 500;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(h.trim());
  return m?.[1] ?? null;
}

export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const { control, clock, log } = options;
  const assets = await loadStaticAssets(options.staticDir);
  const access = new Access({ users: options.users, admins: options.admins, control });
  const sessions = new SessionStore({ clock, ttlMs: options.sessionTtlMs });
  const confirms = new ConfirmStore({ clock, ttlMs: options.confirmTtlMs ?? 120_000 });
  const demoLogin = options.botToken === null && options.demoUserId != null ? new DemoLogin({ clock, userId: options.demoUserId }) : null;
  const alerts = new RecentAlerts({ events: options.events });
  let announce: ChatAnnouncer = options.announce ?? ((userId) => log.warn({ userId }, 'mini app: no chat to announce a change in'));
  const routes = builtInRoutes({
    control,
    access,
    sessions,
    confirms,
    initData: options.botToken === null ? null : { botToken: options.botToken, clock, maxAgeSeconds: options.maxInitDataAgeSeconds },
    demoLogin,
    dashboard: { alerts, panels: withPanels(options.panels ?? []), now: () => clock.now() },
    announce: (userId, html) => {
      try {
        announce(userId, html);
      } catch (err) {
        log.warn({ err: String(err), userId }, 'mini app: announcing a change in the chat failed');
      }
    },
    log,
  });
  const extra = options.routes ?? [];
  const reports = reportRoutes({ control, access, charts: options.charts ?? new ReportCharts({ reports: control, clock }) });
  const router = new Router([...routes, ...extra, ...reports.filter((r) => !extra.some((e) => e.method === r.method && e.path === r.path))]);
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const signIns = new RateLimiter({ clock, limit: options.signInsPerMinute ?? 30, windowMs: 60_000 });
  let policy: OriginPolicy = new OriginPolicy({ publicUrl: options.publicUrl, host: options.host, port: options.port });

  const serveApi = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    const match = router.match(req.method ?? '', path);
    if (match.kind === 'none') return sendError(res, 404, 'not_found', 'No such API route.');
    if (match.kind === 'wrong_method') return sendError(res, 405, 'method_not_allowed', `Use ${match.allow.join(' or ')}.`, { Allow: match.allow.join(', ') });
    const crossSite = policy.crossSiteReason(req);
    if (crossSite !== null) {
      log.warn({ path, why: crossSite }, 'mini app: cross-site API request refused');
      return sendError(res, 403, 'cross_origin', 'Requests from other sites are refused.');
    }
    const { route, params } = match;
    let user: WebUser | null = null;
    let displayName: string | null = null;
    const token = bearer(req);
    if (route.auth === 'public') {
      const wait = signIns.take(req.socket.remoteAddress ?? 'unknown');
      if (wait !== null) {
        log.warn({ path, retryAfterSeconds: wait }, 'mini app: too many sign-in attempts');
        return sendError(res, 429, 'too_many_requests', `Too many sign-in attempts; try again in ${wait} s.`, { 'Retry-After': String(wait) });
      }
    }
    if ((route.auth ?? 'session') === 'session') {
      const session = token === null ? undefined : sessions.get(token);
      const known = session === undefined ? undefined : access.user(session.userId);
      if (session === undefined || known === undefined) {
        if (session !== undefined && token !== null) sessions.end(token);
        return sendError(res, 401, 'unauthorized', 'Your session has ended. Open the dashboard again.');
      }
      user = known;
      displayName = known.name ?? session.name;
      if (route.roles !== undefined && !route.roles.includes(user.role)) {
        return sendError(res, 403, user.role === 'viewer' ? 'viewer_read_only' : 'forbidden', `This needs the ${route.roles.join(' or ')} role; you are ${user.role}.`);
      }
    }
    const body = route.method === 'POST' ? await readJsonBody(req, maxBody) : {};
    const request: ApiRequest = { user, sessionToken: token, displayName, params, query, body };
    const answer: ApiResponse = await route.handle(request);
    if ('json' in answer) return sendJson(res, answer.status, answer.json);
    send(res, answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' }, Buffer.from(answer.bytes));
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, asset: StaticAsset | undefined): void => {
    if (asset === undefined) return sendError(res, 404, 'not_found', 'Not found.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method_not_allowed', 'Use GET.', { Allow: 'GET, HEAD' });
    const headers = { 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache' };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...SECURITY_HEADERS, ...headers, 'Content-Length': String(asset.body.length) });
      res.end();
      return;
    }
    send(res, 200, headers, asset.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!policy.hostAllowed(req.headers.host)) return sendError(res, 421, 'wrong_host', 'This server does not serve that host name.');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://host.invalid');
    } catch {
      return sendError(res, 400, 'bad_request', 'Malformed request URL.');
    }
    const path = url.pathname;
    try {
      if (path === '/api' || path.startsWith('/api/')) await serveApi(req, res, path, url.searchParams);
      else serveStatic(req, res, assets.get(path));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof WebError) {
        if (err.status === 413) res.setHeader('Connection', 'close');
        return sendError(res, err.status, err.code, err.message);
      }
      if (err instanceof DeniedError) return sendError(res, 403, 'forbidden', err.message);
      if (err instanceof FxmirrorError && err.action !== 'stop' && err.action !== 'unknown') return sendError(res, statusOf(err), err.code, err.message);
      const ref = randomBytes(3).toString('hex');
      log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), ref, path }, 'mini app: request failed');
      sendError(res, 500, 'internal', `Something went wrong; the error was logged (ref ${ref}).`);
    }
  };

  const server: Server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000 }, (req, res) => {
    void handle(req, res).finally(() => log.debug({ method: req.method, path: (req.url ?? '').split('?')[0], status: res.statusCode }, 'mini app request'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // With port 0 the real port is known only now: the local origin must name it.
  policy = new OriginPolicy({ publicUrl: options.publicUrl, host: options.host, port });
  const hostPart = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const localUrl = `http://${hostPart}:${port}/`;
  const url = options.publicUrl ?? localUrl;
  log.info({ url: localUrl, publicUrl: options.publicUrl }, 'mini app listening');

  return {
    localUrl,
    url,
    port,
    demoLoginLink: () => (demoLogin === null ? null : `${url}#login=${demoLogin.issue()}`),
    setAnnouncer(next) {
      announce = next;
    },
    async stop() {
      alerts.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

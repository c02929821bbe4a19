/**
 * The Mini App's built-in JSON routes: sign-in (Telegram initData, or the demo's one-time link), the dashboard, and
 * the follower actions, each through the control API the chat uses. A change made here is announced in the user's
 * chat, as the chat itself would have answered it, so the chat transcript shows every change whatever its source.
 */
import { z } from 'zod';
import { multiplierArg } from '../bot/args.js';
import { MANAGERS } from '../bot/commands.js';
import type { ConfirmStore } from '../bot/confirm.js';
import { b } from '../bot/format/html.js';
import { formatPreview, formatSizing } from '../bot/format/views.js';
import type { BotControl, BotLogger } from '../bot/ports.js';
import { multiplierSizing, proposeSizing } from '../bot/sizing-change.js';
import type { Sizing } from '../domain/config.js';
import type { SizingPreviewRow } from '../engine/control-types.js';
import type { Access } from './access.js';
import { buildDashboard } from './dashboard.js';
import type { DashboardDeps } from './dashboard.js';
import { verifyInitData } from './init-data.js';
import type { InitDataVerifierOptions } from './init-data.js';
import type { DemoLogin, SessionStore } from './sessions.js';
import type { ApiRequest, ApiResponse, ApiRoute, WebUser } from './types.js';
import { WebError } from './types.js';

/** Sends a message into a user's private chat with the bot (the outbox; never blocks). */
export type ChatAnnouncer = (userId: number, html: string) => void;

export interface ApiRouteDeps {
  control: BotControl;
  access: Access;
  sessions: SessionStore;
  confirms: ConfirmStore;
  /** Telegram initData checking; null without a bot token (then only the demo login signs in). */
  initData: InitDataVerifierOptions | null;
  /** The demo's one-time login; null whenever a bot token is set. */
  demoLogin: DemoLogin | null;
  dashboard: Omit<DashboardDeps, 'control' | 'access'>;
  announce: ChatAnnouncer;
  log: BotLogger;
}

const ok = (json: unknown): ApiResponse => ({ status: 200, json });

const sizingSchema: z.ZodType<Sizing> = z.union([
  z.object({ mode: z.enum(['multiplier', 'balance_ratio', 'equity_ratio']), multiplier: z.number() }),
  z.object({ mode: z.literal('fixed'), lots: z.number() }),
  z.object({ mode: z.literal('risk_percent'), percent: z.number() }),
]);

function signedIn(req: ApiRequest): WebUser {
  if (req.user === null) throw new WebError(401, 'unauthorized', 'Sign in again.');
  return req.user;
}

function sessionJson(session: { token: string; expiresAt: number; name: string | null }, user: WebUser) {
  return { token: session.token, expiresAt: session.expiresAt, user: { id: user.id, name: user.name ?? session.name, role: user.role } };
}

/** Follower names for messages; the id itself when the copier does not know it. */
function followerName(control: BotControl, id: string): string {
  return control.status().followers.find((f) => f.id === id)?.name ?? id;
}

/** The follower in the path, if the user may manage it; refuses otherwise (owners learn nothing of others'). */
function managedFollower(deps: ApiRouteDeps, user: WebUser, req: ApiRequest): string {
  const id = req.params.id ?? '';
  deps.access.assertManage(user, id);
  // Throws not_a_follower for an admin naming an account that follows nothing.
  deps.control.follower(id);
  return id;
}

function previewJson(rows: readonly SizingPreviewRow[]) {
  return rows.map((r) => ({ ...r, reasons: [...r.reasons] }));
}

export function builtInRoutes(deps: ApiRouteDeps): ApiRoute[] {
  const { control, access, sessions, confirms } = deps;
  const routes: ApiRoute[] = [
    {
      method: 'POST',
      path: '/api/session',
      auth: 'public',
      handle(req) {
        const verified = deps.initData === null ? null : verifyInitData(req.body.initData, deps.initData);
        // Forged, expired, malformed, or no bot token to check it with: the same answer, nothing disclosed.
        if (verified === null) throw new WebError(401, 'unauthorized', 'Telegram did not sign this request, or it is too old. Open the dashboard from the bot again.');
        const user = access.user(verified.userId);
        if (user === undefined) {
          deps.log.info({ userId: verified.userId }, 'mini app: unknown Telegram user refused');
          // What /start tells an unknown user, and nothing more.
          throw new WebError(403, 'no_access', `You have no access. Your Telegram user id is ${verified.userId}; an admin can add you with /users add.`);
        }
        return ok(sessionJson(sessions.create(user.id, verified.name === '' ? null : verified.name), user));
      },
    },
    {
      method: 'POST',
      path: '/api/logout',
      handle(req) {
        if (req.sessionToken !== null) sessions.end(req.sessionToken);
        return ok({ ok: true });
      },
    },
    {
      method: 'GET',
      path: '/api/dashboard',
      async handle(req) {
        const user = signedIn(req);
        return ok(await buildDashboard({ ...deps.dashboard, control, access }, { ...user, name: req.displayName }));
      },
    },
  ];

  for (const verb of ['pause', 'resume'] as const) {
    routes.push({
      method: 'POST',
      path: `/api/followers/:id/${verb}`,
      roles: MANAGERS,
      async handle(req) {
        const user = signedIn(req);
        const id = managedFollower(deps, user, req);
        if (verb === 'pause') await control.pause({ follower: id });
        else await control.resume({ follower: id });
        const name = b(followerName(control, id));
        deps.announce(
          user.id,
          verb === 'pause'
            ? `⏸ ${name} paused from the dashboard: new master trades are not copied.`
            : `▶️ ${name} resumed from the dashboard: new master trades are copied again.`,
        );
        return ok({ follower: { id, paused: control.follower(id).paused } });
      },
    });
  }

  routes.push(
    {
      method: 'POST',
      path: '/api/followers/:id/multiplier',
      roles: MANAGERS,
      async handle(req) {
        const user = signedIn(req);
        const id = managedFollower(deps, user, req);
        const raw = req.body.multiplier;
        const parsed = typeof raw === 'number' || typeof raw === 'string' ? multiplierArg.schema.safeParse(String(raw)) : null;
        if (parsed === null || !parsed.success) throw new WebError(400, 'invalid_multiplier', `The multiplier must be ${multiplierArg.expect}.`);
        const proposal = await proposeSizing(control, id, multiplierSizing(control.follower(id).sizing, parsed.data));
        const change = { before: proposal.before, next: proposal.next, beforeText: formatSizing(proposal.before), nextText: formatSizing(proposal.next) };
        if (proposal.unchanged) return ok({ status: 'unchanged', ...change, preview: [] });
        if (proposal.grows) {
          // The chat's rule: larger lots are applied only after a confirmation bound to this user, action and arguments.
          const c = confirms.create({ userId: user.id, chatId: user.id, action: 'sizing', args: [id, JSON.stringify(proposal.next)] });
          return ok({ status: 'confirm', ...change, preview: previewJson(proposal.rows), confirmation: { token: c.token, expiresAt: c.expiresAt } });
        }
        await control.setSizing(id, proposal.next);
        const name = b(followerName(control, id));
        deps.announce(user.id, `✅ ${name}: ${change.beforeText} → ${change.nextText} (from the dashboard)\n\n${formatPreview(proposal.rows)}`);
        return ok({ status: 'applied', ...change, preview: previewJson(proposal.rows) });
      },
    },
    {
      method: 'POST',
      path: '/api/confirmations/:token/apply',
      roles: MANAGERS,
      async handle(req) {
        const user = signedIn(req);
        const result = confirms.take(req.params.token ?? '', user.id);
        if (!result.ok) {
          switch (result.reason) {
            case 'used':
              throw new WebError(409, 'confirmation_used', 'Already done or cancelled; nothing was changed again.');
            case 'expired':
              throw new WebError(410, 'confirmation_expired', 'This confirmation expired; nothing was changed. Ask again.');
            case 'other_user':
              throw new WebError(403, 'confirmation_not_yours', 'This confirmation belongs to someone else.');
            default:
              throw new WebError(404, 'confirmation_unknown', 'This confirmation is not valid (the copier restarted?); nothing was changed.');
          }
        }
        const { action, args } = result.confirmation;
        if (action !== 'sizing') throw new WebError(404, 'confirmation_unknown', 'This confirmation is not valid here; nothing was changed.');
        const [id = '', json = 'null'] = args;
        // Re-checked at the tap, with the role the user has now (as the chat does).
        access.assertManage(user, id);
        const before = control.follower(id).sizing;
        const cfg = await control.setSizing(id, sizingSchema.parse(JSON.parse(json)));
        deps.announce(user.id, `✅ ${b(followerName(control, id))}: ${formatSizing(before)} → ${formatSizing(cfg.sizing)} (confirmed in the dashboard)`);
        return ok({ status: 'applied', before, next: cfg.sizing, beforeText: formatSizing(before), nextText: formatSizing(cfg.sizing) });
      },
    },
    {
      method: 'POST',
      path: '/api/confirmations/:token/cancel',
      roles: MANAGERS,
      handle(req) {
        const user = signedIn(req);
        const result = confirms.cancel(req.params.token ?? '', user.id);
        if (!result.ok && result.reason === 'other_user') throw new WebError(403, 'confirmation_not_yours', 'This confirmation belongs to someone else.');
        return ok({ status: result.ok ? 'cancelled' : 'gone' });
      },
    },
  );

  if (deps.demoLogin !== null) {
    const demo = deps.demoLogin;
    routes.push({
      method: 'POST',
      path: '/api/demo-login',
      auth: 'public',
      handle(req) {
        if (!demo.redeem(req.body.token)) throw new WebError(401, 'unauthorized', 'This login link was used already or has expired. Type /app in the terminal chat for a new one.');
        const user = access.user(demo.userId);
        if (user === undefined) throw new WebError(401, 'unauthorized', 'The demo user is not known.');
        return ok(sessionJson(sessions.create(user.id), user));
      },
    });
  }
  return routes;
}

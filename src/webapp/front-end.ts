/**
 * The Mini App as a front-end adapter of the composition root: decides from the configuration whether it runs,
 * starts its server over the running engine, and tells the chat how to reach it (the /app command, the menu button,
 * the demo's login link). Starting it never holds up copying: a port in use is reported, and the copier goes on.
 */
import type { Writable } from 'node:stream';
import type { AppContext } from '../app.js';
import type { WebAppLink } from '../bot/features/webapp.js';
import { systemClock } from '../engine/clock.js';
import type { Config } from '../config.js';
import { startWebApp } from './server.js';
import type { WebApp, WebAppOptions } from './server.js';

/** `auto`: on in the demo (no FxSocket key) and whenever a public URL is configured. */
export function webAppEnabled(config: Config): boolean {
  if (config.webAppMode === 'off') return false;
  if (config.webAppMode === 'on') return true;
  return config.apiKey === null || config.webAppPublicUrl !== null;
}

/** The terminal chat's user: the console bot's rule (first FXMIRROR_ADMINS id, else 1). */
export function terminalUserId(config: Config): number {
  return config.admins[0] ?? 1;
}

export interface WebAppFrontEnd {
  app: WebApp;
  stop(): Promise<void>;
}

/**
 * What the chat needs to reach the Mini App, known from the configuration before the server runs (the chat starts
 * first: it must be the first to subscribe to copier events, which hands it the start-up backlog). `current` gives
 * the running server, if any.
 */
export function webAppLinkFor(config: Config, current: () => WebApp | null): WebAppLink | null {
  if (!webAppEnabled(config)) return null;
  if (config.botToken === null) return { url: null, demoLoginLink: () => current()?.demoLoginLink() ?? null };
  return { url: config.webAppPublicUrl };
}

function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Starts the Mini App when the configuration wants it; null when it is off or could not listen (logged). In the demo
 * it prints a one-time login link for the terminal user.
 */
export async function startWebAppFrontEnd(
  ctx: AppContext,
  overrides: Partial<WebAppOptions> = {},
  output: Writable = process.stdout,
): Promise<WebAppFrontEnd | null> {
  const { config } = ctx;
  if (!webAppEnabled(config)) return null;
  const log = ctx.log.child({ component: 'webapp' });
  const terminal = config.botToken === null;
  const options: WebAppOptions = {
    control: ctx.engine.control,
    users: ctx.users,
    admins: terminal && config.admins.length === 0 ? [terminalUserId(config)] : config.admins,
    clock: systemClock,
    log,
    events: ctx.events,
    botToken: config.botToken,
    host: config.webAppHost,
    port: config.webAppPort,
    publicUrl: config.webAppPublicUrl,
    maxInitDataAgeSeconds: config.webAppMaxAgeSeconds,
    sessionTtlMs: config.webAppSessionMinutes * 60_000,
    demoUserId: terminal ? terminalUserId(config) : null,
    ...overrides,
  };
  let app: WebApp;
  try {
    app = await startWebApp(options);
  } catch (err) {
    if (isAddressInUse(err) && config.apiKey === null && options.port !== 0) {
      // The demo's link is printed anyway, so any free port does.
      log.warn({ port: options.port }, 'mini app port in use; the demo takes a free one');
      app = await startWebApp({ ...options, port: 0 });
    } else {
      log.error({ err: err instanceof Error ? err.message : String(err), host: options.host, port: options.port }, 'mini app could not start; copying and the chat go on without it');
      return null;
    }
  }
  if (terminal) {
    const url = app.demoLoginLink();
    if (url !== null) {
      output.write(`fxmirror: dashboard (Mini App), DEMO ONLY: this link logs in once as the terminal user: ${url}\n`);
      output.write('fxmirror: type /app for a fresh link. With TELEGRAM_BOT_TOKEN set there is no login link: Telegram signs you in.\n');
    }
  } else if (config.webAppPublicUrl === null) {
    log.warn({ url: app.localUrl }, 'mini app has no FXMIRROR_WEBAPP_PUBLIC_URL: Telegram cannot open it (no menu button, /app explains)');
  }
  return { app, stop: () => app.stop() };
}

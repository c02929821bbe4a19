/**
 * The Mini App as a front-end of the composition root: its configuration (validated, with clear messages), when it
 * runs, the demo's one-time login link printed for the terminal user (and absent whenever a bot token is set), a busy
 * port that must not stop the copier, and /app in the terminal chat. Real simulator, store and engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import type { AppContext, RunningApp } from '../../../src/app.js';
import { createConsoleBot } from '../../../src/bot/console.js';
import { loadConfig } from '../../../src/config.js';
import type { Config } from '../../../src/config.js';
import { createSimulator } from '../../../src/sim/index.js';
import type { Sim } from '../../../src/sim/index.js';
import { startWebAppFrontEnd, webAppEnabled, webAppLinkFor } from '../../../src/webapp/front-end.js';
import type { WebAppFrontEnd } from '../../../src/webapp/front-end.js';
import { call } from '../../integration/webapp/webapp-harness.js';
import { waitFor } from '../bot/harness.js';

describe('Mini App configuration', () => {
  it('defaults: auto, loopback, port 8790, no public URL, initData at most an hour old, 15-minute sessions', () => {
    expect(loadConfig({})).toMatchObject({ webAppMode: 'auto', webAppHost: '127.0.0.1', webAppPort: 8790, webAppPublicUrl: null, webAppMaxAgeSeconds: 3600, webAppSessionMinutes: 15 });
  });

  it('parses its variables', () => {
    const c = loadConfig({
      FXMIRROR_WEBAPP: 'on',
      FXMIRROR_WEBAPP_HOST: '0.0.0.0',
      FXMIRROR_WEBAPP_PORT: '9000',
      FXMIRROR_WEBAPP_PUBLIC_URL: 'https://fx.example.com/app/',
      FXMIRROR_WEBAPP_MAX_AGE_SECONDS: '600',
      FXMIRROR_WEBAPP_SESSION_MINUTES: '5',
    });
    expect(c).toMatchObject({ webAppMode: 'on', webAppHost: '0.0.0.0', webAppPort: 9000, webAppPublicUrl: 'https://fx.example.com/app/', webAppMaxAgeSeconds: 600, webAppSessionMinutes: 5 });
    expect(loadConfig({ FXMIRROR_WEBAPP_PUBLIC_URL: 'http://127.0.0.1:9000/' }).webAppPublicUrl).toBe('http://127.0.0.1:9000/');
  });

  it('names each mistake', () => {
    const bad = { FXMIRROR_WEBAPP: 'maybe', FXMIRROR_WEBAPP_PORT: '70000', FXMIRROR_WEBAPP_PUBLIC_URL: 'http://fx.example.com', FXMIRROR_WEBAPP_MAX_AGE_SECONDS: '5', FXMIRROR_WEBAPP_HOST: 'bad host!' };
    expect(() => loadConfig(bad)).toThrow(/FXMIRROR_WEBAPP must be auto, on or off, got 'maybe'/);
    for (const pattern of [
      /FXMIRROR_WEBAPP_PORT must be a whole number from 0 to 65535, got '70000'/,
      /FXMIRROR_WEBAPP_PUBLIC_URL must be an https:\/\/ URL \(Telegram opens Mini Apps over HTTPS only\), got 'http:\/\/fx\.example\.com'/,
      /FXMIRROR_WEBAPP_MAX_AGE_SECONDS must be a whole number from 60 to 86400, got '5'/,
      /FXMIRROR_WEBAPP_HOST must be an IP address or host name/,
    ]) {
      expect(() => loadConfig(bad)).toThrow(pattern);
    }
    expect(() => loadConfig({ FXMIRROR_WEBAPP_PUBLIC_URL: 'https://fx.example.com/?a=1' })).toThrow(/must not carry credentials, a query or a fragment/);
  });

  it('runs in the demo and wherever a public URL is set, unless turned off', () => {
    const at = (env: Record<string, string>): boolean => webAppEnabled(loadConfig(env));
    expect(at({})).toBe(true);
    expect(at({ FXSOCKET_API_KEY: 'fxs_live_abc' })).toBe(false);
    expect(at({ FXSOCKET_API_KEY: 'fxs_live_abc', FXMIRROR_WEBAPP_PUBLIC_URL: 'https://fx.example.com/' })).toBe(true);
    expect(at({ FXSOCKET_API_KEY: 'fxs_live_abc', FXMIRROR_WEBAPP: 'on' })).toBe(true);
    expect(at({ FXMIRROR_WEBAPP: 'off' })).toBe(false);
    const token = { FXSOCKET_API_KEY: 'fxs_live_abc', TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', FXMIRROR_WEBAPP_PUBLIC_URL: 'https://fx.example.com/' };
    // With a bot token the chat gets the public URL and never a login link.
    expect(webAppLinkFor(loadConfig(token), () => null)).toEqual({ url: 'https://fx.example.com/' });
    expect(webAppLinkFor(loadConfig({}), () => null)?.demoLoginLink?.()).toBeNull();
  });
});

describe('Mini App front-end over the running app', () => {
  let sim: Sim;
  let dir: string;
  let app: RunningApp | undefined;
  let ctx: AppContext;
  const started: WebAppFrontEnd[] = [];

  const configWith = (env: Record<string, string>): Config =>
    loadConfig({ FXSOCKET_API_KEY: sim.apiKey, FXSOCKET_API_URL: sim.url, FXMIRROR_DATA: dir, FXMIRROR_LOG_LEVEL: 'silent', FXMIRROR_WEBAPP_PORT: '0', ...env });

  beforeAll(async () => {
    sim = await createSimulator({ seed: 5, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always' });
    dir = await mkdtemp(join(tmpdir(), 'fxmirror-webapp-fe-'));
    app = await startApp(configWith({}), pino({ level: 'silent' }), async (c) => {
      ctx = c;
      return { stop: async () => undefined };
    });
  }, 30_000);

  afterAll(async () => {
    for (const fe of started) await fe.stop();
    await app?.stop();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<{ fe: WebAppFrontEnd | null; printed: string }> {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString('utf8')));
    const fe = await startWebAppFrontEnd({ ...ctx, config: configWith(env) }, {}, output);
    if (fe !== null) started.push(fe);
    return { fe, printed };
  }

  it('without a bot token: a one-time login link for the terminal user, marked demo-only', async () => {
    const { fe, printed } = await start({ FXMIRROR_WEBAPP: 'on', FXMIRROR_ADMINS: '77' });
    expect(fe).not.toBeNull();
    const link = /DEMO ONLY: this link logs in once as the terminal user: (http:\/\/127\.0\.0\.1:\d+\/#login=([A-Za-z0-9_-]+))/.exec(printed);
    expect(link).not.toBeNull();
    const web = fe!.app;
    const first = await call(web, 'POST', '/api/demo-login', { body: { token: link![2] } });
    expect(first.status).toBe(200);
    expect(first.json.user).toMatchObject({ id: 77, role: 'admin' });
    expect((await call(web, 'POST', '/api/demo-login', { body: { token: link![2] } })).status).toBe(401);
  });

  it('with a bot token: no link is printed and the login route does not exist', async () => {
    const { fe, printed } = await start({ FXMIRROR_WEBAPP: 'on', TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
    expect(printed).toBe('');
    expect(fe!.app.demoLoginLink()).toBeNull();
    expect((await call(fe!.app, 'POST', '/api/demo-login', { body: { token: 'x' } })).status).toBe(404);
  });

  it('off, or a port already in use outside the demo: no Mini App, and nothing thrown', async () => {
    expect((await start({ FXMIRROR_WEBAPP: 'off' })).fe).toBeNull();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = (blocker.address() as AddressInfo).port;
      expect((await start({ FXMIRROR_WEBAPP: 'on', FXMIRROR_WEBAPP_PORT: String(port) })).fe).toBeNull();
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('/app in the terminal chat: prints a fresh one-time link, or says the dashboard is not running', async () => {
    let n = 0;
    const links: (string | null)[] = ['http://127.0.0.1:8790/#login=first', null];
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const control = ctx.engine.control;
    const bot = createConsoleBot({ control, admins: [5], input, output, bot: { webApp: { url: null, demoLoginLink: () => links[n++] ?? null } } });
    const running = bot.start();
    await waitFor(() => out.includes('fxmirror console'), 'banner');
    await bot.send('/app');
    expect(out).toContain('Dashboard (demo only; this link logs in once, as you):\nhttp://127.0.0.1:8790/#login=first');
    await bot.send('/app');
    expect(out).toContain('The dashboard is not running; the log says why.');
    await bot.send('/help');
    expect(out).toContain('/app — open the dashboard (Mini App)');
    input.end();
    await running;
    await bot.stop();
  });
});

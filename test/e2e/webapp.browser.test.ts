/**
 * The Mini App in a real browser (Debian's headless Chromium via playwright-core), over the product's own start-up:
 * `startApp` + `chooseFrontEnd` from the environment, the real engine on the simulator, a state file in a temp dir,
 * and the Telegram bot against the Bot API emulator (telegram-test-api, its gaps filled by a test proxy). The page is
 * opened as Telegram opens it, with signed initData in the URL fragment: it shows the followers, a pause made in it is
 * announced in the chat transcript, a larger multiplier goes through the preview and confirmation, and forged
 * initData shows the denial. One browser launch for the file.
 *
 * FXMIRROR_SCREENSHOTS=1 (npm run screenshots) also saves phone-sized screenshots to docs/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@telegram-apps/init-data-node';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import TelegramServerModule from 'telegram-test-api';
import type { StoredBotUpdate, TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHART_SIZE } from '../../src/charts/index.js';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { defaultFollower } from '../../src/domain/config.js';
import { chooseFrontEnd } from '../../src/front-ends.js';
import { createSimulator } from '../../src/sim/index.js';
import type { Sim } from '../../src/sim/index.js';
import { openStore } from '../../src/store/index.js';
import { ADMIN, chatUser, OWNER, VIEWER, waitFor } from '../unit/bot/harness.js';
import { startGapsProxy } from './emulator-gaps-proxy.js';
import type { GapsProxy } from './emulator-gaps-proxy.js';

const TOKEN = '123456:browser-test-token-abcdefgh';
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.FXMIRROR_SCREENSHOTS === '1';
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const TelegramServerClass = TelegramServerModule as unknown as typeof TelegramServer;

/** Telegram's light theme as its clients pass it (`tgWebAppThemeParams`). */
const LIGHT_THEME = {
  bg_color: '#ffffff',
  secondary_bg_color: '#efeff4',
  section_bg_color: '#ffffff',
  header_bg_color: '#ffffff',
  text_color: '#000000',
  hint_color: '#8e8e93',
  link_color: '#2481cc',
  accent_text_color: '#2481cc',
  button_color: '#2481cc',
  button_text_color: '#ffffff',
  section_header_text_color: '#6d6d72',
  subtitle_text_color: '#8e8e93',
  destructive_text_color: '#e53935',
};
const DARK_THEME = {
  bg_color: '#212d3b',
  secondary_bg_color: '#151e27',
  section_bg_color: '#1d2733',
  header_bg_color: '#242d39',
  text_color: '#ffffff',
  hint_color: '#7d8b99',
  link_color: '#5eb5f7',
  accent_text_color: '#64b5ef',
  button_color: '#50a8eb',
  button_text_color: '#ffffff',
  section_header_text_color: '#79c4fc',
  subtitle_text_color: '#7b8790',
  destructive_text_color: '#ee686f',
};

interface Stored extends Omit<StoredBotUpdate, 'message'> {
  message: { chat_id: number | string; text?: string; reply_markup?: { inline_keyboard: { text: string; web_app?: { url: string } }[][] } };
}

let telegram: TelegramServer;
let proxy: GapsProxy;
let sim: Sim;
let dir: string;
let app: RunningApp;
let browser: BrowserContext;
let webUrl: string;
let ids: { master: string; apex: string; raw: string; mt4: string };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function transcript(chatId: number): Stored[] {
  return (telegram.storage.botMessages as unknown as Stored[]).filter((u) => String(u.message.chat_id) === String(chatId));
}

/** The address Telegram opens: the Mini App URL with signed initData and the theme in the fragment. */
function telegramLaunchUrl(initData: string, theme: Record<string, string>): string {
  const fragment = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: '8.0', tgWebAppPlatform: 'web', tgWebAppThemeParams: JSON.stringify(theme) });
  return `${webUrl}#${fragment.toString()}`;
}

function initData(userId: number, firstName: string, token = TOKEN): string {
  return sign({ user: { id: userId, first_name: firstName }, query_id: `q${userId}` } as never, token, new Date());
}

async function open(launchUrl: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto(launchUrl);
  return page;
}

beforeAll(async () => {
  if (!(await import('node:fs')).existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the CI script does)`);
  telegram = new TelegramServerClass({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
  await telegram.start();
  proxy = await startGapsProxy(telegram.config.apiURL);
  sim = await createSimulator({ seed: 5, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always' });
  ids = { master: sim.account('master').id, apex: sim.account('apex-follower').id, raw: sim.account('raw-follower').id, mt4: sim.account('mt4-follower').id };
  dir = await mkdtemp(join(tmpdir(), 'fxmirror-webapp-browser-'));
  const store = await openStore({ dataDir: dir });
  store.data.masters.push({ accountId: ids.master, paused: false });
  for (const id of [ids.apex, ids.raw, ids.mt4]) store.data.followers.push({ ...defaultFollower(id, [ids.master]), ownerUserId: id === ids.apex ? OWNER : null });
  store.data.users.push(chatUser(OWNER, 'owner', 'Olga'), chatUser(VIEWER, 'viewer', 'Viktor'));
  store.changed();
  await store.close();

  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}/`;
  const config = loadConfig({
    FXSOCKET_API_KEY: sim.apiKey,
    FXSOCKET_API_URL: sim.url,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: proxy.url,
    FXMIRROR_ADMINS: String(ADMIN),
    FXMIRROR_DATA: dir,
    FXMIRROR_LOG_LEVEL: 'silent',
    FXMIRROR_WEBAPP_PORT: String(port),
    FXMIRROR_WEBAPP_PUBLIC_URL: webUrl,
  });
  app = await startApp(config, pino({ level: 'silent' }), chooseFrontEnd);
  // Two master trades, copied: the dashboard shows them with their copies, and the preview sizes them.
  for (const order of [{ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 }, { symbol: 'XAUUSD', operation: 'Sell', volume: 0.1 }] as const) {
    expect(sim.account('master').send(order).success).toBe(true);
  }
  await waitFor(() => app.engine.control.masterPositions().length === 2, 'master positions');
  const copies = () => [ids.apex, ids.raw, ids.mt4].reduce((n, id) => n + (app.engine.runtime.followers.get(id)?.positions.length ?? 0), 0);
  await waitFor(() => copies() >= 6, 'six copies in the caches', 15_000);

  browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'fxmirror-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await proxy?.close();
  await telegram?.stop();
  await sim?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 30_000);

it('the bot points Telegram at the Mini App: the menu button and /app', async () => {
  await waitFor(() => proxy.menuButtons.length > 0, 'setChatMenuButton');
  expect(proxy.menuButtons[0]).toEqual({ menu_button: { type: 'web_app', text: '📊 Dashboard', web_app: { url: webUrl } } });
  const client = telegram.getClient(TOKEN, { userId: VIEWER, chatId: VIEWER, firstName: 'Viktor' });
  await client.sendCommand(client.makeCommand('/app'));
  const reply = await waitFor(() => transcript(VIEWER).find((m) => m.message.reply_markup !== undefined), '/app reply');
  expect(reply.message.reply_markup?.inline_keyboard.flat()).toEqual([{ text: '📊 Dashboard', web_app: { url: webUrl } }]);
});

it('opened from Telegram: followers, a pause announced in the chat, a confirmed multiplier; forged initData is denied', async () => {
  const page = await open(telegramLaunchUrl(initData(ADMIN, 'Ada'), LIGHT_THEME));
  const followers = page.locator('[data-follower]');
  await followers.nth(2).waitFor();
  expect(await page.locator('[data-follower] .title').allTextContents()).toEqual(['apex-follower', 'raw-follower', 'mt4-follower']);
  expect(await page.locator('#who').textContent()).toBe('Adaadmin');
  await page.locator('[data-master-ticket] .copy').nth(5).waitFor();
  // The theme Telegram passed is applied.
  expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(239, 239, 244)');
  // The money panels: today's P&L and copy quality per follower, and each follower's chart decoded by the browser.
  await page.locator('[data-panel="pnl-today"] tbody tr').nth(2).waitFor();
  expect(await page.locator('[data-panel="pnl-today"] tbody tr td:first-child').allTextContents()).toEqual(['apex-follower', 'raw-follower', 'mt4-follower']);
  await page.locator('[data-panel="copy-quality"] tbody tr').nth(2).waitFor();
  await page.locator('[data-panel="charts"] img.chart').nth(2).waitFor();
  await page.waitForFunction(`[...document.querySelectorAll('[data-panel="charts"] img.chart')].every((i) => i.complete && i.naturalWidth > 0)`);
  expect(await page.evaluate(`[...document.querySelectorAll('[data-panel="charts"] img.chart')].map((i) => i.naturalWidth)`)).toEqual([CHART_SIZE.width, CHART_SIZE.width, CHART_SIZE.width]);
  if (SCREENSHOTS) await page.screenshot({ path: join(DOCS, 'miniapp-dashboard.png'), fullPage: true });

  const raw = page.locator(`[data-follower="${ids.raw}"]`);
  await raw.locator('[data-action="pause"]').click();
  await raw.locator('.pill.paused').waitFor();
  expect(app.engine.control.follower(ids.raw).paused).toBe(true);
  await waitFor(() => transcript(ADMIN).find((m) => /raw-follower<\/b> paused from the dashboard: new master trades are not copied\./.test(String(m.message.text))), 'pause in the chat transcript');

  const apex = page.locator(`[data-follower="${ids.apex}"]`);
  await apex.locator('input').fill('2');
  await apex.locator('[data-action="multiplier"]').click();
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  expect(await dialog.locator('#dialog-title').textContent()).toBe('apex-follower: multiplier ×1 → multiplier ×2');
  expect(await dialog.locator('.preview li').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/BUY 0\.20 EURUSD→EURUSDm→ 0\.40/)]));
  expect(app.engine.control.follower(ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });
  if (SCREENSHOTS) await page.screenshot({ path: join(DOCS, 'miniapp-multiplier.png') });
  await dialog.locator('#dialog-ok').click();
  await waitFor(() => app.engine.control.follower(ids.apex).sizing.mode === 'multiplier' && (app.engine.control.follower(ids.apex).sizing as { multiplier: number }).multiplier === 2, 'multiplier applied');
  await waitFor(() => transcript(ADMIN).find((m) => /apex-follower<\/b>: multiplier ×1 → multiplier ×2 \(confirmed in the dashboard\)/.test(String(m.message.text))), 'change in the chat');
  await page.close();

  if (SCREENSHOTS) {
    const owner = await open(telegramLaunchUrl(initData(OWNER, 'Olga'), DARK_THEME));
    await owner.locator('[data-follower]').first().waitFor();
    await owner.screenshot({ path: join(DOCS, 'miniapp-owner-dark.png'), fullPage: true });
    await owner.close();
  }

  const forged = await open(telegramLaunchUrl(initData(ADMIN, 'Ada', '654321:not-the-bot-token-abcdefgh'), LIGHT_THEME));
  await forged.locator('#denied').waitFor();
  expect(await forged.locator('#denied h1').textContent()).toBe('Access denied');
  expect(await forged.locator('#denied-text').textContent()).toMatch(/Telegram did not sign this request/);
  expect(await forged.locator('#content').isHidden()).toBe(true);
  await forged.close();
}, 60_000);

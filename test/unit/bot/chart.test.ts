/**
 * /chart through the real bot, the real engine and the simulator: the photo is a PNG Telegram takes, drawn from the
 * simulator's closed copies (the follower's line, the master's scaled line and the drawdown shading in their colours),
 * latency and slippage distributions, owners only their own followers, bad input one clear reply and no photo, a
 * follower without history a sentence; the terminal chat writes the picture to a file and prints its path.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTelegramPhoto, CHART_SIZE, pngSize } from '../../../src/charts/index.js';
import { CHART_COLORS } from '../../../src/charts/style.js';
import { createConsoleBot } from '../../../src/bot/console.js';
import { helpText } from '../../../src/bot/features/help.js';
import type { ApiCall } from '../../../src/bot/local-api.js';
import { pixelsNear } from '../charts/png-inspect.js';
import { ADMIN, OWNER, startWorldWithHistory, telegramHtmlProblems, texts, VIEWER, waitFor } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

let world: EngineWorld;
let h: Harness;

beforeAll(async () => {
  ({ world, h } = await startWorldWithHistory());
}, 40_000);
afterAll(async () => world?.close());

const photos = (calls: readonly ApiCall[], chatId: number) => calls.filter((c) => c.method === 'sendPhoto' && Number(c.payload.chat_id) === chatId);

/** The photos a command sent, as the in-process Bot API recorded them (bytes and caption). */
async function chart(userId: number, line: string): Promise<{ pngs: Buffer[]; captions: string[]; texts: string[] }> {
  const calls = await h.send(userId, line);
  const sentPhotos = photos(calls, userId);
  const messages = [...h.local.messages.values()].filter((m) => m.photo !== undefined).slice(-sentPhotos.length);
  const replies = texts(calls, userId);
  for (const t of [...replies, ...messages.map((m) => m.text)]) expect(telegramHtmlProblems(t), t).toEqual([]);
  return {
    pngs: sentPhotos.length === 0 ? [] : messages.map((m) => Buffer.from(m.photo?.bytes ?? [])),
    captions: sentPhotos.length === 0 ? [] : messages.map((m) => m.text),
    texts: replies,
  };
}

describe('/chart', () => {
  it('sends the P&L chart as a photo Telegram takes: follower, master scaled, drawdown shaded', async () => {
    const r = await chart(ADMIN, '/chart apex-follower 7d');
    expect(r.texts).toEqual([]);
    expect(r.pngs).toHaveLength(1);
    const png = r.pngs[0] as Buffer;
    expect(() => assertTelegramPhoto(png)).not.toThrow();
    expect(pngSize(png)).toEqual(CHART_SIZE);
    // The copies closed seconds apart in a 7-day period, so the lines are steps at the right edge: the colours prove
    // which series are drawn (the chart tests check the geometry). The drawdown's legend entry is drawn only when the
    // follower fell from a peak, as it did here (a win, then a loss).
    expect(pixelsNear(png, CHART_COLORS.follower, 12)).toBeGreaterThan(2000);
    expect(pixelsNear(png, CHART_COLORS.master, 12)).toBeGreaterThan(100);
    expect(pixelsNear(png, '#f0b1b4', 16)).toBeGreaterThan(400);
    expect(r.captions[0]).toContain('apex-follower: realized P&amp;L of copies');
    expect(r.captions[0]).toContain('last 7 days');
    expect(r.captions[0]).toContain('2 closed copies');
  });

  it('latency and slippage: the distributions as photos', async () => {
    for (const kind of ['latency', 'slippage']) {
      const r = await chart(ADMIN, `/chart ${kind} apex-follower 7d`);
      expect(r.texts).toEqual([]);
      expect(r.pngs).toHaveLength(1);
      expect(pixelsNear(r.pngs[0] as Buffer, CHART_COLORS.bars, 12)).toBeGreaterThan(1000);
      expect(r.captions[0]).toContain(kind === 'latency' ? 'copy latency' : 'slippage at the open');
    }
  });

  it('every visible follower; an owner gets only theirs; no history is a sentence, not a picture', async () => {
    const all = await chart(VIEWER, '/chart');
    expect(all.pngs).toHaveLength(2);
    expect(all.captions.join('\n')).toMatch(/apex-follower[\s\S]*mt4-follower|mt4-follower[\s\S]*apex-follower/);
    expect(all.texts).toHaveLength(1);
    expect(all.texts[0]).toContain('<b>raw-follower</b>: no closed copies in this period');
    const mine = await chart(OWNER, '/chart all 30d');
    expect(mine.pngs).toHaveLength(1);
    expect(mine.captions[0]).toContain('apex-follower');
    const other = await chart(OWNER, '/chart mt4-follower');
    expect(other.pngs).toEqual([]);
    expect(other.texts).toEqual(['⚠️ mt4-follower is not one of your followers.']);
    const none = await chart(ADMIN, '/chart latency raw-follower');
    expect(none.pngs).toEqual([]);
    expect(none.texts[0]).toContain('no copies with a measured latency');
  });

  it('refuses bad input with one clear reply and sends nothing', async () => {
    const cases: [string, string][] = [
      ['/chart banana', "'banana' is neither a period"],
      ['/chart apex-follower 2099-01-01', '2099-01-01 has not started yet'],
      ['/chart slippage apex-follower 2026-02-30', '2026-02-30 is not a date'],
      ['/chart latency apex-follower 7d extra', 'too many arguments'],
      ['/chart 7d 30d', 'two periods'],
      ['/chart master', 'master is not a follower'],
      ['/chart latency slippage', "'slippage' is neither a period"],
    ];
    for (const [line, want] of cases) {
      const r = await chart(ADMIN, line);
      expect(r.pngs, line).toEqual([]);
      expect(r.texts, line).toHaveLength(1);
      expect(r.texts[0], line).toContain(want);
    }
  });

  it('is listed in /help and in the command menus of every role', () => {
    for (const role of ['admin', 'owner', 'viewer'] as const) {
      expect(helpText(h.fx.kit, role)).toContain('/chart [latency|slippage] [follower|all] [period]');
      expect(h.fx.menus.commandsFor(role).map((c) => c.command)).toContain('chart');
    }
  });

  it('the terminal chat writes the picture to a file and prints its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxmirror-console-charts-'));
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const bot = createConsoleBot({ control: world.control, admins: [42], input, output, photoDir: dir });
    const running = bot.start();
    try {
      await waitFor(() => out.includes('fxmirror console'), 'banner');
      input.write('/chart apex-follower 7d\n');
      const match = await waitFor(() => /🖼 \d+ bytes PNG: (\S+\.png)/.exec(out), 'photo path printed', 15_000);
      expect(out).toContain('apex-follower: realized P&L of copies');
      const file = match[1] as string;
      expect(file.startsWith(dir)).toBe(true);
      const png = await readFile(file);
      expect(pngSize(png)).toEqual(CHART_SIZE);
    } finally {
      input.end();
      await running;
      await bot.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

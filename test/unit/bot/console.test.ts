/** The console transport: the same bot, typed lines in, formatted text out, buttons as numbered choices. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createConsoleBot } from '../../../src/bot/console.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { FakeControl, IDS } from './fake-control.js';
import { copied, leg } from './fixtures.js';
import { waitFor } from './harness.js';

describe('console bot', () => {
  it('runs commands typed on the input, prints replies as text and numbered buttons, prints alerts', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const control = new FakeControl();
    let listener: ((e: CopierEvent) => void) | null = null;
    const bot = createConsoleBot({
      control,
      admins: [42],
      input,
      output,
      events: (l) => {
        listener = l;
        return () => (listener = null);
      },
    });
    const running = bot.start();
    await waitFor(() => out.includes('fxmirror console'), 'banner');

    input.write('/whoami\n');
    await waitFor(() => out.includes('Role: admin'), 'whoami');
    expect(out).not.toContain('<b>');

    input.write('/multiplier alpha 5\n');
    await waitFor(() => out.includes('[1] ✅ Apply  [2] ✖ Cancel'), 'confirmation buttons');
    expect(out).toContain('multiplier ×1 → multiplier ×5 (larger lots)');
    input.write('1\n');
    await waitFor(() => out.includes('↳ Applying…'), 'applied');
    await waitFor(() => control.follower(IDS.alpha).sizing.mode === 'multiplier' && (control.follower(IDS.alpha).sizing as { multiplier: number }).multiplier === 5, 'sizing');
    expect(out).toMatch(/bot edited #\d+/);

    input.write('/pause\n');
    await waitFor(() => out.includes('Pause what?'), 'picker');
    expect(out).toMatch(/\[1\] ⏸ Everything/);
    input.write('1\n');
    await waitFor(() => control.pausedAll, 'paused all');

    listener!(copied([leg({ followerId: IDS.alpha, followerName: 'alpha' })]));
    await waitFor(() => out.includes('── bot (silent)') && out.includes('alpha: filled'), 'alert printed');

    input.end();
    await running;
    await bot.stop();
  });
});

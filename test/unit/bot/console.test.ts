/**
 * The console transport over the real engine and the simulator: the same bot, typed lines in, formatted text out,
 * buttons as numbered choices, copier alerts printed.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleBot } from '../../../src/bot/console.js';
import { startEngineWorld, waitFor } from './harness.js';
import type { EngineWorld } from './harness.js';

let world: EngineWorld;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex'] });
  // Start from a known sizing, whatever a new follower's default is.
  await world.control.setSizing(world.ids.apex, { mode: 'multiplier', multiplier: 1 });
}, 30_000);
afterAll(async () => world?.close());

describe('console bot', () => {
  it('runs commands typed on the input, prints replies as text and numbered buttons, prints alerts', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const bot = createConsoleBot({ control: world.control, admins: [42], input, output, events: world.subscribe });
    const running = bot.start();
    await waitFor(() => out.includes('fxmirror console'), 'banner');

    input.write('/whoami\n');
    await waitFor(() => out.includes('Role: admin'), 'whoami');
    expect(out).not.toContain('<b>');

    input.write('/multiplier apex-follower 5\n');
    await waitFor(() => out.includes('[1] ✅ Apply  [2] ✖ Cancel'), 'confirmation buttons');
    expect(out).toContain('multiplier ×1 → multiplier ×5 (larger lots)');
    expect(world.control.follower(world.ids.apex).sizing).toEqual({ mode: 'multiplier', multiplier: 1 });
    input.write('1\n');
    await waitFor(() => out.includes('↳ Applying…'), 'applied');
    await waitFor(() => {
      const s = world.control.follower(world.ids.apex).sizing;
      return s.mode === 'multiplier' && s.multiplier === 5;
    }, 'sizing');
    await waitFor(() => /── bot edited #\d+ ─+\n✅ apex-follower: multiplier ×1 → multiplier ×5\n/.test(out), 'the confirmation edited into the result');

    // A real master trade: the engine copies it at ×5 and the alert prints without any input.
    expect(world.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }).success).toBe(true);
    await waitFor(() => out.includes('── bot (silent)') && /apex-follower: filled — 0\.50? /.test(out), 'alert printed');
    expect(world.sim.account('apex-follower').positions().map((p) => p.lots)).toEqual([0.5]);

    input.write('/pause\n');
    await waitFor(() => out.includes('Pause what?'), 'picker');
    expect(out).toMatch(/\[1\] ⏸ Everything/);
    input.write('1\n');
    await waitFor(() => world.control.status().paused, 'paused all');
    await waitFor(() => out.includes('Copying paused'), 'pause reported');

    input.write('7\n');
    await waitFor(() => out.includes('(no such choice)'), 'a number that is no choice');

    input.end();
    await running;
    await bot.stop();
    expect(out).not.toContain('(error:');
  });
});

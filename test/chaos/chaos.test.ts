/**
 * The short seeded chaos trial inside `npm test` (issue 6): 60 master events on 1 master and 5 followers while the
 * simulator injects socket drops, dropped frames, 5xx, leg timeouts that executed, 504s that executed, latency, a
 * market closing and a follower at its margin; the copier (a separate process on a real state file) is SIGKILLed
 * 3 times, and Telegram goes away for 8 s. Every zero-required figure must be zero. Timing is reported, not asserted.
 * The long trial is `npm run chaos`.
 */
import { expect, it } from 'vitest';
import { parseVariant } from '../../src/sim/variant.js';
import { QUICK_TRIAL } from './presets.js';
import { formatReport } from './report.js';
import { runTrial } from './trial.js';

it('loses, duplicates and orphans nothing through kills, faults and a Telegram outage', async () => {
  // FXMIRROR_SIM_VARIANT: the vitest project that runs this trial under the other reading of every silent point.
  const variant = parseVariant(process.env.FXMIRROR_SIM_VARIANT ?? 'default');
  const report = await runTrial({ ...QUICK_TRIAL, seed: 20_260_601, timing: false, variant });
  expect(report.failures, formatReport(report)).toEqual([]);
  // The trial did what it says: the kills happened, and faults of every kind were injected.
  expect(report.kills.total).toBe(QUICK_TRIAL.kills);
  expect(report.check.copiesPresent).toBeGreaterThan(0);
}, 240_000);

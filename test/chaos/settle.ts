/**
 * The trial's quiet phase: wait until the followers' books stop changing and timer reconciliations have run, so the
 * checker reads a settled world. Shared by the single-process and the cluster trial.
 */
import type { Sim } from '../../src/sim/index.js';
import type { StreamLine } from './expect.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (at most `maxMs`) for 3 timer reconciliations and `quietMs` without a change on any follower; returns the timer runs seen. */
export async function waitSettled(sim: Sim, followerIds: readonly string[], stream: readonly StreamLine[], maxMs: number, quietMs: number): Promise<{ seconds: number; timerRuns: number }> {
  const start = Date.now();
  const fingerprint = () => JSON.stringify(followerIds.map((id) => sim.account(id).positions().map((r) => [r.ticket, r.lots, r.stopLoss, r.takeProfit, r.openPrice])));
  const timerRuns = () => stream.filter((s) => s.at >= start && /Reconciliation.*\(timer\)/.test(s.line)).length;
  let last = fingerprint();
  let stableSince = Date.now();
  while (Date.now() - start < maxMs) {
    await sleep(500);
    const now = fingerprint();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
    if (timerRuns() >= 3 && Date.now() - stableSince >= quietMs) break;
  }
  return { seconds: Math.round((Date.now() - start) / 1000), timerRuns: timerRuns() };
}

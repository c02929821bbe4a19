/**
 * `/risk` and the daily risk budget, through `bot.handleUpdate` over the real engine and the simulator: the preview
 * (today's loss, open risk at SL, what is left, the next copy's cap), the `nosl` rule with its confirmation, and bad
 * input. Tests in this file share one world and run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loosensRisk } from '../../../src/bot/features/risk.js';
import { DEFAULT_RISK } from '../../../src/domain/config.js';
import { RejectedError } from '../../../src/domain/errors.js';
import { createHarness, OWNER, startEngineWorld, texts, VIEWER, waitFor } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

let world: EngineWorld;
let h: Harness;
let firstTicket = 0;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  h = await createHarness({ control: world.control });
  // One master trade with a 200-point stop, copied before any limit: a copy with about 200 USD of risk at its SL.
  const master = world.sim.account('master');
  const ask = world.sim.quote('Demo Markets', 'EURUSD').ask;
  const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 1, stopLoss: Math.round((ask - 0.002) * 1e5) / 1e5 });
  expect(r.success).toBe(true);
  firstTicket = r.order;
  await waitFor(() => world.engine.runtime.followers.get(world.ids.apex)?.positions.some((p) => p.stopLoss > 0), 'apex copy with its SL, in the cache');
  await world.engine.idle();
}, 30_000);
afterAll(async () => world?.close());

async function reply(userId: number, text: string): Promise<string> {
  const out = texts(await h.send(userId, text), userId);
  expect(out, `${text} → ${JSON.stringify(out)}`).toHaveLength(1);
  return out[0] as string;
}

describe('/risk and the daily risk budget', () => {
  it('without a daily loss limit the view shows no budget, and the rule for copies without SL', async () => {
    const text = await reply(VIEWER, '/risk apex-follower');
    expect(text).toContain('dailyloss: off');
    expect(text).toContain('nosl: skip');
    expect(text).not.toContain('Daily risk budget');
    expect(text).toContain('nosl &lt;skip|lots&gt;');
  });

  it("setting a limit previews today's loss, the open copy's risk at SL, what is left and the next copy's cap", async () => {
    const text = await reply(OWNER, '/risk apex-follower dailyloss 300');
    expect(world.control.follower(world.ids.apex).risk.dailyLossLimit).toBe(300);
    expect(text).toContain('<b>Daily risk budget</b> (limit 300.00 USD, copies without SL: skip):');
    expect(text).toContain('• realized loss today: 0.00');
    expect(text).toMatch(/• open risk at SL: 2\d\d\.\d\d \(1 open copy\)/);
    expect(text).toMatch(/• remaining: <b>\d\d\.\d\d<\/b> of 300\.00/);
    expect(text).toMatch(new RegExp(`Next copy like #${firstTicket} \\(BUY 1\\.00 EURUSD→EURUSDm SL [\\d.]+ from [\\d.]+\\): sized 1\\.00 → capped to <b>0\\.\\d\\d</b> lots`));
    // The viewer sees the same preview, read only.
    expect(await reply(VIEWER, '/risk apex-follower')).toMatch(/remaining: <b>\d\d\.\d\d<\/b> of 300\.00/);
  });

  it('a fallback lot for copies without SL loosens the rule: confirmation with the preview under it, then applied', async () => {
    const ask = await reply(OWNER, '/risk apex-follower nosl 0.05');
    expect(ask).toContain('loosens a risk limit');
    expect(ask).toContain('nosl: skip\n');
    expect(ask).toContain('nosl: fallback 0.05 lots');
    expect(ask).toContain('copies without SL: fallback 0.05 lots');
    expect(world.control.follower(world.ids.apex).risk.noStopLoss).toEqual({ mode: 'skip' });
    const applied = texts(await h.tap(OWNER, h.last(OWNER), 'Apply')).join('\n');
    expect(applied).toContain('✅ Risk limits');
    expect(applied).toContain('Daily risk budget');
    expect(world.control.follower(world.ids.apex).risk.noStopLoss).toEqual({ mode: 'fallback', lots: 0.05 });
    // Back to skip tightens: applied at once.
    expect(await reply(OWNER, '/risk apex-follower nosl skip')).toContain('✅ Risk limits');
    expect(world.control.follower(world.ids.apex).risk.noStopLoss).toEqual({ mode: 'skip' });
  });

  it('an open copy without a SL: the preview says no new copy can be proven, and why', async () => {
    const copy = world.engine.runtime.followers.get(world.ids.apex)?.positions.find((p) => p.stopLoss > 0);
    expect(copy).toBeDefined();
    // The owner removes the copy's stop by hand.
    const removed = world.sim.account('apex-follower').modify({ ticket: copy?.ticket ?? 0, stopLoss: 0 });
    expect(removed.success).toBe(true);
    await waitFor(() => world.engine.runtime.followers.get(world.ids.apex)?.positions.every((p) => p.stopLoss === 0), 'cache shows the stop removed');
    const text = await reply(VIEWER, '/risk apex-follower');
    expect(text).toContain(`⚠️ No new copy can be proven within the budget: an open copy has no SL, so the daily risk budget cannot be kept (open copy #${copy?.ticket} EURUSDm (1.00 lots) has no SL).`);
    expect(text).toMatch(/sized 1\.00 → ⏭ skipped: an open copy has no SL/);
  });

  it('bad input gets a clear, specific error and changes nothing', async () => {
    expect(await reply(OWNER, '/risk apex-follower nosl abc')).toContain("nosl must be skip, or a fallback lot size between 0.01 and 100 for copies without a stop loss, got 'abc'. Usage: /risk &lt;follower&gt; nosl &lt;skip|lots&gt;");
    expect(await reply(OWNER, '/risk apex-follower nosl 0')).toContain("nosl must be skip, or a fallback lot size between 0.01 and 100 for copies without a stop loss, got '0'");
    expect(await reply(OWNER, '/risk apex-follower nosl')).toContain('nosl needs a value');
    expect(await reply(OWNER, '/risk apex-follower dailyloss -5')).toContain("dailyloss must be an amount in account currency greater than 0, or off, got '-5'");
    expect(await reply(VIEWER, '/risk apex-follower nosl 0.05')).toBe('⚠️ Viewers can only look, not change settings.');
    expect(world.control.follower(world.ids.apex).risk.noStopLoss).toEqual({ mode: 'skip' });
    // The control API refuses a fallback without a lot, and a preview with a bad patch, by name.
    const refusal = await world.control.setRisk(world.ids.apex, { noStopLoss: { mode: 'fallback' } as never }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RejectedError);
    expect((refusal as RejectedError).code).toBe('invalid_risk');
    expect((refusal as RejectedError).message).toContain('noStopLoss');
    const preview = await world.control.riskBudget(world.ids.apex, { noStopLoss: { mode: 'fallback', lots: -1 } }).catch((e: unknown) => e);
    expect((preview as RejectedError).code).toBe('invalid_risk');
  });
});

describe('loosensRisk for the no-SL rule', () => {
  it('a fallback lot, or a larger one, loosens; back to skip or a smaller lot does not', () => {
    const skip = { ...DEFAULT_RISK, noStopLoss: { mode: 'skip' as const } };
    const small = { ...DEFAULT_RISK, noStopLoss: { mode: 'fallback' as const, lots: 0.05 } };
    expect(loosensRisk(skip, { noStopLoss: { mode: 'fallback', lots: 0.01 } })).toBe(true);
    expect(loosensRisk(small, { noStopLoss: { mode: 'fallback', lots: 0.1 } })).toBe(true);
    expect(loosensRisk(small, { noStopLoss: { mode: 'fallback', lots: 0.01 } })).toBe(false);
    expect(loosensRisk(small, { noStopLoss: { mode: 'skip' } })).toBe(false);
  });
});

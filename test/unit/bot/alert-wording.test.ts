/**
 * Alerts say what the broker did: a pending order copied is "placed" at its price, not "filled"; its fill is "filled"
 * (the follower's own pending copy triggered) or, while it waits for its own trigger, says so; a moved pending is
 * "moved", a deleted one "deleted". Real pending orders through the simulator, the engine and the bot's notifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegOutcome } from '../../../src/engine/events.js';
import { legLine } from '../../../src/bot/format/events.js';
import { outcomeWord } from '../../../src/bot/format/outcome-words.js';
import { ADMIN, createHarness, startEngineWorld, waitFor } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

let world: EngineWorld;
let h: Harness;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex', 'raw'] });
  h = await createHarness({ control: world.control });
  world.subscribe(h.fx.notifier.notify);
}, 30_000);
afterAll(async () => {
  await h?.fx.outbox.stop(100);
  await world?.close();
});

/** The alert about a master ticket whose first line matches `head`, as delivered to the admin. */
async function alertAbout(ticket: number, head: RegExp): Promise<string> {
  return waitFor(
    () => {
      void h.fx.outbox.flush(50);
      return [...h.local.messages.values()].map((m) => m.text).find((t) => t.startsWith('📋') && t.includes(`#${ticket}`) && head.test(t.split('\n')[0] ?? ''));
    },
    `alert ${head} about #${ticket}`,
  );
}

describe('alert wording, driven by real pending orders', () => {
  it('a copied pending order is placed at its price; its own fill later is filled; one still waiting says so', async () => {
    const master = world.sim.account('master');
    const placed = master.send({ symbol: 'EURUSD', operation: 'BuyStop', volume: 0.3, price: 1.09, stopLoss: 1.08 });
    expect(placed.success).toBe(true);
    const placement = await alertAbout(placed.order, /pending BUY 0\.30 EURUSD @ 1\.09 placed/);
    expect(placement).toMatch(/✅ <b>apex-follower<\/b>: placed — 0\.30 EURUSDm @ 1\.09 · \d+ ms · #\d+/);
    expect(placement).toMatch(/✅ <b>raw-follower<\/b>: placed — 0\.30 EURUSD\.raw @ 1\.09 · \d+ ms · #\d+/);
    expect(placement).not.toMatch(/: filled/);
    await world.engine.idle();

    // Apex's price rises through the trigger first: its pending copy fills on its own.
    world.sim.setQuote('EURUSDm', 1.0915);
    await waitFor(() => world.engine.runtime.followers.get(world.ids.apex)?.positions.some((p) => p.kind === 'Position'), 'apex copy filled, in its cache');
    const apexFill = world.engine.runtime.followers.get(world.ids.apex)?.positions.find((p) => p.kind === 'Position');
    // Then the master's: its pending fills, the master event is an open. Raw Prime's price has not moved.
    world.sim.setQuote('EURUSD', 1.0915);
    const trigger = await alertAbout(placed.order, /BUY 0\.30 EURUSD @ [\d.]+ · open/);
    expect(trigger).toContain(`✅ <b>apex-follower</b>: filled — 0.30 EURUSDm @ ${String(apexFill?.openPrice)} · #${apexFill?.ticket} · its own pending copy triggered`);
    expect(trigger).toMatch(/⏳ <b>raw-follower<\/b>: pending copy not filled yet — 0\.30 EURUSD\.raw @ 1\.09 · #\d+ · fills at its own trigger price/);
    expect(trigger).not.toMatch(/skipped/);
    await world.engine.idle();

    // /why reads the same words from the journal.
    const why = await h.send(ADMIN, `/why ${placed.order}`);
    const text = why.map((c) => String(c.payload.text)).join('\n');
    expect(text).toMatch(/apex-follower<\/b> pending_place\/place_pending placed EURUSDm 0\.30 @ 1\.09/);
    expect(text).toMatch(/apex-follower<\/b> open\/none filled \(its own pending copy\) EURUSDm 0\.30/);
    expect(text).not.toMatch(/place_pending filled/);
  });

  it('a moved pending is moved and a deleted one deleted, not modified and closed', async () => {
    const master = world.sim.account('master');
    const placed = master.send({ symbol: 'EURUSD', operation: 'SellLimit', volume: 0.2, price: 1.1, stopLoss: 1.11 });
    await alertAbout(placed.order, /placed/);
    await world.engine.idle();
    expect(master.modify({ ticket: placed.order, price: 1.102, stopLoss: 1.112 }).success).toBe(true);
    const moved = await alertAbout(placed.order, /moved/);
    expect(moved).toMatch(/✏️ <b>apex-follower<\/b>: moved/);
    expect(moved).not.toMatch(/: modified/);
    await world.engine.idle();
    expect(master.close(placed.order).success).toBe(true);
    const deleted = await alertAbout(placed.order, /deleted/);
    expect(deleted).toMatch(/✅ <b>apex-follower<\/b>: deleted/);
    expect(deleted).toMatch(/✅ <b>raw-follower<\/b>: deleted/);
    expect(deleted).not.toMatch(/: closed/);
  });
});

describe('outcomeWord', () => {
  it('names what the broker did for every action', () => {
    expect(outcomeWord('open', 'filled')).toBe('filled');
    expect(outcomeWord('place_pending', 'filled')).toBe('placed');
    expect(outcomeWord('close', 'filled')).toBe('closed'); // a netting offset order closes shares
    expect(outcomeWord('open', 'partial')).toBe('partial fill');
    expect(outcomeWord('close', 'partial')).toBe('partial close');
    expect(outcomeWord('delete_pending', 'closed')).toBe('deleted');
    expect(outcomeWord('close', 'closed')).toBe('closed');
    expect(outcomeWord('modify_pending', 'modified')).toBe('moved');
    expect(outcomeWord('modify', 'modified')).toBe('modified');
    for (const s of ['rejected', 'failed', 'unknown', 'queued', 'skipped']) expect(outcomeWord('open', s)).toBe(s);
  });

  it('legLine words a placement and an offsetting close by what they did', () => {
    const leg: LegOutcome = { followerId: 'f', followerName: 'F', status: 'filled', action: 'place_pending', symbol: 'EURUSDm', volume: 0.1, price: 1.07, slippagePoints: null, latencyMs: 3, ticket: 9, retcode: 10008, reason: null, detail: {} };
    expect(legLine(leg)).toBe('✅ <b>F</b>: placed — 0.10 EURUSDm @ 1.07 · 3 ms · #9');
    expect(legLine({ ...leg, action: 'close' })).toBe('✅ <b>F</b>: closed — 0.10 EURUSDm @ 1.07 · 3 ms · #9');
  });
});

/**
 * The daily risk budget on the simulator (domain/daily-risk.ts): with a daily loss limit, a copy is capped so that the
 * day's loss if every copy hits its SL stays within the limit, the next one is skipped when nothing fits, and `/why`
 * says so with the numbers. The followers' positions frames are held back while trading, so the budget has to count
 * the copy it has just opened before the cache shows it (engine/fresh-copies.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatWhy } from '../../../src/bot/format/views.js';
import type { BrokerPort, StreamEvent, StreamPort } from '../../../src/engine/ports.js';
import type { FxSocketClient } from '../../../src/fxsocket/index.js';
import { copiesOn, legOf, MAGIC, startWorld, waitCopied, waitFor, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Holds back the `positions` frames of some accounts' streams while `held`; `release()` delivers the newest. */
class PositionsGate {
  held = false;
  readonly accounts = new Set<string>();
  private readonly parked = new Map<(e: StreamEvent) => void, StreamEvent>();

  wrap(client: FxSocketClient): BrokerPort {
    return new Proxy(client, {
      get: (target, key, receiver) => {
        if (key === 'stream') {
          return async (accountId: string, options?: { coalesceSnapshots?: boolean }): Promise<StreamPort> => {
            const stream = await target.stream(accountId, options);
            return new Proxy(stream, {
              get: (s, k, r) => {
                if (k === 'onEvent') {
                  return (listener: (e: StreamEvent) => void) =>
                    s.onEvent((e) => {
                      if (this.held && e.type === 'positions' && this.accounts.has(accountId)) this.parked.set(listener, e);
                      else listener(e);
                    });
                }
                const v: unknown = Reflect.get(s, k, r);
                return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(s) : v;
              },
            });
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  release(): void {
    this.held = false;
    for (const [listener, e] of this.parked) listener(e);
    this.parked.clear();
  }
}

/** What the follower's copies would lose if every stop filled, from the broker's own rows, in account currency. */
function worstCase(w: World, f: 'apex' | 'raw', currency: string): number {
  let usd = 0;
  for (const r of copiesOn(w, f)) {
    expect(r.stopLoss).toBeGreaterThan(0);
    usd += Math.max(0, r.type === 'Buy' ? r.openPrice - r.stopLoss : r.stopLoss - r.openPrice) * r.lots * 100_000;
  }
  return w.sim.internals.market.convert(usd, 'USD', currency);
}

describe('engine: the daily risk budget', () => {
  it('caps a copy to the budget and skips the next one that cannot fit, even before the first copy shows in the cache', async () => {
    const gate = new PositionsGate();
    world = await startWorld({ follow: ['apex', 'raw'], broker: (client) => gate.wrap(client) });
    const w = world;
    await w.engine.control.setRisk(w.ids.apex, { dailyLossLimit: 150 });
    await w.engine.control.setRisk(w.ids.raw, { dailyLossLimit: 150 });
    gate.accounts.add(w.ids.apex).add(w.ids.raw);
    const apexStart = w.sim.account('apex-follower').summary().balance;
    const rawStart = w.sim.account('raw-follower').summary().balance;
    gate.held = true;

    const master = w.sim.account('master');
    const ask = w.sim.quote('Demo Markets', 'EURUSD').ask;
    // 1 lot with a 200-point stop: about 235 USD per lot at the followers' worst fill (their spread, 30 points of
    // slippage allowed), more than a 150 budget.
    const first = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 1, stopLoss: Math.round((ask - 0.002) * 1e5) / 1e5 });
    expect(first.success).toBe(true);
    const capped = await waitCopied(w, first.order, 'open');
    for (const f of ['apex', 'raw'] as const) {
      const leg = legOf(capped, w, f);
      expect(leg.status).toBe('filled');
      expect(leg.volume).toBeLessThan(1);
      expect(leg.volume).toBeGreaterThan(0);
      expect(leg.reason).toContain('daily_risk_capped');
      expect(leg.detail).toMatchObject({ limit: 150, openRisk: 0, cappedFrom: 1, cappedTo: leg.volume });
    }
    await w.engine.idle();
    // The followers' caches have not seen their new copies (frames held): the budget counts them all the same.
    for (const id of [w.ids.apex, w.ids.raw]) expect(w.engine.runtime.followers.get(id)?.positions.some((p) => p.magic === MAGIC)).toBe(false);
    // Raw Prime's commission on the fill is in its balance (account frames are not held): a realized loss today.
    await waitFor(() => (w.engine.runtime.followers.get(w.ids.raw)?.summary?.balance ?? rawStart) < rawStart, 'raw balance after commission');

    // A wider stop (about 1,000 points): what is left fits a sliver on Apex (0.01-lot steps) and not Raw Prime's 0.1-lot
    // minimum. Both count their first copy at its real fill, which their caches have not shown yet.
    const second = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 1, stopLoss: Math.round((ask - 0.01) * 1e5) / 1e5 });
    const next = await waitCopied(w, second.order, 'open');
    const apexNext = legOf(next, w, 'apex');
    expect(apexNext).toMatchObject({ status: 'filled', reason: 'daily_risk_capped', detail: { limit: 150, cappedFrom: 1 } });
    expect(apexNext.volume).toBeLessThan(0.05);
    expect(Number(apexNext.detail.openRisk)).toBeGreaterThan(100);
    const rawNext = legOf(next, w, 'raw');
    expect(rawNext).toMatchObject({ status: 'skipped', reason: 'daily_risk_exhausted', detail: { limit: 150, min: 0.1 } });
    expect(Number(rawNext.detail.openRisk)).toBeGreaterThan(100);
    expect(Number(rawNext.detail.realizedLoss)).toBeGreaterThan(0);
    gate.release();
    await w.engine.idle();

    // The promise, from the brokers' books: every copy at its SL loses no more than the limit, in account currency.
    expect(copiesOn(w, 'apex')).toHaveLength(2);
    expect(copiesOn(w, 'raw')).toHaveLength(1);
    const apexLost = apexStart - w.sim.account('apex-follower').summary().balance;
    const rawLost = rawStart - w.sim.account('raw-follower').summary().balance; // Raw Prime charges commission
    expect(rawLost).toBeGreaterThan(0);
    expect(apexLost + worstCase(w, 'apex', 'USD')).toBeLessThanOrEqual(150);
    expect(rawLost + worstCase(w, 'raw', 'EUR')).toBeLessThanOrEqual(150);
    // Tight: the cap used most of the budget (slippage allowance aside).
    expect(worstCase(w, 'apex', 'USD')).toBeGreaterThan(120);

    // /why answers from the journal rows, in words and numbers.
    const names = new Map([[w.ids.apex, 'apex'], [w.ids.raw, 'raw']]);
    const why1 = formatWhy(first.order, w.engine.control.why(first.order), names);
    expect(why1).toMatch(/apex<\/b> open\/open filled .*capped to the daily risk budget \(1\.00 → 0\.\d\d lots, \d+\.\d\d of 150\.00 left after today's loss 0\.00 and open risk at SL 0\.00, 1 lot loses \d+\.\d\d at SL\)/);
    const why2 = formatWhy(second.order, w.engine.control.why(second.order), names);
    expect(why2).toMatch(/apex<\/b> open\/open filled .*capped to the daily risk budget \(1\.00 → 0\.0\d lots, [\d.]+ of 150\.00 left after today's loss 0\.00 and open risk at SL 1\d\d\.\d\d, 1 lot loses [\d,.]+ at SL\)/);
    expect(why2).toMatch(/raw<\/b> open\/none skipped .*daily risk budget used up \(sized 1\.00 lots, [\d.]+ of 150\.00 left after today's loss [1-9][\d.]* and open risk at SL 1\d\d\.\d\d, 1 lot loses [\d,.]+ at SL, the minimum 0\.10 lots would lose [\d.]+/);
  });

  it('copies without a SL: the fallback lot, then (rule back to skip) nothing new while that copy is unprotected', async () => {
    world = await startWorld({ follow: ['apex'] });
    const w = world;
    await w.engine.control.setRisk(w.ids.apex, { dailyLossLimit: 500, noStopLoss: { mode: 'fallback', lots: 0.05 } });
    const master = w.sim.account('master');
    const bare = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 1 });
    const fallback = legOf(await waitCopied(w, bare.order, 'open'), w, 'apex');
    expect(fallback).toMatchObject({ status: 'filled', volume: 0.05, reason: 'daily_risk_fallback', detail: { fallbackLots: 0.05, cappedFrom: 1, cappedTo: 0.05 } });
    await waitFor(() => w.engine.runtime.followers.get(w.ids.apex)?.positions.length === 1, 'apex cache shows the copy');
    await w.engine.idle();

    await w.engine.control.setRisk(w.ids.apex, { noStopLoss: { mode: 'skip' } });
    const ask = w.sim.quote('Demo Markets', 'EURUSD').ask;
    const withSl = master.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.1, stopLoss: Math.round((ask + 0.002) * 1e5) / 1e5 });
    const leg = legOf(await waitCopied(w, withSl.order, 'open'), w, 'apex');
    expect(leg).toMatchObject({ status: 'skipped', reason: 'daily_risk_unbounded', detail: { openTicket: fallback.ticket, openLots: 0.05 } });
    expect(copiesOn(w, 'apex')).toHaveLength(1);
  });
});

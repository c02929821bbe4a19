/**
 * The simulator's history agrees with its balance: what `/PositionHistory` and `/OrderHistory` book for closed trades
 * (profit + swap + commission) is what the balance lost or gained, on MT5 (per deal) and MT4 (per closed order, each
 * part carrying its share of the commission charged at the open), under both readings of an MT4 partial close.
 */
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../src/sim/clock.js';
import { Simulator } from '../../../src/sim/simulator.js';
import type { WorldVariant } from '../../../src/sim/variant.js';
import { demoAccounts, demoBroker, demoWorld } from '../../../src/sim/world.js';

const COMMISSION = { commissionPerLot: 7, commissionCurrency: 'USD' } as const;

function world(variant: Partial<WorldVariant> = {}) {
  const base = demoWorld();
  const sim = new Simulator({
    clock: manualClock('2026-11-25T10:00:00Z'),
    priceFeed: false,
    demoTrader: false,
    variant,
    world: {
      ...base,
      brokers: [demoBroker('Demo Markets', { symbols: { EURUSD: COMMISSION } }), demoBroker('Classic FX', { symbols: { EURUSDi: COMMISSION } })],
      accounts: demoAccounts().filter((a) => a.broker === 'Demo Markets' || a.broker === 'Classic FX'),
    },
  });
  const h = (n: string) => sim.handles.get(sim.terminal(n)!.id)!;
  return { sim, h };
}

const cents = (x: number): number => Math.round(x * 100);
const sumCents = (rows: readonly { profit: number; swap: number; commission: number }[]): number =>
  rows.reduce((t, r) => t + cents(r.profit) + cents(r.swap) + cents(r.commission), 0);

describe.each([['new_ticket'], ['same_ticket']] as const)('MT4 history with commission (%s partial close)', (mt4PartialClose) => {
  it('books the open commission on the closed parts, so history sums to the balance change', () => {
    const { sim, h } = world({ mt4PartialClose });
    sim.setQuote({ broker: 'Classic FX', symbol: 'EURUSDi' }, 1.1, 1.1002);
    const acc = h('mt4-follower');
    const before = acc.summary().balance;
    const o = acc.send({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.4 });
    sim.movePrice({ broker: 'Classic FX', symbol: 'EURUSDi' }, 0.002);
    acc.close(o.order, 0.1);
    sim.movePrice({ broker: 'Classic FX', symbol: 'EURUSDi' }, -0.001);
    for (const p of acc.positions()) acc.close(p.ticket);
    expect(acc.positions()).toEqual([]);
    const rows = acc.positionHistory();
    expect(rows).toHaveLength(2);
    // 7 USD per lot per side, GBP account: each part pays its open and its close commission.
    const perLotSide = rows[0]!.commission / (2 * rows[0]!.volume);
    expect(rows[1]!.commission / (2 * rows[1]!.volume)).toBeCloseTo(perLotSide, 2);
    expect(perLotSide).toBeLessThan(0);
    expect(sumCents(rows)).toBe(cents(acc.summary().balance) - cents(before));
    expect(sumCents(acc.history())).toBe(sumCents(rows));
  });
});

describe('MT5 history with commission', () => {
  it('deals and the closed position both sum to the balance change', () => {
    const { sim, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    const before = m.summary().balance;
    const o = m.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.3 });
    sim.movePrice({ broker: 'Demo Markets', symbol: 'EURUSD' }, -0.003);
    m.close(o.order, 0.1);
    m.close(o.order);
    const [row] = m.positionHistory();
    expect(row).toMatchObject({ positionId: o.order, volume: 0.3 });
    expect(cents(row!.commission)).toBe(cents(-7 * 0.3 * 2));
    expect(sumCents(m.history())).toBe(cents(m.summary().balance) - cents(before));
    expect(sumCents([row!])).toBe(sumCents(m.history()));
  });
});

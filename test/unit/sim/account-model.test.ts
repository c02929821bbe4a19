import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../src/sim/clock.js';
import { Simulator, type SimulatorOptions } from '../../../src/sim/simulator.js';
import type { TradeEvent } from '../../../src/sim/types.js';
import { demoBroker } from '../../../src/sim/world.js';

/** The model without a listening server: prices by hand, manual clock on a Wednesday. */
function world(opts: SimulatorOptions = {}) {
  const sim = new Simulator({ clock: manualClock('2026-11-25T10:00:00Z'), priceFeed: false, demoTrader: false, ...opts });
  const deals: Array<TradeEvent & { accountId: string }> = [];
  sim.events.on('tradeFrame', (e: TradeEvent & { accountId: string }) => deals.push(e));
  const h = (n: string) => {
    const t = sim.terminal(n);
    if (!t) throw new Error(n);
    return sim.handles.get(t.id)!;
  };
  return { sim, deals, h };
}

describe('hedging account', () => {
  it('opens, partially closes and closes with In/Out deals sharing the position', () => {
    const { sim, deals, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    const open = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3, comment: 'x', magic: 7 });
    expect(open).toMatchObject({ success: true, outcome: 'applied', retcode: 10009, volume: 0.3, price: 1.1001 });
    const part = m.close(open.order, 0.1);
    expect(part).toMatchObject({ retcode: 10009, volume: 0.1 });
    expect(m.positions()[0]?.lots).toBe(0.2);
    m.close(open.order);
    expect(m.positions()).toEqual([]);
    expect(deals.map((d) => [d.entry, d.type, d.volume, d.position, d.magic, d.comment])).toEqual([
      ['In', 'Buy', 0.3, open.order, 7, 'x'],
      ['Out', 'Sell', 0.1, open.order, 0, ''],
      ['Out', 'Sell', 0.2, open.order, 0, ''],
    ]);
    expect(m.positionHistory()[0]).toMatchObject({ positionId: open.order, volume: 0.3 });
  });

  it('rejects stale tickets (10036), over-closes (10038) and off-step closes (10014)', () => {
    const { h } = world();
    const m = h('master');
    const o = m.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.05 });
    expect(m.close(o.order, 0.06).retcode).toBe(10038);
    expect(m.close(o.order, 0.025).retcode).toBe(10014);
    expect(m.close(999).retcode).toBe(10036);
    m.close(o.order);
    expect(m.close(o.order)).toMatchObject({ success: false, outcome: 'rejected', retcode: 10036 });
  });

  it('triggers SL and TP on price with MT5 comments', () => {
    const { sim, deals, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    const o = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 1.095, takeProfit: 1.11, magic: 5 });
    expect(o.success).toBe(true);
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.0949, 1.095);
    expect(m.positions()).toEqual([]);
    expect(deals.at(-1)).toMatchObject({ entry: 'Out', comment: '[sl 1.09500]', magic: 5, price: 1.0949 });
  });

  it('refuses stops on the wrong side or inside stopsLevel (10016)', () => {
    const { sim, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    expect(m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 1.2 }).retcode).toBe(10016);
    expect(m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 1.09995 }).retcode).toBe(10016); // 5 points < 10
    expect(m.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.1, takeProfit: 1.2 }).retcode).toBe(10016);
  });

  it('fills partially above the liquidity threshold (10010)', () => {
    const { h } = world();
    h('master').setBalance(1_000_000);
    const r = h('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 80 });
    expect(r).toMatchObject({ success: false, outcome: 'partial', retcode: 10010, volume: 50 });
    expect(h('master').positions()[0]?.lots).toBe(50);
  });

  it('rejects for no money (10019) and stops out after a margin squeeze', () => {
    const { sim, h, deals } = world();
    const m = h('master');
    expect(m.send({ symbol: 'XAUUSD', operation: 'Buy', volume: 5 }).retcode).toBe(10019);
    sim.setQuote({ broker: 'Demo Markets', symbol: 'XAUUSD' }, 2350, 2350.2);
    const o = m.send({ symbol: 'XAUUSD', operation: 'Buy', volume: 1 });
    expect(o.success).toBe(true);
    m.setBalance(1000); // equity 980 vs margin 2350: 41.7% < 50% → stop-out
    expect(m.positions()).toEqual([]);
    expect(deals.at(-1)?.comment).toMatch(/^\[so /);
  });

  it('OrderModify: absent keeps, 0 removes, same values → 10025', () => {
    const { sim, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    const o = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 1.09, takeProfit: 1.12 });
    expect(m.modify({ ticket: o.order, takeProfit: 1.13 }).retcode).toBe(10009);
    expect(m.positions()[0]).toMatchObject({ stopLoss: 1.09, takeProfit: 1.13 });
    expect(m.modify({ ticket: o.order, stopLoss: 0 }).retcode).toBe(10009);
    expect(m.positions()[0]).toMatchObject({ stopLoss: 0, takeProfit: 1.13 });
    expect(m.modify({ ticket: o.order, takeProfit: 1.13 })).toMatchObject({ retcode: 10025, outcome: 'no_change', success: false });
    expect(m.modify({ ticket: 42 }).retcode).toBe(10036);
  });
});

describe('pending orders', () => {
  it('a buy limit triggers into a position with the same ticket and an In deal', () => {
    const { sim, deals, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    const p = m.send({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.2, price: 1.098, comment: 'lim', magic: 3 });
    expect(p).toMatchObject({ retcode: 10008, success: true, deal: 0 });
    expect(m.positions()[0]).toMatchObject({ kind: 'Pending', type: 'BuyLimit', openPrice: 1.098 });
    expect(deals).toHaveLength(0);
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.0978, 1.0979);
    expect(m.positions()[0]).toMatchObject({ ticket: p.order, kind: 'Position', type: 'Buy', magic: 3, comment: 'lim' });
    expect(deals[0]).toMatchObject({ entry: 'In', position: p.order, order: p.order, magic: 3 });
  });

  it('refuses pending prices on the wrong side (10015) and deletes via close', () => {
    const { sim, h } = world();
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = h('master');
    expect(m.send({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.1, price: 1.2 }).retcode).toBe(10015);
    const p = m.send({ symbol: 'EURUSD', operation: 'SellStop', volume: 0.1, price: 1.09 });
    expect(m.modify({ ticket: p.order, price: 1.091 }).retcode).toBe(10009);
    expect(m.close(p.order).retcode).toBe(10009);
    expect(m.positions()).toEqual([]);
  });
});

describe('netting account', () => {
  it('adds, reduces and reverses with an InOut deal on the same position id', () => {
    const { sim, deals, h } = world();
    sim.setQuote({ broker: 'Raw Prime', symbol: 'EURUSD.raw' }, 1.1, 1.10002);
    const r = h('raw-follower');
    const a = r.send({ symbol: 'EURUSD.raw', operation: 'Buy', volume: 0.5 });
    const b = r.send({ symbol: 'EURUSD.raw', operation: 'Buy', volume: 0.3 });
    expect(b.order).toBe(a.order);
    expect(r.positions()).toHaveLength(1);
    expect(r.positions()[0]?.lots).toBe(0.8);
    r.send({ symbol: 'EURUSD.raw', operation: 'Sell', volume: 0.2 });
    expect(r.positions()[0]).toMatchObject({ lots: 0.6, type: 'Buy' });
    const rev = r.send({ symbol: 'EURUSD.raw', operation: 'Sell', volume: 1.0, magic: 9 });
    expect(rev.order).toBe(a.order);
    expect(r.positions()[0]).toMatchObject({ ticket: a.order, lots: 0.4, type: 'Sell' });
    expect(deals.map((d) => [d.entry, d.type, d.volume, d.position])).toEqual([
      ['In', 'Buy', 0.5, a.order],
      ['In', 'Buy', 0.3, a.order],
      ['Out', 'Sell', 0.2, a.order],
      ['InOut', 'Sell', 1, a.order],
    ]);
    expect(deals[0]?.commission).toBeCloseTo(-1.75, 2); // 3.5 EUR per lot per side
  });
});

describe('MT4 account', () => {
  it('deal 0, position = ticket, magic/comment kept on Out, partial close reopens under a new ticket', () => {
    const { deals, h } = world();
    const m4 = h('mt4-follower');
    const o = m4.send({ symbol: 'EURUSDi', operation: 'Sell', volume: 0.3, comment: 'tag', magic: 11 });
    expect(o.deal).toBe(0);
    const part = m4.close(o.order, 0.1);
    expect(part.success).toBe(true);
    const rest = m4.positions();
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ lots: 0.2, comment: `from #${o.order}`, magic: 11 });
    expect(rest[0]?.ticket).not.toBe(o.order);
    expect(deals.map((d) => [d.deal, d.order, d.position, d.entry, d.type, d.magic, d.comment])).toEqual([
      [0, o.order, o.order, 'In', 'Sell', 11, 'tag'],
      [0, o.order, o.order, 'Out', 'Sell', 11, 'tag'],
    ]);
    expect(m4.history()[0]).toMatchObject({ ticket: o.order, order: o.order, position: o.order, volume: 0.1 });
  });
});

describe('symbol rules', () => {
  it('trade modes and sessions reject with their retcodes', () => {
    const clock = manualClock('2026-11-25T10:00:00Z');
    const { h } = world({
      clock,
      world: {
        brokers: [demoBroker('Demo Markets', { symbols: { GBPUSD: { tradeMode: 'Disabled' }, USDJPY: { tradeMode: 'CloseOnly' } } })],
        accounts: [{ nickname: 'a', broker: 'Demo Markets', balance: 1000 }],
      },
    });
    const a = h('a');
    expect(a.send({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.1 }).retcode).toBe(10017);
    expect(a.send({ symbol: 'USDJPY', operation: 'Buy', volume: 0.1 }).retcode).toBe(10044);
    expect(a.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.011 }).retcode).toBe(10014);
    expect(a.send({ symbol: 'US30', operation: 'Buy', volume: 0.15 }).retcode).toBe(10014);
    expect(a.send({ symbol: 'US30', operation: 'Buy', volume: 0.1 }).retcode).toBe(10009);
    clock.set('2026-11-25T21:30:00Z'); // 23:30 broker time (UTC+2): US30 closed, EURUSD open
    expect(a.send({ symbol: 'US30', operation: 'Buy', volume: 0.1 }).retcode).toBe(10018);
    expect(a.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.01 }).retcode).toBe(10009);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { afterEach, describe, expect, it } from 'vitest';
import { call, quietSim, settle, WsClient, type Harness } from './helpers.js';

let h: Harness;
const clients: WsClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.sim.close();
});

async function open(nick: string): Promise<WsClient> {
  const c = await WsClient.open(h.sim.account(nick).wsUrl, h.sim.apiKey);
  clients.push(c);
  return c;
}

describe('terminal WebSocket', () => {
  it('refuses a bad key with 401 on the upgrade', async () => {
    h = await quietSim();
    await expect(WsClient.open(h.sim.account('master').wsUrl, 'fxs_live_bad')).rejects.toThrow(/401/);
  });

  it('acks, snapshots first, duplicate ack, list, unsubscribe and error frames', async () => {
    h = await quietSim();
    const c = await open('master');
    const ack = await c.subscribe('positions');
    expect(ack).toEqual({ type: 'subscribed', topic: 'positions', message: expect.any(String) });
    expect(c.frames[1]).toEqual({ type: 'positions', data: [] });
    await c.subscribe('account');
    expect(c.ofType('account')[0].data).toMatchObject({ balance: 10000, currency: 'USD' });
    await c.subscribe('prices', 'EURUSD');
    expect(c.ofType('tick')[0]).toMatchObject({ type: 'tick', symbol: 'EURUSD', data: { symbol: 'EURUSD', bid: expect.any(Number) } });
    const n = c.frames.length;
    c.send({ action: 'subscribe', topic: 'positions' });
    expect(await c.next((f) => f.type === 'subscribed', 2000, n)).toMatchObject({ message: 'already subscribed' });
    c.send({ action: 'subscribe', topic: 'trades' });
    c.send({ action: 'list' });
    const list = await c.next((f) => f.type === 'subscriptions');
    expect(list.data).toEqual([{ topic: 'positions' }, { topic: 'account' }, { topic: 'prices', symbol: 'EURUSD' }, { topic: 'trades' }]);
    c.send({ action: 'subscribe', topic: 'news' });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ topic: 'news', message: expect.any(String) });
    c.send({ action: 'subscribe', topic: 'prices' });
    expect(await c.next((f) => f.type === 'error' && f.topic === 'prices')).toBeTruthy();
    c.send({ action: 'subscribe', topic: 'bars', symbol: 'EURUSD', timeframe: '5min' });
    expect(await c.next((f) => f.type === 'error' && f.topic === 'bars')).toBeTruthy();
    c.send({ action: 'unsubscribe', topic: 'account' });
    expect(await c.next((f) => f.type === 'unsubscribed')).toMatchObject({ topic: 'account' });
    // No trade frames for nothing; the ticks keep coming.
    h.sim.movePrice({ broker: 'Demo Markets', symbol: 'EURUSD' }, 0.0002);
    await c.next(() => c.ofType('tick').length >= 2);
    expect(c.ofType('trade')).toEqual([]);
  });

  it('streams trade frames per deal and full positions lists; SL/TP changes give only a positions frame', async () => {
    h = await quietSim();
    const { sim } = h;
    const c = await open('master');
    await c.subscribe('positions');
    await c.subscribe('trades');
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const m = sim.account('master');
    const a = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, comment: 'hello', magic: 12 });
    const trade = await c.next((f) => f.type === 'trade');
    expect(trade.data).toEqual({
      deal: a.deal,
      order: a.order,
      position: a.order,
      symbol: 'EURUSD',
      type: 'Buy',
      entry: 'In',
      volume: 0.1,
      price: 1.1001,
      profit: 0,
      commission: 0,
      swap: 0,
      magic: 12,
      comment: 'hello',
      time: '2026-11-25T12:00:00.000Z',
      degraded: false,
    });
    const pos = await c.next((f) => f.type === 'positions' && f.data.length === 1);
    expect(pos.data[0]).toMatchObject({ ticket: a.order, kind: 'Position', stopLoss: 0 });
    const before = c.ofType('trade').length;
    m.modify({ ticket: a.order, stopLoss: 1.09 });
    await c.next((f) => f.type === 'positions' && f.data[0]?.stopLoss === 1.09);
    m.send({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.1 });
    m.close(a.order);
    await c.next((f) => f.type === 'trade' && f.data.entry === 'Out');
    const out = c.ofType('trade').at(-1);
    expect(out.data).toMatchObject({ entry: 'Out', type: 'Sell', position: a.order, magic: 0, comment: '' });
    expect(c.ofType('trade').length).toBe(before + 2);
    const last = await c.next((f) => f.type === 'positions' && f.data.length === 1 && f.data[0].symbol === 'GBPUSD');
    expect(last.data).toHaveLength(1);
  });

  it('pending order placed → positions frame; triggered by price → In trade frame and kind Position', async () => {
    h = await quietSim();
    const { sim } = h;
    const c = await open('master');
    await c.subscribe('positions');
    await c.subscribe('trades');
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    const r = await call<any>(`${sim.account('master').restUrl}/OrderSend`, { key: sim.apiKey, body: { symbol: 'EURUSD', operation: 'BuyStop', volume: 0.1, price: 1.102 } });
    expect(r.body).toMatchObject({ retcode: 10008, deal: 0 });
    const placed = await c.next((f) => f.type === 'positions' && f.data.length === 1);
    expect(placed.data[0]).toMatchObject({ ticket: r.body.order, kind: 'Pending', type: 'BuyStop', openPrice: 1.102 });
    expect(c.ofType('trade')).toEqual([]);
    sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1019, 1.102);
    const trade = await c.next((f) => f.type === 'trade');
    expect(trade.data).toMatchObject({ entry: 'In', type: 'Buy', order: r.body.order, position: r.body.order, price: 1.102 });
    const turned = await c.next((f) => f.type === 'positions' && f.data[0]?.kind === 'Position');
    expect(turned.data[0]).toMatchObject({ ticket: r.body.order, type: 'Buy' });
    expect(c.frames.indexOf(turned)).toBeGreaterThan(c.frames.indexOf(trade));
  });

  it('netting reversal arrives as one InOut frame', async () => {
    h = await quietSim();
    const c = await open('raw-follower');
    await c.subscribe('trades');
    const r = h.sim.account('raw-follower');
    const a = r.send({ symbol: 'EURUSD.raw', operation: 'Buy', volume: 0.3 });
    r.send({ symbol: 'EURUSD.raw', operation: 'Sell', volume: 0.5 });
    await c.next((f) => f.type === 'trade' && f.data.entry === 'InOut');
    expect(c.ofType('trade').map((f) => [f.data.entry, f.data.volume, f.data.position])).toEqual([
      ['In', 0.3, a.order],
      ['InOut', 0.5, a.order],
    ]);
  });

  it('MT4 frames: deal 0, position = ticket, magic/comment kept on Out', async () => {
    h = await quietSim();
    const c = await open('mt4-follower');
    await c.subscribe('trades');
    const m4 = h.sim.account('mt4-follower');
    const o = m4.send({ symbol: 'GBPUSDi', operation: 'Buy', volume: 0.1, comment: 'cp', magic: 3 });
    m4.close(o.order);
    await c.next((f) => f.type === 'trade' && f.data.entry === 'Out');
    expect(c.ofType('trade').map((f) => [f.data.deal, f.data.order, f.data.position, f.data.entry, f.data.magic, f.data.comment])).toEqual([
      [0, o.order, o.order, 'In', 3, 'cp'],
      [0, o.order, o.order, 'Out', 3, 'cp'],
    ]);
  });

  it('degraded trade frames and dropped frames followed by a warning', async () => {
    h = await quietSim();
    const c = await open('master');
    await c.subscribe('trades');
    const m = h.sim.account('master');
    m.faults.set({ degradeTrades: true });
    const a = m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, comment: 'x', magic: 1 });
    const d = await c.next((f) => f.type === 'trade');
    expect(d.data).toMatchObject({ degraded: true, entry: 'Unknown', magic: 0, comment: '', profit: 0, commission: 0, swap: 0, deal: a.deal, symbol: 'EURUSD', volume: 0.1, type: 'Buy' });
    m.faults.set({ degradeTrades: false, dropFramesNext: 2 });
    m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    const w = await c.next((f) => f.type === 'warning');
    expect(w).toEqual({ type: 'warning', dropped: 2 });
    m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await c.next((f) => f.type === 'trade' && !f.data.degraded);
    expect(c.ofType('trade')).toHaveLength(2);
    expect(h.sim.stats().wsFramesDropped).toBe(2);
  });

  it('drops connections on demand; terminal heartbeat about once per second', async () => {
    h = await quietSim();
    const c = await open('apex-follower');
    c.send({ action: 'subscribe', topic: 'terminal' });
    const beat = await c.next((f) => f.type === 'terminal', 2500);
    expect(beat.data).toEqual({ connected: true, tradeAllowed: true, serverTime: '2026-11-25T13:00:00.000Z' });
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    expect(h.sim.account('apex-follower').dropConnections()).toBe(1);
    expect(await closed).toBe(1006);
    const again = await open('apex-follower');
    await again.subscribe('positions');
  });

  it('pushes account frames on trades and price moves', async () => {
    h = await quietSim();
    const c = await open('master');
    await c.subscribe('account');
    const m = h.sim.account('master');
    h.sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.1001);
    m.send({ symbol: 'EURUSD', operation: 'Buy', volume: 1 });
    await c.next((f) => f.type === 'account' && f.data.margin > 0);
    h.sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1101, 1.1102);
    const up = await c.next((f) => f.type === 'account' && f.data.profit > 900);
    expect(up.data.profit).toBe(1000);
    await settle();
  });
});

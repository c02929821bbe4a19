/** TerminalStream against the simulator's terminal WebSocket (§4): snapshots, deltas, drops, warnings, degraded frames. */
import { afterEach, describe, expect, it } from 'vitest';

import { FxSocketAuthError, TerminalStream, withApiKey } from '../../../src/fxsocket/index.js';
import { isAck, ofType, record, startHarness, until, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('terminal stream', () => {
  it('acks, then a snapshot per topic, then deltas; trade frames per deal', async () => {
    h = await startHarness();
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('account');
    stream.subscribe('positions');
    stream.subscribe('trades');
    stream.subscribe('prices', 'EURUSD');
    stream.start();
    await until(() => ofType(events, 'tick').length === 1 && ofType(events, 'positions').length === 1 && ofType(events, 'account').length === 1);
    expect(events[0]).toEqual({ type: 'open', reconnect: false, attempt: 0 });
    expect(events.some((e) => isAck(e, 'trades'))).toBe(true);
    expect(ofType(events, 'account')[0]?.data).toMatchObject({ balance: 10_000, currency: 'USD' });
    expect(ofType(events, 'positions')[0]?.data).toEqual([]);
    expect(ofType(events, 'tick')[0]).toMatchObject({ symbol: 'EURUSD', data: { symbol: 'EURUSD' } });

    const sent = h.sim.account('master').send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, magic: 7, comment: 'hand' });
    await until(() => ofType(events, 'trade').length === 1 && ofType(events, 'positions').length === 2);
    expect(ofType(events, 'trade')[0]?.data).toMatchObject({ entry: 'In', position: sent.order, deal: sent.deal, degraded: false, magic: 7 });
    expect(ofType(events, 'positions')[1]?.data.map((row) => row.ticket)).toEqual([sent.order]);

    h.sim.setQuote({ broker: 'Demo Markets', symbol: 'EURUSD' }, 1.1, 1.10012);
    await until(() => ofType(events, 'tick').some((tick) => tick.data.bid === 1.1));
    expect(stream.stats().malformed).toBe(0);
  });

  it('comes back after the server drops it, with its subscriptions and a fresh snapshot', async () => {
    h = await startHarness();
    const handle = h.sim.account('master');
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('positions');
    stream.subscribe('trades');
    stream.start();
    await until(() => ofType(events, 'positions').length === 1);

    handle.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await until(() => ofType(events, 'positions').length === 2);
    expect(handle.dropConnections()).toBe(1);
    // Opened while the socket is down (the server already forgot it): only the fresh snapshot can show it.
    handle.send({ symbol: 'GBPUSD', operation: 'Sell', volume: 0.2 });

    const afterReopen = () => events.slice(events.findIndex((e, i) => e.type === 'open' && i > 0));
    await until(() => ofType(events, 'open').length === 2 && ofType(afterReopen(), 'positions').length >= 1, 5_000, 'reconnect + snapshot');
    expect(ofType(events, 'closed')[0]).toMatchObject({ willRetry: true });
    expect(ofType(events, 'open')[1]).toMatchObject({ reconnect: true });
    const snapshot = ofType(afterReopen(), 'positions')[0]?.data ?? [];
    expect(snapshot.map((row) => row.symbol).sort()).toEqual(['EURUSD', 'GBPUSD']);
    expect(events.filter((e) => isAck(e, 'positions'))).toHaveLength(2);
    expect(events.filter((e) => isAck(e, 'trades'))).toHaveLength(2);
    expect(stream.stats().reconnects).toBe(1);

    // The replayed `trades` subscription is live again.
    handle.send({ symbol: 'USDJPY', operation: 'Buy', volume: 0.1 });
    await until(() => ofType(events, 'trade').some((trade) => trade.data.symbol === 'USDJPY'));
  });

  it('surfaces the server warning after dropped frames', async () => {
    h = await startHarness();
    const handle = h.sim.account('master');
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('trades');
    stream.start();
    await until(() => events.some((e) => isAck(e, 'trades')));
    handle.faults.set({ dropFramesNext: 2 });
    handle.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    handle.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    handle.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    await until(() => ofType(events, 'warning').length === 1 && ofType(events, 'trade').length === 1);
    expect(ofType(events, 'warning')[0]).toEqual({ type: 'warning', dropped: 2 });
    expect(stream.stats().serverDropped).toBe(2);
  });

  it('parses degraded trade frames', async () => {
    h = await startHarness();
    const handle = h.sim.account('master');
    handle.faults.set({ degradeTrades: true });
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('trades');
    stream.start();
    await until(() => events.some((e) => isAck(e, 'trades')));
    const sent = handle.send({ symbol: 'EURUSD', operation: 'Sell', volume: 0.3, magic: 9, comment: 'lost' });
    await until(() => ofType(events, 'trade').length === 1);
    expect(ofType(events, 'trade')[0]?.data).toMatchObject({
      degraded: true,
      entry: 'Unknown',
      symbol: 'EURUSD',
      type: 'Sell',
      volume: 0.3,
      position: sent.order,
      magic: 0,
      comment: '',
      profit: 0,
    });
  });

  it('parses MT4 trade frames (per order: deal 0, position = ticket, magic kept on Out)', async () => {
    h = await startHarness();
    const handle = h.sim.account('mt4-follower');
    const stream = await h.client.stream(h.id('mt4-follower'));
    const events = record(stream);
    stream.subscribe('trades');
    stream.start();
    await until(() => events.some((e) => isAck(e, 'trades')));
    const sent = handle.send({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.1, magic: 5, comment: 'fxm:m1:3' });
    handle.close(sent.order);
    await until(() => ofType(events, 'trade').length === 2);
    const [open, close] = ofType(events, 'trade').map((e) => e.data);
    expect(open).toMatchObject({ deal: 0, position: sent.order, entry: 'In', magic: 5, comment: 'fxm:m1:3' });
    expect(close).toMatchObject({ deal: 0, position: sent.order, entry: 'Out', magic: 5 });
  });

  it('terminal status frames arrive about once a second', async () => {
    h = await startHarness();
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('terminal');
    stream.start();
    await until(() => ofType(events, 'terminal').length >= 1, 3_000);
    expect(ofType(events, 'terminal')[0]?.data).toMatchObject({ connected: true, tradeAllowed: true });
  });

  it('a server error frame is data (stream_error), not a failure', async () => {
    h = await startHarness();
    const stream = await h.client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('prices', 'NOT_A_SYMBOL');
    stream.start();
    await until(() => ofType(events, 'stream_error').length === 1);
    expect(ofType(events, 'stream_error')[0]).toMatchObject({ topic: 'prices' });
    expect(stream.connected).toBe(true);
  });

  it('a bad key is refused on the upgrade: gave_up with a typed auth error when told to give up, no key in it', async () => {
    h = await startHarness();
    const wsUrl = h.sim.account('master').wsUrl;
    const stream = new TerminalStream({ accountId: h.id('master'), url: wsUrl, apiKey: 'fxs_live_not_a_key_42', giveUpOnAuthFailure: true });
    const events = record(stream);
    stream.start();
    await until(() => ofType(events, 'gave_up').length === 1);
    const error = ofType(events, 'gave_up')[0]?.error;
    expect(error).toBeInstanceOf(FxSocketAuthError);
    expect(JSON.stringify({ message: error?.message, context: (error as FxSocketAuthError).context })).not.toContain('fxs_live_not_a_key_42');
    expect(withApiKey(wsUrl, 'k')).toContain('api_key=k');
    await stream.close();
  });

  it('a revoked key keeps being retried (auth_failed each time) and the stream heals once the key is re-enabled', async () => {
    h = await startHarness();
    const key = 'fxs_live_rotated_key_77';
    h.sim.addApiKey(key);
    const client = h.clientWithKey(key, { stream: { authRetryMs: 30, backoff: { baseMs: 20, maxMs: 200 }, pingIntervalMs: 1_000, livenessTimeoutMs: 2_000 } });
    const stream = await client.stream(h.id('master'));
    const events = record(stream);
    stream.subscribe('positions');
    h.sim.revokeApiKey(key);
    stream.start();
    await until(() => ofType(events, 'auth_failed').length >= 2 || ofType(events, 'gave_up').length > 0, 5_000, 'two refusals');
    expect(ofType(events, 'gave_up')).toHaveLength(0);
    expect(ofType(events, 'auth_failed').slice(0, 2)).toMatchObject([
      { status: 401, attempt: 1 },
      { status: 401, attempt: 2 },
    ]);
    expect(ofType(events, 'auth_failed')[0]?.error).toBeInstanceOf(FxSocketAuthError);
    expect(ofType(events, 'closed').every((e) => e.willRetry)).toBe(true);

    h.sim.addApiKey(key);
    await until(() => events.some((e) => isAck(e, 'positions')) || ofType(events, 'gave_up').length > 0, 5_000, 'the subscription after the key came back');
    expect(ofType(events, 'open')).toHaveLength(1);
    expect(stream.connected).toBe(true);
    expect(client.stats().streams).toMatchObject([{ accountId: h.id('master'), connected: true, authRefused: ofType(events, 'auth_failed').length }]);
    expect(JSON.stringify(ofType(events, 'auth_failed').map((e) => [e.error.message, (e.error as FxSocketAuthError).context]))).not.toContain(key);
  });
});

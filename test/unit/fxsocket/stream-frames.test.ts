import { describe, expect, it } from 'vitest';

import type { StreamEvent } from '../../../src/engine/ports.js';
import { decodeFrame, ProtocolError } from '../../../src/fxsocket/index.js';
import { rawFixture } from './fixtures.js';

function decode(path: string): StreamEvent {
  return decodeFrame(rawFixture(path));
}

function expectType<T extends StreamEvent['type']>(event: StreamEvent, type: T): Extract<StreamEvent, { type: T }> {
  expect(event.type).toBe(type);
  return event as Extract<StreamEvent, { type: T }>;
}

describe('decodeFrame: data frames', () => {
  it('decodes a tick', () => {
    const tick = expectType(decode('ws/tick.json'), 'tick');
    expect(tick.symbol).toBe('EURUSD');
    expect(tick.data).toMatchObject({ bid: 1.0849, ask: 1.0851, symbol: 'EURUSD' });
  });

  it('fills data.symbol from the outer symbol', () => {
    const tick = expectType(decode('ws/tick-outer-symbol-only.json'), 'tick');
    expect(tick.symbol).toBe('EURUSD.sd');
    expect(tick.data.symbol).toBe('EURUSD.sd');
    expect(tick.data.time).toBe('2026-06-23T12:00:00Z');
  });

  it('decodes account and positions (full list every time)', () => {
    expect(expectType(decode('ws/account.json'), 'account').data.freeMargin).toBe(101);
    const positions = expectType(decode('ws/positions.json'), 'positions');
    expect(positions.data.map((row) => row.ticket)).toEqual([7001, 7002]);
    expect(positions.data[1]?.kind).toBe('Pending');
    expect(expectType(decode('ws/positions-empty.json'), 'positions').data).toEqual([]);
  });

  it('decodes trade frames: in, partial out, netting reversal', () => {
    expect(expectType(decode('ws/trade-in.json'), 'trade').data).toMatchObject({ entry: 'In', deal: 9, position: 10, magic: 1000999 });
    expect(expectType(decode('ws/trade-out-partial.json'), 'trade').data).toMatchObject({ entry: 'Out', volume: 0.04, magic: 0 });
    expect(expectType(decode('ws/trade-inout.json'), 'trade').data.entry).toBe('InOut');
  });

  it('decodes a degraded trade frame', () => {
    const trade = expectType(decode('ws/trade-degraded.json'), 'trade');
    expect(trade.data).toMatchObject({ degraded: true, entry: 'Unknown', symbol: 'EURUSD', position: 10, volume: 0.1, magic: 0 });
  });

  it('decodes an MT4 trade frame (deal 0, position = ticket)', () => {
    const trade = expectType(decode('ws/trade-mt4.json'), 'trade');
    expect(trade.data).toMatchObject({ deal: 0, order: 55501, position: 55501, magic: 4242, comment: 'fxm:m1:7' });
  });

  it('defaults the enrichment fields of an old bridge', () => {
    const trade = expectType(decode('ws/trade-old-bridge.json'), 'trade');
    expect(trade.data).toMatchObject({ commission: 0, swap: 0, magic: 0, degraded: false });
  });

  it('passes unknown entry and operation strings through', () => {
    expect(expectType(decode('ws/trade-future-entry.json'), 'trade').data).toMatchObject({ entry: 'OutBy', type: 'CloseBy' });
  });

  it('decodes terminal status frames', () => {
    expect(expectType(decode('ws/terminal.json'), 'terminal').data).toEqual({
      connected: true,
      tradeAllowed: true,
      serverTime: '2026-06-23T12:00:01Z',
    });
    expect(expectType(decode('ws/terminal-disconnected.json'), 'terminal').data.tradeAllowed).toBe(false);
  });
});

describe('decodeFrame: control frames', () => {
  it('surfaces a server warning with its drop count', () => {
    expect(decode('ws/warning.json')).toEqual({ type: 'warning', dropped: 42 });
  });

  it('turns a server error frame into stream_error (data, not a transport failure)', () => {
    expect(decode('ws/error.json')).toEqual({ type: 'stream_error', topic: 'bars', message: 'bad timeframe' });
  });

  it.each(['subscribed', 'subscribed-again', 'unsubscribed', 'subscriptions', 'unknown-type', 'bar'])(
    'passes %s through as other, unchanged',
    (name) => {
      const raw = rawFixture(`ws/${name}.json`);
      const other = expectType(decodeFrame(raw), 'other');
      expect(other.frame).toEqual(JSON.parse(raw));
    },
  );
});

describe('decodeFrame: malformed frames', () => {
  it.each([
    ['truncated', /not JSON/],
    ['array', /not a JSON object \(array\)/],
    ['not-json', /not JSON/],
    ['number', /not a JSON object \(number\)/],
    ['null', /not a JSON object \(null\)/],
    ['no-type', /no string `type`/],
    ['wrong-types-tick', /data\.bid/],
    ['wrong-types-trade', /data\.deal/],
    ['positions-not-array', /data/],
    ['positions-missing-data', /data/],
    ['float-ticket', /data\.0\.ticket/],
  ])('%s → malformed, never thrown', (name, message) => {
    const raw = rawFixture(`ws/malformed/${name}.txt`);
    const event = expectType(decodeFrame(raw), 'malformed');
    expect(event.error).toBeInstanceOf(ProtocolError);
    expect(event.error.message).toMatch(message);
    expect(event.raw).toBe(raw);
  });

  it('keeps the zod issues on schema failures', () => {
    const event = expectType(decodeFrame(rawFixture('ws/malformed/wrong-types-tick.txt')), 'malformed');
    const error = event.error as ProtocolError;
    expect(error.action).toBe('reject');
    expect(error.code).toBe('protocol_error');
    expect(error.issues[0]?.path).toEqual(['data', 'bid']);
    expect(error.cause).toBeDefined();
  });

  it('truncates the raw text of a huge bad frame', () => {
    const raw = `{"type":"positions","data":${'x'.repeat(100_000)}`;
    const event = expectType(decodeFrame(raw), 'malformed');
    expect(event.raw.length).toBeLessThan(600);
  });

  it('never throws on arbitrary input', () => {
    const samples = ['', ' ', '{', '"x"', 'true', '{"type":null}', '{"type":"tick"}', '{"type":"trade","data":[]}', '\u0000'];
    for (const sample of samples) expect(() => decodeFrame(sample)).not.toThrow();
  });
});

/**
 * Fuzzed WebSocket frames: random JSON, truncated and mutated real frames, wrong types, oversized and binary frames,
 * and frames in an order no server sends, through the frame decoder, through a real TerminalStream against a
 * loopback server this test controls, and through the master feed and follower cache that consume them. Nothing
 * throws; every bad frame becomes a typed `malformed` event, is counted by the stream, and is logged once by its
 * consumer; the stream keeps delivering good frames after the garbage.
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { FxmirrorError } from '../../../src/domain/errors.js';
import { applyDeal, applyPositions, createMasterBook } from '../../../src/domain/detect.js';
import type { MasterEvent } from '../../../src/domain/events.js';
import type { OpenedOrder, TradeDeal } from '../../../src/domain/trading.js';
import { systemClock } from '../../../src/engine/clock.js';
import { FollowerState } from '../../../src/engine/follower-state.js';
import { MasterFeed } from '../../../src/engine/master-feed.js';
import type { Logger, StreamEvent, TerminalPort } from '../../../src/engine/ports.js';
import { decodeFrame, ProtocolError, TerminalStream } from '../../../src/fxsocket/index.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';

const GOOD = [
  'ws/account.json',
  'ws/positions.json',
  'ws/positions-empty.json',
  'ws/trade-in.json',
  'ws/trade-out-partial.json',
  'ws/trade-degraded.json',
  'ws/tick.json',
  'ws/terminal.json',
  'ws/warning.json',
  'ws/subscribed.json',
  'ws/error.json',
].map((p) => rawFixture(p));
const TYPES = ['tick', 'bar', 'account', 'positions', 'trade', 'terminal', 'subscribed', 'unsubscribed', 'error', 'subscriptions', 'warning'];
const KNOWN_EVENTS = new Set(['account', 'positions', 'trade', 'tick', 'terminal', 'warning', 'lag', 'open', 'closed', 'gave_up', 'stream_error', 'malformed', 'other']);

/** Frames that must be malformed: not JSON, not an object, no type, or a known type with a broken payload. */
const badFrame = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      const v = JSON.parse(s) as unknown;
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  }),
  fc.constantFrom(...GOOD).chain((g) => fc.integer({ min: 1, max: Math.max(1, g.length - 2) }).map((n) => g.slice(0, n))),
  fc.json().filter((s) => {
    const v = JSON.parse(s) as unknown;
    return typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>)['type'] !== 'string';
  }),
  fc.record({ type: fc.constantFrom('account', 'positions', 'trade', 'terminal', 'tick'), data: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { minLength: 1 })) }).map((o) => JSON.stringify(o)),
);

/** Anything at all, including valid frames and unknown types. */
const anyFrame = fc.oneof(
  badFrame,
  fc.constantFrom(...GOOD),
  fc.record({ type: fc.constantFrom(...TYPES, 'whatever'), data: fc.anything(), topic: fc.anything(), dropped: fc.anything(), symbol: fc.anything() }).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe('decodeFrame (fuzzed)', () => {
  it('never throws and always returns a typed event', () => {
    fc.assert(
      fc.property(anyFrame, (raw) => {
        const e = decodeFrame(raw);
        expect(KNOWN_EVENTS.has(e.type)).toBe(true);
        if (e.type === 'malformed') {
          expect(e.error).toBeInstanceOf(ProtocolError);
          expect(e.error).toBeInstanceOf(FxmirrorError);
          expect((e.error as FxmirrorError).code).toBeTypeOf('string');
          // A flood of huge bad frames cannot pin memory through the event.
          expect(e.raw.length).toBeLessThanOrEqual(513);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reports every bad frame as malformed', () => {
    fc.assert(
      fc.property(badFrame, (raw) => {
        expect(decodeFrame(raw).type).toBe('malformed');
      }),
      { numRuns: 2000 },
    );
  });
});

/** A loopback WebSocket server whose connection handler the test writes. */
async function server(onConnection: (socket: ServerSocket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', onConnection);
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mt5/acc/ws`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A logger that keeps what it was told. */
function memoryLogger(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  const log = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TerminalStream against a server sending garbage', () => {
  it('turns every bad frame into a counted malformed event and keeps the good ones flowing', async () => {
    const frames = fc.sample(fc.tuple(badFrame, fc.boolean()), { numRuns: 400, seed: 77 });
    const oversized = `{"type":"positions","data":[${'{"ticket":1},'.repeat(6000)}{"ticket":2}]}`;
    let expectedBad = 0;
    const srv = await server((socket) => {
      // Out of order: data and acks before any subscription, acks for topics never asked for, twice.
      socket.send(rawFixture('ws/subscribed.json'));
      socket.send(rawFixture('ws/subscribed.json'));
      socket.send(rawFixture('ws/trade-in.json'));
      for (const [frame, binary] of frames) socket.send(binary ? Buffer.from(frame) : frame, { binary });
      socket.send(oversized);
      socket.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true });
      socket.send('');
      socket.send(rawFixture('ws/account.json'));
    });
    cleanups.push(() => srv.close());
    expectedBad = frames.length + 3;
    const events: StreamEvent[] = [];
    const stream = new TerminalStream({ accountId: 'acc', url: srv.url, apiKey: 'fxs_live_fuzzKey', pingIntervalMs: 0, maxFrameBytes: 32 * 1024 });
    cleanups.push(() => stream.close());
    stream.onEvent((e) => void events.push(e));
    stream.start();
    await until(() => events.some((e) => e.type === 'account'), 'the good frame after the garbage');
    const malformed = events.filter((e) => e.type === 'malformed');
    expect(malformed).toHaveLength(expectedBad);
    expect(stream.stats().malformed).toBe(expectedBad);
    for (const e of malformed) if (e.type === 'malformed') expect(e.error).toBeInstanceOf(ProtocolError);
    const big = malformed.find((e) => e.type === 'malformed' && /exceed maxFrameBytes/.test(e.error.message));
    expect(big).toBeDefined();
    // The out-of-order frames before any subscription are delivered as what they are, not dropped or fatal.
    expect(events.filter((e) => e.type === 'trade')).toHaveLength(1);
    expect(stream.connected).toBe(true);
  });
});

const noTerminal = new Proxy({} as TerminalPort, {
  get: (_t, name) => (name === 'accountId' ? 'acc' : () => Promise.reject(new Error(`unexpected ${String(name)} call`))),
});

describe('consumers of a garbage stream', () => {
  it('the master feed logs each malformed frame once and turns none into a master event', async () => {
    const bad = fc.sample(badFrame, { numRuns: 150, seed: 5 });
    const srv = await server((socket) => {
      socket.send(rawFixture('ws/positions-empty.json'));
      for (const f of bad) socket.send(f);
      socket.send(rawFixture('ws/account.json'));
    });
    cleanups.push(() => srv.close());
    const log = memoryLogger();
    const stream = new TerminalStream({ accountId: 'm', url: srv.url, apiKey: 'fxs_live_fuzzKey', pingIntervalMs: 0 });
    const events: MasterEvent[] = [];
    const feed = new MasterFeed({
      masterId: 'm',
      stream,
      terminal: noTerminal,
      clock: systemClock,
      log,
      handlers: { onEvents: (e) => void events.push(...e), onConnection: () => undefined, onResync: () => undefined, onSplits: () => undefined },
    });
    cleanups.push(() => feed.close());
    feed.start();
    await until(() => feed.summary !== null, 'the account frame after the garbage');
    expect(log.lines.filter((l) => l.msg === 'malformed master frame ignored')).toHaveLength(bad.length);
    expect(stream.stats().malformed).toBe(bad.length);
    expect(events).toEqual([]);
  });

  it('the follower cache logs each malformed frame once and keeps its last good state', async () => {
    const bad = fc.sample(badFrame, { numRuns: 150, seed: 6 });
    const srv = await server((socket) => {
      socket.on('message', (m: Buffer) => {
        if (!m.toString().includes('"positions"')) return;
        for (const f of bad) socket.send(f);
        socket.send(rawFixture('ws/account.json'));
      });
    });
    cleanups.push(() => srv.close());
    const log = memoryLogger();
    const stream = new TerminalStream({ accountId: 'f', url: srv.url, apiKey: 'fxs_live_fuzzKey', pingIntervalMs: 0 });
    const summary = { balance: 1000, credit: 0, profit: 0, equity: 1000, margin: 0, freeMargin: 1000, marginLevel: 0, leverage: 100, currency: 'USD', type: 'Demo' };
    const terminal = {
      accountId: 'f',
      accountInfo: async () => ({ login: 1, server: 's', company: 'c', currency: 'USD', leverage: 100, marginMode: 'Hedging', tradeAllowed: true }),
      symbols: async () => ['EURUSD'],
      serverTimezone: async () => ({ serverTime: '', utcOffsetSeconds: 0 }),
      accountSummary: async () => summary,
      openedOrders: async () => [],
    } as unknown as TerminalPort;
    const accounts: unknown[] = [];
    const follower = new FollowerState({ id: 'f', terminal, stream, clock: systemClock, log, handlers: { onAccount: (s) => void accounts.push(s), onConnection: () => undefined, onResync: () => undefined } });
    cleanups.push(() => follower.close());
    await follower.start();
    await until(() => accounts.length > 0, 'the account frame after the garbage');
    expect(log.lines.filter((l) => l.msg === 'malformed follower frame ignored')).toHaveLength(bad.length);
    expect(stream.stats().malformed).toBe(bad.length);
    expect(follower.positions).toEqual([]);
  });
});

describe('out-of-order master frames (fuzzed sequences)', () => {
  const deal: fc.Arbitrary<TradeDeal> = fc.record({
    deal: fc.integer({ min: 0, max: 50 }),
    order: fc.integer({ min: 0, max: 20 }),
    position: fc.integer({ min: 1, max: 8 }),
    symbol: fc.constantFrom('EURUSD', 'XAUUSD'),
    type: fc.constantFrom('Buy', 'Sell', 'BuyLimit', 'SellStop', 'Weird'),
    entry: fc.constantFrom('In', 'Out', 'InOut', 'Unknown', 'Sideways'),
    volume: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(0, 0.01, 1, -1)),
    price: fc.double({ min: 0, max: 3000, noNaN: true }),
    profit: fc.constant(0),
    commission: fc.constant(0),
    swap: fc.constant(0),
    magic: fc.constant(0),
    comment: fc.string({ maxLength: 8 }),
    time: fc.constant('2026-01-01T00:00:00Z'),
    degraded: fc.boolean(),
  });
  const row: fc.Arbitrary<OpenedOrder> = fc.record({
    ticket: fc.integer({ min: 1, max: 8 }),
    symbol: fc.constantFrom('EURUSD', 'XAUUSD'),
    type: fc.constantFrom('Buy', 'Sell', 'BuyLimit', 'SellStop', 'BuyStopLimit'),
    kind: fc.constantFrom('Position', 'Pending', 'Other'),
    lots: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(0, 0.01)),
    openPrice: fc.double({ min: 0, max: 3000, noNaN: true }),
    currentPrice: fc.constant(1),
    stopLoss: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3000, noNaN: true })),
    takeProfit: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3000, noNaN: true })),
    swap: fc.constant(0),
    profit: fc.constant(0),
    magic: fc.constant(0),
    comment: fc.constant(''),
    openTime: fc.constant('2026-01-01T00:00:00Z'),
  });
  const step = fc.oneof(deal.map((d) => ({ deal: d })), fc.array(row, { maxLength: 6 }).map((rows) => ({ rows })));

  it('detection never throws and every event it emits is well formed', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const book = createMasterBook('m');
        let now = 1;
        for (const s of steps) {
          now += 1;
          const events = 'deal' in s ? (s.deal.degraded || s.deal.entry === 'Unknown' ? [] : applyDeal(book, s.deal, now)) : applyPositions(book, s.rows, now);
          for (const e of events) {
            expect(['open', 'close', 'modify', 'pending_place', 'pending_modify', 'pending_delete']).toContain(e.kind);
            expect(e.masterId).toBe('m');
            expect(e.eventId.length).toBeGreaterThan(0);
            if ('volume' in e) expect(Number.isFinite(e.volume)).toBe(true);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

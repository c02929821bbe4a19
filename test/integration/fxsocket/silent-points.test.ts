/**
 * The contract's silent points (src/sim/variant.ts, docs/copy-semantics.md "Silent points"), each under both readings,
 * on recorded payloads (test/fixtures/fxsocket/silent/) and through the copier's own code: the stream client against
 * a real `ws` server on loopback, the terminal client against a real HTTP server on loopback, the decoders, the
 * master-side diff, the link tracker and the pure reconciliation. Whatever a faithful FxSocket decides at these points,
 * the copier must read the same state and do nothing it should not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';

import { defaultFollower } from '../../../src/domain/config.js';
import { applyDeal, applyPositions, createMasterBook } from '../../../src/domain/detect.js';
import type { MasterEvent } from '../../../src/domain/events.js';
import type { CopyLink } from '../../../src/domain/ledger.js';
import { reconcile } from '../../../src/domain/reconcile.js';
import type { ReconcileInput } from '../../../src/domain/reconcile.js';
import { copyComment, isCopyOf, masterShortId, parseCopyComment } from '../../../src/domain/tags.js';
import { ticketChanges } from '../../../src/domain/ticket-change.js';
import type { OpenedOrder, TradeDeal } from '../../../src/domain/trading.js';
import { systemClock } from '../../../src/engine/clock.js';
import { FollowerState } from '../../../src/engine/follower-state.js';
import { LedgerIndex } from '../../../src/engine/ledger-index.js';
import { LinkTracker } from '../../../src/engine/link-tracker.js';
import { MasterFeed } from '../../../src/engine/master-feed.js';
import type { StreamEvent, StreamPort, StreamTopic, TerminalPort } from '../../../src/engine/ports.js';
import { decodeFrame, FxSocketRequestError, HttpTransport, TerminalClient, TerminalStream } from '../../../src/fxsocket/index.js';
import type { WorldVariant } from '../../../src/sim/variant.js';
import { follower as followerInput, spec, summary } from '../../unit/domain/fixtures.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';
import { until } from './harness.js';

/** The master the recorded copy tags name (`fxm:01ya0ym:…`). */
const MASTER = '5b9d7e1a-3c42-4f8e-9a61-2d0c8b7e4f13';
const FOLLOWER = '8c1f0b2e-6d3a-4e57-b9a8-1f2e3d4c5b6a';
const MAGIC = 20_260_601;
const KEY = 'fxs_live_silent_points_key';
const log = pino({ level: 'silent' });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A recorded frame (test/fixtures/fxsocket/silent/…), verbatim. */
const silent = (path: string): string => rawFixture(`silent/${path}`);

/** The rows of a recorded positions frame, through the copier's own decoder (fails on anything else). */
function decodedRows(path: string): OpenedOrder[] {
  const event = decodeFrame(silent(path));
  if (event.type !== 'positions') throw new Error(`${path} decoded as ${event.type}`);
  return event.data;
}

function decodedDeal(path: string): TradeDeal {
  const event = decodeFrame(silent(path));
  if (event.type !== 'trade') throw new Error(`${path} decoded as ${event.type}`);
  return event.data;
}

/** The rows of a recorded positions frame, as plain JSON (what the wire said). */
function wireRows(path: string): unknown[] {
  return (JSON.parse(silent(path)) as { data: unknown[] }).data;
}

// ---------------------------------------------------------------- a scripted FxSocket terminal WebSocket on loopback

interface ScriptedServer {
  url: string;
  /** Client frames received, per connection. */
  received: string[][];
}

/**
 * A `ws` server on 127.0.0.1 port 0 that answers each `subscribe` with what `answer` returns for its topic (frames in
 * order), then, once every topic in `after.when` is subscribed, sends `after.frames`.
 */
async function scriptedServer(answer: (topic: string) => string[], after: { when: string[]; frames: string[] }): Promise<ScriptedServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: string[][] = [];
  wss.on('connection', (socket: ServerSocket) => {
    const frames: string[] = [];
    received.push(frames);
    const subscribed = new Set<string>();
    let sentAfter = false;
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      frames.push(text);
      const msg = JSON.parse(text) as { action?: string; topic?: string };
      if (msg.action !== 'subscribe' || typeof msg.topic !== 'string') return;
      subscribed.add(msg.topic);
      for (const frame of answer(msg.topic)) socket.send(frame);
      if (!sentAfter && after.when.every((t) => subscribed.has(t))) {
        sentAfter = true;
        for (const frame of after.frames) socket.send(frame);
      }
    });
  });
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mt5/${MASTER}/ws`, received };
}

const ack = (topic: string): string => JSON.stringify({ type: 'subscribed', topic, message: `subscribed to ${topic}` });

/** Forwards a stream to one consumer and records every event it delivered (a hand-written tap, no mock). */
function tap(stream: TerminalStream): { port: StreamPort; events: StreamEvent[] } {
  const events: StreamEvent[] = [];
  const port: StreamPort = {
    accountId: stream.accountId,
    subscribe: (topic: StreamTopic, symbol?: string) => stream.subscribe(topic, symbol),
    unsubscribe: (topic: StreamTopic, symbol?: string) => stream.unsubscribe(topic, symbol),
    onEvent: (listener) =>
      stream.onEvent((event) => {
        events.push(event);
        listener(event);
      }),
    start: () => stream.start(),
    close: () => stream.close(),
    get connected() {
      return stream.connected;
    },
  };
  return { port, events };
}

/** A terminal the master feed must not call (no degraded deal is replayed here). */
const unusedTerminal = new Proxy({} as TerminalPort, {
  get: (_t, name) => (name === 'accountId' ? MASTER : () => Promise.reject(new Error(`unexpected terminal call ${String(name)}`))),
});

function masterFeedOn(url: string): { feed: MasterFeed; events: StreamEvent[]; masterEvents: MasterEvent[]; stream: TerminalStream } {
  const stream = new TerminalStream({ accountId: MASTER, url, apiKey: KEY, pingIntervalMs: 0 });
  const { port, events } = tap(stream);
  const masterEvents: MasterEvent[] = [];
  const feed = new MasterFeed({
    masterId: MASTER,
    stream: port,
    terminal: unusedTerminal,
    clock: systemClock,
    log,
    handlers: { onEvents: (e) => void masterEvents.push(...e), onConnection: () => undefined, onResync: () => undefined, onSplits: () => undefined },
  });
  cleanups.push(() => feed.close());
  return { feed, events, masterEvents, stream };
}

const acksOf = (events: readonly StreamEvent[], topic: string) =>
  events.filter((e) => e.type === 'other' && e.frame['type'] === 'subscribed' && e.frame['topic'] === topic);
const subscribesOf = (frames: readonly string[], topic: string) =>
  frames.filter((f) => {
    const m = JSON.parse(f) as { action?: string; topic?: string };
    return m.action === 'subscribe' && m.topic === topic;
  });

// ---------------------------------------------------------------- subscribe: ack vs snapshot order

describe('silent point: subscribe ack and snapshot order', () => {
  const orders: WorldVariant['subscribeOrder'][] = ['ack_first', 'snapshot_first'];
  for (const order of orders) {
    it(`${order}: the snapshot is taken and the subscription is live`, async () => {
      const snapshot = silent('positions-snapshot.json');
      const server = await scriptedServer(
        (topic) => {
          if (topic !== 'positions') return [ack(topic)];
          const ackFrame = silent('ack-positions.json');
          return order === 'ack_first' ? [ackFrame, snapshot] : [snapshot, ackFrame];
        },
        // A change after both: applied as a change only if the snapshot was taken as the baseline.
        { when: ['trades', 'positions', 'terminal', 'account'], frames: [silent('positions-sl-moved.json')] },
      );
      const { feed, events, masterEvents, stream } = masterFeedOn(server.url);
      feed.start();
      await until(() => masterEvents.length > 0, 5_000, 'the SL change after the snapshot');

      const positionsEvents = events.filter((e) => e.type === 'positions');
      const ackIndex = events.indexOf(acksOf(events, 'positions')[0] as StreamEvent);
      const snapIndex = events.indexOf(positionsEvents[0] as StreamEvent);
      expect(ackIndex).toBeGreaterThanOrEqual(0);
      expect(order === 'ack_first' ? ackIndex < snapIndex : snapIndex < ackIndex).toBe(true);
      // The snapshot decoded to exactly the recorded rows.
      expect(positionsEvents[0]).toEqual({ type: 'positions', data: wireRows('positions-snapshot.json') });
      expect(acksOf(events, 'positions')[0]).toEqual({ type: 'other', frame: JSON.parse(silent('ack-positions.json')) as unknown });
      // Confirmed either way: subscribed once, never re-sent for a missing or late ack, and listed as active.
      expect(subscribesOf(server.received[0] ?? [], 'positions')).toHaveLength(1);
      expect(stream.subscriptions).toContainEqual({ topic: 'positions' });
      expect(stream.stats().malformed).toBe(0);
      expect(events.some((e) => e.type === 'malformed' || e.type === 'stream_error')).toBe(false);
      // The snapshot is the book's baseline (no event of its own), and the later frame a change against it.
      expect([...feed.book.positions.keys()].sort()).toEqual([81234567, 81234601]);
      expect([...feed.book.pendings.keys()]).toEqual([81234622]);
      expect(masterEvents).toHaveLength(1);
      expect(masterEvents[0]).toMatchObject({
        kind: 'modify',
        position: 81234567,
        symbol: 'EURUSD',
        side: 'buy',
        stopLoss: 1.084,
        takeProfit: 1.095,
        previousStopLoss: 1.08,
        previousTakeProfit: 1.095,
      });
    });
  }
});

// ---------------------------------------------------------------- duplicate subscribe

describe('silent point: duplicate subscribe', () => {
  const readings: WorldVariant['duplicateSubscribe'][] = ['ack_only', 'ack_and_snapshot'];
  for (const reading of readings) {
    /** What the server sends for the second subscribe of `positions`: the ack, and on one reading a fresh snapshot. */
    const duplicateAnswer = (): string[] =>
      reading === 'ack_only' ? [silent('ack-positions-again.json')] : [silent('ack-positions-again.json'), silent('positions-snapshot-later.json')];
    const script = (topic: string): string[] => (topic === 'positions' ? [silent('ack-positions.json'), silent('positions-snapshot.json')] : [ack(topic)]);
    // The account frame closes the script: once it is in, everything before it was handled.
    const closing = rawFixture('ws/account.json');

    it(`${reading}: harmless to the master feed (no error, no event, the later snapshot is the state)`, async () => {
      const server = await scriptedServer(script, { when: ['trades', 'positions', 'terminal', 'account'], frames: [...duplicateAnswer(), closing] });
      const { feed, events, masterEvents, stream } = masterFeedOn(server.url);
      feed.start();
      await until(() => feed.summary !== null, 5_000, 'the closing account frame');
      expect(acksOf(events, 'positions').map((e) => (e.type === 'other' ? e.frame['message'] : null))).toEqual(['subscribed to positions', 'already subscribed']);
      expect(stream.stats().malformed).toBe(0);
      expect(events.some((e) => e.type === 'malformed' || e.type === 'stream_error' || e.type === 'closed')).toBe(false);
      // A repeated or later snapshot is a list like any other: no open, no close, no modify from it.
      expect(masterEvents).toEqual([]);
      expect([...feed.book.positions.keys()].sort()).toEqual(reading === 'ack_only' ? [81234567, 81234601] : [81234567]);
      expect(feed.book.positions.get(81234567)).toMatchObject({ stopLoss: 1.08, takeProfit: 1.095, side: 'buy' });
    });

    it(`${reading}: the follower cache holds the latest snapshot`, async () => {
      const server = await scriptedServer(script, { when: ['positions', 'account'], frames: [...duplicateAnswer(), closing] });
      const stream = new TerminalStream({ accountId: FOLLOWER, url: server.url, apiKey: KEY, pingIntervalMs: 0 });
      const accounts: unknown[] = [];
      const follower = new FollowerState({
        id: FOLLOWER,
        terminal: followerTerminal(),
        stream,
        clock: systemClock,
        log,
        handlers: { onAccount: (s) => void accounts.push(s), onConnection: () => undefined, onResync: () => undefined },
      });
      cleanups.push(() => follower.close());
      await follower.start();
      await until(() => accounts.length > 0, 5_000, 'the closing account frame');
      expect(follower.positions).toEqual(wireRows(reading === 'ack_only' ? 'positions-snapshot.json' : 'positions-snapshot-later.json'));
      expect(stream.stats().malformed).toBe(0);
      // The client itself never subscribes twice: a second call is a no-op on the wire.
      stream.subscribe('positions');
      expect(subscribesOf(server.received[0] ?? [], 'positions')).toHaveLength(1);
    });
  }
});

/** The follower's start-up reads, answered from recorded shapes (a hand-written fake terminal). */
function followerTerminal(): TerminalPort {
  const account = JSON.parse(rawFixture('ws/account.json')) as { data: unknown };
  return {
    accountId: FOLLOWER,
    accountInfo: async () => ({ login: 5_001_234, server: 'Demo-Server', company: 'Demo Markets', currency: 'USD', leverage: 100, marginMode: 'Hedging', tradeAllowed: true }),
    symbols: async () => ['EURUSD', 'XAUUSD'],
    serverTimezone: async () => ({ serverTime: '2026-11-25T12:00:00.000Z', utcOffsetSeconds: 7_200 }),
    accountSummary: async () => account.data,
    openedOrders: async () => [],
  } as unknown as TerminalPort;
}

// ---------------------------------------------------------------- positions frames on price moves

describe('silent point: positions frames on price moves', () => {
  it('on_price: frames differing only in profit, current price and swap decode and are no master event', () => {
    const snapshot = decodedRows('positions-snapshot.json');
    const moved = decodedRows('positions-price-move.json');
    expect(snapshot).toEqual(wireRows('positions-snapshot.json'));
    expect(moved).toEqual(wireRows('positions-price-move.json'));
    // The recorded frames differ in those fields only.
    const strip = (rows: OpenedOrder[]) => rows.map(({ profit: _p, currentPrice: _c, swap: _s, ...rest }) => rest);
    expect(strip(moved)).toEqual(strip(snapshot));
    expect(moved.map((r) => [r.ticket, r.currentPrice, r.profit, r.swap])).toEqual([
      [81234567, 1.08611, 99.5, -0.7],
      [81234601, 2648.95, 47.8, -1.2],
      [81234622, 1.08611, 0, 0],
    ]);

    const book = createMasterBook(MASTER);
    expect(applyPositions(book, snapshot, 1)).toEqual([]);
    expect(ticketChanges(book, moved)).toEqual([]);
    expect(applyPositions(book, moved, 2)).toEqual([]);
    // The same frame again, as a price tick would push it.
    expect(applyPositions(book, moved, 3)).toEqual([]);
    expect(applyPositions(book, snapshot, 4)).toEqual([]);
  });

  it('a frame with a real SL change still yields the modify, once', () => {
    const book = createMasterBook(MASTER);
    applyPositions(book, decodedRows('positions-snapshot.json'), 1);
    applyPositions(book, decodedRows('positions-price-move.json'), 2);
    const events = applyPositions(book, decodedRows('positions-sl-moved.json'), 3);
    expect(events).toEqual([
      {
        masterId: MASTER,
        detectedAt: 3,
        kind: 'modify',
        eventId: 's81234567:1.084:1.095',
        position: 81234567,
        symbol: 'EURUSD',
        side: 'buy',
        stopLoss: 1.084,
        takeProfit: 1.095,
        previousStopLoss: 1.08,
        previousTakeProfit: 1.095,
      },
    ]);
    // Later price-only frames with the new SL change nothing more.
    expect(applyPositions(book, decodedRows('positions-sl-moved.json'), 4)).toEqual([]);
  });
});

// ---------------------------------------------------------------- MT4 partial close

describe('silent point: MT4 partial close', () => {
  const readings: WorldVariant['mt4PartialClose'][] = ['same_ticket', 'new_ticket'];
  for (const reading of readings) {
    it(`${reading}: decoded rows, the master diff and reconciliation agree there is nothing to do`, () => {
      const suffix = reading === 'same_ticket' ? 'same-ticket' : 'new-ticket';
      const masterBefore = decodedRows('mt4-partial-close/master-before.json');
      const masterAfter = decodedRows(`mt4-partial-close/master-${suffix}.json`);
      const followerBefore = decodedRows('mt4-partial-close/follower-before.json');
      const followerAfter = decodedRows(`mt4-partial-close/follower-${suffix}.json`);
      const out = decodedDeal('mt4-partial-close/trade-out.json');

      // What the wire says, decoded exactly.
      expect(out).toMatchObject({ deal: 0, order: 55501, position: 55501, entry: 'Out', volume: 0.04, magic: 0, comment: 'manual', degraded: false });
      expect(masterBefore.map((r) => [r.ticket, r.lots, r.comment])).toEqual([[55501, 0.1, 'manual']]);
      expect(followerBefore.map((r) => [r.ticket, r.lots, r.magic, r.comment])).toEqual([[70012, 0.1, MAGIC, copyComment(MASTER, 55501)]]);
      if (reading === 'same_ticket') {
        expect(masterAfter.map((r) => [r.ticket, r.lots, r.comment])).toEqual([[55501, 0.06, 'manual']]);
        expect(followerAfter.map((r) => [r.ticket, r.lots, r.magic, r.comment])).toEqual([[70012, 0.06, MAGIC, copyComment(MASTER, 55501)]]);
        expect(parseCopyComment(followerAfter[0]?.comment ?? '')).toEqual({ masterShort: masterShortId(MASTER), masterTicket: 55501 });
      } else {
        expect(masterAfter.map((r) => [r.ticket, r.lots, r.comment])).toEqual([[55502, 0.06, 'from #55501']]);
        expect(followerAfter.map((r) => [r.ticket, r.lots, r.magic, r.comment])).toEqual([[70013, 0.06, MAGIC, 'from #70012']]);
        // The rest lost the tag: only the ledger, following the split, still knows it is a copy.
        expect(parseCopyComment(followerAfter[0]?.comment ?? '')).toBeNull();
      }

      // The master side: one partial close of 0.04, then no event (no phantom open of the rest, no modify).
      const book = createMasterBook(MASTER);
      expect(applyPositions(book, masterBefore, 1)).toEqual([]);
      expect(applyDeal(book, out, 2)).toMatchObject([{ kind: 'close', position: 55501, volume: 0.04, volumeBefore: 0.1 }]);
      expect(ticketChanges(book, masterAfter)).toEqual([]);
      expect(applyPositions(book, masterAfter, 3)).toEqual([]);
      expect(book.splits ?? []).toEqual(reading === 'same_ticket' ? [] : [{ from: 55501, to: 55502 }]);

      // The ledger as the live partial close left it: the copy reduced to 0.06 of a 0.06 master position; then the
      // link tracker moves it as the engine does after the split (master) and after reading the follower's rows.
      const link: CopyLink = {
        masterId: MASTER,
        masterTicket: 55501,
        followerId: FOLLOWER,
        followerTicket: 70012,
        kind: 'position',
        followerSymbol: 'EURUSD',
        masterSymbol: 'EURUSD',
        side: 'buy',
        volume: 0.06,
        masterVolume: 0.06,
        openedAt: 1_764_061_951_000,
        status: 'open',
      };
      const ledger = new LedgerIndex([link]);
      const followerState = new FollowerState({
        id: FOLLOWER,
        terminal: followerTerminal(),
        stream: new TerminalStream({ accountId: FOLLOWER, url: 'ws://127.0.0.1:9/ws', apiKey: KEY }),
        clock: systemClock,
        log,
        handlers: { onAccount: () => undefined, onConnection: () => undefined, onResync: () => undefined },
      });
      followerState.positions = followerAfter;
      const tracker = new LinkTracker({
        followers: new Map([[FOLLOWER, followerState]]),
        ledger,
        log,
        clock: systemClock,
        magic: MAGIC,
        masterBook: () => book,
        platformOf: () => 'mt4',
      });
      tracker.followMasterSplits(MASTER, book.splits ?? []);
      tracker.retargetLinks(FOLLOWER);
      expect([link.masterTicket, link.followerTicket]).toEqual(reading === 'same_ticket' ? [55501, 70012] : [55502, 70013]);

      const f = followerInput({ config: defaultFollower(FOLLOWER, [MASTER]), links: [...ledger.all()] });
      const input: ReconcileInput = {
        now: 1_764_064_000_000,
        magic: MAGIC,
        master: { accountId: MASTER, summary: summary(), rows: masterAfter, openTimeMs: new Map(masterAfter.map((r) => [r.ticket, 1_764_061_950_000])) },
        followers: [{ ...f, specs: new Map([['EURUSD', spec('EURUSD', { bid: 1.0853, ask: 1.08545 })]]), rows: followerAfter }],
        limits: { maxAgeMs: 300_000, maxDeviationPoints: 200 },
      };
      expect(reconcile(input)).toEqual({ actions: [], skipped: [] });
    });
  }
});

// ---------------------------------------------------------------- OrderClose with or without volume

describe('silent point: /OrderClose with volume 0', () => {
  const readings: WorldVariant['closeVolumeZero'][] = ['full', 'invalid'];
  for (const reading of readings) {
    it(`${reading}: a full close is sent without volume, a partial with it; volume 0 never leaves the client`, async () => {
      const bodies: string[] = [];
      const server: Server = createServer((request, response) => {
        let text = '';
        request.on('data', (chunk: Buffer) => (text += chunk.toString()));
        request.on('end', () => {
          bodies.push(text);
          const body = JSON.parse(text) as { volume?: number };
          // The terminal as each reading answers `/OrderClose`.
          const reply =
            body.volume === 0 && reading === 'invalid'
              ? 'reply-volume-zero-invalid.json'
              : body.volume === undefined || body.volume === 0
                ? 'reply-closed-full.json'
                : 'reply-closed-partial.json';
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(silent(`order-close/${reply}`));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const http = new HttpTransport({ apiKey: KEY, timeoutMs: 5_000 });
      cleanups.push(async () => {
        await http.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      const terminal = new TerminalClient({ accountId: FOLLOWER, restUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mt4/${FOLLOWER}`, http });

      const full = await terminal.orderClose({ ticket: 70012 });
      expect(full).toMatchObject({ success: true, retcode: 10009, order: 70012, volume: 0.1 });
      const partial = await terminal.orderClose({ ticket: 70012, volume: 0.04 });
      expect(partial).toMatchObject({ success: true, retcode: 10009, order: 70012, volume: 0.04 });
      await expect(terminal.orderClose({ ticket: 70012, volume: 0 })).rejects.toBeInstanceOf(FxSocketRequestError);

      expect(bodies.map((b) => JSON.parse(b) as unknown)).toEqual([
        JSON.parse(silent('order-close/request-full.json')) as unknown,
        JSON.parse(silent('order-close/request-partial.json')) as unknown,
      ]);
      expect(bodies[0]).not.toContain('volume');
    });
  }
});

// ---------------------------------------------------------------- comments: kept whole or truncated to 31

describe('silent point: comment length', () => {
  const short = masterShortId(MASTER);
  const tag = (ticket: number) => ({ masterShort: short, masterTicket: ticket });
  /** Per follower ticket: the copy tag the comment must read as, per reading. */
  const expected: Record<WorldVariant['comment'], Record<number, ReturnType<typeof tag> | null>> = {
    keep: { 90001: tag(81234567), 90002: tag(81234601), 90003: tag(81234567), 90004: tag(55501), 90005: tag(55502) },
    // `from #90000 ` and the stop-out text push the tag past 31 characters: cut mid-way, it reads as no tag.
    truncate31: { 90001: tag(81234567), 90002: tag(81234601), 90003: null, 90004: tag(55501), 90005: null },
  };
  const files: Record<WorldVariant['comment'], string> = { keep: 'comments/positions-keep.json', truncate31: 'comments/positions-truncate31.json' };

  for (const reading of ['keep', 'truncate31'] as const) {
    it(`${reading}: a whole tag reads with broker text around it, a cut one reads as none`, () => {
      const rows = decodedRows(files[reading]);
      expect(rows).toEqual(wireRows(files[reading]));
      const read = Object.fromEntries(rows.map((r) => [r.ticket, parseCopyComment(r.comment)]));
      expect(read).toEqual(expected[reading]);
      for (const r of rows) expect(isCopyOf(r, MAGIC, MASTER)).toBe(expected[reading][r.ticket] !== null);
      if (reading === 'truncate31') {
        const kept = decodedRows(files.keep);
        expect(rows.map((r) => r.comment)).toEqual(kept.map((r) => r.comment.slice(0, 31)));
        expect(rows.every((r) => r.comment.length <= 31)).toBe(true);
      }
    });
  }

  it('a tag cut at any length reads as none or as its own ticket, never as another one', () => {
    for (const row of decodedRows(files.keep)) {
      const whole = parseCopyComment(row.comment);
      expect(whole).not.toBeNull();
      for (let n = 0; n <= row.comment.length; n++) {
        const cut = parseCopyComment(row.comment.slice(0, n));
        if (cut !== null) expect(cut).toEqual(whole);
      }
    }
  });
});

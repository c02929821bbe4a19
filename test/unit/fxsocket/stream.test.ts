/** TerminalStream against real loopback WebSocket servers (hand-written fakes, as in ws's own tests). */
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';

import type { StreamEvent } from '../../../src/engine/ports.js';
import {
  FxSocketAuthError,
  FxSocketForbiddenError,
  FxSocketRequestError,
  StreamGaveUpError,
  snapshotKey,
  TerminalStream,
  withApiKey,
  type TerminalStreamOptions,
} from '../../../src/fxsocket/index.js';
import { rawFixture } from './fixtures.js';
import { until } from './wait.js';

const KEY = 'fxs_live_stream_unit_key';

interface FakeServer {
  url: string;
  wss: WebSocketServer;
  received: string[][];
  handshakes: { url: string; userAgent: string }[];
  sockets: ServerSocket[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function fakeServer(
  onConnection: (socket: ServerSocket, index: number) => void = () => undefined,
  options: { autoPong?: boolean; verify?: (info: { req: { url?: string } }) => boolean | [false, number] } = {},
): Promise<FakeServer> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    autoPong: options.autoPong ?? true,
    verifyClient:
      options.verify === undefined
        ? undefined
        : (info, callback) => {
            const verdict = options.verify?.(info);
            if (Array.isArray(verdict)) callback(false, verdict[1]);
            else callback(verdict !== false);
          },
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const server: FakeServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mt5/acc/ws?region=eu`,
    wss,
    received: [],
    handshakes: [],
    sockets: [],
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (socket, request) => {
    const index = server.sockets.length;
    server.sockets.push(socket);
    server.handshakes.push({ url: request.url ?? '', userAgent: request.headers['user-agent'] ?? '' });
    const frames: string[] = [];
    server.received.push(frames);
    socket.on('message', (data: Buffer) => frames.push(data.toString()));
    onConnection(socket, index);
  });
  cleanups.push(() => server.close());
  return server;
}

function stream(url: string, options: Partial<TerminalStreamOptions> = {}): { stream: TerminalStream; events: StreamEvent[] } {
  const s = new TerminalStream({
    accountId: 'acc',
    url,
    apiKey: KEY,
    backoff: { baseMs: 10, maxMs: 40 },
    ...options,
  });
  const events: StreamEvent[] = [];
  s.onEvent((event) => {
    events.push(event);
  });
  cleanups.unshift(() => s.close());
  return { stream: s, events };
}

function ofType<T extends StreamEvent['type']>(events: StreamEvent[], type: T): Extract<StreamEvent, { type: T }>[] {
  return events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
}

describe('withApiKey', () => {
  it('adds the key and keeps existing query parameters', () => {
    const url = new URL(withApiKey('wss://h/mt5/abc/ws?foo=1', 'k'));
    expect(url.searchParams.get('foo')).toBe('1');
    expect(url.searchParams.get('api_key')).toBe('k');
    expect(url.pathname).toBe('/mt5/abc/ws');
  });
});

describe('TerminalStream', () => {
  it('authenticates with api_key on the upgrade URL and sends the user agent', async () => {
    const server = await fakeServer();
    const { stream: s, events } = stream(server.url);
    s.start();
    await until(() => ofType(events, 'open').length === 1);
    const target = new URL(server.handshakes[0]?.url ?? '', 'http://x');
    expect(target.pathname).toBe('/mt5/acc/ws');
    expect(target.searchParams.get('region')).toBe('eu');
    expect(target.searchParams.get('api_key')).toBe(KEY);
    expect(server.handshakes[0]?.userAgent).toMatch(/^fxmirror\//);
    expect(ofType(events, 'open')[0]).toEqual({ type: 'open', reconnect: false, attempt: 0 });
    expect(s.connected).toBe(true);
    expect(s.url).not.toContain(KEY);
  });

  it('sends subscriptions made before and after open, once each, with exact keys', async () => {
    const server = await fakeServer();
    const { stream: s, events } = stream(server.url);
    s.subscribe('positions');
    s.subscribe('prices', 'EURUSD');
    s.subscribe('positions', 'ignored');
    s.start();
    await until(() => ofType(events, 'open').length === 1);
    s.subscribe('trades');
    s.subscribe('trades');
    s.unsubscribe('prices', 'EURUSD');
    s.unsubscribe('account'); // never subscribed: nothing sent
    s.requestSubscriptionList();
    await until(() => (server.received[0]?.length ?? 0) >= 5);
    expect(server.received[0]?.map((frame) => JSON.parse(frame) as unknown)).toEqual([
      { action: 'subscribe', topic: 'positions' },
      { action: 'subscribe', topic: 'prices', symbol: 'EURUSD' },
      { action: 'subscribe', topic: 'trades' },
      { action: 'unsubscribe', topic: 'prices', symbol: 'EURUSD' },
      { action: 'list' },
    ]);
    expect(s.subscriptions).toEqual([{ topic: 'positions' }, { topic: 'trades' }]);
  });

  it('refuses prices without a symbol and unknown topics', () => {
    const s = new TerminalStream({ accountId: 'a', url: 'ws://127.0.0.1:1/ws', apiKey: KEY });
    expect(() => s.subscribe('prices')).toThrow(FxSocketRequestError);
    expect(() => s.subscribe('weather' as 'prices', 'X')).toThrow(/unknown topic/);
  });

  it('delivers typed events in order, acks and unknown types as other', async () => {
    const frames = ['ws/subscribed.json', 'ws/positions.json', 'ws/trade-in.json', 'ws/warning.json', 'ws/error.json', 'ws/unknown-type.json'];
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        for (const frame of frames) socket.send(rawFixture(frame));
      });
    });
    const { stream: s, events } = stream(server.url);
    s.subscribe('positions');
    s.start();
    await until(() => events.length >= 1 + frames.length);
    expect(events.map((event) => event.type)).toEqual(['open', 'other', 'positions', 'trade', 'warning', 'stream_error', 'other']);
    expect(ofType(events, 'warning')[0]?.dropped).toBe(42);
    expect(s.stats()).toMatchObject({ frames: 6, malformed: 0, serverDropped: 42 });
    void server;
  });

  it('parses each frame once on its way to the listener and hands over the decoded rows', async () => {
    const raw = rawFixture('ws/positions.json');
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        socket.send(raw);
        socket.send(raw);
      });
    });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const { stream: s, events } = stream(server.url);
      s.subscribe('positions');
      s.start();
      await until(() => ofType(events, 'positions').length === 2);
      // Other code in the worker may parse JSON too; only parses of the frame text count.
      expect(parse.mock.calls.filter(([text]) => text === raw)).toHaveLength(2);
      const [first, second] = ofType(events, 'positions');
      expect(first?.data).toEqual(second?.data);
      expect(first?.data).not.toBe(second?.data);
      expect(first?.data[0]).toStrictEqual({
        ticket: 7001,
        symbol: 'EURUSD',
        type: 'Buy',
        kind: 'Position',
        lots: 0.1,
        openPrice: 1.08,
        currentPrice: 1.085,
        stopLoss: 0,
        takeProfit: 0,
        swap: 0,
        profit: 5,
        magic: 4242,
        comment: 'fxm:m1:42',
        openTime: '2026-06-22T15:30:00Z',
      });
    } finally {
      parse.mockRestore();
    }
  });

  it('counts and emits malformed frames and keeps going', async () => {
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        socket.send(rawFixture('ws/malformed/truncated.txt'));
        socket.send(rawFixture('ws/malformed/array.txt'));
        socket.send(rawFixture('ws/malformed/wrong-types-tick.txt'));
        socket.send(Buffer.from(rawFixture('ws/tick.json')), { binary: true });
        socket.send(rawFixture('ws/tick.json'));
      });
    });
    const { stream: s, events } = stream(server.url);
    s.subscribe('prices', 'EURUSD');
    s.start();
    await until(() => ofType(events, 'tick').length === 2);
    expect(ofType(events, 'malformed')).toHaveLength(3);
    expect(s.stats()).toMatchObject({ frames: 5, malformed: 3 });
    expect(s.connected).toBe(true);
    void server;
  });

  it('reports an oversized frame as malformed without parsing it', async () => {
    const big = JSON.stringify({ type: 'positions', data: Array.from({ length: 200 }, (_, i) => ({ ticket: i + 1, comment: 'x'.repeat(50) })) });
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        socket.send(big);
        socket.send(rawFixture('ws/positions-empty.json'));
      });
    });
    const { stream: s, events } = stream(server.url, { maxFrameBytes: 1024 });
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'positions').length === 1);
    const [bad] = ofType(events, 'malformed');
    expect(bad?.error.message).toMatch(/exceed maxFrameBytes 1024/);
    expect(bad?.raw.length).toBeLessThan(600);
    void server;
  });

  it('replays subscriptions verbatim after the server drops the connection', async () => {
    const server = await fakeServer((socket, index) => {
      socket.on('message', () => {
        if (index === 0 && socket.readyState === socket.OPEN) setTimeout(() => socket.terminate(), 20);
      });
    });
    const { stream: s, events } = stream(server.url);
    s.subscribe('positions');
    s.subscribe('prices', 'XAUUSD');
    s.start();
    await until(() => ofType(events, 'open').length === 2);
    await until(() => (server.received[1]?.length ?? 0) === 2);
    expect(server.received[1]).toEqual(server.received[0]);
    expect(ofType(events, 'closed')[0]).toMatchObject({ willRetry: true });
    expect(ofType(events, 'open')[1]).toEqual({ type: 'open', reconnect: true, attempt: 1 });
    expect(s.stats().reconnects).toBe(1);
  });

  it('drops the oldest events for a slow consumer and reports lag', async () => {
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        for (let i = 0; i < 50; i += 1) socket.send(rawFixture('ws/tick.json'));
      });
    });
    const s = new TerminalStream({ accountId: 'acc', url: server.url, apiKey: KEY, maxQueueSize: 5 });
    cleanups.unshift(() => s.close());
    const seen: StreamEvent[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    s.onEvent(async (event) => {
      seen.push(event);
      if (event.type === 'open') await gate;
    });
    s.subscribe('prices', 'EURUSD');
    s.start();
    await until(() => s.stats().frames === 50);
    release();
    await until(() => s.stats().queued === 0);
    const lag = ofType(seen, 'lag');
    expect(lag).toHaveLength(1);
    expect(lag[0]?.dropped).toBe(45);
    expect(s.stats().dropped).toBe(45);
    expect(ofType(seen, 'tick')).toHaveLength(5);
  });

  it('terminates a silent connection (no pong) and reconnects', async () => {
    const server = await fakeServer(() => undefined, { autoPong: false });
    const { stream: s, events } = stream(server.url, { pingIntervalMs: 40, livenessTimeoutMs: 60 });
    s.start();
    await until(() => ofType(events, 'open').length >= 2, 5_000, 'a reconnect after the liveness timeout');
    expect(ofType(events, 'closed')[0]?.reason).toMatch(/no pong or frame within 60 ms/);
  });

  it('keeps a healthy connection that answers pings', async () => {
    const server = await fakeServer();
    const { stream: s, events } = stream(server.url, { pingIntervalMs: 20, livenessTimeoutMs: 1_000 });
    s.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ofType(events, 'closed')).toHaveLength(0);
    expect(server.sockets).toHaveLength(1);
  });

  it('gives up on a refused upgrade (401) with a typed auth error when told to', async () => {
    const server = await fakeServer(() => undefined, { verify: () => [false, 401] });
    const { stream: s, events } = stream(server.url, { giveUpOnAuthFailure: true });
    s.start();
    await until(() => ofType(events, 'gave_up').length === 1);
    const [gaveUp] = ofType(events, 'gave_up');
    expect(gaveUp?.error).toBeInstanceOf(FxSocketAuthError);
    expect(gaveUp?.error.message).not.toContain(KEY);
    expect(JSON.stringify((gaveUp?.error as FxSocketAuthError).context)).not.toContain(KEY);
    expect(ofType(events, 'closed')[0]).toMatchObject({ willRetry: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ofType(events, 'closed')).toHaveLength(1);
  });

  it('keeps retrying a refused upgrade (401/403) at the auth cadence, reports each refusal, and heals', async () => {
    // 401 three times, then accepted; after a drop, 403 once, then accepted again.
    const verdicts: (true | [false, number])[] = [[false, 401], [false, 401], [false, 401], true, [false, 403], true];
    const server = await fakeServer(() => undefined, { verify: () => verdicts.shift() ?? true });
    const { stream: s, events } = stream(server.url, { authRetryMs: 150, backoff: { baseMs: 10, maxMs: 40 } });
    s.start();
    await until(() => ofType(events, 'open').length === 1 || ofType(events, 'gave_up').length > 0, 5_000, 'open or gave_up');
    expect(ofType(events, 'gave_up')).toHaveLength(0);
    const refusals = ofType(events, 'auth_failed');
    expect(refusals.map((e) => [e.status, e.attempt])).toEqual([
      [401, 1],
      [401, 2],
      [401, 3],
    ]);
    for (const refusal of refusals) {
      expect(refusal.error).toBeInstanceOf(FxSocketAuthError);
      // The auth cadence (150 ms ± 10 %), not the network backoff (at most 40 ms here).
      expect(refusal.retryInMs).toBeGreaterThanOrEqual(135);
      expect(refusal.retryInMs).toBeLessThanOrEqual(165);
      expect(`${refusal.error.message} ${JSON.stringify((refusal.error as FxSocketAuthError).context)}`).not.toContain(KEY);
    }
    // Each refusal follows a closed event that says the stream will try again.
    expect(events.slice(0, 6).map((e) => e.type)).toEqual(['closed', 'auth_failed', 'closed', 'auth_failed', 'closed', 'auth_failed']);
    expect(ofType(events, 'closed').every((e) => e.willRetry)).toBe(true);
    expect(s.stats().authRefused).toBe(3);

    // A new streak after an open starts counting from 1 again.
    server.sockets[0]?.terminate();
    await until(() => ofType(events, 'open').length === 2 || ofType(events, 'gave_up').length > 0, 5_000, 'second open');
    expect(ofType(events, 'auth_failed').slice(3).map((e) => [e.status, e.attempt, e.error instanceof FxSocketForbiddenError])).toEqual([[403, 1, true]]);
    expect(s.stats().authRefused).toBe(4);
    expect(s.connected).toBe(true);
  });

  it('retries with backoff until the budget is used, then gives up', async () => {
    const { stream: s, events } = stream('ws://127.0.0.1:1/ws', { maxReconnectAttempts: 3 });
    s.start();
    await until(() => ofType(events, 'gave_up').length === 1);
    expect(ofType(events, 'closed').map((event) => event.willRetry)).toEqual([true, true, true, false]);
    expect(ofType(events, 'gave_up')[0]?.error).toBeInstanceOf(StreamGaveUpError);
    expect(s.connected).toBe(false);
  });

  it('times out an open that never completes', async () => {
    const sockets: Socket[] = [];
    const tcp: TcpServer = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    });
    const { stream: s, events } = stream(`ws://127.0.0.1:${(tcp.address() as AddressInfo).port}/ws`, {
      openTimeoutMs: 100,
      maxReconnectAttempts: 0,
    });
    s.start();
    await until(() => ofType(events, 'gave_up').length === 1);
    expect(ofType(events, 'closed')[0]?.reason).toMatch(/timed out/);
  });

  it('re-resolves the URL after a failed attempt', async () => {
    const server = await fakeServer();
    let resolved = 0;
    const { stream: s, events } = stream('ws://127.0.0.1:1/ws', {
      resolveUrl: async () => {
        resolved += 1;
        return server.url;
      },
    });
    s.start();
    await until(() => ofType(events, 'open').length === 1);
    expect(resolved).toBe(1);
    expect(ofType(events, 'open')[0]).toMatchObject({ reconnect: false, attempt: 1 });
  });

  it('close() stops for good, emits a final closed, and is idempotent', async () => {
    const server = await fakeServer();
    const { stream: s, events } = stream(server.url);
    s.start();
    await until(() => s.connected);
    await s.close();
    await s.close();
    expect(ofType(events, 'closed')).toEqual([{ type: 'closed', code: 1000, reason: 'client closing', willRetry: false }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.sockets).toHaveLength(1);
    expect(s.connected).toBe(false);
  });

  it('runs the listener one event at a time, in order, whether it returns at once or a promise', async () => {
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        for (let i = 0; i < 20; i += 1) socket.send(JSON.stringify({ type: 'warning', dropped: i }));
      });
    });
    const s = new TerminalStream({ accountId: 'acc', url: server.url, apiKey: KEY });
    cleanups.unshift(() => s.close());
    const seen: number[] = [];
    let running = 0;
    let overlapped = false;
    s.onEvent((event) => {
      if (event.type !== 'warning') return undefined;
      if (running > 0) overlapped = true;
      seen.push(event.dropped);
      // Every third event takes a while (the listener returns a promise); the others return at once.
      if (event.dropped % 3 !== 0) return undefined;
      running += 1;
      return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => {
        running -= 1;
      });
    });
    s.subscribe('trades');
    s.start();
    await until(() => seen.length === 20);
    await until(() => running === 0);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(overlapped).toBe(false);
  });

  it('reports a listener promise that rejects and keeps delivering', async () => {
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        socket.send(rawFixture('ws/tick.json'));
        socket.send(rawFixture('ws/tick.json'));
      });
    });
    const errors: unknown[] = [];
    const s = new TerminalStream({ accountId: 'acc', url: server.url, apiKey: KEY, onListenerError: (error) => errors.push(error) });
    cleanups.unshift(() => s.close());
    let ticks = 0;
    s.onEvent(async (event) => {
      if (event.type === 'tick') {
        ticks += 1;
        await Promise.resolve();
        throw new Error('async consumer bug');
      }
    });
    s.subscribe('prices', 'EURUSD');
    s.start();
    await until(() => ticks === 2 && errors.length === 2);
    expect(s.stats().listenerErrors).toBe(2);
  });

  it('keeps running when the listener throws', async () => {
    const server = await fakeServer((socket) => {
      socket.once('message', () => {
        socket.send(rawFixture('ws/tick.json'));
        socket.send(rawFixture('ws/tick.json'));
      });
    });
    const errors: unknown[] = [];
    const s = new TerminalStream({ accountId: 'acc', url: server.url, apiKey: KEY, onListenerError: (error) => errors.push(error) });
    cleanups.unshift(() => s.close());
    let ticks = 0;
    s.onEvent((event) => {
      if (event.type === 'tick') {
        ticks += 1;
        throw new Error('consumer bug');
      }
    });
    s.subscribe('prices', 'EURUSD');
    s.start();
    await until(() => ticks === 2);
    expect(errors).toHaveLength(2);
    expect(s.stats().listenerErrors).toBe(2);
  });
});

describe('TerminalStream snapshot coalescing (followers)', () => {
  const positions = (ticket: number) => JSON.stringify({ type: 'positions', data: [{ ...positionRow, ticket }] });
  const account = (equity: number) => JSON.stringify({ type: 'account', data: { ...accountData, equity } });
  const tick = (symbol: string, bid: number) => JSON.stringify({ type: 'tick', symbol, data: { symbol, bid, ask: bid + 0.0002, last: 0, volume: 0, time: '2026-06-22T15:30:00Z' } });
  const positionRow = (JSON.parse(rawFixture('ws/positions.json')) as { data: Record<string, unknown>[] }).data[0] as Record<string, unknown>;
  const accountData = (JSON.parse(rawFixture('ws/account.json')) as { data: Record<string, unknown> }).data;

  /** Sends the frames in one TCP write, so the client reads them in one loop turn. */
  function sendTogether(socket: ServerSocket, frames: string[]): void {
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    tcp.cork();
    for (const frame of frames) socket.send(frame);
    tcp.uncork();
  }

  it('decodes only the newest of the snapshot frames read together, per kind and per tick symbol, in arrival order', async () => {
    const frames = [positions(1), account(100), positions(2), tick('EURUSD', 1.1), tick('GBPUSD', 1.3), tick('EURUSD', 1.2)];
    const server = await fakeServer((socket) => socket.once('message', () => sendTogether(socket, frames)));
    const { stream: s, events } = stream(server.url, { coalesceSnapshots: true });
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'tick').some((e) => e.symbol === 'EURUSD'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const data = events.filter((e) => e.type !== 'open');
    expect(data.map((e) => (e.type === 'tick' ? `tick ${e.symbol} ${e.data.bid}` : e.type === 'positions' ? `positions ${e.data[0]?.ticket}` : e.type === 'account' ? `account ${e.data.equity}` : e.type)))
      .toEqual(['account 100', 'positions 2', 'tick GBPUSD 1.3', 'tick EURUSD 1.2']);
    expect(s.stats()).toMatchObject({ frames: 6, malformed: 0 });
  });

  it('decodes every frame when coalescing is off (the default: a master stream)', async () => {
    const frames = [positions(1), account(100), positions(2)];
    const server = await fakeServer((socket) => socket.once('message', () => sendTogether(socket, frames)));
    const { stream: s, events } = stream(server.url);
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'positions').length === 2);
    expect(events.filter((e) => e.type !== 'open').map((e) => e.type)).toEqual(['positions', 'account', 'positions']);
  });

  it('delivers what it holds before any other frame, so order between kinds is kept', async () => {
    const frames = [positions(1), rawFixture('ws/trade-in.json'), positions(2), rawFixture('ws/warning.json'), account(7)];
    const server = await fakeServer((socket) => socket.once('message', () => sendTogether(socket, frames)));
    const { stream: s, events } = stream(server.url, { coalesceSnapshots: true });
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'account').length === 1);
    const data = events.filter((e) => e.type !== 'open');
    expect(data.map((e) => (e.type === 'positions' ? `positions ${e.data[0]?.ticket}` : e.type))).toEqual(['positions 1', 'trade', 'positions 2', 'warning', 'account']);
  });

  it('never loses a held frame when the socket closes right after it', async () => {
    const server = await fakeServer((socket) =>
      socket.once('message', () => {
        // Data and FIN in one read: the close reaches the client in the same loop turn as the frame.
        sendTogether(socket, [positions(5)]);
        socket.terminate();
      }),
    );
    const { stream: s, events } = stream(server.url, { coalesceSnapshots: true, autoReconnect: false });
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'closed').length === 1);
    const data = events.filter((e) => e.type !== 'open' && e.type !== 'gave_up');
    expect(data.map((e) => (e.type === 'positions' ? `positions ${e.data[0]?.ticket}` : e.type))).toEqual(['positions 5', 'closed']);
  });

  it('still reports a malformed snapshot frame (it is decoded when released)', async () => {
    const server = await fakeServer((socket) => socket.once('message', () => sendTogether(socket, ['{"type":"positions","data":[{"ticket":"x"}]}', account(3)])));
    const { stream: s, events } = stream(server.url, { coalesceSnapshots: true });
    s.subscribe('positions');
    s.start();
    await until(() => ofType(events, 'account').length === 1);
    expect(ofType(events, 'malformed')).toHaveLength(1);
    expect(s.stats()).toMatchObject({ frames: 2, malformed: 1 });
  });
});

describe('snapshotKey', () => {
  it('names the state a snapshot frame replaces, from its first bytes', () => {
    expect(snapshotKey(Buffer.from('{"type":"positions","data":[]}'))).toBe('positions');
    expect(snapshotKey(Buffer.from('{"type":"account","data":{}}'))).toBe('account');
    expect(snapshotKey(Buffer.from('{"type":"tick","symbol":"EURUSD.r","data":{}}'))).toBe('tick:EURUSD.r');
  });

  it('leaves every other frame, and snapshot frames laid out otherwise, to be decoded on arrival', () => {
    for (const text of ['{"type":"trade","data":{}}', '{"type":"warning","dropped":3}', '{"data":[],"type":"positions"}', '{"type":"positionsX"', '{"type":"tick","symbol":"EUR\\"USD","data":{}}', '{"type":"tick","symbol":"","data":{}}', 'not json']) {
      expect(snapshotKey(Buffer.from(text))).toBeNull();
    }
  });
});

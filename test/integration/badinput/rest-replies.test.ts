/**
 * Fuzzed REST replies from a loopback HTTP server this test controls: random statuses, garbage and truncated bodies,
 * valid JSON of the wrong shape, wrong or missing content types, bodies of several megabytes, and a body that never
 * ends. Every client call either returns a schema-valid value (a 2xx whose body fits) or rejects with a typed
 * FxmirrorError carrying a code and what to do next; an unreadable answer to an order is an unknown outcome, never a
 * "not executed"; and the API key never shows in an error.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FxmirrorError } from '../../../src/domain/errors.js';
import { DEFAULT_MAX_REPLY_BYTES, FxSocketClient, HttpTransport, ManagementClient, TerminalClient } from '../../../src/fxsocket/index.js';
import type { RestErrorCounts } from '../../../src/fxsocket/index.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';

const KEY = 'fxs_live_restFuzzSecretKey42';

interface Reply {
  status: number;
  contentType: string | null;
  body: string | Buffer;
  /** Never finish the body (the client's timeout must end the call). */
  hang?: boolean;
  /** Stream `body` over and over, chunked, for as long as the client reads. */
  endless?: boolean;
  /** Announce this `content-length`, send `body`, then stall. */
  announce?: number;
}

let next: Reply = { status: 200, contentType: 'application/json', body: '{}' };
let base = '';
let server: ReturnType<typeof createServer>;
const sockets = new Set<Socket>();
const seenKeys: string[] = [];
/** Endless replies whose connection the client dropped, with the bytes the server managed to write before that. */
const cutOff: number[] = [];
/** A JSON array that never closes, repeated as the body of endless replies. */
const rows = `[${'{"ticket":1,"symbol":"EURUSD","lots":0.1},'.repeat(2_000)}`;
const cutWaiters: ((written: number) => void)[] = [];
/** Resolves with the bytes written when the next endless reply is dropped by the client. */
const nextCut = (): Promise<number> => new Promise((resolve) => cutWaiters.push(resolve));

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seenKeys.push(String(req.headers['x-api-key'] ?? ''));
    req.resume();
    req.on('end', () => {
      const r = next;
      const headers: Record<string, string> = {};
      if (r.contentType !== null) headers['content-type'] = r.contentType;
      if (r.hang) {
        res.writeHead(r.status, headers);
        res.write('{"partial":');
        return;
      }
      if (r.announce !== undefined) {
        headers['content-length'] = String(r.announce);
        res.writeHead(r.status, headers);
        res.write(r.body);
        return;
      }
      if (r.endless) {
        res.writeHead(r.status, headers);
        let written = 0;
        const pump = () => {
          while (!res.destroyed) {
            written += Buffer.byteLength(r.body);
            if (!res.write(r.body)) return void res.once('drain', pump);
          }
        };
        res.on('close', () => {
          cutOff.push(written);
          cutWaiters.shift()?.(written);
        });
        pump();
        return;
      }
      // A 204 has no body by definition (HTTP framing; sending one would desynchronise the keep-alive connection).
      const body = r.status === 204 ? '' : r.body;
      headers['content-length'] = String(Buffer.byteLength(body));
      res.writeHead(r.status, headers);
      res.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Idle keep-alive connections outlive a slow (loaded) client turn: a server-side close racing the next request on
  // the same connection would read as a network reset, which is not what these tests are about.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fixtures = [
  'terminal/account-summary.json',
  'terminal/opened-orders.json',
  'terminal/symbol-info.json',
  'terminal/order-result-done.json',
  'management/accounts.json',
  'management/orders-reply-mixed.json',
  'management/close-reply.json',
].map((p) => rawFixture(p));

const bodies: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom(...fixtures),
  fc.constantFrom(...fixtures).chain((f) => fc.integer({ min: 0, max: f.length - 1 }).map((n) => f.slice(0, n))),
  fc.constantFrom(...fixtures).map((f) => f.replace(/[0-9]+(\.[0-9]+)?/g, '"x"')),
  fc.constantFrom('', 'null', '[]', '{"error":"MRPC","message":"boom","command_id":1}', '<html><body>502 Bad Gateway</body></html>'),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
);

const replies: fc.Arbitrary<Reply> = fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', null),
  body: bodies,
});

type Call = { name: string; kind: 'read' | 'order'; run: () => Promise<unknown> };

function calls(timeoutMs = 3000, http = new HttpTransport({ apiKey: KEY, timeoutMs })): Call[] {
  const terminal = new TerminalClient({ accountId: 'acc-1', restUrl: `${base}/mt5/acc-1`, http, timeoutMs });
  const management = new ManagementClient({ baseUrl: `${base}/v1`, http, timeoutMs });
  return [
    { name: 'accountSummary', kind: 'read', run: () => terminal.accountSummary() },
    { name: 'openedOrders', kind: 'read', run: () => terminal.openedOrders() },
    { name: 'symbolInfo', kind: 'read', run: () => terminal.symbolInfo('EURUSD') },
    { name: 'listAccounts', kind: 'read', run: () => management.listAccounts() },
    { name: 'orderSend', kind: 'order', run: () => terminal.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }) },
    { name: 'orderModify', kind: 'order', run: () => terminal.orderModify({ ticket: 5, stopLoss: 1.05 }) },
    { name: 'placeOrders', kind: 'order', run: () => management.placeOrders({ orders: [{ account_id: 'acc-1', symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }] }, { idempotencyKey: 'k1' }) },
    { name: 'closeOrders', kind: 'order', run: () => management.closeOrders({ accounts: [{ account_id: 'acc-1', tickets: [5] }] }, { idempotencyKey: 'k2' }) },
  ];
}

/** Runs a call; returns the value, or the typed error it rejected with (anything else fails the test). */
async function outcome(call: Call): Promise<{ ok: true; value: unknown } | { ok: false; error: FxmirrorError }> {
  try {
    return { ok: true, value: await call.run() };
  } catch (error) {
    if (!(error instanceof FxmirrorError)) throw new Error(`${call.name} rejected with an untyped ${String(error)}`);
    return { ok: false, error };
  }
}

describe('REST replies (fuzzed)', () => {
  let list: Call[] = [];
  let http: HttpTransport;
  beforeAll(() => {
    http = new HttpTransport({ apiKey: KEY, timeoutMs: 3000 });
    list = calls(3000, http);
  });

  it('every call resolves with a value or rejects with a typed error; orders never read as "not executed" on garbage', async () => {
    let sent = 0;
    const expected: RestErrorCounts = { status4xx: 0, rateLimited: 0, status5xx: 0, statusOther: 0, timeout: 0, network: 0, malformed: 0, tooLarge: 0 };
    await fc.assert(
      fc.asyncProperty(replies, fc.integer({ min: 0, max: list.length - 1 }), async (reply, i) => {
        next = reply;
        const call = list[i] as Call;
        sent += 1;
        const r = await outcome(call);
        if (r.ok) {
          expect(reply.status >= 200 && reply.status < 300).toBe(true);
          return;
        }
        // Every failure is counted once, under the kind its status (or its unreadable 2xx body) says.
        const s = reply.status;
        expected[s === 429 ? 'rateLimited' : s >= 500 ? 'status5xx' : s >= 400 ? 'status4xx' : 'malformed'] += 1;
        const e = r.error;
        expect(e.code).toMatch(/^[A-Za-z_]+$/);
        expect(['retry', 'reject', 'stop', 'unknown']).toContain(e.action);
        expect(e.message).not.toContain(KEY);
        expect(JSON.stringify(e.context)).not.toContain(KEY);
        // A 2xx the client cannot read: for an order, it may have executed.
        if (reply.status >= 200 && reply.status < 300 && call.kind === 'order') expect(e.action).toBe('unknown');
        // A 5xx without a clear refusal, or a 504, on an order: unknown, never retried blindly.
        if (call.kind === 'order' && (reply.status === 504 || reply.status === 502)) expect(e.action).toBe('unknown');
      }),
      { numRuns: 600 },
    );
    expect(seenKeys.every((k) => k === KEY)).toBe(true);
    expect(http.stats()).toEqual({ calls: sent, failed: Object.values(expected).reduce((a, b) => a + b, 0), errors: expected });
  }, 60_000);

  it('a multi-megabyte garbage body gives a typed error, not a crash', async () => {
    const list = calls(20_000);
    for (const body of ['x'.repeat(6 * 1024 * 1024), `[${'{"ticket":1,"symbol":"EURUSD"},'.repeat(150_000)}1]`]) {
      next = { status: 200, contentType: 'application/json', body };
      for (const call of list.slice(0, 5)) {
        const r = await outcome(call);
        expect(r.ok).toBe(false);
        if (!r.ok) expect({ call: call.name, action: r.error.action, code: r.error.code, message: r.error.message.slice(0, 200) }).toMatchObject({ action: call.kind === 'order' ? 'unknown' : 'reject' });
      }
    }
  }, 60_000);

  it('a body that never ends times out as a typed error (unknown for an order)', async () => {
    const short = calls(400);
    next = { status: 200, contentType: 'application/json', body: '', hang: true };
    const read = await outcome(short[1] as Call);
    const order = await outcome(short[4] as Call);
    expect(read.ok || read.error.action).toBe('retry');
    expect(order.ok || order.error.action).toBe('unknown');
  });
});

describe('oversized REST replies', () => {


  it('a body over maxReplyBytes is aborted while it streams: reply_too_large (unknown on an order), connection dropped', async () => {
    const limit = 256 * 1024;
    const http = new HttpTransport({ apiKey: KEY, timeoutMs: 15_000, maxReplyBytes: limit });
    const list = calls(15_000, http);
    // Never ends: a client that buffers the whole body before looking at its size never returns.
    next = { status: 200, contentType: 'application/json', body: rows, endless: true };
    for (const call of list) {
      const cut = nextCut();
      const r = await outcome(call);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect({ call: call.name, code: r.error.code, action: r.error.action }).toEqual({
        call: call.name,
        code: 'reply_too_large',
        action: call.kind === 'order' ? 'unknown' : 'reject',
      });
      expect(r.error.context).toMatchObject({ status: 200, maxReplyBytes: limit, method: expect.any(String), path: expect.any(String) });
      expect(r.error.context['receivedBytes']).toBeGreaterThan(limit);
      expect(r.error.message).not.toContain(KEY);
      // The server sees its connection dropped: the rest of the body is never read.
      await cut;
    }
    expect(http.stats().errors).toMatchObject({ tooLarge: list.length, timeout: 0, malformed: 0 });
  }, 60_000);

  it('the default limit is 8 MiB; a content-length over it fails at once, before any of the body is read', async () => {
    const http = new HttpTransport({ apiKey: KEY, timeoutMs: 15_000 });
    const list = calls(15_000, http);
    const read = list[1] as Call;
    const order = list[4] as Call;
    expect(DEFAULT_MAX_REPLY_BYTES).toBe(8 * 1024 * 1024);
    // Announced but never sent in full: only the announcement can end this call before the timeout.
    next = { status: 200, contentType: 'application/json', body: '[', announce: 64 * 1024 * 1024 };
    for (const call of [read, order]) {
      const r = await outcome(call);
      expect(r.ok || { code: r.error.code, action: r.error.action, context: r.error.context }).toMatchObject({
        code: 'reply_too_large',
        action: call.kind === 'order' ? 'unknown' : 'reject',
        context: { declaredBytes: 64 * 1024 * 1024, receivedBytes: 0, maxReplyBytes: DEFAULT_MAX_REPLY_BYTES },
      });
    }
    // Without an announcement, the default limit applies while streaming.
    next = { status: 200, contentType: 'application/json', body: rows, endless: true };
    const cut = nextCut();
    const r = await outcome(read);
    expect(r.ok || { code: r.error.code, maxReplyBytes: r.error.context['maxReplyBytes'] }).toEqual({ code: 'reply_too_large', maxReplyBytes: DEFAULT_MAX_REPLY_BYTES });
    await cut;
  }, 60_000);

  it('an endless error reply is cut too, and still mapped by its status', async () => {
    const http = new HttpTransport({ apiKey: KEY, timeoutMs: 15_000, maxReplyBytes: 1024 * 1024 });
    const list = calls(15_000, http);
    const read = list[1] as Call;
    const order = list[4] as Call;
    const cases: [number, Call, string, string][] = [
      [502, read, 'server_error', 'retry'],
      [502, order, 'server_error', 'unknown'],
      [401, read, 'auth_failed', 'stop'],
      [400, order, 'invalid_request', 'reject'],
    ];
    for (const [status, call, code, action] of cases) {
      next = { status, contentType: 'text/html', body: '<html>'.padEnd(64 * 1024, 'x'), endless: true };
      const cut = nextCut();
      const r = await outcome(call);
      expect(r.ok || { code: r.error.code, action: r.error.action, truncated: r.error.context['bodyTruncated'] }).toEqual({ code, action, truncated: true });
      await cut;
    }
    expect(http.stats().errors).toMatchObject({ status5xx: 2, status4xx: 2, tooLarge: 0 });
  }, 60_000);
});

describe('REST error counters', () => {
  it('count each failed call once, by kind, on the transport and through FxSocketClient.stats()', async () => {
    const http = new HttpTransport({ apiKey: KEY, timeoutMs: 10_000, maxReplyBytes: 64 * 1024 });
    const list = calls(10_000, http);
    const read = list[0] as Call;
    const sequence: Reply[] = [
      { status: 200, contentType: 'application/json', body: '{"balance":' },
      { status: 200, contentType: 'application/json', body: '"not an object"' },
      { status: 404, contentType: 'application/json', body: '{"error":"not_found"}' },
      { status: 403, contentType: 'application/json', body: '{"error":"read_only"}' },
      { status: 429, contentType: 'application/json', body: '{}' },
      { status: 502, contentType: 'text/html', body: '<html>502</html>' },
      { status: 200, contentType: 'application/json', body: rows, endless: true },
    ];
    for (const reply of sequence) {
      next = reply;
      const cut = reply.endless === true ? nextCut() : Promise.resolve(0);
      await outcome(read);
      await cut;
    }
    next = { status: 200, contentType: 'application/json', body: '', hang: true };
    await outcome(calls(300, http)[0] as Call);
    // A port nobody listens on: refused before anything was sent.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = new TerminalClient({ accountId: 'acc-1', restUrl: `http://127.0.0.1:${deadPort}/mt5/acc-1`, http });
    await outcome({ name: 'dead', kind: 'read', run: () => dead.accountSummary() });

    expect(http.stats()).toEqual({
      calls: 9,
      failed: 9,
      errors: { malformed: 2, status4xx: 2, rateLimited: 1, status5xx: 1, statusOther: 0, tooLarge: 1, timeout: 1, network: 1 },
    });

    const client = new FxSocketClient({ apiKey: KEY, apiUrl: base, timeoutMs: 5_000 });
    try {
      next = { status: 200, contentType: 'application/json', body: '[{"id":' };
      await outcome({ name: 'listAccounts', kind: 'read', run: () => client.listAccounts() });
      next = { status: 503, contentType: 'text/plain', body: 'restarting' };
      await outcome({ name: 'listAccounts', kind: 'read', run: () => client.listAccounts() });
      expect(client.stats()).toEqual({
        rest: { calls: 2, failed: 2, errors: expect.objectContaining({ malformed: 1, status5xx: 1, timeout: 0 }) },
        streams: [],
      });
    } finally {
      await client.close();
    }
  }, 60_000);
});

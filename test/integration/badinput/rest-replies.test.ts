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
import { HttpTransport, ManagementClient, TerminalClient } from '../../../src/fxsocket/index.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';

const KEY = 'fxs_live_restFuzzSecretKey42';

interface Reply {
  status: number;
  contentType: string | null;
  body: string | Buffer;
  /** Never finish the body (the client's timeout must end the call). */
  hang?: boolean;
}

let next: Reply = { status: 200, contentType: 'application/json', body: '{}' };
let base = '';
let server: ReturnType<typeof createServer>;
const sockets = new Set<Socket>();
const seenKeys: string[] = [];

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

function calls(timeoutMs = 3000): Call[] {
  const http = new HttpTransport({ apiKey: KEY, timeoutMs });
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
  beforeAll(() => {
    list = calls();
  });

  it('every call resolves with a value or rejects with a typed error; orders never read as "not executed" on garbage', async () => {
    await fc.assert(
      fc.asyncProperty(replies, fc.integer({ min: 0, max: list.length - 1 }), async (reply, i) => {
        next = reply;
        const call = list[i] as Call;
        const r = await outcome(call);
        if (r.ok) {
          expect(reply.status >= 200 && reply.status < 300).toBe(true);
          return;
        }
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

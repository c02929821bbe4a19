/** The REST transport against a real loopback HTTP server (a hand-written fake, no mocks). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  FxSocketAuthError,
  FxSocketUnavailableError,
  HttpTransport,
  OrderOutcomeUnknownError,
  TerminalClient,
  UnreadableOrderReplyError,
} from '../../../src/fxsocket/index.js';
import { rawFixture } from './fixtures.js';

const KEY = 'fxs_live_unit_test_key_0001';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (request: Seen, response: ServerResponse) => void;

let server: Server;
let origin: string;
let seen: Seen[];
let sockets: number;
let handler: Handler;
let http: HttpTransport;

beforeEach(async () => {
  seen = [];
  sockets = 0;
  handler = (_request, response) => response.end('{}');
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      handler(entry, response);
    });
  });
  server.on('connection', () => (sockets += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  http = new HttpTransport({ apiKey: KEY, timeoutMs: 2_000 });
});

afterEach(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

function terminal(accountId = 'acc-1', options: { orderTimeoutMs?: number } = {}): TerminalClient {
  return new TerminalClient({ accountId, restUrl: `${origin}/mt5/${accountId}`, http, ...options });
}

describe('HttpTransport', () => {
  it('sends the standard headers; content-type only with a body', async () => {
    handler = (request, response) =>
      json(response, 200, request.url.includes('OrderSend') ? rawFixture('terminal/order-result-done.json') : rawFixture('terminal/quote.json'));
    await terminal().quote('EURUSD');
    await terminal().orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    const [get, post] = seen;
    expect(get?.headers).toMatchObject({ 'x-api-key': KEY, accept: 'application/json' });
    expect(get?.headers['user-agent']).toMatch(/^fxmirror\/\d+\.\d+\.\d+/);
    expect(get?.headers['content-type']).toBeUndefined();
    expect(get?.headers['authorization']).toBeUndefined();
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
  });

  it('keeps the rest_url path prefix and exact path casing, with query parameters', async () => {
    handler = (_request, response) => json(response, 200, '[]');
    await terminal('a-b').orderHistory({ from: '2026-01-01T00:00:00Z', to: '2026-01-02' });
    const url = new URL(seen[0]?.url ?? '', origin);
    expect(url.pathname).toBe('/mt5/a-b/OrderHistory');
    expect(url.searchParams.get('from')).toBe('2026-01-01T00:00:00Z');
    expect(url.searchParams.get('to')).toBe('2026-01-02');
    await terminal('a-b').orderHistory();
    expect(seen[1]?.url).toBe('/mt5/a-b/OrderHistory');
  });

  it('sends an empty close-all filter as {}', async () => {
    handler = (_request, response) => json(response, 200, rawFixture('terminal/close-all-empty.json'));
    await terminal().closeAll();
    expect(seen[0]?.body).toBe('{}');
  });

  it('shares one keep-alive pool per origin across accounts', async () => {
    handler = (_request, response) => json(response, 200, rawFixture('terminal/account-summary.json'));
    for (let i = 0; i < 10; i += 1) await terminal(`acc-${i % 3}`).accountSummary();
    expect(http.poolCount).toBe(1);
    // Keep-alive reuse: sequential calls do not open a connection each (undici may warm a second one).
    expect(sockets).toBeLessThanOrEqual(2);
  });

  it('a timed-out order call is an unknown outcome and is sent exactly once', async () => {
    handler = () => undefined; // never answers
    const error = await terminal('acc-1', { orderTimeoutMs: 150 })
      .orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect((error as OrderOutcomeUnknownError).code).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toHaveLength(1);
  });

  it('a timed-out read is retryable', async () => {
    handler = () => undefined;
    const error = await new TerminalClient({ accountId: 'a', restUrl: `${origin}/mt5/a`, http, timeoutMs: 100 })
      .accountSummary()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxSocketUnavailableError);
    expect((error as FxSocketUnavailableError).code).toBe('timeout');
  });

  it('a connection reset on an order route is an unknown outcome, not retried', async () => {
    handler = (_request, response) => response.socket?.destroy();
    const error = await terminal()
      .orderClose({ ticket: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(seen).toHaveLength(1);
  });

  it('a refused connection is retryable even for an order (nothing was sent)', async () => {
    const closed = new TerminalClient({ accountId: 'a', restUrl: 'http://127.0.0.1:1/mt5/a', http });
    const error = await closed.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxSocketUnavailableError);
    expect((error as FxSocketUnavailableError).code).toBe('connect_failed');
  });

  it('maps a 401 to auth_failed without leaking the key', async () => {
    handler = (_request, response) => json(response, 401, JSON.stringify({ error: 'MRPC_UNAUTHORIZED', message: `bad key ${KEY}` }));
    const error = await terminal()
      .accountInfo()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxSocketAuthError);
    expect(JSON.stringify({ m: (error as Error).message, c: (error as FxSocketAuthError).context })).not.toContain(KEY);
  });

  it('a 200 order reply that is not JSON is an unknown outcome', async () => {
    handler = (_request, response) => json(response, 200, '<html>ok</html>');
    await expect(terminal().orderModify({ ticket: 5, stopLoss: 1.07 })).rejects.toBeInstanceOf(UnreadableOrderReplyError);
  });

  it('validation failures never reach the network', async () => {
    await expect(terminal().orderModify({ ticket: 5, stopLoss: 0 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(terminal().calcMargin({ symbol: 'EURUSD', operation: 'Buy', volume: 0, price: 1 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(terminal().quote('')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(seen).toHaveLength(0);
  });

  it('refuses calls after close()', async () => {
    await http.close();
    await expect(terminal().accountSummary()).rejects.toMatchObject({ action: 'retry' });
  });
});

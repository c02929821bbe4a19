/** FxSocketClient's account resolution and caching against a loopback fake of the management API. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FatalError } from '../../../src/domain/errors.js';
import {
  DEFAULT_API_URL,
  FxSocketClient,
  FxSocketNotFoundError,
  fxsocketConfigFromEnv,
  TerminalNotReadyError,
} from '../../../src/fxsocket/index.js';
import { fixtureObject } from './fixtures.js';

const POD = fixtureObject('management/account.json');
const BRIDGE = fixtureObject('management/account-bridge.json');

let server: Server;
let origin: string;
let requests: string[];
let client: FxSocketClient;

beforeEach(async () => {
  requests = [];
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const pod = { ...POD, rest_url: `${origin}/mt5/${String(POD['id'])}`, ws_url: `${origin.replace('http', 'ws')}/mt5/${String(POD['id'])}/ws` };
    if (request.url === '/v1/accounts') return send(200, [pod, BRIDGE]);
    if (request.url === `/v1/accounts/${String(POD['id'])}`) return send(200, pod);
    if (request.url === `/v1/accounts/${String(BRIDGE['id'])}`) return send(200, BRIDGE);
    if (request.url?.endsWith('/AccountSummary')) return send(200, { balance: 1 });
    return send(404, { detail: 'Not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new FxSocketClient({ apiKey: 'fxs_live_client_unit', apiUrl: origin });
});

afterEach(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('FxSocketClient', () => {
  it('lists and gets accounts under /v1', async () => {
    expect((await client.listAccounts()).map((account) => account.platform)).toEqual(['mt5', 'mt4']);
    expect((await client.getAccount(String(POD['id']))).login).toBe(1150125);
    await expect(client.getAccount('nope')).rejects.toBeInstanceOf(FxSocketNotFoundError);
    expect(requests).toContain('GET /v1/accounts');
  });

  it('resolves rest_url once and caches the terminal client', async () => {
    const id = String(POD['id']);
    const [a, b] = await Promise.all([client.terminal(id), client.terminal(id)]);
    expect(a).toBe(b);
    expect(await client.terminal(id)).toBe(a);
    expect((await a.accountSummary()).balance).toBe(1);
    expect(requests.filter((line) => line === `GET /v1/accounts/${id}`)).toHaveLength(1);
    expect(requests).toContain(`GET /mt5/${id}/AccountSummary`);
    expect(client.http.poolCount).toBe(1);
  });

  it('an account without a terminal is retryable terminal_unavailable, and is looked up again', async () => {
    const id = String(BRIDGE['id']);
    await expect(client.terminal(id)).rejects.toBeInstanceOf(TerminalNotReadyError);
    await expect(client.terminal(id)).rejects.toMatchObject({ code: 'terminal_unavailable', action: 'retry' });
    await expect(client.stream(id)).rejects.toMatchObject({ code: 'terminal_unavailable' });
    expect(requests.filter((line) => line === `GET /v1/accounts/${id}`)).toHaveLength(3);
  });

  it('creates unstarted streams on ws_url', async () => {
    const stream = await client.stream(String(POD['id']));
    expect(stream.connected).toBe(false);
    expect(stream.url).toMatch(/\/mt5\/.+\/ws$/);
  });
});

describe('fxsocketConfigFromEnv', () => {
  it('defaults the URL and requires the key', () => {
    expect(fxsocketConfigFromEnv({ FXSOCKET_API_KEY: 'fxs_live_x' })).toEqual({
      apiUrl: DEFAULT_API_URL,
      apiKey: 'fxs_live_x',
      insecureTls: false,
    });
    expect(() => fxsocketConfigFromEnv({})).toThrow(FatalError);
    expect(() => fxsocketConfigFromEnv({})).toThrow(/FXSOCKET_API_KEY/);
    expect(() => fxsocketConfigFromEnv({ FXSOCKET_API_KEY: 'k', FXSOCKET_API_URL: 'ftp://x' })).toThrow(/FXSOCKET_API_URL/);
  });

  it('reads the insecure-TLS switch as a flag or a host list', () => {
    expect(fxsocketConfigFromEnv({ FXSOCKET_API_KEY: 'k', FXSOCKET_INSECURE_TLS: 'true' }).insecureTls).toBe(true);
    expect(fxsocketConfigFromEnv({ FXSOCKET_API_KEY: 'k', FXSOCKET_INSECURE_TLS: '10.0.0.5, 10.0.0.6:8443' }).insecureTls).toEqual([
      '10.0.0.5',
      '10.0.0.6:8443',
    ]);
  });
});

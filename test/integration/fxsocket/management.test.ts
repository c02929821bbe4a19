/** Management API v1 through FxSocketClient against the simulator (§2). */
import { afterEach, describe, expect, it } from 'vitest';

import {
  FxSocketAuthError,
  FxSocketForbiddenError,
  FxSocketNotFoundError,
  FxSocketRequestError,
  TerminalClient,
  TerminalNotReadyError,
} from '../../../src/fxsocket/index.js';
import { rejection, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('accounts', () => {
  it('lists every account with terminal URLs on the simulator origin', async () => {
    h = await startHarness();
    const accounts = await h.client.listAccounts();
    expect(accounts.map((a) => a.nickname).sort()).toEqual(['apex-follower', 'master', 'mt4-follower', 'raw-follower']);
    const mt4 = accounts.find((a) => a.nickname === 'mt4-follower');
    expect(mt4).toMatchObject({ platform: 'mt4', status: 'connected', proxy_local_port: null });
    expect(mt4?.rest_url).toBe(`${h.sim.url}/mt4/${mt4?.id}`);
    expect(mt4?.ws_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mt4\/.+\/ws$/);
    expect(accounts.every((a) => /Z$/.test(a.created_at))).toBe(true);
  });

  it('gets one account; an unknown id is a typed 404', async () => {
    h = await startHarness();
    const master = await h.client.getAccount(h.id('master'));
    expect(master).toMatchObject({ nickname: 'master', platform: 'mt5', server: 'DemoMarkets-Live', error: '' });
    const error = await rejection(h.client.getAccount('00000000-0000-0000-0000-000000000000'));
    expect(error).toBeInstanceOf(FxSocketNotFoundError);
    expect(error).toMatchObject({ action: 'reject', context: { status: 404 } });
  });

  it('an account still connecting has no URLs: terminal() is a retryable terminal_unavailable', async () => {
    h = await startHarness();
    h.sim.account('raw-follower').setStatus('connecting');
    const raw = await h.client.getAccount(h.id('raw-follower'));
    expect(raw).toMatchObject({ status: 'connecting', rest_url: '', ws_url: '' });
    const error = await rejection(h.client.terminal(h.id('raw-follower')));
    expect(error).toBeInstanceOf(TerminalNotReadyError);
    expect(error).toMatchObject({ code: 'terminal_unavailable', action: 'retry' });
    h.sim.account('raw-follower').setStatus('connected');
    await expect(h.client.terminal(h.id('raw-follower'))).resolves.toBeDefined();
  });
});

describe('authentication', () => {
  it('a bad key is a typed 401 (stop) on management and terminal routes', async () => {
    h = await startHarness();
    const terminal = await h.client.terminal(h.id('master'));
    const bad = h.clientWithKey('fxs_live_wrong_key_123');
    const onList = await rejection(bad.listAccounts());
    expect(onList).toBeInstanceOf(FxSocketAuthError);
    expect(onList).toMatchObject({ code: 'auth_failed', action: 'stop', context: { status: 401 } });
    expect((onList as Error).message).not.toContain('fxs_live_wrong_key_123');

    // A bad key cannot read the account either, so its terminal is addressed with the URL the good key resolved.
    const direct = new TerminalClient({ accountId: terminal.accountId, restUrl: terminal.restUrl, http: bad.http });
    const onTerminal = await rejection(direct.accountSummary());
    expect(onTerminal).toBeInstanceOf(FxSocketAuthError);
    expect(onTerminal).toMatchObject({ context: { wireCode: 'MRPC_UNAUTHORIZED', status: 401 } });
  });

  it('a read-only key reads but is refused on batches with a typed 403', async () => {
    h = await startHarness();
    const ro = h.clientWithKey('fxs_ro_demo');
    expect((await ro.listAccounts()).length).toBe(4);
    const place = await rejection(
      ro.placeOrders({ orders: [{ account_id: h.id('master'), symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }] }, {}),
    );
    expect(place).toBeInstanceOf(FxSocketForbiddenError);
    expect(place).toMatchObject({ code: 'read_only', action: 'stop', context: { status: 403, wireCode: 'read_only' } });
    const close = await rejection(ro.closeOrders({ accounts: [{ account_id: h.id('master') }], defaults: { symbol: '*' } }, {}));
    expect(close).toBeInstanceOf(FxSocketForbiddenError);
    expect(h.sim.account('master').positions()).toEqual([]);
  });

  it('a read-only key reads a terminal but cannot trade on it', async () => {
    h = await startHarness();
    const ro = h.clientWithKey('fxs_ro_demo');
    const terminal = await ro.terminal(h.id('master'));
    expect((await terminal.accountSummary()).balance).toBe(10_000);
    const send = await rejection(terminal.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }));
    // The simulator answers 401 MRPC_UNAUTHORIZED here (the contract documents no terminal code for this case).
    expect(send).toBeInstanceOf(FxSocketAuthError);
    expect(h.sim.account('master').positions()).toEqual([]);
  });

  it('a scoped read-only key sees only its accounts', async () => {
    h = await startHarness({ apiKeys: { full: ['fxs_live_demo'], readOnly: [{ key: 'fxs_ro_scoped', scope: ['master'] }] } });
    const scoped = h.clientWithKey('fxs_ro_scoped');
    expect((await scoped.listAccounts()).map((a) => a.nickname)).toEqual(['master']);
    await expect(scoped.getAccount(h.id('apex-follower'))).rejects.toBeInstanceOf(FxSocketNotFoundError);
  });
});

describe('batch validation reaches the server only when valid', () => {
  it('an unknown account is a whole-batch 400 unknown_account', async () => {
    h = await startHarness();
    const error = await rejection(
      h.client.placeOrders(
        { orders: [{ account_id: '00000000-0000-0000-0000-000000000000', symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }] },
        {},
      ),
    );
    expect(error).toBeInstanceOf(FxSocketRequestError);
    expect(error).toMatchObject({ code: 'unknown_account', action: 'reject' });
  });

  it('require_reachable turns an unreachable account into a whole-batch 400 unreachable_account', async () => {
    h = await startHarness();
    h.sim.account('apex-follower').setStatus('disconnected');
    const orders = [
      { account_id: h.id('master'), symbol: 'EURUSD', operation: 'Buy', volume: 0.1 },
      { account_id: h.id('apex-follower'), symbol: 'EURUSDm', operation: 'Buy', volume: 0.1 },
    ];
    const error = await rejection(h.client.placeOrders({ orders, require_reachable: true }, {}));
    expect(error).toMatchObject({ code: 'unreachable_account' });
    expect(h.sim.account('master').positions()).toEqual([]);
    const reply = await h.client.placeOrders({ orders }, {});
    expect(reply.results.map((r) => r.status)).toEqual(['filled', 'unreachable']);
  });
});

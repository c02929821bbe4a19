/** Every terminal REST endpoint through TerminalClient against the simulator (§3). */
import { afterEach, describe, expect, it } from 'vitest';

import {
  FxSocketRequestError,
  FxSocketUnavailableError,
  OrderOutcomeUnknownError,
  SymbolInfoSchema,
  TerminalNotReadyError,
  type TerminalClient,
} from '../../../src/fxsocket/index.js';
import { rejection, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function masterTerminal(): Promise<TerminalClient> {
  h = await startHarness();
  return h.client.terminal(h.id('master'));
}

describe('account state and market data', () => {
  it('reads summary, info, timezone, symbols, symbol info, quote, margin and status', async () => {
    const t = await masterTerminal();
    expect(await t.accountSummary()).toMatchObject({ balance: 10_000, equity: 10_000, freeMargin: 10_000, currency: 'USD', leverage: 100 });
    expect(await t.accountInfo()).toMatchObject({ server: 'DemoMarkets-Live', marginMode: 'Hedging', tradeAllowed: true, company: 'Demo Markets Ltd.' });
    expect(await t.serverTimezone()).toMatchObject({ utcOffsetSeconds: 7200, serverTime: expect.stringMatching(/Z$/) as unknown });
    expect(await t.symbols()).toEqual(['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US30', 'DE40']);

    const info = await t.symbolInfo('EURUSD');
    expect(info).toMatchObject({ symbol: 'EURUSD', digits: 5, volumeMin: 0.01, volumeStep: 0.01, volumeMax: 100, stopsLevel: 10, tradeMode: 'Full' });
    expect(info.sessions.length).toBeGreaterThan(0);
    expect(info.sessions[0]).toMatchObject({ day: expect.stringMatching(/DAY$/) as unknown, from: expect.stringMatching(/^\d\d:\d\d$/) as unknown });
    expect(Array.isArray(info.commissions)).toBe(true);

    const quote = await t.quote('EURUSD');
    expect(quote.symbol).toBe('EURUSD');
    expect(quote.ask).toBeGreaterThan(quote.bid);

    const margin = await t.calcMargin({ symbol: 'EURUSD', operation: 'buy', volume: 1, price: 1.1 });
    expect(margin).toMatchObject({ symbol: 'EURUSD', operation: 'Buy', volume: 1, price: 1.1, currency: 'USD' });
    expect(margin.margin).toBeGreaterThan(0);

    expect(await t.status()).toMatchObject({ status: 'ready', bridge: { tradeEaReady: true }, account: { loggedIn: true } });
    expect(await t.openedOrders()).toEqual([]);
  });

  it('keeps the MT4 platform quirks (Hedging, 0 deal, position = ticket)', async () => {
    h = await startHarness();
    const t = await h.client.terminal(h.id('mt4-follower'));
    expect((await t.accountInfo()).marginMode).toBe('Hedging');
    const sent = await t.orderSend({ symbol: 'EURUSDi', operation: 'Buy', volume: 0.1 });
    expect(sent).toMatchObject({ success: true, outcome: 'applied', retcode: 10009, deal: 0 });
    expect((await t.openedOrders())[0]?.ticket).toBe(sent.order);
  });

  it('an unlisted symbol is a typed terminal error (500 MRPC)', async () => {
    const t = await masterTerminal();
    const error = await rejection(t.symbolInfo('NOPE'));
    expect(error).toBeInstanceOf(FxSocketUnavailableError);
    expect(error).toMatchObject({ code: 'terminal_error', context: { status: 500, wireCode: 'MRPC' } });
  });

  it('a request the terminal refuses is a typed 400 MRPC_VALIDATION', async () => {
    const t = await masterTerminal();
    const error = await rejection(
      h.client.http.requestJson(SymbolInfoSchema, {
        kind: 'read',
        family: 'terminal',
        method: 'GET',
        path: '/OrderCalcMargin',
        baseUrl: t.restUrl,
        query: { symbol: 'EURUSD', operation: 'Buy' },
      }),
    );
    expect(error).toBeInstanceOf(FxSocketRequestError);
    expect(error).toMatchObject({ code: 'invalid_request', context: { wireCode: 'MRPC_VALIDATION', commandId: expect.any(Number) as unknown } });
  });
});

describe('trading', () => {
  it('sends, modifies (keep / set / clear / no change), partially and fully closes', async () => {
    const t = await masterTerminal();
    const quote = await t.quote('EURUSD');
    const sent = await t.orderSend({
      symbol: 'EURUSD',
      operation: 'buy',
      volume: 0.1,
      stopLoss: Number((quote.bid - 0.005).toFixed(5)),
      takeProfit: Number((quote.ask + 0.005).toFixed(5)),
      comment: 'fxm:test',
      expertId: 4242,
    });
    expect(sent).toMatchObject({ success: true, outcome: 'applied', retcode: 10009, volume: 0.1 });
    expect(sent.deal).toBeGreaterThan(0);
    const ticket = sent.order;
    const [row] = await t.openedOrders();
    expect(row).toMatchObject({ ticket, kind: 'Position', type: 'Buy', lots: 0.1, magic: 4242, comment: 'fxm:test' });

    const newSl = Number((quote.bid - 0.004).toFixed(5));
    expect(await t.orderModify({ ticket, stopLoss: newSl })).toMatchObject({ success: true, retcode: 10009 });
    let [after] = await t.openedOrders();
    expect(after).toMatchObject({ stopLoss: newSl, takeProfit: row?.takeProfit });

    // Re-sending what is in effect: 10025, "effective" (§3.5).
    expect(await t.orderModify({ ticket, stopLoss: newSl })).toMatchObject({ success: false, outcome: 'no_change', retcode: 10025 });

    expect(await t.orderModify({ ticket }, { clearTakeProfit: true })).toMatchObject({ success: true });
    [after] = await t.openedOrders();
    expect(after).toMatchObject({ stopLoss: newSl, takeProfit: 0 });

    expect(await t.orderClose({ ticket, volume: 0.04 })).toMatchObject({ success: true, volume: 0.04 });
    expect((await t.openedOrders())[0]?.lots).toBe(0.06);
    expect(await t.orderClose({ ticket })).toMatchObject({ success: true, volume: 0.06 });
    expect(await t.openedOrders()).toEqual([]);

    const history = await t.orderHistory();
    expect(history.map((deal) => deal.entry)).toEqual(['In', 'Out', 'Out']);
    expect(new Set(history.map((deal) => deal.position))).toEqual(new Set([ticket]));
    expect(history[0]).toMatchObject({ magic: 4242, comment: 'fxm:test', type: 'Buy' });
    expect(history[1]?.type).toBe('Sell');

    const ranged = await t.orderHistory({ from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' });
    expect(ranged).toHaveLength(3);
    expect(await t.orderHistory({ from: '2026-11-26T00:00:00Z' })).toEqual([]);
  });

  it('places and deletes a pending order; close-all with filters', async () => {
    const t = await masterTerminal();
    const quote = await t.quote('EURUSD');
    const pending = await t.orderSend({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.1, price: Number((quote.ask - 0.01).toFixed(5)) });
    expect(pending).toMatchObject({ success: true, retcode: 10008, deal: 0 });
    await t.orderSend({ symbol: 'EURUSD', operation: 'Sell', volume: 0.2, expertId: 7 });
    await t.orderSend({ symbol: 'GBPUSD', operation: 'Buy', volume: 0.3 });
    expect((await t.openedOrders()).map((o) => o.kind).sort()).toEqual(['Pending', 'Position', 'Position']);

    const bySymbolMagic = await t.closeAll({ symbol: 'EURUSD', magic: 7 });
    expect(bySymbolMagic).toMatchObject({ requested: 1, closed: 1, failed: 0 });
    const rest = await t.closeAll({ deletePending: true });
    expect(rest.results.map((r) => r.kind).sort()).toEqual(['pending', 'position']);
    expect(await t.openedOrders()).toEqual([]);
    expect(await t.closeAll()).toMatchObject({ requested: 0, closed: 0, results: [] });
  });
});

describe('unknown outcomes and not-ready terminals', () => {
  it('504 MRPC_TIMEOUT after execution: unknown outcome, and the order did execute', async () => {
    const t = await masterTerminal();
    h.sim.account('master').faults.set({ timeout504Executed: 1 });
    const error = await rejection(t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, comment: 'fxm:x' }));
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'terminal_timeout', action: 'unknown', context: { wireCode: 'MRPC_TIMEOUT' } });
    // Reconcile by reading: the order is there (§3.8).
    expect((await t.openedOrders()).map((o) => o.comment)).toEqual(['fxm:x']);
  });

  it('a client timeout on an order is an unknown outcome; it is not re-sent', async () => {
    h = await startHarness({}, { orderTimeoutMs: 150 });
    const t = await h.client.terminal(h.id('master'));
    let sends = 0;
    h.sim.internals.server.on('request', (request: { url?: string }) => {
      if (request.url?.endsWith('/OrderSend') === true) sends += 1;
    });
    h.sim.account('master').faults.set({ latencyMs: 400 });
    const error = await rejection(t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }));
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'timeout', context: { timeoutMs: 150 } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sends).toBe(1);
    h.sim.account('master').faults.clear();
    // Whatever the terminal did with the abandoned call, reconciliation reads at most one position.
    expect((await t.openedOrders()).length).toBeLessThanOrEqual(1);
  });

  it('503 before the trade EA is ready: retryable, not executed; reads still work', async () => {
    const t = await masterTerminal();
    h.sim.account('master').faults.set({ startingForMs: 60_000 });
    const error = await rejection(t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 }));
    expect(error).toBeInstanceOf(TerminalNotReadyError);
    expect(error).toMatchObject({ code: 'terminal_not_ready', action: 'retry', context: { status: 503 } });
    expect((await t.status()).status).toBe('starting');
    expect(await t.openedOrders()).toEqual([]);
    h.clock.advance(60_000);
    await expect(t.orderSend({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 })).resolves.toMatchObject({ success: true });
  });

  it('envelope-less 5xx: unknown on orders, retryable on reads; with an MRPC envelope: terminal_error', async () => {
    const t = await masterTerminal();
    h.sim.account('master').faults.set({ error5xxRate: 1, error5xxEnvelope: false });
    expect(await rejection(t.orderClose({ ticket: 123 }))).toMatchObject({ action: 'unknown', code: 'server_error' });
    expect(await rejection(t.accountSummary())).toMatchObject({ action: 'retry', code: 'server_error' });
    h.sim.account('master').faults.set({ error5xxEnvelope: true });
    expect(await rejection(t.orderModify({ ticket: 1, stopLoss: 1 }))).toMatchObject({ action: 'unknown', code: 'terminal_error' });
  });

  it('a disconnected terminal answers an envelope-less 502: retryable read', async () => {
    const t = await masterTerminal();
    h.sim.account('master').setStatus('disconnected');
    const error = await rejection(t.accountSummary());
    expect(error).toBeInstanceOf(FxSocketUnavailableError);
    expect(error).toMatchObject({ context: { status: 502 } });
  });
});

import { describe, expect, it } from 'vitest';

import {
  AccountInfoSchema,
  AccountListSchema,
  AccountSchema,
  AccountSummarySchema,
  CloseAllSummarySchema,
  CloseBatchReplySchema,
  HealthChecksSchema,
  HealthSchema,
  HistoryTradeListSchema,
  ManagementErrorEnvelopeSchema,
  MarginCalcSchema,
  OpenedOrderListSchema,
  OrderBatchReplySchema,
  OrderResultSchema,
  QuoteSchema,
  ServerTimezoneSchema,
  SymbolInfoSchema,
  SymbolListSchema,
  TerminalErrorEnvelopeSchema,
} from '../../../src/fxsocket/index.js';
import { fixture, fixtureObject } from './fixtures.js';

describe('management schemas', () => {
  it('parses the account list, defaulting missing fields and passing unknown enums through', () => {
    const accounts = AccountListSchema.parse(fixture('management/accounts.json'));
    expect(accounts).toHaveLength(4);
    const [pod, proxied, bridge, future] = accounts;
    expect(pod).toMatchObject({ platform: 'mt5', status: 'connected', login: 1150125, proxy_local_port: null, proxy_address: '' });
    expect(proxied).toMatchObject({ proxy_type: 'socks5', proxy_local_port: 1080, trade_ea_symbol: 'EURUSDm' });
    expect(bridge).toMatchObject({ platform: 'mt4', status: 'connecting', rest_url: '', ws_url: '' });
    expect(future).toMatchObject({ platform: 'mt6', status: 'migrating', nickname: '', server: '', error: '', created_at: '' });
    // Unknown fields are dropped, not kept.
    expect(future).not.toHaveProperty('tier');
  });

  it('parses a mixed order batch reply positionally', () => {
    const reply = OrderBatchReplySchema.parse(fixture('management/orders-reply-mixed.json'));
    expect(reply.idempotent_replay).toBe(false);
    expect(reply.results.map((leg) => leg.status)).toEqual([
      'filled',
      'filled',
      'rejected',
      'invalid',
      'unavailable',
      'unreachable',
      'timeout',
    ]);
    expect(reply.results[1]).toMatchObject({ retcode: 10010, volume: 0.05 });
    expect(reply.results[2]).toMatchObject({ retcode: 10019, order: 0 });
    expect(reply.summary).toEqual({ requested: 7, filled: 2, failed: 4, unknown: 1 });
  });

  it('parses a replay and a future reply shape', () => {
    expect(OrderBatchReplySchema.parse(fixture('management/orders-reply-replay.json')).idempotent_replay).toBe(true);
    const future = OrderBatchReplySchema.parse(fixture('management/orders-reply-future.json'));
    expect(future.idempotent_replay).toBe(false);
    expect(future.summary).toEqual({ requested: 1, filled: 0, failed: 0, unknown: 0 });
    expect(future.results[0]).toMatchObject({ status: 'queued', retcode: 0, message: '', volume: 0 });
  });

  it('refuses a batch reply without its positional results', () => {
    const body = { ...fixtureObject('management/orders-reply-mixed.json') };
    delete body['results'];
    expect(OrderBatchReplySchema.safeParse(body).success).toBe(false);
  });

  it('parses close replies with per-ticket outcomes and unknown leg statuses', () => {
    const reply = CloseBatchReplySchema.parse(fixture('management/close-reply.json'));
    expect(reply.summary).toEqual({ accounts: 4, matched: 4, closed: 1, failed: 1, unknown: 1, accounts_unknown: 1 });
    expect(reply.results.map((leg) => leg.status)).toEqual(['partial', 'nothing_matched', 'timeout', 'quarantined']);
    expect(reply.results[0]?.results.map((t) => t.status)).toEqual(['closed', 'timeout', 'rejected']);
    expect(reply.results[0]?.results[1]?.kind).toBe('pending');
    expect(reply.results[2]?.platform).toBe('');
    expect(CloseBatchReplySchema.parse(fixture('management/close-reply-replay.json')).idempotent_replay).toBe(true);
  });

  it('keeps extra envelope fields', () => {
    const envelope = ManagementErrorEnvelopeSchema.parse(fixture('management/errors/account-cap-402.json'));
    expect(envelope).toMatchObject({ error: 'account_cap_reached', cap: 3, current: 3, message: '' });
    expect(ManagementErrorEnvelopeSchema.parse(fixture('management/errors/no-subscription-402.json')).error).toBe('');
  });

  it('rejects wrong JSON types instead of coercing them', () => {
    const result = AccountSchema.safeParse({ ...fixtureObject('management/account.json'), login: '1150125' });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0]?.path).toEqual(['login']);
  });
});

describe('terminal schemas', () => {
  it('parses account state and defaults missing numbers to 0', () => {
    expect(AccountSummarySchema.parse(fixture('terminal/account-summary.json')).freeMargin).toBe(99512.5);
    const partial = AccountSummarySchema.parse(fixture('terminal/account-summary-partial.json'));
    expect(partial).toEqual({
      balance: 5000,
      credit: 0,
      profit: 0,
      equity: 5000,
      margin: 0,
      freeMargin: 0,
      marginLevel: 0,
      leverage: 0,
      currency: 'EUR',
      type: '',
    });
  });

  it('parses account info incl. margin modes, unknown ones passing through', () => {
    expect(AccountInfoSchema.parse(fixture('terminal/account-info.json')).marginMode).toBe('Hedging');
    expect(AccountInfoSchema.parse(fixture('terminal/account-info-netting.json')).marginMode).toBe('Netting');
    const future = AccountInfoSchema.parse(fixture('terminal/account-info-future-mode.json'));
    expect(future).toMatchObject({ marginMode: 'Portfolio', tradeAllowed: true, fifoClose: false, company: '' });
  });

  it('parses opened orders: positions, pendings, unknown kinds, defaults', () => {
    const rows = OpenedOrderListSchema.parse(fixture('terminal/opened-orders.json'));
    expect(rows.map((row) => row.kind)).toEqual(['Position', 'Pending', 'Pending', 'Basket']);
    expect(rows[1]).toMatchObject({ stopLoss: 1.06, takeProfit: 1.09, magic: 1000999, comment: 'fxm:abc' });
    expect(rows[3]).toMatchObject({ stopLoss: 0, takeProfit: 0, magic: 0, comment: '', openTime: '', currentPrice: 0 });
    expect(typeof rows[0]?.openTime).toBe('string');
  });

  it('parses history: a missing position defaults to 0, unknown entries pass through', () => {
    const rows = HistoryTradeListSchema.parse(fixture('terminal/order-history.json'));
    expect(rows[0]?.position).toBe(13173524);
    expect(rows[1]?.position).toBe(0);
    expect(rows.map((row) => row.entry)).toEqual(['Out', 'In', 'InOut', 'Balance']);
    expect(rows[3]).toMatchObject({ magic: 0, comment: '', commission: 0 });
  });

  it('parses symbol info with sessions and commissions, and an old bridge without them', () => {
    const info = SymbolInfoSchema.parse(fixture('terminal/symbol-info.json'));
    expect(info).toMatchObject({ volumeMin: 0.01, volumeStep: 0.01, stopsLevel: 10, freezeLevel: 5, tradeMode: 'Full' });
    expect(info.sessions).toEqual([
      { day: 'MONDAY', from: '00:00', to: '24:00' },
      { day: 'FRIDAY', from: '00:00', to: '12:00' },
      { day: 'FRIDAY', from: '13:00', to: '23:57' },
    ]);
    expect(info.commissions[0]?.tiers[0]).toMatchObject({ value: 3.5, rangeTo: 0 });
    const old = SymbolInfoSchema.parse(fixture('terminal/symbol-info-old-bridge.json'));
    expect(old).toMatchObject({ sessions: [], commissions: [], tradeMode: 'CloseOnly' });
  });

  it('parses quotes, margin, timezone, symbols', () => {
    expect(QuoteSchema.parse(fixture('terminal/quote.json'))).toMatchObject({ bid: 1.0849, ask: 1.0851 });
    expect(MarginCalcSchema.parse(fixture('terminal/margin-calc.json')).margin).toBe(540);
    expect(ServerTimezoneSchema.parse(fixture('terminal/server-timezone.json')).utcOffsetSeconds).toBe(7200);
    expect(SymbolListSchema.parse(fixture('terminal/symbols.json'))).toContain('EURUSD.sd');
  });

  it.each([
    ['order-result-done', true, 'applied', 10009],
    ['order-result-placed', true, 'applied', 10008],
    ['order-result-partial', false, 'partial', 10010],
    ['order-result-no-change', false, 'no_change', 10025],
    ['order-result-rejected', false, 'rejected', 10019],
    ['order-result-old-bridge', true, '', 10009],
    ['order-result-future-outcome', false, 'queued', 10099],
  ])('parses %s', (name, success, outcome, retcode) => {
    expect(OrderResultSchema.parse(fixture(`terminal/${name}.json`))).toMatchObject({ success, outcome, retcode });
  });

  it('parses close-all summaries', () => {
    const summary = CloseAllSummarySchema.parse(fixture('terminal/close-all.json'));
    expect(summary).toMatchObject({ requested: 3, closed: 2, failed: 1 });
    expect(summary.results[2]).toMatchObject({ success: false, retcode: 10018 });
    expect(CloseAllSummarySchema.parse(fixture('terminal/close-all-empty.json')).results).toEqual([]);
  });

  it('parses health; a missing heartbeat age means never registered (-1)', () => {
    const health = HealthSchema.parse(fixture('terminal/health.json'));
    expect(health.bridge.tradeEaHeartbeatAgeMs).toBe(8);
    const old = HealthSchema.parse(fixture('terminal/health-old-bridge.json'));
    expect(old.bridge.tradeEaHeartbeatAgeMs).toBe(-1);
    expect(old.account).toEqual({ loggedIn: false, login: 0, currency: '', type: '', tradeAllowed: false });
    expect(HealthChecksSchema.parse(fixture('terminal/health-checks-starting.json')).account).toBe(false);
  });

  it('parses the terminal error envelope', () => {
    expect(TerminalErrorEnvelopeSchema.parse(fixture('terminal/errors/validation-400.json'))).toMatchObject({
      error: 'MRPC_VALIDATION',
      command_id: 4711,
    });
  });

  it('refuses an opened-orders reply that is not a list', () => {
    expect(OpenedOrderListSchema.safeParse({ ticket: 1 }).success).toBe(false);
    expect(OpenedOrderListSchema.safeParse(null).success).toBe(false);
  });

  it('refuses a fractional ticket', () => {
    expect(OpenedOrderListSchema.safeParse([{ ticket: 1.5 }]).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';

import type { CloseLeg, OrderLeg } from '../../../src/engine/ports.js';
import {
  buildCloseBatchBody,
  buildOrderBatchBody,
  checkIdempotencyKey,
  FxSocketRequestError,
  type CloseBatchRequest,
  type OrderBatchRequest,
} from '../../../src/fxsocket/index.js';

const A1 = 'd04096e8-79cd-4078-bc8c-0fd245198938';
const A2 = '11111111-1111-1111-1111-111111111111';

function orderError(request: unknown): FxSocketRequestError {
  try {
    buildOrderBatchBody(request as OrderBatchRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(FxSocketRequestError);
    expect((error as FxSocketRequestError).code).toBe('invalid_request');
    expect((error as FxSocketRequestError).action).toBe('reject');
    return error as FxSocketRequestError;
  }
  throw new Error('expected a validation error');
}

function closeError(request: unknown): FxSocketRequestError {
  try {
    buildCloseBatchBody(request as CloseBatchRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(FxSocketRequestError);
    return error as FxSocketRequestError;
  }
  throw new Error('expected a validation error');
}

const buy = { symbol: 'EURUSD', operation: 'Buy', volume: 0.1 };

describe('buildOrderBatchBody', () => {
  it('merges nothing itself: legs and defaults go out as given, absent keys omitted', () => {
    const body = buildOrderBatchBody({
      orders: [
        { account_id: A1, volume: 0.1, comment: undefined } as unknown as OrderLeg,
        { account_id: A2, volume: 0.2, expert_id: 7, slippage: 0 } as OrderLeg,
      ],
      defaults: { symbol: 'EURUSD', operation: 'buy', stop_loss: 1.07 },
    });
    expect(body).toEqual({
      orders: [
        { account_id: A1, volume: 0.1 },
        { account_id: A2, volume: 0.2, expert_id: 7, slippage: 0 },
      ],
      defaults: { symbol: 'EURUSD', operation: 'Buy', stop_loss: 1.07 },
    });
  });

  it('canonicalizes operation spellings and sends require_reachable only when true', () => {
    const body = buildOrderBatchBody({
      orders: [{ account_id: A1, symbol: 'EURUSD', operation: 'SELL-STOP-LIMIT', volume: 1, price: 1.1, stop_limit_price: 1.09 }],
      require_reachable: true,
    });
    expect(body).toEqual({
      orders: [{ account_id: A1, symbol: 'EURUSD', operation: 'SellStopLimit', volume: 1, price: 1.1, stop_limit_price: 1.09 }],
      require_reachable: true,
    });
    expect(buildOrderBatchBody({ orders: [{ account_id: A1, ...buy }], require_reachable: false })).not.toHaveProperty(
      'require_reachable',
    );
  });

  it('lets a falsy leg value win over the default', () => {
    const body = buildOrderBatchBody({ orders: [{ account_id: A1, ...buy, slippage: 0 }], defaults: { slippage: 20 } });
    expect((body['orders'] as Record<string, unknown>[])[0]?.['slippage']).toBe(0);
  });

  it('refuses bad batches before the network', () => {
    expect(orderError({ orders: [] }).message).toMatch(/at least one leg/);
    expect(orderError({ orders: [{ account_id: A1 }], defaults: { symbol: 'EURUSD', operation: 'Buy' } }).message).toMatch(
      /orders\[0\]: volume is required/,
    );
    expect(orderError({ orders: [{ account_id: A1, ...buy, volume: 0 }] }).message).toMatch(/volume must be > 0/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, volume: -1 }] }).message).toMatch(/volume must be > 0/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, operation: 'BuyLimit' }] }).message).toMatch(/price is required/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, operation: 'BuyLimit', price: 0 }] }).message).toMatch(
      /price is required/,
    );
    expect(
      orderError({ orders: [{ account_id: A1, ...buy, operation: 'BuyStopLimit', price: 1.2 }] }).message,
    ).toMatch(/stop_limit_price is required/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, operation: 'teleport' }] }).message).toMatch(/unknown operation/);
    expect(orderError({ orders: [{ account_id: A1, volume: 0.1, operation: 'Buy' }] }).message).toMatch(/symbol is required/);
    expect(orderError({ orders: [{ account_id: '', ...buy }] }).message).toMatch(/account_id is required/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, lots: 1 }] }).message).toMatch(/orders\[0\]: unknown field lots/);
    expect(orderError({ orders: [{ account_id: A1, ...buy }], defaults: { magic: 1 } }).message).toMatch(
      /defaults: unknown field magic/,
    );
    expect(orderError({ orders: [{ account_id: A1, ...buy }], extra: true }).message).toMatch(/request: unknown field extra/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, stop_loss: -1 }] }).message).toMatch(/stop_loss must be >= 0/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, slippage: 1.5 }] }).message).toMatch(/slippage must be an integer/);
    expect(orderError({ orders: [{ account_id: A1, ...buy, volume: '0.1' }] }).message).toMatch(/volume must be a number/);
    expect(orderError({ orders: [null] }).message).toMatch(/orders\[0\]: must be an object/);
  });

  it('validates every leg: one bad leg fails the whole batch', () => {
    expect(orderError({ orders: [{ account_id: A1, ...buy }, { account_id: A2, ...buy, volume: 0 }] }).message).toMatch(
      /orders\[1\]/,
    );
  });
});

describe('buildCloseBatchBody', () => {
  it('sends selector legs and ticket legs', () => {
    const body = buildCloseBatchBody({
      accounts: [
        { account_id: A1, side: 'short', volume: 0.05 },
        { account_id: A2, tickets: [11, 12], slippage: 20 },
      ],
      defaults: { symbol: 'EURUSD', symbol_match: 'base', kind: 'any', magic: 0 },
    });
    expect(body).toEqual({
      accounts: [
        { account_id: A1, side: 'short', volume: 0.05 },
        { account_id: A2, tickets: [11, 12], slippage: 20 },
      ],
      defaults: { symbol: 'EURUSD', symbol_match: 'base', kind: 'any', magic: 0 },
    });
  });

  it('accepts the literal star', () => {
    expect(buildCloseBatchBody({ accounts: [{ account_id: A1 }], defaults: { symbol: '*' } })).toEqual({
      accounts: [{ account_id: A1 }],
      defaults: { symbol: '*' },
    });
  });

  it('refuses bad close batches before the network', () => {
    expect(closeError({ accounts: [{ account_id: A1 }] }).message).toMatch(/accounts\[0\]: symbol \(or tickets\) is required/);
    expect(closeError({ accounts: [{ account_id: A1, symbol: 'EURUSD', tickets: [1] }] }).message).toMatch(
      /tickets cannot be combined with symbol/,
    );
    expect(closeError({ accounts: [{ account_id: A1, tickets: [1], magic: 0 }] }).message).toMatch(/combined with magic/);
    expect(closeError({ accounts: [{ account_id: A1, tickets: [] }] }).message).toMatch(/non-empty/);
    expect(closeError({ accounts: [{ account_id: A1, tickets: [0] }] }).message).toMatch(/integers >= 1/);
    expect(closeError({ accounts: [{ account_id: A1, tickets: [1.5] }] }).message).toMatch(/integers >= 1/);
    expect(closeError({ accounts: [{ account_id: A1, symbol: 'EURUSD', volume: 0 }] }).message).toMatch(/volume must be > 0/);
    expect(closeError({ accounts: [{ account_id: A1, symbol: 'EURUSD', side: 'up' }] }).message).toMatch(
      /side must be one of long, short, any/,
    );
    expect(closeError({ accounts: [{ account_id: A1, symbol: 'EURUSD', kind: 'both' }] }).message).toMatch(/kind must be one of/);
    expect(closeError({ accounts: [{ account_id: A1, symbol: 'EURUSD', symbol_match: 'fuzzy' }] }).message).toMatch(
      /symbol_match must be one of exact, base/,
    );
    expect(closeError({ accounts: [] }).message).toMatch(/at least one entry/);
    expect(closeError({ accounts: [{ account_id: A1, tickets: [1], foo: 2 } as unknown as CloseLeg] }).message).toMatch(
      /unknown field foo/,
    );
    expect(closeError({ accounts: [{ account_id: A1 }], defaults: { symbol: '*', tickets: [1] } }).message).toMatch(
      /defaults: unknown field tickets/,
    );
  });

  it('allows volume and slippage with tickets (partial close by ticket)', () => {
    expect(() => buildCloseBatchBody({ accounts: [{ account_id: A1, tickets: [5], volume: 0.01, slippage: 0 }] })).not.toThrow();
  });
});

describe('checkIdempotencyKey', () => {
  it('accepts 1–128 characters', () => {
    expect(() => checkIdempotencyKey('x')).not.toThrow();
    expect(() => checkIdempotencyKey('x'.repeat(128))).not.toThrow();
    expect(() => checkIdempotencyKey(undefined)).not.toThrow();
    expect(() => checkIdempotencyKey('')).toThrow(FxSocketRequestError);
    expect(() => checkIdempotencyKey('x'.repeat(129))).toThrow(/idempotencyKey/);
  });
});

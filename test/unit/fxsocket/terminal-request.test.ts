import { describe, expect, it } from 'vitest';

import type { OrderModifyRequest, OrderSendRequest } from '../../../src/engine/ports.js';
import {
  canonicalOperation,
  closeAllBody,
  FxSocketRequestError,
  orderCloseBody,
  orderModifyBody,
  orderSendBody,
} from '../../../src/fxsocket/index.js';

describe('canonicalOperation', () => {
  it.each([
    ['buy', 'Buy'],
    ['buy_limit', 'BuyLimit'],
    ['BUY-STOP-LIMIT', 'BuyStopLimit'],
    ['SellStop', 'SellStop'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalOperation(input)).toBe(expected);
  });

  it('returns undefined for anything else', () => {
    expect(canonicalOperation('teleport')).toBeUndefined();
  });
});

describe('orderSendBody', () => {
  it('canonicalizes and omits absent fields', () => {
    expect(
      orderSendBody({ symbol: 'EURUSD', operation: 'buy_limit', volume: 0.1, price: 1.07, expertId: 42, comment: undefined }),
    ).toEqual({ symbol: 'EURUSD', operation: 'BuyLimit', volume: 0.1, price: 1.07, expertId: 42 });
  });

  it('allows 0 SL/TP on send (0 = none)', () => {
    expect(() => orderSendBody({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1, stopLoss: 0, takeProfit: 0 })).not.toThrow();
  });

  it.each<[Partial<OrderSendRequest> & Record<string, unknown>, RegExp]>([
    [{ volume: 0 }, /volume must be > 0/],
    [{ volume: -0.1 }, /volume must be > 0/],
    [{ operation: 'SellLimit' }, /price is required/],
    [{ operation: 'SellStopLimit', price: 1.2 }, /stopLimitPrice is required/],
    [{ stopLoss: -1 }, /stopLoss must be >= 0/],
    [{ slippage: -1 }, /slippage must be >= 0/],
    [{ symbol: '' }, /symbol is required/],
    [{ operation: 'hold' }, /unknown operation/],
    [{ lots: 1 }, /unknown field lots/],
  ])('refuses %o', (patch, message) => {
    const request = { symbol: 'EURUSD', operation: 'Buy', volume: 0.1, ...patch } as OrderSendRequest;
    expect(() => orderSendBody(request)).toThrow(FxSocketRequestError);
    expect(() => orderSendBody(request)).toThrow(message);
  });
});

describe('orderModifyBody', () => {
  it('sends only the fields that change (absent = keep)', () => {
    expect(orderModifyBody({ ticket: 5, stopLoss: 1.07 })).toEqual({ ticket: 5, stopLoss: 1.07 });
  });

  it('refuses a bare 0 SL/TP (the SDK rule)', () => {
    expect(() => orderModifyBody({ ticket: 5, stopLoss: 0 })).toThrow(/clearStopLoss/);
    expect(() => orderModifyBody({ ticket: 5, takeProfit: 0 })).toThrow(/clearTakeProfit/);
  });

  it('sends 0 for an explicit clear flag', () => {
    expect(orderModifyBody({ ticket: 5 }, { clearStopLoss: true })).toEqual({ ticket: 5, stopLoss: 0 });
    expect(orderModifyBody({ ticket: 5, stopLoss: 1.07 }, { clearTakeProfit: true })).toEqual({
      ticket: 5,
      stopLoss: 1.07,
      takeProfit: 0,
    });
  });

  it('refuses a level together with its clear flag', () => {
    expect(() => orderModifyBody({ ticket: 5, stopLoss: 1.07 }, { clearStopLoss: true })).toThrow(/not both/);
  });

  it('refuses a bad ticket and non-positive pending prices', () => {
    expect(() => orderModifyBody({ stopLoss: 1 } as OrderModifyRequest)).toThrow(/ticket is required/);
    expect(() => orderModifyBody({ ticket: 0, stopLoss: 1 })).toThrow(/ticket must be >= 1/);
    expect(() => orderModifyBody({ ticket: 5, price: 0 })).toThrow(/price must be > 0/);
  });
});

describe('orderCloseBody and closeAllBody', () => {
  it('closes whole without volume, partially with it', () => {
    expect(orderCloseBody({ ticket: 9 })).toEqual({ ticket: 9 });
    expect(orderCloseBody({ ticket: 9, volume: 0.05, slippage: 0 })).toEqual({ ticket: 9, volume: 0.05, slippage: 0 });
    expect(() => orderCloseBody({ ticket: 9, volume: 0 })).toThrow(/volume must be > 0/);
    expect(() => orderCloseBody({ ticket: 9, volume: -1 })).toThrow(/volume must be > 0/);
  });

  it('sends {} for close-all and keeps magic 0 as a real filter', () => {
    expect(closeAllBody()).toEqual({});
    expect(closeAllBody({ magic: 0 })).toEqual({ magic: 0 });
    expect(closeAllBody({ symbol: 'EURUSD', deletePending: true })).toEqual({ symbol: 'EURUSD', deletePending: true });
    expect(closeAllBody({ deletePending: false })).toEqual({});
    expect(() => closeAllBody({ symbol: '' })).toThrow(/symbol is required/);
  });
});

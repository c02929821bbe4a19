import { describe, expect, it } from 'vitest';

import {
  decodeBody,
  OrderResultSchema,
  ProtocolError,
  QuoteSchema,
  UnreadableOrderReplyError,
  type CallInfo,
} from '../../../src/fxsocket/index.js';

const read: CallInfo = { kind: 'read', family: 'terminal', method: 'GET', path: '/mt5/a/getQuote', accountId: 'a' };
const order: CallInfo = { kind: 'order', family: 'terminal', method: 'POST', path: '/mt5/a/OrderSend', accountId: 'a' };

describe('decodeBody', () => {
  it('returns the parsed value', () => {
    expect(decodeBody(QuoteSchema, '{"symbol":"EURUSD","bid":1,"ask":2}', read)).toMatchObject({ bid: 1, ask: 2, time: '' });
  });

  it('a malformed read → ProtocolError (reject) with issues', () => {
    const run = () => decodeBody(QuoteSchema, '{"bid":"1"}', read);
    expect(run).toThrow(ProtocolError);
    try {
      run();
    } catch (error) {
      const protocol = error as ProtocolError;
      expect(protocol.action).toBe('reject');
      expect(protocol.issues[0]?.path).toEqual(['bid']);
      expect(protocol.context).toMatchObject({ accountId: 'a', path: '/mt5/a/getQuote' });
    }
  });

  it('a malformed order reply → unknown outcome', () => {
    expect(() => decodeBody(OrderResultSchema, '<html>', order)).toThrow(UnreadableOrderReplyError);
    try {
      decodeBody(OrderResultSchema, '{"success":"yes"}', order);
    } catch (error) {
      expect((error as UnreadableOrderReplyError).action).toBe('unknown');
      expect((error as UnreadableOrderReplyError).code).toBe('protocol_error');
    }
  });

  it('an empty body is unreadable, not an empty object', () => {
    expect(() => decodeBody(QuoteSchema, '', read)).toThrow(ProtocolError);
  });
});

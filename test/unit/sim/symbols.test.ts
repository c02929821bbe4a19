import { describe, expect, it } from 'vitest';
import { matchesBase, parseOperation } from '../../../src/sim/broker/symbols.js';

describe('base-symbol matching (§2.5)', () => {
  it('matches itself and broker-suffixed variants', () => {
    expect(matchesBase('EURUSD', 'EURUSD')).toBe(true);
    expect(matchesBase('EURUSD', 'EURUSD.raw')).toBe(true);
    expect(matchesBase('EURUSD', 'EURUSD.sd')).toBe(true);
    expect(matchesBase('EURUSD', 'EURUSDm')).toBe(true);
    expect(matchesBase('EURUSD', 'EURUSD-i')).toBe(true);
    expect(matchesBase('EURUSD', 'EURUSD#')).toBe(true);
    // Two alphanumerics are still a suffix by the contract's rule.
    expect(matchesBase('EURUSD', 'EURUSDX1')).toBe(true);
  });

  it('refuses longer alphanumeric tails, prefixes and case differences', () => {
    expect(matchesBase('EUR', 'EURUSD')).toBe(false);
    expect(matchesBase('EURUSD', 'EURUSDpro')).toBe(false);
    expect(matchesBase('EURUSD', 'EURUSDX12')).toBe(false);
    expect(matchesBase('EURUSD', 'eurusd')).toBe(false);
    expect(matchesBase('EURUSD', 'GBPUSD')).toBe(false);
    expect(matchesBase('', 'EURUSD')).toBe(false);
  });
});

describe('operation parsing (§3.4)', () => {
  it('is case- and separator-insensitive', () => {
    expect(parseOperation('buy')).toBe('Buy');
    expect(parseOperation('buy_limit')).toBe('BuyLimit');
    expect(parseOperation('BUY-STOP-LIMIT')).toBe('BuyStopLimit');
    expect(parseOperation('SellStop')).toBe('SellStop');
    expect(parseOperation('BUY_MARKET')).toBeUndefined();
  });
});

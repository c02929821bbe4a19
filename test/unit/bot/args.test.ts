import { describe, expect, it } from 'vitest';
import {
  ArgError,
  FILTER_KEYS,
  historyCount,
  multiplierArg,
  noMoreArgs,
  parseArg,
  RISK_KEYS,
  sizingModeArg,
  sizingOf,
  symbolList,
  tokenize,
} from '../../../src/bot/args.js';

const USAGE = '/multiplier <follower> <x>';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArgError);
    return (err as Error).message;
  }
  throw new Error('expected an ArgError');
}

describe('args', () => {
  it('tokenizes on whitespace and keeps quoted nicknames together', () => {
    expect(tokenize('  a  b\tc ')).toEqual(['a', 'b', 'c']);
    expect(tokenize('"My Account" 2')).toEqual(['My Account', '2']);
    expect(tokenize('')).toEqual([]);
  });

  it('explains a bad multiplier with what was given and the usage', () => {
    expect(message(() => parseArg(multiplierArg, 'abc', USAGE))).toBe(
      "multiplier must be a number between 0.01 and 100, got 'abc'. Usage: /multiplier <follower> <x>",
    );
    expect(message(() => parseArg(multiplierArg, '0', USAGE))).toContain("got '0'");
    expect(message(() => parseArg(multiplierArg, '100.5', USAGE))).toContain("got '100.5'");
    expect(message(() => parseArg(multiplierArg, 'NaN', USAGE))).toContain("got 'NaN'");
    expect(message(() => parseArg(multiplierArg, '1e3', USAGE))).toContain("got '1e3'");
    expect(message(() => parseArg(multiplierArg, undefined, USAGE))).toBe(
      'multiplier is missing: expected a number between 0.01 and 100. Usage: /multiplier <follower> <x>',
    );
  });

  it('accepts decimals with a dot or a comma', () => {
    expect(parseArg(multiplierArg, '1.5', USAGE)).toBe(1.5);
    expect(parseArg(multiplierArg, '0,25', USAGE)).toBe(0.25);
    expect(parseArg(multiplierArg, '100', USAGE)).toBe(100);
  });

  it('truncates and neutralises what it echoes', () => {
    const m = message(() => parseArg(multiplierArg, 'x'.repeat(100), USAGE));
    expect(m).toContain(`'${'x'.repeat(40)}…'`);
    expect(message(() => parseArg(multiplierArg, 'a\u0000b', USAGE))).toContain("'a?b'");
  });

  it('refuses extra arguments', () => {
    expect(message(() => noMoreArgs(['a', 'b', 'c'], 2, USAGE))).toBe("too many arguments: 'c' is not expected. Usage: /multiplier <follower> <x>");
    expect(() => noMoreArgs(['a'], 2, USAGE)).not.toThrow();
  });

  it('parses sizing modes by alias and builds the sizing', () => {
    expect(parseArg(sizingModeArg, 'LOTS', 'u')).toBe('fixed');
    expect(parseArg(sizingModeArg, 'risk', 'u')).toBe('risk_percent');
    expect(sizingOf('fixed', 0.1)).toEqual({ mode: 'fixed', lots: 0.1 });
    expect(sizingOf('equity_ratio', 2)).toEqual({ mode: 'equity_ratio', multiplier: 2 });
    expect(message(() => parseArg(sizingModeArg, 'kelly', 'u'))).toContain("one of multiplier, fixed, balance_ratio, equity_ratio, risk_percent, got 'kelly'");
  });

  it('parses counts, symbol lists, filter and risk patches', () => {
    expect(parseArg(historyCount, '50', 'u')).toBe(50);
    expect(() => parseArg(historyCount, '51', 'u')).toThrow(ArgError);
    expect(() => parseArg(historyCount, '2.5', 'u')).toThrow(ArgError);
    expect(parseArg(symbolList('allow'), 'EURUSD,XAUUSD', 'u')).toEqual(['EURUSD', 'XAUUSD']);
    expect(parseArg(symbolList('allow'), '-', 'u')).toEqual([]);
    expect(() => parseArg(symbolList('allow'), 'EUR USD<b>', 'u')).toThrow(ArgError);
    expect(parseArg(FILTER_KEYS.reverse!.value, 'on', 'u')).toEqual({ reverse: true });
    expect(parseArg(FILTER_KEYS.sides!.value, 'BUY', 'u')).toEqual({ sides: 'buy' });
    expect(parseArg(RISK_KEYS.maxlot!.value, 'off', 'u')).toEqual({ maxLot: null });
    expect(parseArg(RISK_KEYS.maxlot!.value, '2.5', 'u')).toEqual({ maxLot: 2.5 });
    expect(parseArg(RISK_KEYS.dailyloss!.value, '500', 'u')).toEqual({ dailyLossLimit: 500 });
    expect(() => parseArg(RISK_KEYS.dailyloss!.value, '0', 'u')).toThrow(ArgError);
    expect(parseArg(RISK_KEYS.belowmin!.value, 'round_up', 'u')).toEqual({ belowMin: 'round_up' });
  });
});

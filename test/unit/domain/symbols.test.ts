import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALIASES,
  aliasesOf,
  baseCandidates,
  matchesBase,
  resolveSymbol,
  symbolListed,
} from '../../../src/domain/symbols.js';

describe('matchesBase (symbol_match: "base", fxsocket-api.md §2.5)', () => {
  it.each([
    ['EURUSD', 'EURUSD', true],
    ['EURUSD', 'EURUSD.sd', true],
    ['EURUSD', 'EURUSD.raw', true],
    ['EURUSD', 'EURUSD-ecn', true],
    ['EURUSD', 'EURUSD_i', true],
    ['EURUSD', 'EURUSD#', true],
    ['EURUSD', 'EURUSDm', true],
    ['EURUSD', 'EURUSDpr', true],
    ['EURUSD', 'EURUSDpro', false],
    ['EUR', 'EURUSD', false],
    ['EURUSD', 'eurusd', false],
    ['EURUSD', 'EURUS', false],
    ['', 'EURUSD', false],
    ['GOLD', 'GOLD.raw', true],
    ['GOLD', 'GOLDm', true],
  ])('%s ~ %s = %s', (base, cand, want) => expect(matchesBase(base, cand)).toBe(want));
});

describe('baseCandidates', () => {
  it('strips separator-led and short lower-case suffixes', () => {
    expect(baseCandidates('EURUSD')).toEqual(['EURUSD']);
    expect(baseCandidates('EURUSD.raw')).toEqual(['EURUSD.raw', 'EURUSD']);
    expect(baseCandidates('EURUSDm')).toEqual(['EURUSDm', 'EURUSD']);
    expect(baseCandidates('XAUUSDpr.x')).toEqual(['XAUUSDpr.x', 'XAUUSDpr', 'XAUUSD']);
    expect(baseCandidates('US30')).toEqual(['US30']);
    expect(baseCandidates('CL-OIL')).toEqual(['CL-OIL']);
  });
});

describe('resolveSymbol examples', () => {
  it('explicit map wins, also by base name', () => {
    expect(resolveSymbol('XAUUSD', ['XAUUSD', 'GOLD'], { XAUUSD: 'GOLD' })).toEqual({ ok: true, symbol: 'GOLD', via: 'map' });
    expect(resolveSymbol('XAUUSD.raw', ['XAUUSD'], { XAUUSD: 'GOLDx' })).toEqual({ ok: true, symbol: 'GOLDx', via: 'map' });
  });

  it('exact spelling, then base with suffix', () => {
    expect(resolveSymbol('EURUSD', ['EURUSDm', 'EURUSD'])).toMatchObject({ symbol: 'EURUSD', via: 'exact' });
    expect(resolveSymbol('EURUSD', ['EURUSD.raw', 'EURUSDm'])).toMatchObject({ symbol: 'EURUSDm', via: 'base' });
    expect(resolveSymbol('EURUSD.raw', ['EURUSD', 'EURUSD.ecn'])).toMatchObject({ symbol: 'EURUSD', via: 'base' });
    expect(resolveSymbol('EURUSDm', ['EURUSD.sd'])).toMatchObject({ symbol: 'EURUSD.sd', via: 'base' });
  });

  it('prefers the exact base, then the shortest, then lexical order, whatever the list order', () => {
    const list = ['EURUSD.b', 'EURUSD.a', 'EURUSD.ecn'];
    expect(resolveSymbol('EURUSDm', list)).toMatchObject({ symbol: 'EURUSD.a' });
    expect(resolveSymbol('EURUSDm', [...list].reverse())).toMatchObject({ symbol: 'EURUSD.a' });
    expect(resolveSymbol('EURUSD.x', ['EURUSD.ab', 'EURUSD'])).toMatchObject({ symbol: 'EURUSD' });
  });

  it('uses aliases with suffix handling', () => {
    expect(resolveSymbol('XAUUSD', ['GOLD.raw', 'EURUSD'])).toEqual({ ok: true, symbol: 'GOLD.raw', via: 'alias' });
    expect(resolveSymbol('XAUUSD', ['GOLDm'])).toMatchObject({ symbol: 'GOLDm', via: 'alias' });
    expect(resolveSymbol('XAUUSD.raw', ['GOLD'])).toMatchObject({ symbol: 'GOLD', via: 'alias' });
    expect(resolveSymbol('GOLD', ['XAUUSD.i'])).toMatchObject({ symbol: 'XAUUSD.i', via: 'alias' });
    expect(resolveSymbol('US30', ['DJ30.cash', 'WS30'])).toMatchObject({ symbol: 'WS30' });
    expect(resolveSymbol('DE40', ['GER40m'])).toMatchObject({ symbol: 'GER40m' });
    expect(resolveSymbol('CL-OIL', ['USOIL.c'])).toMatchObject({ symbol: 'USOIL.c' });
    expect(resolveSymbol('NAS100', ['USTEC'])).toMatchObject({ symbol: 'USTEC' });
    expect(resolveSymbol('BTCUSD', ['BITCOIN'])).toMatchObject({ symbol: 'BITCOIN' });
  });

  it('prefers a direct base match over an alias', () => {
    expect(resolveSymbol('XAUUSD', ['GOLD', 'XAUUSDm'])).toMatchObject({ symbol: 'XAUUSDm', via: 'base' });
  });

  it('never guesses wrongly', () => {
    expect(resolveSymbol('EUR', ['EURUSD'])).toEqual({ ok: false, reason: 'symbol_not_found', detail: { symbol: 'EUR' } });
    expect(resolveSymbol('EURUSD', ['EURUSDT'])).toMatchObject({ ok: false });
    expect(resolveSymbol('EURUSD', ['EURUSDC'])).toMatchObject({ ok: false });
    expect(resolveSymbol('EURUSD', ['EURUSDpro'])).toMatchObject({ ok: false });
    expect(resolveSymbol('EURUSD', ['eurusd'])).toMatchObject({ ok: false });
    expect(resolveSymbol('EURUSD', ['USDEUR', 'EURGBP'])).toMatchObject({ ok: false });
    expect(resolveSymbol('XAUUSD', ['XAGUSD', 'SILVER'])).toMatchObject({ ok: false });
    expect(resolveSymbol('US30', ['US500', 'US100'])).toMatchObject({ ok: false });
    expect(resolveSymbol('EURUSDc', ['EURUSDm'])).toMatchObject({ ok: true, symbol: 'EURUSDm' });
  });

  it('lists every alias of a group', () => {
    expect(aliasesOf('XAUUSD')).toEqual(['GOLD']);
    expect(aliasesOf('NOPE')).toEqual([]);
    expect(new Set(DEFAULT_ALIASES.flat()).size).toBe(DEFAULT_ALIASES.flat().length);
  });

  it('filter entries match by spelling or base', () => {
    expect(symbolListed(['EURUSD'], 'EURUSD.raw')).toBe(true);
    expect(symbolListed(['EURUSD.raw'], 'EURUSD.raw')).toBe(true);
    expect(symbolListed(['EUR'], 'EURUSD')).toBe(false);
  });
});

describe('resolveSymbol properties', () => {
  const upper = fc.stringMatching(/^[A-Z]{3,8}[0-9]{0,3}$/);
  const suffix = fc.oneof(
    fc.constant(''),
    fc.stringMatching(/^[.\-_#][a-z0-9]{0,4}$/),
    fc.stringMatching(/^[a-z0-9]{1,4}$/),
    fc.stringMatching(/^[A-Z]{1,3}$/),
  );
  const symbol = fc.tuple(upper, suffix).map(([a, b]) => a + b);
  const aliasNames = DEFAULT_ALIASES.flat();
  const anySymbol = fc.oneof(symbol, fc.constantFrom(...aliasNames), fc.tuple(fc.constantFrom(...aliasNames), suffix).map(([a, b]) => a + b));

  it('maps only to a symbol sharing a base (or alias) with the master, independent of list order', () => {
    fc.assert(
      fc.property(anySymbol, fc.array(anySymbol, { maxLength: 12 }), (master, list) => {
        const r = resolveSymbol(master, list);
        const reversed = resolveSymbol(master, [...list].reverse());
        expect(reversed).toEqual(r);
        if (!r.ok) return;
        expect(list).toContain(r.symbol);
        const bases = baseCandidates(master);
        const names = bases.flatMap((b) => [b, ...aliasesOf(b)]);
        expect(names.some((n) => matchesBase(n, r.symbol))).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it('an exact spelling in the list always wins over other candidates (no map)', () => {
    fc.assert(
      fc.property(anySymbol, fc.array(anySymbol, { maxLength: 8 }), (master, list) => {
        expect(resolveSymbol(master, [...list, master])).toEqual({ ok: true, symbol: master, via: 'exact' });
      }),
    );
  });

  it('a strict prefix plus three or more alphanumerics is never a match', () => {
    fc.assert(
      fc.property(upper, fc.stringMatching(/^[A-Za-z0-9]{3,6}$/), (base, tail) => {
        expect(resolveSymbol(base, [base + tail]).ok).toBe(false);
      }),
    );
  });
});

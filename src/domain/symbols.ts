/**
 * Symbol resolution: which follower symbol copies a master symbol (design.md §3, Planning). An explicit map first,
 * then the follower's own list by base name, then an alias table. Not found is an answer; a wrong guess never is.
 */

/** Groups of names brokers use for the same instrument. Case-sensitive, upper case by convention. */
export type AliasTable = readonly (readonly string[])[];

/** The built-in alias groups. */
export const DEFAULT_ALIASES: AliasTable = [
  ['XAUUSD', 'GOLD'],
  ['XAGUSD', 'SILVER'],
  ['US30', 'DJ30', 'WS30', 'DOW30', 'USA30', 'DJI30', 'US30CASH'],
  ['DE40', 'GER40', 'DAX40', 'GER30', 'DE30', 'DAX30', 'GDAXI'],
  ['US500', 'SPX500', 'SP500', 'USA500', 'US500CASH', 'SPX'],
  ['NAS100', 'USTEC', 'US100', 'NDX100', 'NAS100CASH', 'USTECH', 'NDX'],
  ['UK100', 'FTSE100', 'UKX'],
  ['JP225', 'JPN225', 'NIKKEI225', 'NIK225', 'JAP225'],
  ['FRA40', 'FR40', 'CAC40', 'F40'],
  ['EU50', 'EUSTX50', 'STOXX50', 'ESTX50', 'EURO50'],
  ['AUS200', 'AU200', 'ASX200'],
  ['HK50', 'HSI50', 'HK33', 'HSI'],
  ['USOIL', 'WTI', 'XTIUSD', 'CL-OIL', 'USOUSD', 'WTIUSD', 'CRUDE', 'OIL'],
  ['UKOIL', 'BRENT', 'XBRUSD', 'UKOUSD', 'BRENTUSD', 'BRN'],
  ['XNGUSD', 'NATGAS', 'NGAS'],
  ['BTCUSD', 'BITCOIN', 'XBTUSD'],
  ['ETHUSD', 'ETHEREUM'],
  ['LTCUSD', 'LITECOIN'],
  ['XRPUSD', 'RIPPLE'],
];

/** How a symbol was resolved. */
export type ResolvedVia = 'map' | 'exact' | 'base' | 'alias';

export type SymbolResolution =
  | { ok: true; symbol: string; via: ResolvedVia }
  | { ok: false; reason: 'symbol_not_found'; detail: { symbol: string } };

const ALNUM = /^[A-Za-z0-9]$/;
const SHORT_ALNUM_SUFFIX = /^[A-Za-z0-9]{1,2}$/;

/**
 * The `symbol_match: "base"` predicate of the close API (fxsocket-api.md §2.5): `candidate` is `base` itself or
 * `base` plus a broker suffix, where a suffix is separator-led (`.raw`, `-ecn`, `_i`, `#`) or one or two
 * alphanumerics (`m`, `pr`). Case-sensitive. `EUR` never matches `EURUSD`.
 */
export function matchesBase(base: string, candidate: string): boolean {
  if (base.length === 0 || !candidate.startsWith(base)) return false;
  const suffix = candidate.slice(base.length);
  if (suffix.length === 0) return true;
  if (!ALNUM.test(suffix[0] ?? '')) return true;
  return SHORT_ALNUM_SUFFIX.test(suffix);
}

/**
 * Base names to try for a master symbol, most specific first: the symbol itself, then without a separator-led
 * suffix (`XAUUSD.raw` → `XAUUSD`), then without a one- or two-letter lower-case suffix on an upper-case body
 * (`EURUSDm` → `EURUSD`). Stripped bases shorter than 3 characters are dropped: too short to be unambiguous.
 */
export function baseCandidates(symbol: string): string[] {
  const out = [symbol];
  const add = (b: string): void => {
    if (b.length >= 3 && !out.includes(b)) out.push(b);
  };
  const sep = symbol.search(/[^A-Za-z0-9]/);
  const body = sep > 0 ? symbol.slice(0, sep) : symbol;
  if (sep > 0) add(body);
  const lower = /^([A-Z0-9]+?)([a-z]{1,2})$/.exec(body);
  if (lower?.[1] !== undefined && /[A-Z]/.test(lower[1])) add(lower[1]);
  return out;
}

/** The alias group containing `name` (without `name` itself), or []. */
export function aliasesOf(name: string, aliases: AliasTable = DEFAULT_ALIASES): string[] {
  for (const group of aliases) {
    if (group.includes(name)) return group.filter((n) => n !== name);
  }
  return [];
}

/**
 * A one- or two-character suffix that would turn a USD quote into a stablecoin (`EURUSD` + `T` = `EURUSDT`) names a
 * different instrument, although the base rule admits it.
 */
function isConfusable(base: string, candidate: string): boolean {
  const suffix = candidate.slice(base.length);
  return base.endsWith('USD') && /^[TC]/.test(suffix) && ALNUM.test(suffix[0] ?? '');
}

/** Candidates of `list` matching `base`, best first: exact, then the shortest, then lexical order. */
function bestBaseMatch(base: string, list: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const c of list) {
    if (!matchesBase(base, c) || isConfusable(base, c)) continue;
    if (best === undefined || better(c, best, base)) best = c;
  }
  return best;
}

function better(a: string, b: string, base: string): boolean {
  if ((a === base) !== (b === base)) return a === base;
  if (a.length !== b.length) return a.length < b.length;
  return a < b;
}

/**
 * Resolves a master symbol to the follower's spelling.
 *
 * 1. `symbolMap[masterSymbol]`, else the map entry of a base name of it (the user's word wins, unchecked).
 * 2. The master spelling itself if the follower lists it.
 * 3. For each base name (see {@link baseCandidates}): a follower symbol with that base; then one of its aliases
 *    with a broker suffix (`XAUUSD` → `GOLD.raw`, `GOLDm`).
 *
 * Deterministic whatever the order of `followerSymbols`.
 */
export function resolveSymbol(
  masterSymbol: string,
  followerSymbols: readonly string[],
  symbolMap: Readonly<Record<string, string>> = {},
  aliases: AliasTable = DEFAULT_ALIASES,
): SymbolResolution {
  const bases = baseCandidates(masterSymbol);
  for (const b of bases) {
    const mapped = Object.hasOwn(symbolMap, b) ? symbolMap[b] : undefined;
    if (mapped !== undefined && mapped.length > 0) return { ok: true, symbol: mapped, via: 'map' };
  }
  if (followerSymbols.includes(masterSymbol)) return { ok: true, symbol: masterSymbol, via: 'exact' };
  for (const b of bases) {
    const direct = bestBaseMatch(b, followerSymbols);
    if (direct !== undefined) return { ok: true, symbol: direct, via: 'base' };
    let bestAlias: string | undefined;
    let bestAliasBase = '';
    for (const alias of aliasesOf(b, aliases)) {
      const m = bestBaseMatch(alias, followerSymbols);
      if (m === undefined) continue;
      // Prefer an exact alias over a suffixed one, then the shortest, then the alias table order (kept by `<`).
      const mExact = m === alias;
      const bestExact = bestAlias === bestAliasBase;
      if (
        bestAlias === undefined ||
        (mExact && !bestExact) ||
        (mExact === bestExact && m.length < bestAlias.length)
      ) {
        bestAlias = m;
        bestAliasBase = alias;
      }
    }
    if (bestAlias !== undefined) return { ok: true, symbol: bestAlias, via: 'alias' };
  }
  return { ok: false, reason: 'symbol_not_found', detail: { symbol: masterSymbol } };
}

/**
 * True when a filter entry names this master symbol: its exact spelling or a base name of it (`EURUSD` names
 * `EURUSD.raw` and `EURUSDm`).
 */
export function symbolListed(entries: readonly string[], masterSymbol: string): boolean {
  return entries.some((e) => e === masterSymbol || matchesBase(e, masterSymbol));
}

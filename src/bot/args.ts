/**
 * Command arguments: tokenizing and zod schemas with messages that say what was wrong and what is expected, e.g.
 * "multiplier must be a number between 0.01 and 100, got 'abc'. Usage: /multiplier <follower> <x>".
 */
import { z } from 'zod';
import type { Filters, RiskLimits, Sizing, SizingMode } from '../domain/config.js';
import { ALERT_KINDS, ALERT_LEVELS, ROLES } from './ports.js';
import type { AlertKind, AlertLevel, Role } from './ports.js';

/** A bad argument; `message` is shown to the user as is (plain text, escaped by the caller). */
export class ArgError extends Error {
  override readonly name = 'ArgError';
}

/** Splits on whitespace; "double quotes" keep spaces (nicknames). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) tokens.push(m[1] ?? m[2] ?? '');
  return tokens;
}

function shown(raw: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what we replace
  const clean = raw.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/** One argument: its name, what is expected (in words), and the schema that parses it from a string. */
export interface Arg<T> {
  name: string;
  expect: string;
  schema: z.ZodType<T, string>;
}

export function arg<T>(name: string, expect: string, schema: z.ZodType<T, string>): Arg<T> {
  return { name, expect, schema };
}

/** Parses one token; throws `ArgError` with the expectation and usage. */
export function parseArg<T>(spec: Arg<T>, raw: string | undefined, usage: string): T {
  if (raw === undefined) throw new ArgError(`${spec.name} is missing: expected ${spec.expect}. Usage: ${usage}`);
  const result = spec.schema.safeParse(raw);
  if (!result.success) throw new ArgError(`${spec.name} must be ${spec.expect}, got '${shown(raw)}'. Usage: ${usage}`);
  return result.data;
}

/** Refuses more tokens than a command takes. */
export function noMoreArgs(tokens: readonly string[], max: number, usage: string): void {
  if (tokens.length > max) {
    throw new ArgError(`too many arguments: '${shown(tokens.slice(max).join(' '))}' is not expected. Usage: ${usage}`);
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** A decimal number within [min, max]; a comma decimal separator is accepted. */
export function numberIn(min: number, max: number, opts: { exclusiveMin?: boolean } = {}): z.ZodType<number, string> {
  return z
    .string()
    .transform((s) => s.trim().replace(',', '.'))
    .refine((s) => DECIMAL.test(s))
    .transform(Number)
    .refine((n) => Number.isFinite(n) && (opts.exclusiveMin === true ? n > min : n >= min) && n <= max);
}

export function intIn(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max);
}

/** A number, or off/none/- for "no limit". */
export function limitIn(min: number, max: number): z.ZodType<number | null, string> {
  return z.union([z.enum(['off', 'none', '-', 'no']).transform(() => null), numberIn(min, max, { exclusiveMin: min === 0 })]);
}

const ON = ['on', 'yes', 'true', '1'] as const;
const OFF = ['off', 'no', 'false', '0'] as const;
export const onOff: z.ZodType<boolean, string> = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum([...ON, ...OFF]))
  .transform((s) => (ON as readonly string[]).includes(s));

/** An account reference: id, id prefix or nickname (resolved by the control API). */
export const accountRef: Arg<string> = arg(
  'account',
  'an account id, id prefix (4+ characters) or nickname',
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  z.string().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/),
);
export const followerRef: Arg<string> = { ...accountRef, name: 'follower' };
export const masterRef: Arg<string> = { ...accountRef, name: 'master' };

export const SYMBOL_RE = /^[A-Za-z0-9._#+\-!$&]{1,32}$/;
export const symbolArg = (name: string): Arg<string> =>
  arg(name, 'a symbol name (letters, digits and . _ # + - up to 32 characters)', z.string().regex(SYMBOL_RE));
export const symbolList = (name: string): Arg<string[]> =>
  arg(
    name,
    'a comma-separated list of symbols (e.g. EURUSD,XAUUSD) or - for none',
    z.string().transform((s, ctx) => {
      if (s === '-' || s.toLowerCase() === 'none') return [];
      const list = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (list.length === 0 || list.length > 100 || !list.every((x) => SYMBOL_RE.test(x))) {
        ctx.addIssue({ code: 'custom', message: 'bad symbol list' });
        return z.NEVER;
      }
      return list;
    }),
  );

export const MULTIPLIER_MIN = 0.01;
export const MULTIPLIER_MAX = 100;
export const multiplierArg: Arg<number> = arg(
  'multiplier',
  `a number between ${MULTIPLIER_MIN} and ${MULTIPLIER_MAX}`,
  numberIn(MULTIPLIER_MIN, MULTIPLIER_MAX),
);

/** Sizing modes with their aliases and the value each takes. */
export const SIZING_MODES: Record<SizingMode, { aliases: string[]; value: Arg<number>; example: string }> = {
  multiplier: { aliases: ['multiplier', 'mult', 'x'], value: multiplierArg, example: '2' },
  fixed: { aliases: ['fixed', 'lots', 'lot'], value: arg('lots', 'a lot size between 0.01 and 100', numberIn(0.01, 100)), example: '0.10' },
  balance_ratio: { aliases: ['balance_ratio', 'balance'], value: multiplierArg, example: '1' },
  equity_ratio: { aliases: ['equity_ratio', 'equity'], value: multiplierArg, example: '1' },
  risk_percent: { aliases: ['risk_percent', 'risk', 'percent'], value: arg('percent', 'a percent of equity between 0.01 and 20', numberIn(0.01, 20)), example: '1' },
};

export const sizingModeArg: Arg<SizingMode> = arg(
  'mode',
  'one of multiplier, fixed, balance_ratio, equity_ratio, risk_percent',
  z.string().transform((s, ctx) => {
    const lower = s.toLowerCase();
    for (const [mode, spec] of Object.entries(SIZING_MODES)) if (spec.aliases.includes(lower)) return mode as SizingMode;
    ctx.addIssue({ code: 'custom', message: 'unknown mode' });
    return z.NEVER;
  }),
);

export function sizingOf(mode: SizingMode, value: number): Sizing {
  switch (mode) {
    case 'multiplier':
    case 'balance_ratio':
    case 'equity_ratio':
      return { mode, multiplier: value };
    case 'fixed':
      return { mode, lots: value };
    case 'risk_percent':
      return { mode, percent: value };
  }
}

export const historyCount: Arg<number> = arg('n', 'a whole number between 1 and 50', intIn(1, 50));
export const ticketArg: Arg<number> = arg('ticket', 'a ticket number (digits)', intIn(1, Number.MAX_SAFE_INTEGER));
export const userIdArg: Arg<number> = arg('user id', 'a numeric Telegram user id', intIn(1, 2 ** 53 - 1));
export const roleArg: Arg<Role> = arg('role', 'one of admin, owner, viewer', z.string().transform((s) => s.toLowerCase()).pipe(z.enum(ROLES as [Role, ...Role[]])));
export const alertKindArg: Arg<AlertKind | 'all'> = arg(
  'kind',
  `one of ${ALERT_KINDS.join(', ')}, all`,
  z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['all', ...ALERT_KINDS] as [AlertKind | 'all', ...(AlertKind | 'all')[]])),
);
export const alertLevelArg: Arg<AlertLevel> = arg(
  'level',
  'one of on, silent, off',
  z.string().transform((s) => s.toLowerCase()).pipe(z.enum(ALERT_LEVELS as [AlertLevel, ...AlertLevel[]])),
);

/** `/filter <follower> <key> <value>`: the settable keys, each parsing its value into a Filters patch. */
export const FILTER_KEYS: Record<string, { help: string; value: Arg<Partial<Filters>> }> = {
  allow: { help: 'allow <symbols|->', value: { ...symbolList('allow list'), schema: symbolList('allow').schema.transform((v) => ({ symbolsAllow: v })) } },
  deny: { help: 'deny <symbols|->', value: { ...symbolList('deny list'), schema: symbolList('deny').schema.transform((v) => ({ symbolsDeny: v })) } },
  sides: {
    help: 'sides <both|buy|sell>',
    value: arg('sides', 'one of both, buy, sell', z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['both', 'buy', 'sell'])).transform((sides) => ({ sides }))),
  },
  reverse: { help: 'reverse <on|off>', value: arg('reverse', 'on or off', onOff.transform((reverse) => ({ reverse }))) },
  sltp: { help: 'sltp <on|off>', value: arg('sltp', 'on or off', onOff.transform((copySlTp) => ({ copySlTp }))) },
  pending: { help: 'pending <on|off>', value: arg('pending', 'on or off', onOff.transform((copyPending) => ({ copyPending }))) },
};

/** `/risk <follower> <key> <value>`: the settable keys, each parsing its value into a RiskLimits patch. */
export const RISK_KEYS: Record<string, { help: string; value: Arg<Partial<RiskLimits>> }> = {
  maxlot: { help: 'maxlot <lots|off>', value: arg('maxlot', 'a lot size between 0.01 and 100, or off', limitIn(0.01, 100).transform((maxLot) => ({ maxLot }))) },
  maxpos: { help: 'maxpos <n|off>', value: arg('maxpos', 'a whole number between 1 and 1000, or off', z.union([z.enum(['off', 'none', '-']).transform(() => null), intIn(1, 1000)]).transform((maxOpenPositions) => ({ maxOpenPositions }))) },
  margin: {
    help: 'margin <skip|reduce|off>',
    value: arg('margin', 'one of skip, reduce, off', z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['skip', 'reduce', 'off'])).transform((marginCheck) => ({ marginCheck }))),
  },
  marginuse: { help: 'marginuse <0.01..1>', value: arg('marginuse', 'a share of free margin between 0.01 and 1', numberIn(0.01, 1).transform((marginUsageMax) => ({ marginUsageMax }))) },
  deviation: {
    help: 'deviation <points|off>',
    value: arg('deviation', 'a number of points between 0 and 100000, or off', limitIn(0, 100_000).transform((maxPriceDeviationPoints) => ({ maxPriceDeviationPoints }))),
  },
  dailyloss: {
    help: 'dailyloss <amount|off>',
    value: arg('dailyloss', 'an amount in account currency greater than 0, or off', limitIn(0, 1e12).transform((dailyLossLimit) => ({ dailyLossLimit }))),
  },
  nosl: {
    help: 'nosl <skip|lots>',
    value: arg(
      'nosl',
      'skip, or a fallback lot size between 0.01 and 100 for copies without a stop loss',
      z.union([
        z.string().transform((s) => s.toLowerCase()).pipe(z.literal('skip')).transform((): Partial<RiskLimits> => ({ noStopLoss: { mode: 'skip' } })),
        numberIn(0.01, 100).transform((lots): Partial<RiskLimits> => ({ noStopLoss: { mode: 'fallback', lots } })),
      ]),
    ),
  },
  closeonly: { help: 'closeonly <on|off>', value: arg('closeonly', 'on or off', onOff.transform((closeOnly) => ({ closeOnly }))) },
  belowmin: {
    help: 'belowmin <skip|round_up>',
    value: arg('belowmin', 'skip or round_up', z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['skip', 'round_up'])).transform((belowMin) => ({ belowMin }))),
  },
};

/** Parses a key that must be one of `keys`. */
export function keyArg(name: string, keys: readonly string[]): Arg<string> {
  return arg(name, `one of ${keys.join(', ')}`, z.string().transform((s) => s.toLowerCase()).pipe(z.enum(keys as [string, ...string[]])));
}

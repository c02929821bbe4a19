/**
 * The hand-written fast path for hot stream frames (src/fxsocket/fast-frames.ts) against the zod schemas it shortcuts.
 *
 * Generators are derived from the schemas' shapes (each field's kind is probed from its schema), so a schema change
 * changes what is generated. Every generated frame goes through `decodeFrame` (fast path first) and through
 * `decodeFrameWithSchemas` (schemas only, the behaviour before the fast path); the two events must be identical:
 * same values (`-0` included), same keys in the same order, no extra keys, and for malformed frames the same error
 * class, message, issues and context. The fast functions are also called directly to prove which path a frame took:
 * well-formed frames must take the fast path, and every mutated frame must fall back to the schema.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';

import type { StreamEvent } from '../../../src/engine/ports.js';
import {
  fastAccountEvent,
  fastAccountSummary,
  fastOpenedOrder,
  fastPositionsEvent,
  fastTerminalEvent,
  fastTickEvent,
  fastTradeFrameEvent,
} from '../../../src/fxsocket/fast-frames.js';
import {
  AccountSummarySchema,
  OpenedOrderSchema,
  ProtocolError,
  QuoteSchema,
  TerminalStatusSchema,
  TradeEventSchema,
} from '../../../src/fxsocket/index.js';
import { decodeFrame, decodeFrameWithSchemas } from '../../../src/fxsocket/stream-frames.js';
import { rawFixture } from './fixtures.js';

type Kind = 'int' | 'num' | 'str' | 'bool';
type Json = Record<string, unknown>;
type FastDecoder = (frame: Json) => StreamEvent | undefined;

/** A field's kind, probed from its schema; every field must also be tolerant (null → default). */
function kindOf(schema: z.ZodType, field: string): Kind {
  const accepts = (value: unknown): boolean => schema.safeParse(value).success;
  if (!accepts(null) || !accepts(undefined)) throw new Error(`${field}: not a tolerant field`);
  if (accepts(1.5)) return 'num';
  if (accepts(1)) return 'int';
  if (accepts('x')) return 'str';
  if (accepts(true)) return 'bool';
  throw new Error(`${field}: unknown field kind`);
}

interface Payload {
  name: string;
  fields: readonly { key: string; kind: Kind }[];
}

function payload(name: string, schema: z.ZodObject): Payload {
  return { name, fields: Object.entries(schema.shape).map(([key, field]) => ({ key, kind: kindOf(field as z.ZodType, key) })) };
}

const ORDER = payload('OpenedOrder', OpenedOrderSchema);
const ACCOUNT = payload('AccountSummary', AccountSummarySchema);
const TRADE = payload('TradeEvent', TradeEventSchema);
const TERMINAL = payload('TerminalStatus', TerminalStatusSchema);
const QUOTE = payload('Quote', QuoteSchema);

const INF = '__fxm_infinity__';
/** Serialises a frame; the sentinel string becomes `1e999`, which `JSON.parse` reads as Infinity. */
function toRaw(frame: unknown): string {
  return JSON.stringify(frame).replaceAll(`"${INF}"`, '1e999');
}

const text = fc.oneof(
  fc.constantFrom('', 'EURUSD', 'Buy', 'SellLimit', 'Position', 'Pending', 'In', 'OutBy', '2026-06-22T15:30:00Z', '\uD800', 'é€'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const VALUES: Record<Kind, fc.Arbitrary<unknown>> = {
  int: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER)),
  num: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 0.1, 1.08, -0.04)),
  str: text,
  bool: fc.boolean(),
};

/** Unknown keys the schemas strip: they must not reach the event on either path. */
const extras = fc
  .array(fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 })
  .map((pairs) => pairs.filter(([key]) => key !== '__proto__'));

/** A well-formed payload: every field present with its right type, keys in any order, unknown keys mixed in. */
function wellFormed(shape: Payload): fc.Arbitrary<Json> {
  const keys = shape.fields.map((field) => field.key);
  return fc
    .tuple(
      fc.tuple(...shape.fields.map((field) => VALUES[field.kind])),
      fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      extras,
    )
    .map(([values, order, extra]) => {
      const out: Json = {};
      for (const [key, value] of extra) if (!keys.includes(key)) out[key] = value;
      const byKey = new Map(shape.fields.map((field, i) => [field.key, values[i]]));
      for (const key of order) out[key] = byKey.get(key);
      return out;
    });
}

const WRONG: Record<Kind, readonly unknown[]> = {
  int: ['1', true, 1.5, 2 ** 53, -(2 ** 53), 1e300, INF, {}, []],
  num: ['1.08', false, INF, {}, [1]],
  str: [1, 0, true, {}, ['x']],
  bool: [1, 0, 'true', 'false', {}],
};

/** Any departure from "every field present with its right type": missing, null, or a wrong/unacceptable value. */
function mutation(shape: Payload): fc.Arbitrary<(data: Json) => Json> {
  return fc.constantFrom(...shape.fields).chain((field) =>
    fc.constantFrom<{ delete: true } | { value: unknown }>(
      { delete: true },
      { value: null },
      ...WRONG[field.kind].map((value) => ({ value })),
    ).map((how) => (data: Json): Json => {
      const copy = { ...data };
      if ('delete' in how) delete copy[field.key];
      else copy[field.key] = how.value;
      return copy;
    }),
  );
}

const NOT_AN_OBJECT = [null, 0, 'x', true, [], [1]] as const;

interface FrameCase {
  type: StreamEvent['type'] & string;
  fast: FastDecoder;
  good: fc.Arbitrary<Json>;
  bad: fc.Arbitrary<Json>;
}

function objectFrame(type: string, shape: Payload, fast: FastDecoder): FrameCase {
  const frame = (data: unknown): Json => ({ type, data });
  return {
    type: type as StreamEvent['type'],
    fast,
    good: wellFormed(shape).map(frame),
    bad: fc.oneof(
      fc.tuple(wellFormed(shape), mutation(shape)).map(([data, mutate]) => frame(mutate(data))),
      fc.constantFrom(...NOT_AN_OBJECT).map(frame),
      fc.constant({ type }),
    ),
  };
}

const TICK_SYMBOL = fc.oneof(fc.constantFrom('', 'EURUSD', 'EURUSD.sd'), text);

const CASES: readonly FrameCase[] = [
  {
    type: 'positions',
    fast: fastPositionsEvent,
    good: fc.array(wellFormed(ORDER), { maxLength: 25 }).map((data) => ({ type: 'positions', data })),
    bad: fc.oneof(
      fc
        .tuple(fc.array(wellFormed(ORDER), { minLength: 1, maxLength: 12 }), fc.nat(), mutation(ORDER))
        .map(([rows, at, mutate]) => {
          const index = at % rows.length;
          return { type: 'positions', data: rows.map((row, i) => (i === index ? mutate(row) : row)) };
        }),
      fc
        .tuple(fc.array(wellFormed(ORDER), { minLength: 1, maxLength: 5 }), fc.nat(), fc.constantFrom(...NOT_AN_OBJECT))
        .map(([rows, at, junk]) => {
          const data: unknown[] = [...rows];
          data[at % rows.length] = junk;
          return { type: 'positions', data };
        }),
      fc.constantFrom<unknown>(null, {}, 'x', 3, true).map((data) => ({ type: 'positions', data })),
      fc.constant({ type: 'positions' }),
    ),
  },
  objectFrame('account', ACCOUNT, fastAccountEvent),
  objectFrame('trade', TRADE, fastTradeFrameEvent),
  objectFrame('terminal', TERMINAL, fastTerminalEvent),
  {
    type: 'tick',
    fast: fastTickEvent,
    good: fc.tuple(TICK_SYMBOL, wellFormed(QUOTE)).map(([symbol, data]) => ({ type: 'tick', symbol, data })),
    bad: fc.oneof(
      fc.tuple(TICK_SYMBOL, wellFormed(QUOTE), mutation(QUOTE)).map(([symbol, data, mutate]) => ({ type: 'tick', symbol, data: mutate(data) })),
      fc.tuple(fc.constantFrom<unknown>(null, 1, true, {}), wellFormed(QUOTE)).map(([symbol, data]) => ({ type: 'tick', symbol, data })),
      wellFormed(QUOTE).map((data) => ({ type: 'tick', data })),
      fc.tuple(TICK_SYMBOL, fc.constantFrom(...NOT_AN_OBJECT)).map(([symbol, data]) => ({ type: 'tick', symbol, data })),
    ),
  },
];

/** Every key path in insertion order: equal lists mean same keys, same order, nothing extra. */
function keyPaths(value: unknown, path = '', out: string[] = []): string[] {
  if (typeof value !== 'object' || value === null) return out;
  if (value instanceof Error) return out;
  for (const key of Object.keys(value)) {
    const next = `${path}/${key}`;
    out.push(next);
    keyPaths((value as Json)[key], next, out);
  }
  return out;
}

/** The event, with a malformed event's error reduced to everything a caller can observe. */
function observable(event: StreamEvent): unknown {
  if (event.type !== 'malformed') return event;
  expect(event.error).toBeInstanceOf(ProtocolError);
  const error = event.error as ProtocolError;
  return {
    type: event.type,
    raw: event.raw,
    error: {
      class: error.constructor.name,
      message: error.message,
      code: error.code,
      action: error.action,
      issues: error.issues,
      context: error.context,
      cause: error.cause instanceof Error ? [error.cause.constructor.name, error.cause.message] : error.cause,
    },
  };
}

function expectSameEvent(actual: StreamEvent, expected: StreamEvent): void {
  expect(observable(actual)).toStrictEqual(observable(expected));
  expect(keyPaths(actual)).toEqual(keyPaths(expected));
}

describe.each(CASES)('fast path: $type frames', ({ type, fast, good, bad }) => {
  it('decodes well-formed frames on the fast path into exactly what the schema produces', () => {
    fc.assert(
      fc.property(good, (frame) => {
        const raw = toRaw(frame);
        expect(fast(JSON.parse(raw) as Json)).toBeDefined();
        const event = decodeFrame(raw);
        expect(event.type).toBe(type);
        expectSameEvent(event, decodeFrameWithSchemas(raw));
      }),
      { numRuns: 400 },
    );
  });

  it('leaves anything else to the schema: same defaults, same typed errors', () => {
    fc.assert(
      fc.property(bad, (frame) => {
        const raw = toRaw(frame);
        expect(fast(JSON.parse(raw) as Json)).toBeUndefined();
        expectSameEvent(decodeFrame(raw), decodeFrameWithSchemas(raw));
      }),
      { numRuns: 400 },
    );
  });
});

describe('fast path: examples', () => {
  it('covers both outcomes of a fallback (tolerant default, typed error)', () => {
    const defaulted = decodeFrame('{"type":"account","data":{"balance":1,"credit":null}}');
    expect(defaulted).toMatchObject({ type: 'account', data: { balance: 1, credit: 0, currency: '', leverage: 0 } });
    const refused = decodeFrame('{"type":"account","data":{"balance":"1"}}');
    expect(refused.type).toBe('malformed');
    expect(refused.type === 'malformed' && (refused.error as ProtocolError).issues[0]?.path).toEqual(['data', 'balance']);
  });

  it('refuses Infinity, non-integers and unsafe integers like the schema does', () => {
    const row = JSON.parse(rawFixture('ws/positions.json')) as { data: Json[] };
    for (const [field, value] of [
      ['lots', '1e999'],
      ['ticket', '1.5'],
      ['ticket', '9007199254740992'],
      ['magic', '-9007199254740992'],
    ] as const) {
      const raw = JSON.stringify({ type: 'positions', data: [{ ...row.data[0], [field]: INF }] }).replace(`"${INF}"`, value);
      const event = decodeFrame(raw);
      expect(event.type).toBe('malformed');
      expectSameEvent(event, decodeFrameWithSchemas(raw));
      expect(event.type === 'malformed' && (event.error as ProtocolError).issues[0]?.path).toEqual(['data', 0, field]);
    }
  });

  it('ignores __proto__ and constructor keys on the wire without leaking them', () => {
    const raw =
      '{"type":"terminal","__proto__":{"x":1},"data":{"constructor":1,"__proto__":{"connected":false},' +
      '"connected":true,"tradeAllowed":false,"serverTime":"t"}}';
    const event = decodeFrame(raw);
    expect(event).toStrictEqual({ type: 'terminal', data: { connected: true, tradeAllowed: false, serverTime: 't' } });
    expectSameEvent(event, decodeFrameWithSchemas(raw));
  });

  it('decodes every recorded data frame fixture identically on both paths', () => {
    const fixtures = [
      'positions',
      'positions-empty',
      'account',
      'terminal',
      'terminal-disconnected',
      'tick',
      'tick-outer-symbol-only',
      'trade-in',
      'trade-out-partial',
      'trade-inout',
      'trade-degraded',
      'trade-mt4',
      'trade-old-bridge',
      'trade-future-entry',
    ];
    for (const name of fixtures) {
      const raw = rawFixture(`ws/${name}.json`);
      expectSameEvent(decodeFrame(raw), decodeFrameWithSchemas(raw));
    }
    for (const name of ['wrong-types-tick', 'wrong-types-trade', 'positions-not-array', 'positions-missing-data', 'float-ticket']) {
      const raw = rawFixture(`ws/malformed/${name}.txt`);
      expectSameEvent(decodeFrame(raw), decodeFrameWithSchemas(raw));
    }
  });
});

describe('fast path: rows already in the schema\'s shape', () => {
  it('hands a parsed row or summary over as it is when it has exactly the schema keys in order, else copies it', () => {
    for (const [schema, fast] of [
      [OpenedOrderSchema, fastOpenedOrder],
      [AccountSummarySchema, fastAccountSummary],
    ] as const) {
      const shape = payload('x', schema);
      fc.assert(
        fc.property(wellFormed(shape), fc.boolean(), (generated, inOrder) => {
          // The generator shuffles keys and mixes in unknown ones; half the time, rebuild it in schema order.
          const wire = inOrder ? Object.fromEntries(shape.fields.map((f) => [f.key, generated[f.key]])) : generated;
          const parsed = JSON.parse(toRaw(wire)) as Json;
          const out = fast(parsed);
          const expected = schema.parse(parsed);
          expect(out).toStrictEqual(expected);
          expect(keyPaths(out)).toEqual(keyPaths(expected));
          const exact = Object.keys(parsed).join() === Object.keys(schema.shape).join();
          expect(out === parsed).toBe(exact);
        }),
        { numRuns: 300 },
      );
    }
  });
});

describe('decodeFrame: one parse per frame', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('calls JSON.parse exactly once per frame, on the frame text, on both paths', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const frames = ['positions', 'account', 'terminal', 'tick', 'tick-outer-symbol-only', 'trade-in', 'trade-old-bridge', 'warning'];
    for (const name of frames) {
      const raw = rawFixture(`ws/${name}.json`);
      parse.mockClear();
      decodeFrame(raw);
      expect(parse.mock.calls).toEqual([[raw]]);
    }
  });
});

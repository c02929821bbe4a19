/**
 * Decode-cost measurement for `positions` frames (not a test: run with `npx tsx bench/decode-frames.ts`).
 * Reports µs per frame for 1, 20 and 100 rows through `decodeFrame` and through the schema-only
 * reference decoder `decodeFrameWithSchemas` (the pre-fast-path behaviour), and their ratio. Also times `JSON.parse`
 * alone (the floor both share), and the validation step by itself on an already parsed frame: the fast path versus
 * `PositionsFrameSchema.safeParse`.
 */
import { fastPositionsEvent } from '../src/fxsocket/fast-frames.js';
import { PositionsFrameSchema } from '../src/fxsocket/schemas/stream.js';
import { decodeFrame, decodeFrameWithSchemas } from '../src/fxsocket/stream-frames.js';

type Decoder = (raw: string) => unknown;
type Validator = (frame: Record<string, unknown>) => unknown;

function row(i: number): Record<string, unknown> {
  return {
    ticket: 70_000_000 + i,
    symbol: i % 3 === 0 ? 'EURUSD' : i % 3 === 1 ? 'GBPJPY.sd' : 'XAUUSD',
    type: i % 2 === 0 ? 'Buy' : 'SellLimit',
    kind: i % 2 === 0 ? 'Position' : 'Pending',
    lots: 0.01 * (1 + (i % 50)),
    openPrice: 1.08 + i * 0.0001,
    currentPrice: 1.085 + i * 0.0001,
    stopLoss: i % 4 === 0 ? 0 : 1.07,
    takeProfit: i % 5 === 0 ? 0 : 1.1,
    swap: -0.12 * (i % 7),
    profit: 5.5 - i,
    magic: 4242,
    comment: `fxm:m1:${i}`,
    openTime: '2026-06-22T15:30:00Z',
  };
}

function positionsFrame(rows: number): string {
  return JSON.stringify({ type: 'positions', data: Array.from({ length: rows }, (_, i) => row(i)) });
}

/** One timed batch: µs per frame. */
function batchUs<I>(decode: (input: I) => unknown, raw: I, batch: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i += 1) sink += decode(raw) === undefined ? 0 : 1;
  const us = Number(process.hrtime.bigint() - start) / 1000 / batch;
  return sink < 0 ? Number.NaN : us;
}

/**
 * The decoders are timed in alternating batches in one process so machine noise hits both alike; the minimum batch
 * (least disturbed) and the median are reported.
 */
function measure<I>(decoders: readonly ((input: I) => unknown)[], raw: I, rows: number): { min: number; median: number }[] {
  const batch = Math.max(100, Math.round(20_000 / rows));
  const samples = decoders.map(() => [] as number[]);
  for (const decode of decoders) batchUs(decode, raw, batch * 5);
  for (let round = 0; round < 31; round += 1) {
    decoders.forEach((decode, i) => samples[i]?.push(batchUs(decode, raw, batch)));
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return { min: list[0] ?? Number.NaN, median: list[Math.floor(list.length / 2)] ?? Number.NaN };
  });
}

const fmt = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(2)).padStart(8);
const fastValidate: Validator = (frame) => fastPositionsEvent(frame);
const zodValidate: Validator = (frame) => PositionsFrameSchema.safeParse(frame);
const cell = (m: { min: number; median: number } | undefined): string =>
  m === undefined ? `${fmt(Number.NaN)} (${fmt(Number.NaN)})` : `${fmt(m.min)} (${fmt(m.median)})`;
const ratio = (slow: { min: number; median: number } | undefined, fast: { min: number; median: number } | undefined): string =>
  slow === undefined || fast === undefined ? 'n/a' : `${(slow.min / fast.min).toFixed(1)}x (${(slow.median / fast.median).toFixed(1)}x)`;

// The frames measured must be the ones the fast path accepts, or the comparison says nothing.
if (fastPositionsEvent(JSON.parse(positionsFrame(20)) as Record<string, unknown>) === undefined) {
  throw new Error('bench frames do not take the fast path');
}

console.log(`node ${process.version}; µs/frame as min (median) of 31 alternating batches`);
console.log('');
console.log('whole frame (text → event)');
console.log('rows   JSON.parse alone    decodeFrame         schema-only         schema-only / decodeFrame');
for (const rows of [1, 20, 100]) {
  const raw = positionsFrame(rows);
  const decoders: Decoder[] = [(text) => JSON.parse(text) as unknown, decodeFrame, decodeFrameWithSchemas];
  const [parse, fast, slow] = measure(decoders, raw, rows);
  console.log(`${String(rows).padStart(4)}  ${cell(parse)} ${cell(fast)} ${cell(slow)}   ${ratio(slow, fast)}`);
}
console.log('');
console.log('validation only (parsed frame → typed rows)');
console.log('rows   fast path           zod schema          zod / fast');
for (const rows of [1, 20, 100]) {
  const parsed = JSON.parse(positionsFrame(rows)) as Record<string, unknown>;
  const [fast, slow] = measure([fastValidate, zodValidate], parsed, rows);
  console.log(`${String(rows).padStart(4)}  ${cell(fast)} ${cell(slow)}   ${ratio(slow, fast)}`);
}

/**
 * Decode-cost measurement for `positions` frames (not a test: run with `npx tsx test/unit/fxsocket/decode-frames.bench.ts`).
 * Reports µs per frame for 1, 20 and 100 rows through `decodeFrame` and, when available, through the schema-only
 * reference decoder (the pre-fast-path behaviour), and their ratio. Also times `JSON.parse` alone as the floor.
 */
import * as frames from '../../../src/fxsocket/stream-frames.js';

type Decoder = (raw: string) => unknown;

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

/** Median µs/frame over `rounds` timed batches, after a warm-up. */
function measure(decode: Decoder, raw: string, rows: number): number {
  const batch = Math.max(200, Math.round(40_000 / rows));
  let sink = 0;
  for (let i = 0; i < batch * 3; i += 1) sink += decode(raw) === undefined ? 0 : 1;
  const samples: number[] = [];
  for (let round = 0; round < 15; round += 1) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i += 1) sink += decode(raw) === undefined ? 0 : 1;
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  if (sink < 0) console.log(sink);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

const reference = (frames as Record<string, unknown>)['decodeFrameWithSchemas'] as Decoder | undefined;
const fmt = (n: number): string => n.toFixed(2).padStart(9);

console.log(`node ${process.version}`);
console.log('rows   JSON.parse µs   decodeFrame µs   schema-only µs   ratio (schema-only / decodeFrame)');
for (const rows of [1, 20, 100]) {
  const raw = positionsFrame(rows);
  const parse = measure((text) => JSON.parse(text) as unknown, raw, rows);
  const fast = measure(frames.decodeFrame, raw, rows);
  const slow = reference === undefined ? Number.NaN : measure(reference, raw, rows);
  const ratio = reference === undefined ? '      n/a' : `${(slow / fast).toFixed(1).padStart(8)}x`;
  console.log(`${String(rows).padStart(4)} ${fmt(parse)}       ${fmt(parse === parse ? fast : fast)}        ${fmt(slow)}        ${ratio}`);
}

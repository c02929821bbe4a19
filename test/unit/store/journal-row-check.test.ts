/**
 * The journal's fast row check (`isPlainJournalEntry` in src/store/journal-file.ts) against `journalEntrySchema`:
 * it may send a row to the schema that the schema accepts, but it must never accept a row the schema refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainJournalEntry } from '../../../src/store/journal-file.js';
import { journalEntrySchema, journalStatusSchema } from '../../../src/store/schema.js';

const detailValue = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
const wellFormed = fc.record({
  at: fc.oneof(fc.integer({ min: 0 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
  masterId: fc.string({ maxLength: 8 }),
  eventId: fc.string({ maxLength: 8 }),
  eventKind: fc.constantFrom('open', 'close', 'modify'),
  followerId: fc.string({ maxLength: 8 }),
  action: fc.constantFrom('open', 'close', 'none'),
  status: fc.constantFrom(...journalStatusSchema.options),
  reason: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  detail: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), detailValue, { maxKeys: 4 }).map((d) => ({ ...d })),
  masterTicket: fc.option(fc.integer(), { nil: null }),
  followerTicket: fc.option(fc.maxSafeInteger(), { nil: null }),
  symbol: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  volume: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  price: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
}).map((row) => ({ ...row })); // plain objects, as the engine builds them (fast-check's are null-prototype)

const WRONG: readonly unknown[] = [undefined, null, 'x', 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, true, {}, [], { a: {} }, new Date(0)];

/** A well-formed row with one departure: a key removed, an unknown key, or any field set to an odd value. */
const mutated = fc
  .tuple(wellFormed, fc.constantFrom(...Object.keys(journalEntrySchema.shape), 'extra', 'detail.value'), fc.constantFrom(...WRONG), fc.boolean())
  .map(([row, key, value, remove]) => {
    const copy: Record<string, unknown> = { ...row, detail: { ...row.detail } };
    if (key === 'detail.value') (copy['detail'] as Record<string, unknown>)['k'] = value;
    else if (remove) delete copy[key];
    else copy[key] = value;
    return copy;
  });

describe('journal rows: the fast check', () => {
  it('accepts the well-formed rows (the path the copier takes)', () => {
    fc.assert(
      fc.property(wellFormed, (row) => {
        expect(journalEntrySchema.safeParse(row).success).toBe(true);
        expect(isPlainJournalEntry(row)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a row the schema refuses', () => {
    fc.assert(
      fc.property(mutated, (row) => {
        if (isPlainJournalEntry(row)) expect(journalEntrySchema.safeParse(row).success).toBe(true);
      }),
      { numRuns: 2000 },
    );
    for (const odd of [null, [], 'row', 1, Object.create(null) as unknown, Object.assign(Object.create({ inherited: 1 }) as object, {})]) {
      expect(isPlainJournalEntry(odd)).toBe(false);
    }
  });
});

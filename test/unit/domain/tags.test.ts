import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_COMMENT_LENGTH,
  copyComment,
  fnv1a32,
  idempotencyKey,
  isCopyOf,
  isCopyOrder,
  masterShortId,
  parseCopyComment,
} from '../../../src/domain/tags.js';
import { MAGIC, MASTER } from './fixtures.js';

const ticketArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeInteger().filter((n) => n >= 0));

describe('tags', () => {
  it('FNV-1a 32 matches reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('masterShortId is stable and 7 base36 characters', () => {
    expect(masterShortId(MASTER)).toBe(masterShortId(MASTER));
    expect(masterShortId(MASTER)).toMatch(/^[0-9a-z]{7}$/);
    expect(masterShortId('a')).not.toBe(masterShortId('b'));
  });

  it('copyComment has the documented shape', () => {
    const c = copyComment(MASTER, 123456);
    expect(c).toMatch(/^fxm:[0-9a-z]{7}:2n9c:[0-9a-z]{2}$/);
    expect(parseCopyComment(c)).toEqual({ masterShort: masterShortId(MASTER), masterTicket: 123456 });
  });

  it('round-trips and stays within 31 characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), ticketArb, (masterId, ticket) => {
        const c = copyComment(masterId, ticket);
        expect(c.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
        expect(parseCopyComment(c)).toEqual({ masterShort: masterShortId(masterId), masterTicket: ticket });
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads tags with broker additions around them', () => {
    const c = copyComment(MASTER, 42);
    expect(parseCopyComment(`${c} [sl 1.2345]`)?.masterTicket).toBe(42);
    expect(parseCopyComment(`auto ${c}`)?.masterTicket).toBe(42);
  });

  it('rejects truncated, mangled and foreign comments without throwing', () => {
    const c = copyComment(MASTER, 987654321);
    for (let n = 0; n < c.length; n++) expect(parseCopyComment(c.slice(0, n))).toBeNull();
    expect(parseCopyComment(c.replace(/:[0-9a-z]{2}$/, ':zz'))).toBeNull();
    expect(parseCopyComment('')).toBeNull();
    expect(parseCopyComment('from #12345')).toBeNull();
    expect(parseCopyComment(`x${c}`)).toBeNull();
    expect(parseCopyComment(null as unknown as string)).toBeNull();
    fc.assert(fc.property(fc.string(), (s) => void parseCopyComment(s)));
  });

  it('a tag alone is not a copy: the magic number must match too', () => {
    const order = { magic: MAGIC, comment: copyComment(MASTER, 7) };
    expect(isCopyOrder(order, MAGIC)).toBe(true);
    expect(isCopyOrder({ ...order, magic: 0 }, MAGIC)).toBe(false);
    expect(isCopyOrder({ ...order, comment: 'manual' }, MAGIC)).toBe(false);
    expect(isCopyOf(order, MAGIC, MASTER)).toBe(true);
    expect(isCopyOf(order, MAGIC, 'other-master')).toBe(false);
  });

  it('rejects tickets that cannot be tagged', () => {
    expect(() => copyComment(MASTER, -1)).toThrow(RangeError);
    expect(() => copyComment(MASTER, 1.5)).toThrow(RangeError);
  });
});

describe('idempotencyKey', () => {
  it('is readable for ordinary inputs', () => {
    expect(idempotencyKey(MASTER, 'd1001', 'open')).toBe(`fxm:${MASTER}:open:d1001`);
    expect(idempotencyKey(MASTER, 'm5:1.1:1.2', 'modify')).toBe(`fxm:${MASTER}:modify:m5:1.1:1.2`);
  });

  it('is deterministic, 1–128 printable ASCII, and separates distinct inputs', () => {
    const part = fc.string({ maxLength: 150, unit: fc.oneof(fc.constantFrom(':', ' ', '|', 'é', '#'), fc.constantFrom('a', 'B', '1', '-')) });
    fc.assert(
      fc.property(part, part, part, part, part, part, (m1, e1, s1, m2, e2, s2) => {
        const k1 = idempotencyKey(m1, e1, s1);
        expect(idempotencyKey(m1, e1, s1)).toBe(k1);
        expect(k1.length).toBeGreaterThanOrEqual(1);
        expect(k1.length).toBeLessThanOrEqual(128);
        expect(k1).toMatch(/^[\x21-\x7e]+$/);
        if (m1 !== m2 || e1 !== e2 || s1 !== s2) expect(idempotencyKey(m2, e2, s2)).not.toBe(k1);
      }),
      { numRuns: 3_000 },
    );
  });

  it('keeps the event id’s leading word readable when it has to hash (what sent a reconciliation batch)', () => {
    const scope = 'r1a2b3.4:';
    expect(idempotencyKey(MASTER, `fix:${MASTER}:5001:0.17:0.2`, scope)).toMatch(/^fxmh:[a-z0-9]+:fix:[0-9a-f]{32}$/);
    expect(idempotencyKey(MASTER, `rec:${MASTER}:5001`, scope)).toMatch(/^fxmh:[a-z0-9]+:rec:[0-9a-f]{32}$/);
    expect(idempotencyKey(MASTER, 'd1001', scope)).toMatch(/^fxmh:[a-z0-9]+:x:[0-9a-f]{32}$/);
  });

  it('does not confuse where a separator falls', () => {
    expect(idempotencyKey('a', 'c', 'b:x')).not.toBe(idempotencyKey('a', 'x:c', 'b'));
    expect(idempotencyKey('a:b', 'c', 's')).not.toBe(idempotencyKey('a', 'b:c', 's'));
  });
});

import { describe, expect, it } from 'vitest';
import { EU_INDEX_SESSIONS, FOREX_SESSIONS, isSessionOpen, US_INDEX_SESSIONS } from '../../../src/sim/broker/sessions.js';

const at = (iso: string): number => Date.parse(iso); // broker wall clock as UTC fields

describe('trading sessions (broker time)', () => {
  it('forex trades 24/5', () => {
    expect(isSessionOpen(FOREX_SESSIONS, at('2026-11-25T03:00:00Z'))).toBe(true); // Wednesday
    expect(isSessionOpen(FOREX_SESSIONS, at('2026-11-28T12:00:00Z'))).toBe(false); // Saturday
    expect(isSessionOpen(FOREX_SESSIONS, at('2026-11-29T23:00:00Z'))).toBe(false); // Sunday
    expect(isSessionOpen(FOREX_SESSIONS, at('2026-11-30T00:00:00Z'))).toBe(true); // Monday 00:00
    expect(isSessionOpen(FOREX_SESSIONS, at('2026-11-27T23:56:00Z'))).toBe(false); // Friday after 23:55
  });

  it('indices close at night', () => {
    expect(isSessionOpen(US_INDEX_SESSIONS, at('2026-11-25T15:00:00Z'))).toBe(true);
    expect(isSessionOpen(US_INDEX_SESSIONS, at('2026-11-25T23:30:00Z'))).toBe(false);
    expect(isSessionOpen(US_INDEX_SESSIONS, at('2026-11-25T00:30:00Z'))).toBe(false);
    expect(isSessionOpen(EU_INDEX_SESSIONS, at('2026-11-25T02:00:00Z'))).toBe(false);
    expect(isSessionOpen(EU_INDEX_SESSIONS, at('2026-11-25T09:00:00Z'))).toBe(true);
  });

  it('"24:00" ends the day and an empty list means always open', () => {
    expect(isSessionOpen([{ day: 'WEDNESDAY', from: '00:00', to: '24:00' }], at('2026-11-25T23:59:59Z'))).toBe(true);
    expect(isSessionOpen([], at('2026-11-28T12:00:00Z'))).toBe(true);
  });
});

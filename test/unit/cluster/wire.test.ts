import { describe, expect, it } from 'vitest';
import { decodeAlert, decodeMasterEvent, encodeMasterEvent } from '../../../src/cluster/wire.js';

describe('stream entries', () => {
  it('round-trips a terminal event, an Error included', () => {
    const d = decodeMasterEvent(encodeMasterEvent({ type: 'gave_up', error: new Error('boom') }, 42));
    expect(d.ok && d.value.event.type === 'gave_up' && d.value.event.error.message).toBe('boom');
    expect(d.ok && d.value.receivedAtMs).toBe(42);
  });

  it('names why an entry cannot be read: another version, no event, not JSON, no known type', () => {
    expect(decodeMasterEvent(['v', '9', 'e', '{}'])).toEqual({ ok: false, reason: expect.stringMatching(/unknown version "9"/) });
    expect(decodeMasterEvent(['v', '1'])).toEqual({ ok: false, reason: 'no event field' });
    expect(decodeMasterEvent(['v', '1', 'e', '{oops'])).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(decodeMasterEvent(['v', '1', 'e', '{"type":"bogus"}'])).toEqual({ ok: false, reason: 'event has no known type' });
    expect(decodeAlert(['v', '1', 'p', 'x', 'e', '{}'])).toEqual({ ok: false, reason: 'no partition' });
  });
});

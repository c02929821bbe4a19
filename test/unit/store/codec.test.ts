import { describe, expect, it } from 'vitest';
import { FatalError } from '../../../src/domain/errors.js';
import { decodeState, encodeState, formatPath } from '../../../src/store/codec.js';
import { createDefaultState } from '../../../src/store/schema.js';

const PATH = '/data/state.json';

function refusal(text: string): FatalError {
  try {
    decodeState(text, PATH);
  } catch (err) {
    expect(err).toBeInstanceOf(FatalError);
    return err as FatalError;
  }
  throw new Error('expected a refusal');
}

describe('decodeState', () => {
  it('round-trips the encoded state', () => {
    const state = createDefaultState('abc');
    expect(decodeState(encodeState(state), PATH)).toEqual({ state, fileVersion: 1 });
  });

  it('calls garbage, empty and truncated text corrupt and says what to do', () => {
    const full = encodeState(createDefaultState('abc'));
    for (const text of ['not json', '', full.slice(0, full.length - 7)]) {
      const err = refusal(text);
      expect(err.code).toBe('state_corrupt');
      expect(err.action).toBe('stop');
      expect(err.message).toContain(PATH);
      expect(err.message).toContain('left untouched');
      expect(err.message).toMatch(/backup/);
    }
  });

  it('names the failing paths of a schema-invalid file', () => {
    const doc = { ...createDefaultState('abc'), masters: [{ accountId: 'm1', paused: 'no' }] };
    const err = refusal(JSON.stringify(doc));
    expect(err.code).toBe('state_invalid');
    expect(err.message).toContain('masters[0].paused');
    expect(err.context['issues']).toEqual(['masters[0].paused']);
  });

  it('refuses a file without a version, or not an object', () => {
    expect(refusal('{"masters":[]}').code).toBe('state_invalid');
    expect(refusal('[1,2]').code).toBe('state_invalid');
    expect(refusal('null').code).toBe('state_invalid');
  });

  it('refuses a newer version naming both versions', () => {
    const err = refusal(JSON.stringify({ ...createDefaultState('abc'), version: 7 }));
    expect(err.code).toBe('state_newer_version');
    expect(err.message).toContain('file version 7');
    expect(err.message).toContain('up to version 1');
    expect(err.context).toMatchObject({ fileVersion: 7, supportedVersion: 1 });
  });

  it('migrates an older version and reports the file version', () => {
    const v0 = { ...createDefaultState('abc'), version: 0 } as Record<string, unknown>;
    delete v0['daily'];
    delete v0['masterHistory'];
    const decoded = decodeState(JSON.stringify(v0), PATH);
    expect(decoded.fileVersion).toBe(0);
    expect(decoded.state).toEqual(createDefaultState('abc'));
  });

  it('refuses to encode an invalid state', () => {
    const state = createDefaultState('abc');
    state.masters.push({ accountId: '', paused: false });
    expect(() => encodeState(state)).toThrow(expect.objectContaining({ code: 'state_invalid_write' }));
  });
});

describe('formatPath', () => {
  it('formats indices and keys', () => {
    expect(formatPath(['followers', 0, 'sizing', 'multiplier'])).toBe('followers[0].sizing.multiplier');
    expect(formatPath([])).toBe('(root)');
  });
});

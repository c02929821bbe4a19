import { describe, expect, it } from 'vitest';
import { FatalError } from '../../../src/domain/errors.js';
import { decodeState, encodeState, formatPath } from '../../../src/store/codec.js';
import { createDefaultState, STATE_VERSION, type JournalEntry } from '../../../src/store/schema.js';

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
    expect(decodeState(encodeState(state), PATH)).toEqual({ state, fileVersion: STATE_VERSION, linksSeq: 0 });
    expect(decodeState(encodeState(state, { linksSeq: 12 }), PATH).linksSeq).toBe(12);
  });

  it('encodes the state file without the journal (it lives in journal.jsonl)', () => {
    const state = createDefaultState('abc');
    state.journal.push(row(1));
    const text = encodeState(state);
    expect(JSON.parse(text)).not.toHaveProperty('journal');
    expect(decodeState(text, PATH).state.journal).toEqual([]);
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
    const doc = { ...JSON.parse(encodeState(createDefaultState('abc'))), masters: [{ accountId: 'm1', paused: 'no' }] };
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
    expect(err.message).toContain(`up to version ${STATE_VERSION}`);
    expect(err.context).toMatchObject({ fileVersion: 7, supportedVersion: STATE_VERSION });
  });

  it('migrates an older version and reports the file version', () => {
    const v0 = { ...createDefaultState('abc'), version: 0 } as Record<string, unknown>;
    delete v0['daily'];
    delete v0['masterHistory'];
    const decoded = decodeState(JSON.stringify(v0), PATH);
    expect(decoded.fileVersion).toBe(0);
    expect(decoded.state).toEqual(createDefaultState('abc'));
  });

  it('hands over the journal of a version 1 file, which the store moves to journal.jsonl', () => {
    const { journal: _none, ...v2 } = createDefaultState('abc');
    const v1 = { ...v2, version: 1, journal: [row(1), row(2)] };
    const decoded = decodeState(JSON.stringify(v1), PATH);
    expect(decoded.fileVersion).toBe(1);
    expect(decoded.state.journal).toEqual([row(1), row(2)]);
    expect(decoded.state.version).toBe(STATE_VERSION);
  });

  it('refuses a version 1 file whose journal does not validate, naming the row', () => {
    const { journal: _none, ...v2 } = createDefaultState('abc');
    const v1 = { ...v2, version: 1, journal: [row(1), { ...row(2), status: 'done' }] };
    const err = refusal(JSON.stringify(v1));
    expect(err.code).toBe('state_invalid');
    expect(err.message).toContain('journal[1].status');
  });

  it('refuses to encode an invalid state', () => {
    const state = createDefaultState('abc');
    state.masters.push({ accountId: '', paused: false });
    expect(() => encodeState(state)).toThrow(expect.objectContaining({ code: 'state_invalid_write' }));
  });
});

function row(at: number): JournalEntry {
  return {
    at, masterId: 'm', eventId: `e${at}`, eventKind: 'open', followerId: 'f', action: 'open', status: 'filled',
    reason: null, detail: {}, masterTicket: null, followerTicket: null, symbol: null, volume: null, price: null,
  };
}

describe('formatPath', () => {
  it('formats indices and keys', () => {
    expect(formatPath(['followers', 0, 'sizing', 'multiplier'])).toBe('followers[0].sizing.multiplier');
    expect(formatPath([])).toBe('(root)');
  });
});

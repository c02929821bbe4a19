import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import { FatalError } from '../../../src/domain/errors.js';
import { decodeState } from '../../../src/store/codec.js';
import { copyData, sameData, StateEncoder } from '../../../src/store/guard.js';
import { createDefaultState, STATE_VERSION, type JournalEntry, type State } from '../../../src/store/schema.js';
import { link } from '../../integration/store/helpers/fixtures.js';

function entry(at: number): JournalEntry {
  return {
    at, masterId: 'm', eventId: `e${at}`, eventKind: 'open', followerId: 'f', action: 'open', status: 'filled',
    reason: null, detail: {}, masterTicket: null, followerTicket: null, symbol: null, volume: null, price: null,
  };
}

function failure(fn: () => void): FatalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FatalError);
    return err as FatalError;
  }
  throw new Error('expected state_invalid_write');
}

/** What `JSON.stringify` of the state file part would decode to (links live in links.jsonl; `linksSeq` 0 here). */
function plain(state: State): unknown {
  const { journal: _journal, links: _links, ...doc } = state;
  return JSON.parse(JSON.stringify({ ...doc, linksSeq: 0 }));
}

describe('StateEncoder', () => {
  it('passes a valid document and refuses an invalid one with paths', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    encoder.encode(state);
    state.masters.push({ accountId: 'm1', paused: 'no' as unknown as boolean });
    const err = failure(() => encoder.encode(state));
    expect(err.code).toBe('state_invalid_write');
    expect(err.message).toContain('masters[0].paused');
  });

  it('writes the document without its journal and links, with the links seq, decoding to the same state', () => {
    const state = createDefaultState('x');
    state.journal.push(entry(1));
    state.links.push(link());
    state.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    const text = new StateEncoder().encode(state, 7);
    expect(JSON.parse(text)).not.toHaveProperty('journal');
    expect(JSON.parse(text)).not.toHaveProperty('links');
    expect(decodeState(text, '/x/state.json')).toEqual({ state: { ...state, journal: [], links: [] }, fileVersion: STATE_VERSION, linksSeq: 7 });
  });

  it('leaves the links to links.jsonl: a bad link does not stop the state text', () => {
    const state = createDefaultState('x');
    state.links.push(link({ volume: -1 }));
    expect(() => new StateEncoder().encode(state)).not.toThrow();
  });

  it('revalidates an item changed in place, however often it passed before', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    const open = (position: number) => ({ position, symbol: 'EURUSD', side: 'buy' as const, volume: 0.1, price: 1.1, stopLoss: 0, at: 1 });
    state.masterHistory['m1'] = [open(1), open(2)];
    encoder.encode(state);
    encoder.encode(state);
    (state.masterHistory['m1'][1] as { volume: unknown }).volume = -1;
    expect(failure(() => encoder.encode(state)).message).toContain('masterHistory.m1[1].volume');
    (state.masterHistory['m1'][1] as { volume: unknown }).volume = 0.5;
    expect(JSON.parse(encoder.encode(state)).masterHistory.m1[1].volume).toBe(0.5);
  });

  it('revalidates a nested value changed in place (followers, users, pending legs)', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    state.followers.push(defaultFollower('f1', ['m1']));
    encoder.encode(state);
    state.followers[0]!.sizing = { mode: 'multiplier', multiplier: -1 };
    expect(failure(() => encoder.encode(state)).message).toContain('followers[0].sizing.multiplier');
    state.followers[0]!.sizing = { mode: 'multiplier', multiplier: 2 };
    (state.followers[0]!.risk as { maxLot: unknown }).maxLot = 'big';
    expect(failure(() => encoder.encode(state)).message).toContain('followers[0].risk.maxLot');
  });

  it('notices a field of a flat item replaced by another key', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    state.masters.push({ accountId: 'm1', paused: false });
    encoder.encode(state);
    const m = state.masters[0] as unknown as Record<string, unknown>;
    delete m['paused'];
    m['pasued'] = false;
    expect(failure(() => encoder.encode(state)).message).toMatch(/masters\[0\]/);
  });

  it('checks processed entries added since the last good check', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    state.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    encoder.encode(state);
    state.processed['m1'].push({ eventId: '', at: 2 });
    expect(failure(() => encoder.encode(state)).message).toContain('processed.m1[1].eventId');
    state.processed['m1'].pop();
    encoder.encode(state);
  });

  it('rechecks a processed list whose entries were replaced rather than appended', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    state.processed['m1'] = [{ eventId: 'd1', at: 1 }];
    encoder.encode(state);
    state.processed['m1'] = [{ eventId: 'd1', at: 'x' as unknown as number }, { eventId: 'd2', at: 2 }];
    expect(failure(() => encoder.encode(state)).message).toContain('processed.m1[0].at');
  });

  it('does not look again at processed entries already checked (they are append-only records)', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x');
    state.processed['m1'] = [{ eventId: 'd1', at: 1 }, { eventId: 'd2', at: 2 }];
    encoder.encode(state);
    (state.processed['m1'][0] as { at: unknown }).at = 'changed in place';
    expect(() => encoder.encode(state)).not.toThrow();
  });

  it('refuses unknown top-level keys, missing lists and non-array values', () => {
    const encoder = new StateEncoder();
    const state = createDefaultState('x') as State & Record<string, unknown>;
    state['extra'] = 1;
    expect(failure(() => encoder.encode(state)).message).toMatch(/extra/);
    delete state['extra'];
    (state as { links: unknown }).links = {};
    expect(failure(() => encoder.encode(state)).message).toContain('links');
    (state as { links: unknown }).links = [];
    (state.processed as Record<string, unknown>)['m1'] = 'x';
    expect(failure(() => encoder.encode(state)).message).toContain('processed.m1');
    delete state.processed['m1'];
    (state as { instanceId: unknown }).instanceId = '';
    expect(failure(() => encoder.encode(state)).message).toContain('instanceId');
  });

  it('encodes exactly what JSON.stringify would, through any sequence of changes (property)', () => {
    type Op =
      | { kind: 'link'; i: number; volume: number }
      | { kind: 'addLink'; ticket: number }
      | { kind: 'removeLink'; i: number }
      | { kind: 'processed'; master: 'm1' | 'm2'; n: number; trim: number }
      | { kind: 'replaceProcessed'; master: 'm1' | 'm2' }
      | { kind: 'daily'; follower: string; balance: number }
      | { kind: 'follower'; id: string; paused: boolean }
      | { kind: 'followerMap'; id: string; symbol: string }
      | { kind: 'removeFollower'; i: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('link' as const), i: fc.nat(20), volume: fc.double({ min: 0, max: 10, noNaN: true }) }),
      fc.record({ kind: fc.constant('addLink' as const), ticket: fc.nat(1000) }),
      fc.record({ kind: fc.constant('removeLink' as const), i: fc.nat(20) }),
      fc.record({ kind: fc.constant('processed' as const), master: fc.constantFrom('m1' as const, 'm2' as const), n: fc.nat(5), trim: fc.nat(4) }),
      fc.record({ kind: fc.constant('replaceProcessed' as const), master: fc.constantFrom('m1' as const, 'm2' as const) }),
      fc.record({ kind: fc.constant('daily' as const), follower: fc.constantFrom('f1', 'f2'), balance: fc.integer() }),
      fc.record({ kind: fc.constant('follower' as const), id: fc.constantFrom('f1', 'f2', 'f3'), paused: fc.boolean() }),
      fc.record({ kind: fc.constant('followerMap' as const), id: fc.constantFrom('f1', 'f2', 'f3'), symbol: fc.constantFrom('GOLD', 'XAUUSD.r', '') }),
      fc.record({ kind: fc.constant('removeFollower' as const), i: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 12 }), (writes) => {
        const encoder = new StateEncoder();
        const state = createDefaultState('x');
        let seq = 0;
        for (const batch of writes) {
          for (const o of batch) {
            switch (o.kind) {
              case 'link': {
                const l = state.links[o.i % Math.max(1, state.links.length)];
                if (l !== undefined) l.volume = o.volume;
                break;
              }
              case 'addLink':
                state.links.push(link({ followerTicket: o.ticket }));
                break;
              case 'removeLink':
                state.links.splice(o.i % Math.max(1, state.links.length), 1);
                break;
              case 'processed': {
                const list = (state.processed[o.master] ??= []);
                for (let k = 0; k < o.n; k++) list.push({ eventId: `d${++seq}`, at: seq });
                list.splice(0, Math.min(o.trim, list.length));
                if (list.length === 0 && o.trim > 2) delete state.processed[o.master];
                break;
              }
              case 'replaceProcessed':
                state.processed[o.master] = [{ eventId: `r${++seq}`, at: seq }];
                break;
              case 'daily':
                state.daily[o.follower] = { day: '2025-01-02', startBalance: o.balance };
                break;
              case 'follower': {
                const f = state.followers.find((x) => x.accountId === o.id);
                if (f === undefined) state.followers.push(defaultFollower(o.id, ['m1']));
                else f.paused = o.paused;
                break;
              }
              case 'followerMap': {
                const f = state.followers.find((x) => x.accountId === o.id);
                if (f !== undefined && o.symbol === '') delete f.symbolMap['XAUUSD'];
                else if (f !== undefined) f.symbolMap['XAUUSD'] = o.symbol;
                break;
              }
              case 'removeFollower':
                state.followers.splice(o.i % Math.max(1, state.followers.length), 1);
                break;
            }
          }
          const text = encoder.encode(state);
          expect(JSON.parse(text)).toEqual(plain(state));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('sameData / copyData (how the encoder tells a changed follower, user or pending leg)', () => {
  const json = fc.jsonValue({ maxDepth: 4 });

  it('holds any JSON value equal to its copy, and the copy shares no object with it (property)', () => {
    fc.assert(
      fc.property(json, (value) => {
        const copy = copyData(value);
        expect(sameData(value, copy)).toBe(true);
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
      }),
    );
  });

  it('tells apart values whose JSON differs (property)', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        // Same keys in another order serialise differently but hold the same data.
        fc.pre(JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b)));
        expect(sameData(a, copyData(b))).toBe(false);
      }),
    );
  });

  it('keeps a key named __proto__ as data (a symbol map is user input)', () => {
    const map = JSON.parse('{"__proto__":"GOLD","XAUUSD":"GOLD"}') as Record<string, string>;
    const copy = copyData(map);
    expect(sameData(map, copy)).toBe(true);
    map['__proto__'] = 'XAU';
    expect(Object.hasOwn(map, '__proto__')).toBe(true);
    expect(sameData(map, copy)).toBe(false);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('sees a change made in place deep inside, an added key and a removed one', () => {
    const follower = { id: 'f', symbolMap: { XAUUSD: 'GOLD' }, filters: { symbols: ['EURUSD', 'GBPUSD'] }, risk: { maxLot: 2 } };
    const copy = copyData(follower);
    follower.filters.symbols[1] = 'USDJPY';
    expect(sameData(follower, copy)).toBe(false);
    follower.filters.symbols[1] = 'GBPUSD';
    expect(sameData(follower, copy)).toBe(true);
    (follower.symbolMap as Record<string, string>)['US30'] = 'DJ30';
    expect(sameData(follower, copy)).toBe(false);
    delete (follower.symbolMap as Record<string, string>)['US30'];
    delete (follower.risk as { maxLot?: number }).maxLot;
    expect(sameData(follower, copy)).toBe(false);
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

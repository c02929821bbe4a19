/**
 * Upgrades of older state documents, one step per version. `migrations[n]` turns a version-`n` document into a
 * version-`n + 1` one; {@link migrate} chains them up to {@link STATE_VERSION}. The result is validated by the caller
 * against the current schema, so a step only reshapes and never needs to be defensive about types it adds.
 *
 * To change the format: bump `STATE_VERSION`, change the schema, and add `migrations[old]` here with a test.
 */
import { STATE_VERSION } from './schema.js';

/** A JSON object as read from disk, before validation. */
export type RawDocument = Record<string, unknown>;

/** One migration step: a version-`n` document in, a version-`n + 1` document out. Pure; may return a new object. */
export type Migration = (doc: RawDocument) => RawDocument;

/** The migration table, keyed by the version a step upgrades from. */
export const migrations: Readonly<Record<number, Migration>> = {
  // Version 0 had no daily loss marks and no master history; both start empty.
  0: (doc) => ({ ...doc, version: 1, daily: doc['daily'] ?? {}, masterHistory: doc['masterHistory'] ?? {} }),
  // Version 2 keeps the journal in `journal.jsonl`. The step only drops it from the document: `decodeState` hands
  // the old rows to the store (as `Decoded.state.journal`), which writes them to the journal file before the
  // version 2 document.
  1: (doc) => {
    const { journal: _moved, ...rest } = doc;
    return { ...rest, version: 2 };
  },
  // Version 3 keeps the links in `links.jsonl`. The step drops them from the document (`decodeState` hands the old
  // links to the store, which writes them to the links file before the version 3 document) and records that no
  // change of that file is referred to yet.
  2: (doc) => {
    const { links: _moved, ...rest } = doc;
    return { ...rest, linksSeq: 0, version: 3 };
  },
  // Version 4 gives every follower's risk limits the daily risk budget's rule for copies without a stop loss: `skip`,
  // the safe default (a follower whose file says otherwise is left as it is; the schema then judges it).
  3: (doc) => {
    const followers: unknown = doc['followers'];
    return { ...doc, version: 4, followers: Array.isArray(followers) ? followers.map(withNoStopLossRule) : followers };
  },
};

/** A version-3 follower with `risk.noStopLoss` set to `skip` where it has none; anything unexpected passes unchanged. */
function withNoStopLossRule(follower: unknown): unknown {
  if (typeof follower !== 'object' || follower === null) return follower;
  const risk = (follower as RawDocument)['risk'];
  if (typeof risk !== 'object' || risk === null || 'noStopLoss' in risk) return follower;
  return { ...(follower as RawDocument), risk: { ...(risk as RawDocument), noStopLoss: { mode: 'skip' } } };
}

/** Applies every step from `from` to the current version. Throws if a step is missing. */
export function migrate(doc: RawDocument, from: number): RawDocument {
  let current = doc;
  for (let v = from; v < STATE_VERSION; v++) {
    const step = migrations[v];
    if (step === undefined) throw new Error(`no migration from version ${v} to ${v + 1}`);
    current = step(current);
    if (current['version'] !== v + 1) throw new Error(`migration from version ${v} did not set version ${v + 1}`);
  }
  return current;
}

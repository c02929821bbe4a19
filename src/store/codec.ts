/**
 * State file text ⇄ validated {@link State}: parse, check the version, migrate, validate; and the reverse. Pure
 * apart from building errors; never touches the disk.
 */
import type { z } from 'zod';
import { FatalError } from '../domain/errors.js';
import { stateFileError } from './errors.js';
import { migrate, type RawDocument } from './migrations.js';
import type { CopyLink } from '../domain/ledger.js';
import { legacyJournalSchema, legacyLinksSchema, STATE_VERSION, stateSchema, type JournalEntry, type State, type StateDocument } from './schema.js';

/** Version from which the journal lives in `journal.jsonl` rather than in the document. */
const JOURNAL_FILE_VERSION = 2;
/** Version from which the links live in `links.jsonl` rather than in the document. */
const LINKS_FILE_VERSION = 3;

/** A decoded state file: the current-version state and the version the file was written in. */
export interface Decoded {
  /**
   * The state. Its `journal` holds the rows an older file (version 0 or 1) kept inside the document, which the
   * store moves to `journal.jsonl`, and its `links` the links an older file (version 0 to 2) kept, which the store
   * moves to `links.jsonl`; for a current file both are empty (they are read from their own files).
   */
  state: State;
  /** Version found on disk; below {@link STATE_VERSION} when the state was migrated. */
  fileVersion: number;
  /** The newest write of `links.jsonl` the state belongs with (0 for a migrated state). */
  linksSeq: number;
}

/**
 * Decodes the text of the state file at `path` (used only in messages).
 *
 * @throws FatalError `state_corrupt` (not JSON), `state_invalid` (schema or migration failure, with the issue paths)
 *   or `state_newer_version` (with both versions).
 */
export function decodeState(text: string, path: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const problem = text.trim() === '' ? 'is empty' : `is not valid JSON, probably truncated or damaged (${(err as Error).message})`;
    throw stateFileError('state_corrupt', path, problem, { cause: err, context: { bytes: Buffer.byteLength(text) } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw stateFileError('state_invalid', path, 'does not hold a JSON object');
  }
  const doc = parsed as RawDocument;
  const version = doc['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw stateFileError('state_invalid', path, `has no valid "version" field (found ${JSON.stringify(version) ?? 'nothing'})`);
  }
  if (version > STATE_VERSION) {
    throw stateFileError(
      'state_newer_version',
      path,
      `was written by a newer fxmirror (file version ${version}, this build reads up to version ${STATE_VERSION}); ` +
        'upgrade fxmirror to use it',
      { context: { fileVersion: version, supportedVersion: STATE_VERSION } },
    );
  }
  let journal: JournalEntry[] = [];
  if (version < JOURNAL_FILE_VERSION && doc['journal'] !== undefined) {
    const rows = legacyJournalSchema.safeParse(doc['journal']);
    if (!rows.success) {
      const issues = rows.error.issues.map((i) => ({ ...i, path: ['journal', ...i.path] }));
      throw stateFileError('state_invalid', path, `does not match the version ${version} schema: ${formatIssues(issues)}`, {
        cause: rows.error,
        context: { fileVersion: version, issues: issues.map((i) => formatPath(i.path)) },
      });
    }
    journal = rows.data;
  }
  let links: CopyLink[] = [];
  if (version < LINKS_FILE_VERSION && doc['links'] !== undefined) {
    const parsedLinks = legacyLinksSchema.safeParse(doc['links']);
    if (!parsedLinks.success) {
      const issues = parsedLinks.error.issues.map((i) => ({ ...i, path: ['links', ...i.path] }));
      throw stateFileError('state_invalid', path, `does not match the version ${version} schema: ${formatIssues(issues)}`, {
        cause: parsedLinks.error,
        context: { fileVersion: version, issues: issues.map((i) => formatPath(i.path)) },
      });
    }
    links = parsedLinks.data;
  }
  let current = doc;
  if (version < STATE_VERSION) {
    try {
      current = migrate(doc, version);
    } catch (err) {
      throw stateFileError('state_invalid', path, `could not be migrated from version ${version} (${(err as Error).message})`, {
        cause: err,
        context: { fileVersion: version },
      });
    }
  }
  const result = stateSchema.safeParse(current);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    throw stateFileError(
      'state_invalid',
      path,
      `does not match the version ${STATE_VERSION} schema${version < STATE_VERSION ? ` after migration from version ${version}` : ''}: ${issues}`,
      { cause: result.error, context: { fileVersion: version, issues: result.error.issues.map((i) => formatPath(i.path)) } },
    );
  }
  const { linksSeq, ...rest } = result.data;
  return { state: { ...rest, links, journal }, fileVersion: version, linksSeq };
}

/**
 * Checks a state file document before writing, so that a document the next start would refuse is never written.
 *
 * @throws FatalError `state_invalid_write` with the issue paths.
 */
export function assertWritable(doc: StateDocument): void {
  const result = stateSchema.safeParse(doc);
  if (!result.success) throw invalidWriteError(result.error.issues, result.error);
}

/**
 * Serialises a state's file part (everything but the journal and the links, with `linksSeq`, default 0) for writing,
 * validating it first unless told the caller already did. The store itself writes through `StateEncoder` (guard.ts),
 * which validates only what changed, and keeps the links in `links.jsonl`.
 *
 * @throws FatalError `state_invalid_write` when the state holds links (they would be lost: only the store writes
 *   them, to their own file) or, when validating, does not match the schema.
 */
export function encodeState(state: State | StateDocument, options: { validate?: boolean; linksSeq?: number } = {}): string {
  if ('links' in state && state.links.length > 0) {
    throw new FatalError('state_invalid_write', 'The state holds links, which only the store writes (to links.jsonl); encodeState would lose them.', {
      context: { links: state.links.length },
    });
  }
  const doc = stateDocument(state, options.linksSeq ?? ('linksSeq' in state ? state.linksSeq : 0));
  if (options.validate !== false) assertWritable(doc);
  // Compact on purpose: the file is rewritten often.
  return JSON.stringify(doc);
}

/** The state file part of a state: a shallow copy without `journal` and `links`, with `linksSeq`. */
export function stateDocument(state: State | StateDocument, linksSeq: number): StateDocument {
  if (!('journal' in state) && !('links' in state)) return { ...state, linksSeq };
  const { journal: _journal, links: _links, ...doc } = state as State;
  return { ...doc, linksSeq };
}

/** `state_invalid_write`: the document in memory would not load again, so it was not written. */
export function invalidWriteError(issues: readonly z.core.$ZodIssue[], cause?: unknown): FatalError {
  return new FatalError(
    'state_invalid_write',
    `The state in memory no longer matches the schema, so it was not written: ${formatIssues(issues)}`,
    { cause, context: { paths: issues.slice(0, 20).map((i) => formatPath(i.path)) } },
  );
}

/** `path: message; …` for the first few issues, readable in a log line or a chat message. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], max = 8): string {
  const shown = issues.slice(0, max).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = issues.length > max ? `; and ${issues.length - max} more` : '';
  return shown.join('; ') + more;
}

/** `followers[0].sizing.multiplier` from a zod issue path; `(root)` for the document itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

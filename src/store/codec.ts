/**
 * State file text ⇄ validated {@link State}: parse, check the version, migrate, validate; and the reverse. Pure
 * apart from building errors; never touches the disk.
 */
import type { z } from 'zod';
import { FatalError } from '../domain/errors.js';
import { stateFileError } from './errors.js';
import { migrate, type RawDocument } from './migrations.js';
import { STATE_VERSION, stateSchema, type State } from './schema.js';

/** A decoded state file: the current-version state and the version the file was written in. */
export interface Decoded {
  state: State;
  /** Version found on disk; below {@link STATE_VERSION} when the state was migrated. */
  fileVersion: number;
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
  return { state: result.data, fileVersion: version };
}

/**
 * Checks a state before writing, so that a document the next start would refuse is never written.
 *
 * @throws FatalError `state_invalid_write` with the issue paths.
 */
export function assertWritable(state: State): void {
  const result = stateSchema.safeParse(state);
  if (!result.success) {
    throw new FatalError(
      'state_invalid_write',
      `The state in memory no longer matches the schema, so it was not written: ${formatIssues(result.error.issues)}`,
      { cause: result.error },
    );
  }
}

/** Serialises a state for writing, validating it first unless told the caller already did. */
export function encodeState(state: State, options: { validate?: boolean } = {}): string {
  if (options.validate !== false) assertWritable(state);
  // Compact on purpose: the journal makes the file a few megabytes and it is rewritten often.
  return JSON.stringify(state);
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

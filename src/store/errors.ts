/**
 * The store's error codes and the errors it raises. Start-up problems and write failures are {@link FatalError}s
 * (the process must not copy on state it cannot persist); bad input to a helper is a {@link RejectedError}.
 */
import { FatalError, RejectedError } from '../domain/errors.js';

/** Stable codes of the store's errors. */
export type StoreErrorCode =
  /** The state file is not JSON (garbage or truncated). */
  | 'state_corrupt'
  /** The state file is JSON but fails the schema (or a migration). */
  | 'state_invalid'
  /** The state file was written by a newer fxmirror. */
  | 'state_newer_version'
  /** The state file exists but cannot be read (permissions, a directory in its place). */
  | 'state_unreadable'
  /** The data directory cannot be created or written. */
  | 'data_dir_unwritable'
  /** Another live process holds the data directory. */
  | 'state_locked'
  /** A write failed after start-up; the state in memory is not on disk. */
  | 'state_write_failed'
  /** The in-memory document no longer validates, so it was not written. */
  | 'state_invalid_write'
  /** A helper was given a value that does not fit the schema. */
  | 'state_invalid_input'
  /** The store was used after `close()`. */
  | 'store_closed';

const WHAT_TO_DO =
  'Restore a backup over it, or move it aside (for example `mv state.json state.json.broken`) and start again: ' +
  'a fresh state is created, open copies are found again from the brokers by their comment tags, and masters, ' +
  'followers and chat users have to be added again.';

/** Refuses start-up over the state file at `path`; the message says the file was left untouched and what to do. */
export function stateFileError(
  code: 'state_corrupt' | 'state_invalid' | 'state_newer_version',
  path: string,
  problem: string,
  options: { cause?: unknown; context?: Record<string, unknown> } = {},
): FatalError {
  return new FatalError(
    code,
    `State file ${path} ${problem}. The file was left untouched. ${WHAT_TO_DO}`,
    { ...options, context: { path, ...options.context } },
  );
}

const JOURNAL_WHAT_TO_DO =
  'The journal is the copy history only (what /history and /why answer from): delete the damaged line, or move the ' +
  'file aside (for example `mv journal.jsonl journal.jsonl.broken`) and start again with an empty history; the ' +
  'state itself is not affected.';

/** Refuses start-up over a damaged line of the journal file (not its last line, which a crash may leave partial). */
export function journalFileError(
  code: 'state_corrupt' | 'state_invalid',
  path: string,
  line: number,
  problem: string,
): FatalError {
  return new FatalError(
    code,
    `Journal file ${path} line ${line} ${problem}. Only a damaged last line (an interrupted append) is dropped ` +
      `automatically; the file was left untouched. ${JOURNAL_WHAT_TO_DO}`,
    { context: { path, line } },
  );
}

/** The data directory cannot be used: names the directory and the system error. */
export function dataDirError(dir: string, cause: unknown): FatalError {
  const sys = describeSystemError(cause);
  return new FatalError(
    'data_dir_unwritable',
    `Data directory ${dir} is not writable (${sys}). Point FXMIRROR_DATA at a writable directory, or fix its ` +
      'permissions or free space; fxmirror cannot run without persisting its state.',
    { cause, context: { dir } },
  );
}

/** A write of the state file failed after start-up. */
export function writeFailedError(path: string, cause: unknown): FatalError {
  return new FatalError(
    'state_write_failed',
    `Writing ${path} failed (${describeSystemError(cause)}); recent changes are only in memory. Stop copying ` +
      'until the data directory is writable again.',
    { cause, context: { path } },
  );
}

/** Invalid input to a store helper, with the readable zod issues. */
export function invalidInputError(what: string, issues: string): RejectedError {
  return new RejectedError('state_invalid_input', `Invalid ${what}: ${issues}`, { context: { what } });
}

/** `code: message` of a Node system error, or its message. */
export function describeSystemError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === undefined || err.message.startsWith(code) ? err.message : `${code}: ${err.message}`;
  }
  return String(err);
}

/**
 * The copy journal's file, `journal.jsonl`: one {@link journalEntrySchema} row per line, oldest first, appended to on
 * every write instead of being re-serialised inside `state.json`.
 *
 * - The engine keeps pushing rows into `state.data.journal` (and splicing old ones from the front). Each write
 *   appends the rows added since the last one, found by the identity of the last row appended: everything after its
 *   last occurrence is new; if it is gone (spliced away, or the array replaced), every row in memory is new.
 * - Only the new rows are validated, at the same instant the state text is taken, so the journal on disk always
 *   holds at least what `state.json` refers to (the append goes first).
 * - One append and one `fdatasync` per write. A crash mid-append leaves at most one partial last line, which the
 *   next start drops (with a log line) before appending again; a bad line anywhere else refuses start-up and the file
 *   is left untouched, like a corrupt state file.
 * - When the file holds more than twice `journalMax` lines it is rewritten with the rows in memory (temp file,
 *   fsync, rename, directory fsync), serialised in slices so the event loop is not held for long. The same rewrite
 *   follows a failed append (whose bytes on disk are unknown) and replaces a file that disappeared.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { FatalError } from '../domain/errors.js';
import { formatIssues } from './codec.js';
import { journalFileError, writeFailedError } from './errors.js';
import { AppendFailure, appendSynced, replaceFile } from './fs.js';
import { journalEntrySchema, journalStatusSchema, type JournalEntry } from './schema.js';

const JOURNAL_STATUSES: ReadonlySet<unknown> = new Set<unknown>(journalStatusSchema.options);
const JOURNAL_KEYS = 14;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.getOwnPropertySymbols(value).length === 0;
}

function isFiniteOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function isIntOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isSafeInteger(value));
}

/**
 * A row that {@link journalEntrySchema} certainly accepts as it is: a plain object with exactly the schema's keys, each
 * holding a value of its type. The engine writes a thousand rows per event at a thousand followers, and validating
 * each through zod (which builds a copy of every row) was most of the store's share of the copier's CPU and garbage;
 * a row this check does not recognise — anything unusual — still goes through the schema, which then decides and
 * names the problem. Never more lenient than the schema (a property test checks it against the schema).
 * @internal
 */
export function isPlainJournalEntry(row: unknown): boolean {
  if (!isPlainObject(row)) return false;
  let keys = 0;
  for (const key in row) {
    if (!Object.hasOwn(row, key)) return false;
    keys++;
  }
  if (keys !== JOURNAL_KEYS) return false;
  const r = row as Partial<Record<keyof JournalEntry, unknown>>;
  if (
    !(typeof r.at === 'number' && Number.isFinite(r.at)) ||
    typeof r.masterId !== 'string' ||
    typeof r.eventId !== 'string' ||
    typeof r.eventKind !== 'string' ||
    typeof r.followerId !== 'string' ||
    typeof r.action !== 'string' ||
    !JOURNAL_STATUSES.has(r.status) ||
    !(r.reason === null || typeof r.reason === 'string') ||
    !isIntOrNull(r.masterTicket) ||
    !isIntOrNull(r.followerTicket) ||
    !(r.symbol === null || typeof r.symbol === 'string') ||
    !isFiniteOrNull(r.volume) ||
    !isFiniteOrNull(r.price)
  ) {
    return false;
  }
  const detail = r.detail;
  if (!isPlainObject(detail)) return false;
  for (const key in detail) {
    if (!Object.hasOwn(detail, key)) return false;
    const v = detail[key];
    if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) return false;
  }
  return true;
}

/** The journal file's name inside the data directory. */
export const JOURNAL_FILE = 'journal.jsonl';

/** Rows validated and written between two yields to the event loop during a rewrite (a millisecond or two). */
const SLICE = 100;
/** Rows serialised per turn of the event loop by `serialize` (about a millisecond's work). */
const SERIALIZE_SLICE = 400;

/** The rows of one write, validated and serialised synchronously with the state text. */
export interface JournalBatch {
  /** The new rows, taken when the batch was: serialised (and validated) later, slice by slice, by `serialize`. */
  rows: readonly unknown[];
  /** The index of `rows[0]` in the journal when the batch was taken (for the paths of issues). */
  start: number;
  /** The new rows, one JSON line each with its newline; set by `serialize` (`''` until then, or with no rows). */
  text: string;
  /** How many rows the batch holds. */
  count: number;
  /** The newest row in memory when the batch was taken: what the next write appends after. */
  last: JournalEntry | undefined;
  /** Rewrite the whole file with the rows in memory instead of appending. */
  rewrite: boolean;
}

/** What {@link JournalFile.load} found. */
export interface LoadedJournal {
  /** The newest `journalMax` rows, oldest first. */
  rows: JournalEntry[];
  /** Rows in the file. */
  lines: number;
  /** Set when a partial or damaged last line (an append interrupted by a crash) was dropped. */
  droppedTail: string | null;
}

export interface JournalFileOptions {
  /** Rows kept in memory; the file is compacted above twice as many lines. */
  max: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
}

/** The journal file of one open store. Writes are serialised by the store (one in flight at a time). */
export class JournalFile {
  /** Rewrites of the whole file since opening (compactions, and recoveries after a failed append). */
  rewrites = 0;

  private readonly max: number;
  private readonly log: JournalFileOptions['log'];
  /** The last row known to be in the file, by identity. */
  private mark: JournalEntry | undefined = undefined;
  /** Lines in the file. */
  private lines = 0;
  /** The file's tail is unknown (an append failed): the next write rewrites it whole. */
  private needsRewrite = false;

  constructor(
    readonly path: string,
    options: JournalFileOptions,
  ) {
    this.max = Math.max(1, options.max);
    this.log = options.log;
  }

  /** Lines in the file, as far as this process knows. */
  get lineCount(): number {
    return this.lines;
  }

  /**
   * Reads and validates every line, drops a damaged last line (truncating the file to the rows before it), and
   * returns the newest rows. A missing file is an empty journal.
   *
   * @throws FatalError `state_corrupt` (a line that is not JSON) or `state_invalid` (a line failing the schema), for
   *   any line but the last, leaving the file untouched; `state_unreadable`.
   */
  async load(): Promise<LoadedJournal> {
    const read = await readJournalFile(this.path);
    let droppedTail: string | null = null;
    if (read.damagedTail !== null) {
      const { line, offset, problem } = read.damagedTail;
      droppedTail = `line ${line}: ${problem}`;
      this.log?.warn(
        { path: this.path, line, bytes: read.bytes - offset, problem },
        'journal: dropped a damaged last line (an append interrupted by a crash)',
      );
      await this.repair((handle) => handle.truncate(offset));
    } else if (read.unterminated) {
      // The whole row made it but not its newline: complete it, so the next append starts a line of its own.
      const size = read.bytes;
      await this.repair(async (handle) => void (await handle.write('\n', size)));
    }
    const rows = read.rows;
    this.lines = rows.length;
    return { rows: rows.length > this.max ? rows.slice(-this.max) : rows, lines: rows.length, droppedTail };
  }

  /** Replaces the file with `rows` (already validated), durably. Used when a migration moves the journal here. */
  async replace(rows: readonly JournalEntry[]): Promise<void> {
    await this.writeWhole(rows, false);
  }

  /** Records that `journal` (the live array) is what the file ends with, e.g. after loading it. */
  track(journal: readonly JournalEntry[]): void {
    this.mark = journal.at(-1);
  }

  /**
   * Takes the rows added to `journal` since the last write. Synchronous and cheap (the rows are records, appended and
   * never changed), so the batch is the journal as it is now; `serialize` then validates and serialises them off the
   * synchronous part of the write. `null` when there is nothing to write.
   */
  prepare(journal: unknown): JournalBatch | null {
    if (!Array.isArray(journal)) return null; // reported by the document's own check
    const rows = journal as unknown[];
    const start = this.mark === undefined ? 0 : rows.lastIndexOf(this.mark) + 1;
    if (start === rows.length && !this.needsRewrite) return null;
    const count = rows.length - start;
    return {
      rows: rows.slice(start),
      start,
      text: '',
      count,
      last: rows.at(-1) as JournalEntry | undefined,
      rewrite: this.needsRewrite || this.lines + count > 2 * this.max,
    };
  }

  /**
   * Validates the batch's rows (issues pushed with their paths in the document) and serialises them into
   * `batch.text`, `SERIALIZE_SLICE` rows at a time with a turn of the event loop between slices: a thousand followers' rows of
   * one event never hold the loop (and the next master frame) for long.
   */
  async serialize(batch: JournalBatch, issues: z.core.$ZodIssue[]): Promise<void> {
    const { rows } = batch;
    let text = '';
    for (let from = 0; from < rows.length; from += SERIALIZE_SLICE) {
      if (from > 0) await yieldToLoop();
      for (let i = from; i < Math.min(rows.length, from + SERIALIZE_SLICE); i++) {
        const row = rows[i];
        if (!isPlainJournalEntry(row)) {
          const result = journalEntrySchema.safeParse(row);
          if (!result.success) {
            for (const issue of result.error.issues) issues.push({ ...issue, path: ['journal', batch.start + i, ...issue.path] });
            continue;
          }
        }
        text += `${JSON.stringify(row)}\n`;
      }
    }
    batch.text = text;
  }

  /**
   * Writes a batch: one append and one fdatasync, or a rewrite of the file with the rows of `journal` (the live
   * array) up to the batch's last row.
   *
   * @throws FatalError `state_write_failed`; the next batch then rewrites the file.
   */
  async commit(batch: JournalBatch, journal: readonly JournalEntry[]): Promise<void> {
    if (batch.rewrite) return this.rewrite(batch, journal);
    try {
      if ((await appendSynced(this.path, batch.text)) === 'missing') return this.rewrite(batch, journal);
    } catch (err) {
      // Part of the rows may be on disk: never append after an unknown tail.
      if (!(err instanceof AppendFailure) || err.stage === 'write') this.needsRewrite = true;
      throw writeFailedError(this.path, err instanceof AppendFailure ? err.cause : err);
    }
    this.lines += batch.count;
    this.mark = batch.last;
  }

  /** Rewrites the file with the live rows up to `batch.last`, re-validating them. */
  private async rewrite(batch: JournalBatch, journal: readonly JournalEntry[]): Promise<void> {
    const before = this.lines;
    // Rows after `batch.last` arrived after the batch was taken: they go out with the next write. If `batch.last`
    // was spliced away meanwhile, every row in memory is newer and none belongs in this file.
    const rows = batch.last === undefined ? [] : journal.slice(0, journal.lastIndexOf(batch.last) + 1);
    // Rows were validated when first written; one changed in place since would make a file that does not load.
    const dropped = await this.writeWhole(rows, true);
    if (dropped.length > 0) {
      this.log?.warn(
        { path: this.path, issues: formatIssues(dropped) },
        'journal: rows changed in place no longer validate and were left out of the rewritten file',
      );
    }
    this.mark = batch.last;
    this.log?.info({ path: this.path, linesBefore: before, lines: this.lines }, 'journal rewritten');
  }

  /**
   * Replaces the file with `rows`: a temp file written slice by slice (yielding to the event loop between slices,
   * so a compaction never holds it for long), fsynced, renamed over the file, directory fsynced.
   *
   * @returns the issues of rows left out (only when `validate`)
   */
  private async writeWhole(rows: readonly JournalEntry[], validate: boolean): Promise<z.core.$ZodIssue[]> {
    const issues: z.core.$ZodIssue[] = [];
    let written = 0;
    try {
      await replaceFile(this.path, async (handle) => {
        for (let from = 0; from < rows.length; from += SLICE) {
          if (from > 0) await yieldToLoop();
          let text = '';
          for (let i = from; i < Math.min(rows.length, from + SLICE); i++) {
            if (validate && !isPlainJournalEntry(rows[i])) {
              const result = journalEntrySchema.safeParse(rows[i]);
              if (!result.success) {
                issues.push(...result.error.issues.map((issue) => ({ ...issue, path: ['journal', i, ...issue.path] })));
                continue;
              }
            }
            text += `${JSON.stringify(rows[i])}\n`;
            written++;
          }
          await handle.appendFile(text, 'utf8');
        }
      });
    } catch (err) {
      this.needsRewrite = true;
      throw writeFailedError(this.path, err);
    }
    this.lines = written;
    this.needsRewrite = false;
    this.rewrites++;
    return issues;
  }

  private async repair(fix: (handle: FileHandle) => Promise<void>): Promise<void> {
    const handle = await open(this.path, 'r+');
    try {
      await fix(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** What {@link readJournalFile} found. */
export interface JournalFileContents {
  /** Every valid row, oldest first. */
  rows: JournalEntry[];
  /** The file's size. */
  bytes: number;
  /** A last line that is not a valid row (an append cut by a crash): where it starts and what is wrong. */
  damagedTail: { line: number; offset: number; problem: string } | null;
  /** The last row is whole but its newline is missing. */
  unterminated: boolean;
}

/**
 * Reads a journal file without changing it: every line is validated; a damaged last line is reported, not
 * refused. A missing file is empty. For the store's start-up and for tools reading a data directory.
 *
 * @throws FatalError `state_corrupt` / `state_invalid` for a damaged line that is not the last, `state_unreadable`.
 */
export async function readJournalFile(path: string): Promise<JournalFileContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], bytes: 0, damagedTail: null, unterminated: false };
    throw new FatalError(
      'state_unreadable',
      `Journal file ${path} could not be read (${(err as Error).message}). The file was left untouched. Check ` +
        'its permissions and that it is a regular file.',
      { cause: err, context: { path } },
    );
  }
  const rows: JournalEntry[] = [];
  let bad: { line: number; offset: number; code: 'state_corrupt' | 'state_invalid'; problem: string } | null = null;
  let unterminated = false;
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    line++;
    const text = bytes.toString('utf8', start, end);
    // Blank lines (a hand edit) are skipped; they never come from an append.
    if (text.trim() !== '') {
      if (bad !== null) throw journalFileError(bad.code, path, bad.line, bad.problem);
      const parsed = parseLine(text);
      if (parsed.ok) {
        rows.push(parsed.row);
        unterminated = nl === -1;
      } else {
        bad = { line, offset: start, code: parsed.code, problem: parsed.problem };
      }
    }
    start = end + 1;
  }
  const damagedTail = bad === null ? null : { line: bad.line, offset: bad.offset, problem: bad.problem };
  return { rows, bytes: bytes.length, damagedTail, unterminated };
}

type ParsedLine = { ok: true; row: JournalEntry } | { ok: false; code: 'state_corrupt' | 'state_invalid'; problem: string };

function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'state_corrupt', problem: `is not valid JSON (${(err as Error).message})` };
  }
  const result = journalEntrySchema.safeParse(value);
  if (!result.success) {
    return { ok: false, code: 'state_invalid', problem: `does not match the journal row schema: ${formatIssues(result.error.issues)}` };
  }
  return { ok: true, row: result.data };
}

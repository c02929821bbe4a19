/**
 * The ticket map's file, `links.jsonl`: the copy links as an append-only log of changes, instead of a list rewritten
 * inside `state.json` on every write. With a hundred thousand open links the old rewrite serialised tens of
 * megabytes a few times a second beside the copy path; an append writes only what changed since the last write.
 *
 * Lines, oldest first, each one JSON object:
 *
 * - `{"seq":N,"put":[[id,link],…],"del":[id,…]}` — a write's changes: links added or changed (by slot id), slots
 *   removed. `put` or `del` may be absent.
 * - `{"seq":N,"base":true,"put":[[id,link],…]}` — part of a whole snapshot; only at the start of a rewritten file.
 *
 * `state.json` is the commit point: it records the `seq` of the newest change it belongs with (`linksSeq`), and a load
 * applies the base and the changes up to that seq and discards the rest (a write whose state file never landed),
 * cutting them off the file. So the links read back always match the processed events and the rest of the state of
 * the same write, as when they were one document.
 *
 * - Each write takes the links added, changed or removed since the previous one (`link-slots.ts`).
 * - One append and one `fdatasync` per write with changes. A crash mid-append leaves at most one partial last line,
 *   which the next start drops (with a log line); a bad line anywhere else refuses start-up, leaving the file alone.
 * - When the file holds more than twice as many records as live links (plus a margin), or after a failed append
 *   (whose bytes on disk are unknown), the write rewrites it instead: the snapshot of the previous write as the base,
 *   then this write's changes, in a temp file renamed over the old one, serialised in slices so the event loop is
 *   not held for long.
 */
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { FatalError } from '../domain/errors.js';
import type { CopyLink } from '../domain/ledger.js';
import { formatIssues } from './codec.js';
import { writeFailedError } from './errors.js';
import { AppendFailure, appendSynced, replaceFile } from './fs.js';
import { diffLinkSlots, emptyLinkSlots, loadedLinkSlots, type LinkSlots } from './link-slots.js';
import { copyLinkSchema } from './schema.js';

/** The links file's name inside the data directory. */
export const LINKS_FILE = 'links.jsonl';

/** Links serialised between two yields to the event loop during a rewrite. */
const SLICE = 500;
/** Records a file may hold beyond twice the live links before a write compacts it. */
const COMPACT_MARGIN = 1_000;

type Issue = z.core.$ZodIssue;

const slotId = z.int().min(1);
const lineSchema = z.strictObject({
  seq: z.int().min(0),
  base: z.literal(true).optional(),
  put: z.array(z.tuple([slotId, copyLinkSchema])).optional(),
  del: z.array(slotId).optional(),
});
type Line = z.infer<typeof lineSchema>;

/** One write's changes to the links, taken synchronously with the state text. */
export interface LinksBatch {
  /** The seq of this write: what `state.json` records as `linksSeq`. */
  seq: number;
  /** This write's line (its newline included), `''` when nothing changed. */
  text: string;
  /** Records (puts and dels) in `text`. */
  records: number;
  /** Rewrite the file (base + this write's changes) instead of appending. */
  rewrite: boolean;
  /** The slots after this write, adopted once it is on disk. */
  next: LinkSlots;
  nextId: number;
}

/** What {@link LinksFile.load} found. */
export interface LoadedLinks {
  /** The links of the committed state, in slot order. */
  links: CopyLink[];
  /** Set when a partial or damaged last line (an append interrupted by a crash) was dropped. */
  droppedTail: string | null;
  /** Lines of writes whose `state.json` never landed, cut off the file. */
  discardedLines: number;
}

export interface LinksFileOptions {
  log?: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
}

/** The links file of one open store. Writes are serialised by the store (one in flight at a time). */
export class LinksFile {
  /** Rewrites of the whole file since opening (compactions, and recoveries after a failed append). */
  rewrites = 0;
  /** The seq of the newest write on disk (appended or rewritten): what `state.json` records while nothing changes. */
  seq = 0;

  private readonly log: LinksFileOptions['log'];
  private slots: LinkSlots = emptyLinkSlots();
  private nextId = 1;
  /** Records (puts and dels, base included) in the file. */
  private records = 0;
  /** The file's tail is unknown (an append failed): the next write rewrites it. */
  private needsRewrite = false;

  constructor(
    readonly path: string,
    options: LinksFileOptions = {},
  ) {
    this.log = options.log;
  }

  /** Records in the file, as far as this process knows (for tests and diagnostics). */
  get recordCount(): number {
    return this.records;
  }

  /**
   * Reads the file and returns the links of the state whose `linksSeq` is `committedSeq`: the base and every change
   * up to that seq. Later lines (a write whose state file never landed) and a damaged last line are cut off the file.
   * A missing file is no links, unless the state refers to changes it should hold.
   *
   * @throws FatalError `state_corrupt` (a line that is not JSON, or a missing file the state refers to),
   *   `state_invalid` (a line failing the schema) for any line but the last, leaving the file untouched;
   *   `state_unreadable`.
   */
  async load(committedSeq: number): Promise<LoadedLinks> {
    const read = await readLinksFile(this.path);
    if (read === null) {
      if (committedSeq > 0) {
        throw new FatalError(
          'state_corrupt',
          `Links file ${this.path} is missing, but the state file refers to ${committedSeq} write(s) of links in it. ` +
            'Restore it from a backup, or move state.json away to start afresh (copies on the followers are then ' +
            'matched again by reconciliation).',
          { context: { path: this.path, linksSeq: committedSeq } },
        );
      }
      return { links: [], droppedTail: null, discardedLines: 0 };
    }
    let cut: number | null = null;
    let droppedTail: string | null = null;
    let discardedLines = 0;
    const byId = new Map<number, CopyLink>();
    let records = 0;
    let seq = 0;
    for (let i = 0; i < read.lines.length; i++) {
      const line = read.lines[i] as ReadLine;
      if (!line.ok) {
        if (i < read.lines.length - 1) throw linesError(line.code, this.path, line.line, line.problem);
        droppedTail = `line ${line.line}: ${line.problem}`;
        this.log?.warn({ path: this.path, line: line.line, problem: line.problem }, 'links: dropped a damaged last line (an append interrupted by a crash)');
        cut ??= line.offset;
        break;
      }
      const l = line.value;
      // A base is the snapshot a rewrite started from: always part of the file's state. A change newer than the
      // state file belongs to a write that never completed.
      if (l.base !== true && l.seq > committedSeq) {
        cut ??= line.offset;
        discardedLines = read.lines.length - i;
        break;
      }
      for (const [id, link] of l.put ?? []) byId.set(id, link);
      for (const id of l.del ?? []) byId.delete(id);
      records += (l.put?.length ?? 0) + (l.del?.length ?? 0);
      seq = Math.max(seq, l.seq);
    }
    if (cut !== null) {
      if (discardedLines > 0) this.log?.warn({ path: this.path, lines: discardedLines, linksSeq: committedSeq }, 'links: discarded changes of a write that did not complete');
      const offset = cut;
      await repair(this.path, (handle) => handle.truncate(offset));
    } else if (read.unterminated) {
      const size = read.bytes;
      await repair(this.path, async (handle) => void (await handle.write('\n', size)));
    }
    const ids = [...byId.keys()];
    const links = [...byId.values()];
    this.records = records;
    this.seq = Math.max(seq, committedSeq);
    this.nextId = ids.reduce((m, id) => Math.max(m, id), 0) + 1;
    this.slots = loadedLinkSlots(links, ids);
    return { links, droppedTail, discardedLines };
  }

  /**
   * Replaces the file with `links` as a base (seq 0), durably, and adopts them: the objects of `links` are what the
   * next write diffs against. Used when a migration moves the links here from an older state file.
   */
  async replace(links: readonly CopyLink[]): Promise<void> {
    if (links.length === 0) {
      await unlink(this.path).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailedError(this.path, err);
      });
      this.slots = emptyLinkSlots();
      this.seq = 0;
      this.nextId = 1;
      this.records = 0;
      return;
    }
    const ids = links.map((_, i) => i + 1);
    this.slots = loadedLinkSlots(links, ids);
    this.seq = 0;
    this.nextId = links.length + 1;
    const batch: LinksBatch = { seq: 0, text: '', records: 0, rewrite: true, next: this.slots, nextId: this.nextId };
    await this.rewrite(batch);
  }

  /**
   * Takes the changes of `links` (the live array) since the last write: validates new and changed links (issues
   * pushed with their paths in the document) and serialises them. Synchronous, so the batch is the array as it is
   * now. `null` when there is nothing to write.
   */
  prepare(links: unknown, issues: Issue[]): LinksBatch | null {
    if (!Array.isArray(links)) return null; // reported by the document's own check
    const diff = diffLinkSlots(this.slots, this.nextId, links as unknown[], issues);
    if (diff === null) return null;
    const { put, del, next, nextId } = diff;
    const records = put.length + del.length;
    if (records === 0 && !this.needsRewrite) return null;
    const seq = this.seq + 1;
    let text = '';
    if (records > 0) {
      const line: Line = { seq };
      if (put.length > 0) line.put = put;
      if (del.length > 0) line.del = del;
      text = `${JSON.stringify(line)}\n`;
    }
    const live = next.snaps.length;
    return {
      seq,
      text,
      records,
      rewrite: this.needsRewrite || this.records + records > 2 * live + COMPACT_MARGIN,
      next,
      nextId,
    };
  }

  /**
   * Writes a batch: one append and one fdatasync, or a rewrite (the previous write's snapshot as the base, then the
   * batch's line). The batch's slots are adopted once it is on disk.
   *
   * @throws FatalError `state_write_failed`; the next batch then rewrites the file.
   */
  async commit(batch: LinksBatch): Promise<void> {
    if (batch.rewrite) return this.rewrite(batch);
    try {
      if ((await appendSynced(this.path, batch.text)) === 'missing') return this.rewrite(batch);
    } catch (err) {
      // Part of the line may be on disk (or the file could not be opened): never append after an unknown tail.
      this.needsRewrite = true;
      throw writeFailedError(this.path, err instanceof AppendFailure ? err.cause : err);
    }
    this.adopt(batch, this.records + batch.records);
  }

  private adopt(batch: LinksBatch, records: number): void {
    this.slots = batch.next;
    this.nextId = batch.nextId;
    this.seq = batch.seq;
    this.records = records;
  }

  /**
   * Replaces the file with the previous write's snapshot (base lines, tagged with its seq) followed by the batch's
   * line: a temp file written slice by slice (yielding between slices), fsynced, renamed over the file, directory
   * fsynced. A crash before the new state file lands leaves a file whose base is what that state file refers to.
   */
  private async rewrite(batch: LinksBatch): Promise<void> {
    const base = this.slots;
    const baseSeq = this.seq;
    try {
      await replaceFile(this.path, async (handle) => {
        for (let from = 0; from < base.snaps.length; from += SLICE) {
          if (from > 0) await yieldToLoop();
          const put: [number, CopyLink][] = [];
          for (let i = from; i < Math.min(base.snaps.length, from + SLICE); i++) put.push([base.ids[i] as number, base.snaps[i] as CopyLink]);
          const line: Line = { seq: baseSeq, base: true, put };
          await handle.appendFile(`${JSON.stringify(line)}\n`, 'utf8');
        }
        if (batch.text !== '') await handle.appendFile(batch.text, 'utf8');
      });
    } catch (err) {
      this.needsRewrite = true;
      throw writeFailedError(this.path, err);
    }
    this.needsRewrite = false;
    this.rewrites++;
    this.adopt(batch, base.snaps.length + batch.records);
    this.log?.info({ path: this.path, links: batch.next.snaps.length, records: this.records }, 'links rewritten');
  }
}

export type ReadLine =
  | { ok: true; value: Line; line: number; offset: number }
  | { ok: false; code: 'state_corrupt' | 'state_invalid'; problem: string; line: number; offset: number };

/** What {@link readLinksFile} found. */
export interface LinksFileContents {
  lines: ReadLine[];
  bytes: number;
  /** The last line is whole but its newline is missing. */
  unterminated: boolean;
}

/**
 * Reads a links file without changing it, parsing and validating every line. `null` when there is no file.
 *
 * @throws FatalError `state_unreadable`
 */
export async function readLinksFile(path: string): Promise<LinksFileContents | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FatalError(
      'state_unreadable',
      `Links file ${path} could not be read (${(err as Error).message}). The file was left untouched. Check its ` +
        'permissions and that it is a regular file.',
      { cause: err, context: { path } },
    );
  }
  const lines: ReadLine[] = [];
  let unterminated = false;
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    line++;
    const text = bytes.toString('utf8', start, end);
    // Blank lines (a hand edit) are skipped; they never come from an append.
    if (text.trim() !== '') {
      lines.push({ ...parseLine(text), line, offset: start });
      unterminated = nl === -1;
    }
    start = end + 1;
  }
  return { lines, bytes: bytes.length, unterminated };
}

function parseLine(text: string): { ok: true; value: Line } | { ok: false; code: 'state_corrupt' | 'state_invalid'; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'state_corrupt', problem: `is not valid JSON (${(err as Error).message})` };
  }
  const result = lineSchema.safeParse(value);
  if (!result.success) {
    return { ok: false, code: 'state_invalid', problem: `does not match the links line schema: ${formatIssues(result.error.issues)}` };
  }
  return { ok: true, value: result.data };
}

function linesError(code: 'state_corrupt' | 'state_invalid', path: string, line: number, problem: string): FatalError {
  return new FatalError(
    code,
    `Links file ${path}, line ${line}, ${problem}. The file was left untouched. Restore it from a backup, or fix or ` +
      'remove that line by hand.',
    { context: { path, line } },
  );
}

async function repair(path: string, fix: (handle: FileHandle) => Promise<void>): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await fix(handle);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

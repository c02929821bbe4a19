/**
 * Keeps a Redis list equal to an append-only array of the engine's state (the journal, a master's processed events):
 * rows are pushed at the end and spliced off the front, never changed. Each write takes the rows added since the
 * previous one, found by the identity of the last row written (everything after its last occurrence is new), and the
 * length to trim the list to, so the list ends as the array does. When what Redis holds is not known (it came back
 * without the last write) the next take replaces the list: pushing rows on top of a list that is not what we wrote
 * would store some twice or leave a gap.
 */

/** One write's part of a list: the rows to push, and the length the list keeps afterwards. */
export interface ListTake<T> {
  /** Delete the list before pushing (every row in memory is pushed). */
  replace: boolean;
  rows: readonly T[];
  /** The list's length after the write (its newest rows): the array's length when the take was made. */
  keep: number;
  /** The newest row when the take was made: what the next take follows. */
  last: T | undefined;
}

export class ListTail<T extends object> {
  private mark: T | undefined;
  private stored: number;
  /** The list's contents are not known (see `lost`): the next take replaces it. */
  private unknown = false;

  /** `rows`: the array as it is stored now (as loaded, or empty for a list never written). */
  constructor(rows: readonly T[]) {
    this.mark = rows.at(-1);
    this.stored = rows.length;
  }

  /** The rows added since the last adopted take; `null` when the list already equals `rows`. */
  take(rows: readonly T[]): ListTake<T> | null {
    const last = rows.at(-1);
    if (this.unknown) return { replace: true, rows: rows.slice(), keep: rows.length, last };
    // A mark that is gone (every row written before was spliced away) gives -1: every row is new, and pushing them
    // all then trimming to their count leaves exactly them.
    const start = (this.mark === undefined ? -1 : rows.lastIndexOf(this.mark)) + 1;
    if (start === rows.length && this.stored === rows.length) return null;
    return { replace: false, rows: rows.slice(start), keep: rows.length, last };
  }

  /** The take is stored. */
  adopt(take: ListTake<T>): void {
    this.mark = take.last;
    this.stored = take.keep;
    this.unknown = false;
  }

  /** What Redis holds of the list is not known (it came back without our last write): the next take replaces it. */
  lost(): void {
    this.unknown = true;
  }
}

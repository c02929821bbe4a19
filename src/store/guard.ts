/**
 * The check every write passes, so the store never writes a file its next start would refuse.
 *
 * Validating the whole document costs tens of milliseconds once the journal is full, too much for writes that run
 * every few milliseconds beside the copy path. The journal and the processed lists are append-only records, so
 * only entries added since the last successful check are validated there; everything else (configuration, links,
 * pending legs, which change in place) is validated whole each time, which costs about a millisecond.
 */
import { z } from 'zod';
import { FatalError } from '../domain/errors.js';
import { formatIssues } from './codec.js';
import { journalEntrySchema, processedEventSchema, stateSchema, type State } from './schema.js';

const withoutRecords = stateSchema.extend({
  journal: z.array(z.unknown()),
  processed: z.record(z.string(), z.array(z.unknown())),
});

/** Validates documents before writing; remembers how far the append-only lists were checked. */
export class WriteGuard {
  private journalMark: unknown = undefined;
  private processedMarks = new Map<string, unknown>();

  /** @throws FatalError `state_invalid_write` naming the failing paths; nothing is remembered then. */
  check(state: State): void {
    const issues: z.core.$ZodIssue[] = [];
    const rest = withoutRecords.safeParse(state);
    if (!rest.success) issues.push(...rest.error.issues);
    const journalMark = checkNew(state.journal, this.journalMark, journalEntrySchema, ['journal'], issues);
    const processedMarks = new Map<string, unknown>();
    if (typeof state.processed === 'object' && state.processed !== null) {
      for (const [masterId, list] of Object.entries(state.processed)) {
        const mark = checkNew(list, this.processedMarks.get(masterId), processedEventSchema, ['processed', masterId], issues);
        processedMarks.set(masterId, mark);
      }
    }
    if (issues.length > 0) {
      throw new FatalError(
        'state_invalid_write',
        `The state in memory no longer matches the schema, so it was not written: ${formatIssues(issues)}`,
        { context: { paths: issues.slice(0, 20).map((i) => i.path.join('.')) } },
      );
    }
    this.journalMark = journalMark;
    this.processedMarks = processedMarks;
  }
}

/** Validates the entries after `mark` (all of them if `mark` is gone) and returns the new mark. */
function checkNew(
  list: unknown,
  mark: unknown,
  schema: z.ZodType,
  path: PropertyKey[],
  issues: z.core.$ZodIssue[],
): unknown {
  if (!Array.isArray(list)) return undefined;
  let start = 0;
  if (mark !== undefined) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === mark) {
        start = i + 1;
        break;
      }
    }
  }
  for (let i = start; i < list.length; i++) {
    const result = schema.safeParse(list[i]);
    if (!result.success) {
      for (const issue of result.error.issues) issues.push({ ...issue, path: [...path, i, ...issue.path] });
    }
  }
  return list.length === 0 ? undefined : list[list.length - 1];
}

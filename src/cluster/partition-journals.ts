/**
 * The control process's read-only copy of every partition's journal and master history (for /history, /why, the
 * reports and sizing previews), kept up to date by reading only what each partition added since the last read: one
 * script per partition compares the partition's `journalSeq` and `journalEpoch` (see `partition-state.ts`) with what
 * this copy has seen and returns the new rows, or the whole list when it was replaced or trimmed past them.
 */
import type { Redis } from 'ioredis';
import type { EngineState } from '../engine/ports.js';
import { readJournalRows, type JournalRows } from './partition-state.js';

type JournalRow = EngineState['journal'][number];

interface PartitionCopy {
  epoch: string;
  seq: number;
  rows: JournalRow[];
  historyText: string | null;
  history: EngineState['masterHistory'];
}

export class PartitionJournals {
  private readonly parts = new Map<number, PartitionCopy>();
  /** The last read error per partition, logged once. */
  private readonly problems = new Map<number, string>();
  /** Every partition's rows, oldest first. */
  readonly journal: JournalRow[] = [];
  /** Every partition's master history merged, oldest first per master. */
  history: EngineState['masterHistory'] = {};

  constructor(private readonly deps: { redis: Redis; stateKey(partition: number): string; partitions: number; log?: { warn(obj: object, msg: string): void } }) {}

  /** Reads what changed in every partition; returns whether anything did. A partition that fails is left as it was. */
  async refresh(): Promise<boolean> {
    const fresh: JournalRow[] = [];
    let rebuild = false;
    let historyChanged = false;
    for (let p = 0; p < this.deps.partitions; p++) {
      const had = this.parts.get(p);
      let read: JournalRows;
      try {
        read = await readJournalRows(this.deps.redis, this.deps.stateKey(p), p, had ?? null);
      } catch (error) {
        const problem = (error as Error).message;
        if (this.problems.get(p) !== problem) this.deps.log?.warn({ partition: p, err: problem }, 'partition journal could not be read; /history shows it as it was');
        this.problems.set(p, problem);
        continue;
      }
      this.problems.delete(p);
      const copy: PartitionCopy = had ?? { epoch: '', seq: 0, rows: [], historyText: null, history: {} };
      if (read.full) {
        copy.rows = read.rows;
        rebuild = true;
      } else if (read.rows.length > 0) {
        copy.rows.push(...read.rows);
        fresh.push(...read.rows);
      }
      if (copy.rows.length > read.length) {
        copy.rows.splice(0, copy.rows.length - read.length);
        rebuild = true;
      }
      copy.epoch = read.epoch;
      copy.seq = read.seq;
      if (read.historyText !== copy.historyText) {
        copy.historyText = read.historyText;
        copy.history = read.history;
        historyChanged = true;
      }
      this.parts.set(p, copy);
    }
    fresh.sort((a, b) => a.at - b.at);
    const last = this.journal.at(-1);
    if (!rebuild && fresh.length > 0 && (last === undefined || (fresh[0] as JournalRow).at >= last.at)) {
      for (const r of fresh) this.journal.push(r);
    } else if (rebuild || fresh.length > 0) {
      const all: JournalRow[] = [];
      for (const c of this.parts.values()) for (const r of c.rows) all.push(r);
      all.sort((a, b) => a.at - b.at);
      this.journal.length = 0;
      for (const r of all) this.journal.push(r);
    }
    if (historyChanged) this.history = mergeHistories([...this.parts.values()].map((c) => c.history));
    return rebuild || fresh.length > 0 || historyChanged;
  }
}

function mergeHistories(parts: readonly EngineState['masterHistory'][]): EngineState['masterHistory'] {
  const history: EngineState['masterHistory'] = {};
  for (const part of parts) {
    for (const [m, rows] of Object.entries(part)) {
      const have = history[m] ?? [];
      const seen = new Set(have.map((r) => `${r.position}:${r.at}`));
      history[m] = [...have, ...rows.filter((r) => !seen.has(`${r.position}:${r.at}`))].sort((a, b) => a.at - b.at);
    }
  }
  return history;
}

/**
 * Retention of the lists that grow with every event. Pure; they mutate the array in place because the store's
 * document is mutated in place.
 */
import type { ProcessedEvent } from './schema.js';

/** How much history the store keeps. */
export interface Retention {
  /** Processed master events kept per master (newest first to survive). Default 5 000. */
  processedMaxPerMaster: number;
  /** Processed events older than this (relative to the newest one recorded) are dropped; `null` keeps by count only. Default 7 days. */
  processedMaxAgeMs: number | null;
  /**
   * Journal rows kept in memory (newest) and loaded at start; `journal.jsonl` is compacted back to the rows in memory
   * once it holds more than twice as many lines. Default 10 000.
   */
  journalMax: number;
  /** Master opens kept per master for sizing previews. Default 50. */
  masterHistoryMax: number;
}

export const DEFAULT_RETENTION: Readonly<Retention> = {
  processedMaxPerMaster: 5_000,
  processedMaxAgeMs: 7 * 24 * 60 * 60 * 1000,
  journalMax: 10_000,
  masterHistoryMax: 50,
};

/** Appends `item` and drops the oldest entries beyond `max`. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/**
 * Drops processed events beyond `maxCount` (oldest first) and those older than `maxAgeMs` before `newest`. The list
 * is in insertion order, which is time order for one master's stream.
 */
export function pruneProcessed(list: ProcessedEvent[], maxCount: number, maxAgeMs: number | null, newest: number): void {
  let drop = Math.max(0, list.length - maxCount);
  if (maxAgeMs !== null) {
    const cutoff = newest - maxAgeMs;
    while (drop < list.length && (list[drop] as ProcessedEvent).at < cutoff) drop++;
  }
  if (drop > 0) list.splice(0, drop);
}

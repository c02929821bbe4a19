/**
 * Once a day (UTC midnight) a `daily_summary` CopierEvent: per follower, the legs copied, skipped and rejected over
 * the day that ended, from the journal, and the day's result (equity now − balance at the day's start).
 */
import type { CopierEvent } from './events.js';
import type { Clock, EngineState } from './ports.js';

const DAY_MS = 86_400_000;

export interface DailySummarySource {
  readonly clock: Clock;
  readonly state: { readonly data: EngineState };
  accountName(id: string): string;
  equityOf(followerId: string): number | null;
  emit(event: CopierEvent): void;
}

/** Builds the summary of the UTC day that starts at `dayStart` (pure over its inputs). */
export function buildDailySummary(src: DailySummarySource, dayStart: number): Extract<CopierEvent, { type: 'daily_summary' }> {
  const dayEnd = dayStart + DAY_MS;
  const rows = src.state.data.followers.map((f) => {
    let copied = 0;
    let skipped = 0;
    let rejected = 0;
    for (const j of src.state.data.journal) {
      if (j.followerId !== f.accountId || j.at < dayStart || j.at >= dayEnd) continue;
      if (j.status === 'filled' || j.status === 'partial' || j.status === 'closed' || j.status === 'modified') copied++;
      else if (j.status === 'skipped') skipped++;
      else if (j.status === 'rejected' || j.status === 'failed') rejected++;
    }
    const start = src.state.data.daily[f.accountId]?.startBalance;
    const equity = src.equityOf(f.accountId);
    const profit = start !== undefined && equity !== null ? Math.round((equity - start) * 100) / 100 : 0;
    return { followerId: f.accountId, followerName: src.accountName(f.accountId), copied, skipped, rejected, profit };
  });
  return { type: 'daily_summary', at: src.clock.now(), day: new Date(dayStart).toISOString().slice(0, 10), rows };
}

/** Schedules the summary at every UTC midnight until stopped. */
export class DailySummaryTimer {
  private timer: { cancel(): void } | null = null;
  private readonly src: DailySummarySource;

  constructor(src: DailySummarySource) {
    this.src = src;
  }

  start(): void {
    const now = this.src.clock.now();
    const nextMidnight = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
    this.timer = this.src.clock.setTimeout(() => {
      if (this.src.state.data.followers.length > 0) this.src.emit(buildDailySummary(this.src, nextMidnight - DAY_MS));
      this.start();
    }, nextMidnight - now + 1000);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}

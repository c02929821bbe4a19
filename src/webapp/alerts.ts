/**
 * Recent alerts for the dashboard: the last copier events (from the same event bus the chat's notifier listens to),
 * kept in a bounded ring and shown per user with the chat's visibility rules (owners see only their own followers'
 * legs and reports) and the chat's wording (the bot's formatters, as plain text). Clean reconciliations and routine
 * copies are kept too, but marked as such, so the page can tell noise from problems.
 */
import { classifyLeg, countActions, formatConnection, formatCopied, formatDailySummary, formatFollowerPaused, formatHalted, formatLegResolved, formatReconciled } from '../bot/format/events.js';
import { htmlToText } from '../bot/format/html.js';
import type { SubscribeEvents } from '../bot/ports.js';
import type { CopierEvent } from '../engine/events.js';

/** One alert as the page shows it. */
export interface AlertView {
  at: number;
  type: CopierEvent['type'];
  /** `problem`: a rejection, failure, unknown outcome, a stop by a rule, a halt or a lost stream. */
  level: 'routine' | 'info' | 'problem';
  /** The chat's message text for this user, as plain text. */
  text: string;
}

/** What the alert filter needs to know about the reader. */
export interface AlertReader {
  role: 'admin' | 'owner' | 'viewer';
  /** The reader may see this follower. */
  sees(followerId: string): boolean;
  /** One of the reader's followers copies this master (owners hear of their masters' connections). */
  followsMaster(masterId: string): boolean;
}

export class RecentAlerts {
  readonly #max: number;
  readonly #events: CopierEvent[] = [];
  readonly #unsubscribe: (() => void) | void;

  constructor(options: { events: SubscribeEvents; max?: number }) {
    this.#max = options.max ?? 100;
    this.#unsubscribe = options.events((event) => {
      this.#events.push(event);
      if (this.#events.length > this.#max) this.#events.shift();
    });
  }

  /** The newest alerts first, at most `limit`, as `reader` may see them. */
  forReader(reader: AlertReader, limit = 20): AlertView[] {
    const out: AlertView[] = [];
    for (let i = this.#events.length - 1; i >= 0 && out.length < limit; i--) {
      const event = this.#events[i];
      if (event === undefined) continue;
      const view = alertFor(event, reader);
      if (view !== null) out.push(view);
    }
    return out;
  }

  close(): void {
    if (typeof this.#unsubscribe === 'function') this.#unsubscribe();
  }
}

/** One event as `reader` may see it, or null when nothing of it is theirs. */
export function alertFor(event: CopierEvent, reader: AlertReader): AlertView | null {
  const view = (level: AlertView['level'], html: string): AlertView => ({ at: event.at, type: event.type, level, text: htmlToText(html) });
  switch (event.type) {
    case 'copied': {
      const legs = event.legs.filter((l) => reader.sees(l.followerId));
      if (legs.length === 0) return null;
      return view(legs.some((l) => classifyLeg(l) === 'problem') ? 'problem' : 'routine', formatCopied(event, legs));
    }
    case 'leg_resolved':
      if (!reader.sees(event.leg.followerId)) return null;
      return view(classifyLeg(event.leg) === 'problem' ? 'problem' : 'info', formatLegResolved(event));
    case 'reconciled': {
      const report = { ...event.report, followers: event.report.followers.filter((f) => reader.sees(f.followerId)) };
      if (reader.role === 'owner' && report.followers.length === 0) return null;
      return view(event.changed && countActions(report) > 0 ? 'info' : 'routine', formatReconciled(event, report));
    }
    case 'follower_paused':
      if (!reader.sees(event.followerId)) return null;
      return view('problem', formatFollowerPaused(event));
    case 'connection': {
      const mine = event.role === 'follower' ? reader.sees(event.accountId) : reader.role !== 'owner' || reader.followsMaster(event.accountId);
      if (!mine) return null;
      return view(event.state === 'lost' ? 'problem' : 'info', formatConnection(event));
    }
    case 'halted':
      return view('problem', formatHalted(event));
    case 'daily_summary': {
      const rows = event.rows.filter((r) => reader.sees(r.followerId));
      if (reader.role === 'owner' && rows.length === 0) return null;
      return view('info', formatDailySummary(event, rows));
    }
    default:
      return null;
  }
}

/**
 * Everything the engine tells the outside world (design.md §1: CopierEvent → Notifier). Plain data, no references
 * into engine state. The bot renders these; the console demo prints them; tests assert on them.
 */
import type { MasterEventKind } from '../domain/events.js';

/** How one follower leg of a master event ended. */
export type LegStatus =
  | 'filled' // executed as planned
  | 'partial' // broker filled part (10010); `volume` is what filled
  | 'modified' // SL/TP or pending moved
  | 'closed' // closed (in full or part)
  | 'rejected' // broker refused; `retcode` and numbers say why
  | 'skipped' // a rule decided not to copy; `reason` says which
  | 'queued' // market closed: waits for the next session
  | 'unknown' // outcome unknown (timeout/504); being resolved from the broker, never re-sent blindly
  | 'failed'; // not executed for a non-broker reason (terminal unreachable, unavailable)

/** One follower's part in a master event. */
export interface LegOutcome {
  followerId: string;
  followerName: string;
  status: LegStatus;
  action: 'open' | 'close' | 'modify' | 'place_pending' | 'modify_pending' | 'delete_pending' | 'none';
  symbol: string | null;
  /** Lots executed (or planned, for skipped/queued/unknown). */
  volume: number | null;
  price: number | null;
  /** Points worse (positive) or better (negative) than the master's price; null when not applicable. */
  slippagePoints: number | null;
  /** Broker round trip reported by FxSocket for this leg. */
  latencyMs: number | null;
  ticket: number | null;
  retcode: number | null;
  /** Reason code for skips, resizes and rejections (e.g. `insufficient_margin`, `below_min`, `symbol_not_found`). */
  reason: string | null;
  /** Human-readable specifics, e.g. `{ required: 1234.5, free: 800 }` or `{ computed: 0.004, min: 0.01 }`. */
  detail: Record<string, number | string | boolean | null>;
}

export interface MasterEventSummary {
  kind: MasterEventKind;
  eventId: string;
  symbol: string;
  side: 'buy' | 'sell' | null;
  volume: number | null;
  price: number | null;
  /** Master position id or pending ticket. */
  ticket: number;
}

export type CopierEvent =
  /** One per master event, with every follower's leg. */
  | {
      type: 'copied';
      at: number;
      masterId: string;
      masterName: string;
      event: MasterEventSummary;
      legs: LegOutcome[];
      /** From the master event being seen to the last leg's answer. */
      elapsedMs: number;
      /**
       * Set where the legs come from several processes (cluster mode): the key of this master event's one message,
       * and how many of `legs` were posted before. 0 = the first post; more = late legs, and `legs` holds them all,
       * so the message can be edited to show every follower's outcome.
       */
      message?: { key: string; posted: number };
    }
  /** A leg that was queued or unknown reached its final outcome later. */
  | { type: 'leg_resolved'; at: number; masterId: string; masterName: string; eventId: string; leg: LegOutcome; was: 'queued' | 'unknown' }
  /** A reconciliation run's report. `changed` = it did something (loud), else clean (silent). */
  | { type: 'reconciled'; at: number; trigger: 'connect' | 'timer' | 'manual' | 'warning' | 'startup'; report: ReconcileReport; changed: boolean }
  /** A rule paused a follower (daily loss limit, …). */
  | { type: 'follower_paused'; at: number; followerId: string; followerName: string; reason: string; detail: Record<string, number | string> }
  /** A terminal stream went down or came back. */
  | { type: 'connection'; at: number; accountId: string; accountName: string; role: 'master' | 'follower'; state: 'lost' | 'restored'; downMs: number | null }
  /**
   * A terminal stream sent something the FxSocket contract does not describe: a frame of an unknown type or of a known
   * type in a shape the client cannot read, or a master ticket that changed without the deals that explain it. Nothing
   * is done about it (it changes no state, copies nothing); reported once per account, kind and ticket per process.
   */
  | {
      type: 'contract_anomaly';
      at: number;
      accountId: string;
      accountName: string;
      role: 'master' | 'follower';
      kind: ContractAnomalyKind;
      /** The master ticket concerned (for a changed ticket: the one that disappeared), or null. */
      ticket: number | null;
      /** Plain text naming what was seen, e.g. the frame's type or both tickets. */
      detail: string;
    }
  /** The state store cannot write: copying stopped to avoid trading with state that cannot be saved. */
  | { type: 'halted'; at: number; reason: string; message: string }
  /** Once a day: per follower copied/skipped/rejected counts and P&L of copies. */
  | { type: 'daily_summary'; at: number; day: string; rows: { followerId: string; followerName: string; copied: number; skipped: number; rejected: number; profit: number }[] };

/**
 * What a {@link CopierEvent} `contract_anomaly` is about: `unknown_frame` (a `type` the contract does not list),
 * `malformed_frame` (a frame that is not a JSON object with a type, or a known type whose payload does not parse),
 * `ticket_changed_without_deal` (a master position left the positions list while another of the same symbol and side
 * appeared, and no trade frame of either ticket came).
 */
export type ContractAnomalyKind = 'unknown_frame' | 'malformed_frame' | 'ticket_changed_without_deal';

/** What one reconciliation run found and did, per follower. */
export interface ReconcileReport {
  dryRun: boolean;
  followers: {
    followerId: string;
    followerName: string;
    actions: {
      kind: 'open_missing' | 'report_stale' | 'close_orphan' | 'fix_volume' | 'fix_stops' | 'mark_detached' | 'adopt' | 'link_closed';
      masterId: string;
      masterTicket: number;
      followerTicket: number | null;
      symbol: string;
      volume: number | null;
      note: string;
      /**
       * For an applied run: what happened. `left`: the follower's row, read again before closing or shrinking it,
       * could not be proved to be the copy planned (tag and ledger disagreed, or it changed meanwhile): nothing sent.
       */
      result: 'done' | 'failed' | 'planned' | 'skipped' | 'left';
    }[];
  }[];
}

export type CopierEventType = CopierEvent['type'];

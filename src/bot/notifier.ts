/**
 * The notifier: CopierEvent → per-user messages in the outbox (design.md §1, §4).
 *
 * `notify(event)` is what the engine calls: it only appends to an array and schedules a drain on the next
 * macrotask, so it is O(1) and never throws, and a dead Telegram cannot slow a copy. The drain formats and routes:
 * - per-user levels per kind (on: natural loudness, silent: no sound, off: nothing),
 * - owners see only their own followers' legs and reports; admins and viewers see everything,
 * - one message per master event with every (visible) follower's leg,
 * - the daily summary's recipients who turned the daily chart on are handed to `onDailySummary` (which renders the
 *   pictures later and queues them after the summary).
 */
import type { ControlApi } from '../engine/control-types.js';
import type { CopierEvent, LegOutcome } from '../engine/events.js';
import {
  classifyLeg,
  countActions,
  formatConnection,
  formatContractAnomaly,
  formatCopied,
  formatDailySummary,
  formatFollowerPaused,
  formatHalted,
  formatLegResolved,
  formatReconciled,
} from './format/events.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import { dailyChartOn } from './ports.js';
import type { AlertKind, BotLogger, ChatUser, UserDirectory } from './ports.js';

/** Someone who got the daily summary and wants its charts: the followers in their summary, and how it was sent. */
export interface DailyChartRecipient {
  userId: number;
  followerIds: readonly string[];
  /** The summary went out without sound; so does the chart. */
  silent: boolean;
}

type DailySummaryEvent = Extract<CopierEvent, { type: 'daily_summary' }>;

export interface NotifierStats {
  received: number;
  /** Events waiting for the next drain. */
  pending: number;
  /** Events over the pending cap, announced to admins instead of shown one by one. */
  overflowed: number;
  /** Messages handed to the outbox. */
  messages: number;
}

export interface NotifierOptions {
  users: UserDirectory;
  /** Ownership and follower lists, read at drain time. */
  control: Pick<ControlApi, 'follower' | 'status'>;
  outbox: Pick<Outbox, 'enqueue'>;
  log: BotLogger;
  /** Events held between drains before they are counted instead (default 10 000). */
  maxPending?: number;
  /** Schedules the drain (default `setImmediate`). */
  schedule?: (fn: () => void) => void;
  /** Called once per daily summary with the recipients who want its charts; must not block (it is the drain). */
  onDailySummary?: (event: DailySummaryEvent, recipients: DailyChartRecipient[]) => void;
}

/** What one event becomes for one recipient. */
interface Delivery {
  kind: AlertKind;
  text: string;
  /** Natural loudness when the user's level is `on`. */
  loud: boolean;
  routine: boolean;
  ref?: OutboxMessage['ref'];
  /** Critical: delivered loud to admins whatever their levels. */
  critical?: boolean;
}

/** Who owns which follower, and which masters each follower copies; built once per drain when owners exist. */
interface Ownership {
  ownerOf(followerId: string): number | null;
  followsMaster(userId: number, masterId: string): boolean;
}

export class Notifier {
  readonly #users: UserDirectory;
  readonly #control: Pick<ControlApi, 'follower' | 'status'>;
  readonly #outbox: Pick<Outbox, 'enqueue'>;
  readonly #log: BotLogger;
  readonly #maxPending: number;
  readonly #schedule: (fn: () => void) => void;
  readonly #onDailySummary: NotifierOptions['onDailySummary'];
  #pending: CopierEvent[] = [];
  #scheduled = false;
  #overflow = 0;
  #stopped = false;
  readonly #stats = { received: 0, overflowed: 0, messages: 0 };

  constructor(options: NotifierOptions) {
    this.#users = options.users;
    this.#control = options.control;
    this.#outbox = options.outbox;
    this.#log = options.log;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#schedule = options.schedule ?? ((fn) => void setImmediate(fn));
    this.#onDailySummary = options.onDailySummary;
  }

  /** The engine's hook: O(1), synchronous, never throws. */
  notify = (event: CopierEvent): void => {
    this.#stats.received += 1;
    if (this.#stopped) return;
    if (this.#pending.length >= this.#maxPending) {
      this.#overflow += 1;
      this.#stats.overflowed += 1;
    } else {
      this.#pending.push(event);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#drain);
    }
  };

  stats(): NotifierStats {
    return { ...this.#stats, pending: this.#pending.length };
  }

  /** Routes what is pending now (the console and tests call it to avoid waiting a tick). */
  drainNow(): void {
    this.#drain();
  }

  stop(): void {
    this.#drain();
    this.#stopped = true;
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const overflow = this.#overflow;
    this.#overflow = 0;
    if (batch.length === 0 && overflow === 0) return;
    let users: readonly ChatUser[];
    try {
      users = this.#users.list();
    } catch (err) {
      this.#log.error({ err: String(err), events: batch.length }, 'notifier: user directory failed; events not delivered');
      return;
    }
    const ownership = users.some((u) => u.role === 'owner') ? this.#ownership() : null;
    for (const event of batch) {
      try {
        this.#route(event, users, ownership);
      } catch (err) {
        this.#log.error({ err: String(err), type: event.type }, 'notifier: failed to route an event');
      }
    }
    if (overflow > 0) {
      this.#log.error({ overflow }, 'notifier: engine burst over the pending cap; events summarised');
      for (const user of users) {
        if (user.role !== 'admin') continue;
        this.#send(user, {
          kind: 'copies',
          text: `⚠️ ${overflow} copier events arrived faster than they could be formatted and are not shown one by one. See /history.`,
          loud: true,
          routine: false,
          critical: true,
        });
      }
    }
  };

  #ownership(): Ownership {
    const owner = new Map<string, number | null>();
    const masters = new Map<string, string[]>();
    try {
      for (const f of this.#control.status().followers) masters.set(f.id, f.masters);
    } catch (err) {
      this.#log.warn({ err: String(err) }, 'notifier: status unavailable; owners get only what ownership lookups allow');
    }
    const ownerOf = (followerId: string): number | null => {
      if (!owner.has(followerId)) {
        let id: number | null = null;
        try {
          id = this.#control.follower(followerId).ownerUserId;
        } catch {
          id = null;
        }
        owner.set(followerId, id);
      }
      return owner.get(followerId) ?? null;
    };
    return {
      ownerOf,
      followsMaster: (userId, masterId) => [...masters].some(([fid, ms]) => ms.includes(masterId) && ownerOf(fid) === userId),
    };
  }

  #route(event: CopierEvent, users: readonly ChatUser[], ownership: Ownership | null): void {
    const charts: DailyChartRecipient[] = [];
    for (const user of users) {
      const owns = (followerId: string): boolean => user.role !== 'owner' || ownership?.ownerOf(followerId) === user.id;
      const delivery = this.#deliveryFor(event, user, owns, ownership);
      const sent = delivery === null ? null : this.#send(user, delivery);
      if (sent !== null && event.type === 'daily_summary' && dailyChartOn(user)) {
        const followerIds = event.rows.filter((r) => owns(r.followerId)).map((r) => r.followerId);
        if (followerIds.length > 0) charts.push({ userId: user.id, followerIds, silent: sent.silent });
      }
    }
    if (charts.length > 0 && event.type === 'daily_summary' && this.#onDailySummary !== undefined) {
      try {
        this.#onDailySummary(event, charts);
      } catch (err) {
        this.#log.error({ err: String(err) }, 'notifier: the daily charts could not be started');
      }
    }
  }

  #deliveryFor(event: CopierEvent, user: ChatUser, owns: (followerId: string) => boolean, ownership: Ownership | null): Delivery | null {
    switch (event.type) {
      case 'copied': {
        const legs = event.legs.filter((l) => owns(l.followerId));
        if (legs.length === 0) return null;
        const problem = legs.some((l: LegOutcome) => classifyLeg(l) === 'problem');
        const text = formatCopied(event, legs);
        const whole: Delivery = { kind: problem ? 'rejections' : 'copies', text, loud: problem, routine: !problem };
        if (event.message === undefined) return whole;
        const key = `copied:${event.message.key}`;
        if (event.message.posted === 0) return { ...whole, ref: { key, op: 'create', whenLong: text } };
        // Late legs (cluster mode): the event's message is edited to show them all. An edit makes no sound, so late
        // legs with a problem come as a message of their own, as they do when the edit would not fit.
        const fresh = event.legs.slice(event.message.posted).filter((l) => owns(l.followerId));
        if (fresh.length === 0) return null;
        const freshText = formatCopied(event, fresh);
        if (fresh.some((l) => classifyLeg(l) === 'problem')) return { kind: 'rejections', text: freshText, loud: true, routine: false };
        return { kind: 'copies', text, loud: false, routine: false, ref: { key, op: 'edit', whenLong: freshText } };
      }
      case 'leg_resolved': {
        if (!owns(event.leg.followerId)) return null;
        const problem = classifyLeg(event.leg) === 'problem';
        return { kind: problem ? 'rejections' : 'copies', text: formatLegResolved(event), loud: problem, routine: !problem };
      }
      case 'reconciled': {
        const report = { ...event.report, followers: event.report.followers.filter((f) => owns(f.followerId)) };
        if (user.role === 'owner' && report.followers.length === 0) return null;
        const changed = event.changed && countActions(report) > 0;
        return { kind: 'reconcile', text: formatReconciled(event, report), loud: changed, routine: !changed };
      }
      case 'follower_paused':
        if (!owns(event.followerId)) return null;
        return { kind: 'rejections', text: formatFollowerPaused(event), loud: true, routine: false };
      case 'connection': {
        if (user.role === 'owner') {
          const mine = event.role === 'follower' ? owns(event.accountId) : (ownership?.followsMaster(user.id, event.accountId) ?? false);
          if (!mine) return null;
        }
        const key = `conn:${event.accountId}`;
        return {
          kind: 'connection',
          text: formatConnection(event),
          loud: event.state === 'lost',
          routine: false,
          ref: { key, op: event.state === 'lost' ? 'create' : 'edit' },
        };
      }
      case 'halted':
        return { kind: 'connection', text: formatHalted(event), loud: true, routine: false, critical: true };
      case 'contract_anomaly': {
        // The account's feed, like a lost connection: owners hear of their followers and of the masters they copy.
        if (user.role === 'owner') {
          const mine = event.role === 'follower' ? owns(event.accountId) : (ownership?.followsMaster(user.id, event.accountId) ?? false);
          if (!mine) return null;
        }
        return { kind: 'connection', text: formatContractAnomaly(event), loud: true, routine: false };
      }
      case 'daily_summary': {
        const rows = event.rows.filter((r) => owns(r.followerId));
        if (user.role === 'owner' && rows.length === 0) return null;
        return { kind: 'daily', text: formatDailySummary(event, rows), loud: false, routine: false };
      }
      default:
        return null;
    }
  }

  /** Queues the delivery at the user's level; null when their level is off. */
  #send(user: ChatUser, d: Delivery): { silent: boolean } | null {
    let level = user.alerts[d.kind] ?? 'on';
    // A halt stops all copying: admins always hear it.
    if (d.critical === true && user.role === 'admin') level = 'on';
    if (level === 'off') return null;
    this.#stats.messages += 1;
    const silent = level === 'silent' || !d.loud;
    this.#outbox.enqueue({
      chatId: user.id,
      text: d.text,
      silent,
      routine: d.routine,
      kind: d.kind,
      ...(d.ref === undefined ? {} : { ref: d.ref }),
    });
    return { silent };
  }
}

/**
 * Reconciliation (design.md §3): the master's open orders against each follower's tagged orders and the ledger, on
 * every (re)connect, on a timer and on demand. The diff is the pure `domain/reconcile`; this file reads the broker,
 * applies the actions and reports. Each master's run goes through that master's serial queue, so it never races a
 * live copy of the same position (a copy in flight has no link and no follower row yet: it would look missing).
 */
import { describeMismatch, proveCopy } from '../domain/copy-proof.js';
import type { CopyLink } from '../domain/ledger.js';
import type { LegPlan } from '../domain/plan.js';
import { splitFromComment, unsettledTickets } from '../domain/detect.js';
import { reconcile, splitSuccessors } from '../domain/reconcile.js';
import type { ReconcileAction, ReconcileFollowerInput, ReconcileSkip } from '../domain/reconcile.js';
import { isCopyOf, parseCopyComment } from '../domain/tags.js';
import type { OpenedOrder } from '../domain/trading.js';
import { applyExecution } from './apply-results.js';
import type { CopyEngine } from './engine.js';
import type { ReconcileReport } from './events.js';
import { Executor } from './executor.js';
import { sleepOn } from './clock.js';

type Trigger = 'connect' | 'timer' | 'manual' | 'warning' | 'startup';
type ReportAction = ReconcileReport['followers'][number]['actions'][number];

/** Opens a missing copy at most this many times per process; later runs only report it. */
const MAX_OPEN_ATTEMPTS = 3;
/**
 * How long a disagreement between the master's stream and a read of its rows is left to the stream. A change shows
 * on the stream within moments; one still missing after this was lost (a dropped frame) and is reconciled.
 */
const UNSETTLED_GRACE_MS = 5_000;

export class Reconciler {
  private readonly engine: CopyEngine;
  private readonly executor: Executor;
  private readonly masterOffsets = new Map<string, number>();
  private readonly openAttempts = new Map<string, number>();
  /** Numbers each reconciliation leg sent by this process (see `send`). */
  private legsSent = 0;
  /** `masterId#ticket` → when the stream and a read of the master first disagreed on it. */
  private readonly unsettledSince = new Map<string, number>();
  private readonly unsettledWarned = new Set<string>();
  /** Disagreements already reported (see `firstTimeLeft`). */
  private readonly leftReported = new Set<string>();
  /** `masterId#ticket#follower#reason` of missing copies whose skip is journaled (see `journalSkips`). */
  private readonly skipsJournaled = new Set<string>();

  constructor(engine: CopyEngine) {
    this.engine = engine;
    this.executor = new Executor({
      broker: engine.broker,
      terminal: (id) => engine.followers.get(id)?.terminal,
      log: engine.log,
      sleep: sleepOn(engine.clock),
      policy: { get current() { return engine.options.send; } },
    });
  }

  async run(options: { trigger: Trigger; apply: boolean; followerId?: string | undefined }): Promise<ReconcileReport> {
    const report: ReconcileReport = { dryRun: !options.apply, followers: [] };
    const masters = [...this.engine.masters.entries()];
    await Promise.all(
      masters.map(([masterId, m]) =>
        m.queue.push(async () => {
          if (this.engine.halted && options.apply) return;
          await this.reconcileMaster(masterId, options, report);
        }),
      ),
    );
    // A copy left alone because tag and ledger disagree is loud the first time only (every run leaves it again).
    const newlyLeft = report.followers.some((f) => f.actions.some((a) => a.result === 'left' && this.firstTimeLeft(f.followerId, a.followerTicket, a.note)));
    const changed = options.apply && (newlyLeft || report.followers.some((f) => f.actions.some((a) => a.result === 'done' && a.kind !== 'report_stale')));
    const loud = report.followers.some((f) => f.actions.length > 0);
    if (options.apply || options.trigger === 'manual') {
      this.engine.bus.emit({ type: 'reconciled', at: this.engine.clock.now(), trigger: options.trigger, report, changed: changed || (loud && options.apply && report.followers.some((f) => f.actions.some((a) => a.result === 'failed'))) });
    }
    return report;
  }

  private async masterOffset(masterId: string): Promise<number> {
    const cached = this.masterOffsets.get(masterId);
    if (cached !== undefined) return cached;
    const terminal = await this.engine.broker.terminal(masterId);
    const tz = await terminal.serverTimezone();
    this.masterOffsets.set(masterId, tz.utcOffsetSeconds);
    return tz.utcOffsetSeconds;
  }

  private async reconcileMaster(
    masterId: string,
    options: { trigger: Trigger; apply: boolean; followerId?: string | undefined },
    report: ReconcileReport,
  ): Promise<void> {
    const engine = this.engine;
    const configs = engine.followersOf(masterId).filter((f) => options.followerId === undefined || f.accountId === options.followerId);
    if (configs.length === 0) return;
    const masterTerminal = await engine.broker.terminal(masterId);
    const [masterRows, offset] = await Promise.all([masterTerminal.openedOrders(), this.masterOffset(masterId)]);
    const openTimeMs = new Map<number, number>();
    for (const r of masterRows) {
      const t = Date.parse(r.openTime);
      if (Number.isFinite(t)) openTimeMs.set(r.ticket, t - offset * 1000);
    }
    for (const r of masterRows) {
      if (r.kind === 'Position') await engine.warmSymbols(r.symbol, configs);
    }
    // An MT4 rest reopened under a new ticket while the stream did not show it (down, or before a restart): its
    // copies' links move to it, as the live path does (LinkTracker.followMasterSplits).
    const splits = [...splitSuccessors(masterRows)].map(([from, to]) => ({ from, to }));
    if (splits.length > 0 && options.apply && engine.links.followMasterSplits(masterId, splits)) engine.state.changed();
    const inputs: ReconcileFollowerInput[] = [];
    await Promise.all(
      configs.map(async (cfg) => {
        const f = engine.followers.get(cfg.accountId);
        if (!f) return;
        let rows: OpenedOrder[];
        try {
          rows = await f.refreshPositions();
        } catch (error) {
          engine.log.warn({ followerId: cfg.accountId, err: String(error) }, 'reconcile: follower orders unavailable');
          return;
        }
        // Fresh rows first: a split (MT4 partial close) or a filled pending must not look closed by hand.
        engine.retargetLinks(cfg.accountId);
        const filled = (id: string, ticket: number) => id === masterId && masterRows.some((r) => r.ticket === ticket && r.kind === 'Position');
        if (await engine.links.resolveNettingFills(cfg.accountId, filled)) engine.state.changed();
        const base = engine.planInput(cfg);
        if (base) inputs.push({ ...base, rows, busyRows: this.busyRows(cfg.accountId, rows) });
      }),
    );
    const planRows = new Map(inputs.map((i) => [i.config.accountId, new Map(i.rows.map((r) => [r.ticket, r] as const))] as const));
    const masterSummary = engine.masters.get(masterId)?.feed.summary ?? null;
    const busy = this.busyTickets(masterId, masterRows);
    const result = reconcile({
      now: engine.clock.now(),
      magic: engine.options.magic,
      master: { accountId: masterId, summary: masterSummary, paused: engine.masterConfig(masterId)?.paused ?? false, rows: masterRows, openTimeMs, busy },
      followers: inputs,
      limits: { maxAgeMs: engine.options.maxCopyAgeMs, maxDeviationPoints: engine.options.maxCopyDeviationPoints },
    });
    const byFollower = new Map<string, ReportAction[]>();
    // Follower rows this run has already changed (several shares of one netting row): their volume is this run's doing.
    const touched = new Map<string, Set<number>>();
    for (const action of result.actions) {
      let note: string | null = null;
      let done: ReportAction['result'] = 'planned';
      if (options.apply) {
        const doubt = await this.disproved(masterId, action, planRows, masterRows, touched);
        if (doubt === null) {
          done = await this.apply(masterId, action, masterRows);
          const mine = touched.get(action.followerId) ?? new Set<number>();
          for (const t of actionTickets(action)) mine.add(t);
          touched.set(action.followerId, mine);
        }
        else {
          done = 'left';
          note = doubt;
          engine.log.warn({ masterId, followerId: action.followerId, action: action.action, why: doubt }, 'reconcile: copy not proved wrong; left as it is');
        }
      }
      const list = byFollower.get(action.followerId) ?? [];
      const line = describe(masterId, action, done);
      list.push(note === null ? line : { ...line, note: `${line.note}; left as it is: ${note}` });
      byFollower.set(action.followerId, list);
    }
    if (options.apply) {
      const skipsJournaled = this.journalSkips(masterId, result.skipped, masterRows);
      // Links of master positions that are gone and that no longer hold a copy are history: drop them.
      const live = new Set(masterRows.map((r) => r.ticket));
      const gone = new Set(engine.ledger.all().filter((l) => l.masterId === masterId && l.status !== 'open' && !live.has(l.masterTicket)).map((l) => l.masterTicket));
      for (const ticket of gone) engine.ledger.dropSettled(masterId, ticket);
      if (result.actions.length > 0 || gone.size > 0 || skipsJournaled) engine.state.changed();
    }
    for (const cfg of configs) {
      const actions = byFollower.get(cfg.accountId) ?? [];
      const existing = report.followers.find((f) => f.followerId === cfg.accountId);
      if (existing) existing.actions.push(...actions);
      else report.followers.push({ followerId: cfg.accountId, followerName: engine.accountName(cfg.accountId), actions });
    }
  }

  /**
   * Journals, once per process, each missing copy that the rules keep reconciliation from opening (margin, below the
   * minimum, filters…): the live path journals its skips, and without this row a copy that never came has no reason
   * on record. Keys of master tickets no longer open are forgotten. True when a row was added.
   */
  private journalSkips(masterId: string, skipped: readonly ReconcileSkip[], masterRows: readonly OpenedOrder[]): boolean {
    const live = new Set(masterRows.map((r) => r.ticket));
    const prefix = `${masterId}#`;
    for (const key of this.skipsJournaled) {
      if (key.startsWith(prefix) && !live.has(Number(key.slice(prefix.length).split('#')[0]))) this.skipsJournaled.delete(key);
    }
    const now = this.engine.clock.now();
    let added = false;
    for (const skip of skipped) {
      const key = `${masterId}#${skip.masterTicket}#${skip.followerId}#${skip.reason}`;
      if (this.skipsJournaled.has(key)) continue;
      this.skipsJournaled.add(key);
      const master = masterRows.find((r) => r.ticket === skip.masterTicket);
      this.engine.state.data.journal.push({
        at: now,
        masterId,
        eventId: `rec:${skip.masterTicket}`,
        eventKind: master?.kind === 'Pending' ? 'pending_place' : 'open',
        followerId: skip.followerId,
        action: master?.kind === 'Pending' ? 'place_pending' : 'open',
        status: 'skipped',
        reason: skip.reason,
        detail: { ...skip.detail, by: 'reconciliation' },
        masterTicket: skip.masterTicket,
        followerTicket: null,
        symbol: master?.symbol ?? null,
        volume: null,
        price: null,
      });
      added = true;
    }
    return added;
  }

  /**
   * Follower tickets of `followerId` that carry a copy of a master ticket with a leg being settled (see `busyRows`):
   * its linked rows, and its tagged rows the ledger does not know yet. Those are the settler's to match: adopted here
   * first, the settler would find no unknown row and report an open that executed as not executed.
   */
  private busyRows(followerId: string, followerRows: readonly OpenedOrder[]): Set<number> {
    const rows = new Set<number>();
    for (const key of this.engine.unsettled) {
      const [masterId, ticket, follower] = key.split('#');
      if (follower !== followerId || masterId === undefined) continue;
      for (const l of this.engine.ledger.ofMasterOnFollower(masterId, Number(ticket), followerId)) if (l.status === 'open') rows.add(l.followerTicket);
      for (const r of followerRows) {
        if (isCopyOf(r, this.engine.options.magic, masterId) && parseCopyComment(r.comment)?.masterTicket === Number(ticket)) rows.add(r.ticket);
      }
    }
    return rows;
  }

  /**
   * Master tickets this run leaves to the live path (see `busy` in domain/reconcile.ts): events emitted and not yet
   * processed, trade frames held by the feed, and tickets on which the stream and the read still disagree.
   */
  private busyTickets(masterId: string, rows: readonly OpenedOrder[]): Set<number> {
    const m = this.engine.masters.get(masterId);
    const busy = new Set<number>();
    if (!m) return busy;
    for (const t of m.inFlight.tickets()) busy.add(t);
    for (const t of m.feed.heldTickets()) busy.add(t);
    // Legs whose outcome is being settled: the settler applies what the broker shows, then asks for a run if needed.
    const settling = `${masterId}#`;
    for (const key of this.engine.unsettled) if (key.startsWith(settling)) busy.add(Number(key.slice(settling.length).split('#')[0]));
    // Without a live, primed stream the book is stale and cannot say what is on its way: the read decides alone.
    if (!m.feed.streaming || !m.feed.book.primed) return busy;
    const now = this.engine.clock.now();
    const unsettled = unsettledTickets(m.feed.book, rows);
    const prefix = `${masterId}#`;
    for (const key of [...this.unsettledSince.keys()]) {
      if (key.startsWith(prefix) && !unsettled.has(Number(key.slice(prefix.length)))) {
        this.unsettledSince.delete(key);
        this.unsettledWarned.delete(key);
      }
    }
    let waiting = false;
    for (const t of unsettled) {
      const key = prefix + String(t);
      const since = this.unsettledSince.get(key) ?? now;
      this.unsettledSince.set(key, since);
      if (now - since < UNSETTLED_GRACE_MS) {
        busy.add(t);
        waiting = true;
      } else if (!this.unsettledWarned.has(key)) {
        this.unsettledWarned.add(key);
        this.engine.log.warn({ masterId, ticket: t, forMs: now - since }, 'master stream never reported this change; reconciling it from the read');
      }
    }
    if (waiting) this.engine.requestReconcileFollowUp(UNSETTLED_GRACE_MS);
    return busy;
  }

  /** The tickets an MT4 master position had before its partial closes (the feed's splits, and a row's `from #`). */
  private formerTickets(masterId: string, ticket: number, masterRows: readonly OpenedOrder[]): number[] {
    const former: number[] = [];
    const splitTo = this.engine.masters.get(masterId)?.feed.book.splitTo;
    let current = ticket;
    for (let hop = 0; hop < 100; hop++) {
      let prev: number | null = null;
      if (splitTo) for (const [from, to] of splitTo) if (to === current) prev = from;
      prev ??= splitFromComment(masterRows.find((r) => r.ticket === current)?.comment ?? '');
      if (prev === null || former.includes(prev)) break;
      former.push(prev);
      current = prev;
    }
    return former;
  }

  /** True the first time this disagreement on this follower ticket is reported (bounded memory). */
  private firstTimeLeft(followerId: string, ticket: number | null, note: string): boolean {
    const key = `${followerId}#${ticket ?? ''}#${note}`;
    if (this.leftReported.has(key)) return false;
    if (this.leftReported.size >= 10_000) this.leftReported.clear();
    this.leftReported.add(key);
    return true;
  }

  /**
   * Before an action closes or shrinks follower positions: re-reads the follower's open orders and proves each row
   * to be the copy planned (copy-proof.ts). Null when every row is; otherwise what disagreed (nothing is sent).
   */
  private async disproved(
    masterId: string,
    action: ReconcileAction,
    planRows: ReadonlyMap<string, ReadonlyMap<number, OpenedOrder>>,
    masterRows: readonly OpenedOrder[],
    touched: ReadonlyMap<string, ReadonlySet<number>>,
  ): Promise<string | null> {
    if (action.action !== 'close_orphan' && action.action !== 'fix_volume') return null;
    const tickets = actionTickets(action);
    if (tickets.length === 0) return null;
    const f = this.engine.followers.get(action.followerId);
    if (!f) return 'the follower is not running';
    let fresh: OpenedOrder[];
    try {
      fresh = await f.refreshPositions();
    } catch (error) {
      return `its open orders could not be read again (${String(error)})`;
    }
    const rows = new Map(fresh.map((r) => [r.ticket, r] as const));
    const links = this.engine.ledger.ofFollower(action.followerId);
    for (const ticket of tickets) {
      const planned = touched.get(action.followerId)?.has(ticket) === true ? rows.get(ticket) : planRows.get(action.followerId)?.get(ticket);
      const mismatch = proveCopy(rows.get(ticket), {
        formerTickets: this.formerTickets(masterId, action.masterTicket, masterRows),
        magic: this.engine.options.magic,
        masterId,
        masterTicket: action.masterTicket,
        plannedLots: planned?.lots ?? 0,
        links,
        marginMode: f.marginMode,
      });
      if (mismatch !== null) return `#${ticket}: ${describeMismatch(mismatch)}`;
    }
    return null;
  }

  private async apply(masterId: string, action: ReconcileAction, masterRows: readonly OpenedOrder[]): Promise<ReportAction['result']> {
    const engine = this.engine;
    const ledger = engine.ledger;
    const now = engine.clock.now();
    switch (action.action) {
      case 'report_stale':
        return 'skipped';
      case 'adopt':
        if (!ledger.ofFollower(action.followerId).some((l) => l.followerTicket === action.link.followerTicket && l.masterTicket === action.link.masterTicket && l.masterId === action.link.masterId)) {
          ledger.add({ ...action.link });
        }
        return 'done';
      case 'mark_detached':
      case 'link_closed':
        for (const l of ledger.ofMaster(masterId, action.masterTicket)) {
          if (l.followerId === action.followerId && l.followerTicket === action.followerTicket && l.status === 'open') {
            l.status = action.action === 'mark_detached' ? 'detached' : 'closed';
          }
        }
        return 'done';
      case 'open_missing': {
        const key = `${masterId}#${action.masterTicket}#${action.followerId}`;
        const attempts = this.openAttempts.get(key) ?? 0;
        // A leg being settled or waiting for its market is not missing: opening it here would copy it twice.
        if (attempts >= MAX_OPEN_ATTEMPTS || engine.unsettled.has(key) || engine.isQueued(masterId, action.masterTicket, action.followerId)) return 'skipped';
        this.openAttempts.set(key, attempts + 1);
        const master = masterRows.find((r) => r.ticket === action.masterTicket);
        const { ok, status } = await this.sendLeg(masterId, `rec:${action.masterTicket}`, `r${attempts}:${action.followerId.slice(0, 8)}:`, action.leg, master?.symbol ?? '', master?.lots ?? 0, now);
        // A closed market (10018) is a wait, not a failed attempt: a closure longer than three runs must not leave the
        // copy unopened for the rest of the process once the market opens again.
        if (status === 'queued') this.openAttempts.set(key, attempts);
        return ok ? 'done' : 'failed';
      }
      case 'close_orphan': {
        const plan: LegPlan =
          action.kind === 'pending'
            ? { action: 'delete_pending', followerId: action.followerId, masterTicket: action.masterTicket, ticket: action.ticket, reasons: [] }
            : {
                action: 'close',
                followerId: action.followerId,
                masterTicket: action.masterTicket,
                tickets: [{ ticket: action.ticket, volume: action.volume }],
                linkVolumes: action.link ? [{ masterTicket: action.masterTicket, followerTicket: action.ticket, volumeBefore: action.link.volume, volumeAfter: 0, masterVolumeAfter: 0 }] : [],
                reasons: [],
              };
        // Keys name the follower: two followers with the same fix would otherwise share a key (422, nothing sent).
        const ok = await this.send(masterId, `orphan:${action.followerId}:${action.ticket}`, 'r', plan, action.symbol, 0, now);
        if (ok && action.link) action.link.status = 'closed';
        return ok ? 'done' : 'failed';
      }
      case 'fix_stops': {
        const key = `stops:${masterId}#${action.masterTicket}#${action.followerId}:${action.leg.ticket}`;
        const attempts = this.openAttempts.get(key) ?? 0;
        // A level the follower's broker refuses (stops too close) would be retried on every run: three tries, then reported.
        if (attempts >= MAX_OPEN_ATTEMPTS) return 'skipped';
        this.openAttempts.set(key, attempts + 1);
        const ok = await this.send(masterId, `stops:${action.followerId}:${action.leg.ticket}`, 'r', action.leg, action.symbol, 0, now);
        if (ok) this.openAttempts.delete(key);
        return ok ? 'done' : 'failed';
      }
      case 'fix_volume': {
        // The links to update, found before sending: an MT4 partial close reopens the rest under a new ticket and the
        // link follows it (followSplits), so after the close the old ticket no longer finds it.
        const targets = action.links.flatMap((update) =>
          ledger
            .ofMasterOnFollower(masterId, action.masterTicket, action.followerId)
            .filter((l) => l.followerTicket === update.followerTicket && l.status === 'open')
            .map((link) => ({ link, update })),
        );
        let ok = true;
        // A reduction of a hedging copy whose answer was lost is taken as done in the ledger. A master close of the
        // same deal that arrives later (a replayed stream entry after a takeover) is then seen as already reflected,
        // instead of closing the copy a second time and having the next run top it up with a second order. If it did
        // not execute, the next run reads the row and reduces it again: a reduction is safe to repeat.
        let takenAsDone = false;
        if (action.close.length > 0) {
          // The link changes ride on the plan, so a settled unknown outcome applies them too (outcome-settler.ts).
          const linkVolumes = targets.map(({ link, update }) => ({ masterTicket: action.masterTicket, followerTicket: link.followerTicket, volumeBefore: link.volume, volumeAfter: update.volume, masterVolumeAfter: update.masterVolume }));
          const plan: LegPlan = { action: 'close', followerId: action.followerId, masterTicket: action.masterTicket, tickets: action.close, linkVolumes, reasons: [] };
          const sent = await this.sendLeg(masterId, `fix:${action.followerId}:${action.masterTicket}:${action.current}:${action.target}`, 'r', plan, action.symbol, action.masterVolume, now);
          ok = sent.ok;
          takenAsDone = sent.status === 'unknown' && engine.followers.get(action.followerId)?.marginMode !== 'Netting' && targets.every(({ update }) => update.volume > 0);
        }
        if (ok && action.open) {
          ok = await this.send(masterId, `fix:${action.followerId}:${action.masterTicket}:${action.current}:${action.target}`, 'r', action.open, action.symbol, action.masterVolume, now, false);
        }
        if (ok || takenAsDone) {
          for (const { link, update } of targets) {
            if (link.status !== 'open') continue;
            link.volume = update.volume;
            link.masterVolume = update.masterVolume;
            if (link.volume <= 0) link.status = 'closed';
          }
        }
        return ok ? 'done' : 'failed';
      }
    }
  }

  /** Sends one reconciliation leg and applies its result; true when it executed. */
  private async send(
    masterId: string,
    eventId: string,
    scope: string,
    plan: LegPlan,
    masterSymbol: string,
    masterVolume: number,
    now: number,
    addLink = true,
  ): Promise<boolean> {
    return (await this.sendLeg(masterId, eventId, scope, plan, masterSymbol, masterVolume, now, addLink)).ok;
  }

  /** `send`, also telling the leg's status (null when nothing was executed). */
  private async sendLeg(
    masterId: string,
    eventId: string,
    scope: string,
    plan: LegPlan,
    masterSymbol: string,
    masterVolume: number,
    now: number,
    addLink = true,
  ): Promise<{ ok: boolean; status: string | null }> {
    const engine = this.engine;
    // Every attempt gets its own Idempotency-Key (its replays inside the executor keep it): the same key on a later run
    // or after a restart would be answered from FxSocket's stored reply for 15 minutes (a stale refusal such as a
    // closed market, never re-executed) or refused with 422 once the body changed. What protects a reconciliation leg
    // from being executed twice is the copy tag the next run reads, not the key.
    this.legsSent += 1;
    const attemptScope = `${scope}${engine.startedAt.toString(36)}.${this.legsSent.toString(36)}:`;
    const [exec] = await this.executor.execute(masterId, eventId, attemptScope, [plan]);
    if (!exec) return { ok: false, status: null };
    if (addLink || plan.action !== 'open' || plan.offsets !== undefined) {
      const kind = plan.action === 'open' ? 'open' : plan.action === 'modify' ? (plan.price !== undefined ? 'pending_modify' : 'modify') : 'close';
      const { journal } = applyExecution(
        exec,
        { masterId, eventId, kind, masterPrice: null, masterVolumeAfter: masterVolume, masterSymbol, at: now },
        engine.ledger,
        engine.accountName(plan.followerId),
        null,
      );
      engine.state.data.journal.push({ ...journal, status: exec.status === 'filled' || exec.status === 'closed' || exec.status === 'modified' ? 'reconciled' : journal.status });
    } else if (exec.status === 'filled' || exec.status === 'partial') {
      // A volume top-up is a new follower order on the same master position: link it too.
      if (plan.action === 'open' && exec.ticket !== null) {
        const link: CopyLink = {
          masterId,
          masterTicket: plan.masterTicket,
          followerId: plan.followerId,
          followerTicket: exec.ticket,
          kind: 'position',
          followerSymbol: plan.symbol,
          masterSymbol,
          side: plan.side,
          volume: exec.volume ?? plan.volume,
          masterVolume,
          openedAt: now,
          status: 'open',
        };
        engine.ledger.add(link);
      }
    }
    if (plan.action === 'close') await engine.followSplits([exec]);
    if (exec.status === 'unknown') {
      if (engine.followers.get(plan.followerId)?.marginMode === 'Netting') {
        // On a netting row the next run cannot tell from the rows which share moved (the row keeps its first
        // opener's tag): it would send the same fix again. Settled from the net volume instead, and the row is left
        // alone meanwhile (the leg is in `unsettled`).
        const kind = plan.action === 'open' ? 'open' : plan.action === 'modify' ? 'modify' : 'close';
        engine.settleUnknownFacts({ masterId, eventId, kind, masterPrice: null, masterVolumeAfter: masterVolume, masterSymbol, at: now }, exec);
        engine.log.warn({ masterId, followerId: plan.followerId, eventId }, 'reconciliation leg outcome unknown on a netting row; settling it from the net volume');
      } else {
        // Settled by the next run: the tag shows whether it executed (adopt) or not (missing again).
        engine.log.warn({ masterId, followerId: plan.followerId, eventId }, 'reconciliation leg outcome unknown; next run settles it');
      }
    }
    return { ok: exec.status === 'filled' || exec.status === 'partial' || exec.status === 'closed' || exec.status === 'modified', status: exec.status };
  }
}

/** Follower tickets an action closes or shrinks (the ones reconciliation must prove first). */
function actionTickets(action: ReconcileAction): number[] {
  if (action.action === 'close_orphan') return [action.ticket];
  if (action.action === 'fix_volume') return action.close.map((c) => c.ticket);
  return [];
}

function describe(masterId: string, action: ReconcileAction, result: ReportAction['result']): ReportAction {
  switch (action.action) {
    case 'open_missing':
      return { kind: 'open_missing', masterId, masterTicket: action.masterTicket, followerTicket: null, symbol: action.leg.symbol, volume: action.leg.volume, note: `missing copy${action.ageMs !== null ? `, ${Math.round(action.ageMs / 1000)}s old` : ''}`, result };
    case 'report_stale':
      return { kind: 'report_stale', masterId, masterTicket: action.masterTicket, followerTicket: null, symbol: action.symbol, volume: null, note: action.why === 'too_old' ? `missing copy too old to open (${Math.round((action.ageMs ?? 0) / 1000)}s > ${Math.round(action.maxAgeMs / 1000)}s)` : action.why === 'price_moved' ? `missing copy: price moved ${action.deviationPoints} points (> ${action.maxDeviationPoints})` : 'missing copy: age unknown', result };
    case 'close_orphan':
      return { kind: 'close_orphan', masterId, masterTicket: action.masterTicket, followerTicket: action.ticket, symbol: action.symbol, volume: action.volume, note: 'master position gone', result };
    case 'fix_stops': {
      const l = action.leg;
      const levels = (p: number | undefined, sl: number | undefined, tp: number | undefined) => `${p !== undefined ? `price ${p} ` : ''}SL ${sl ?? 0} TP ${tp ?? 0}`;
      return { kind: 'fix_stops', masterId, masterTicket: action.masterTicket, followerTicket: l.ticket, symbol: action.symbol, volume: null, note: `${levels(action.kind === 'pending' ? action.was.price : undefined, action.was.stopLoss, action.was.takeProfit)} → ${levels(l.price, l.stopLoss, l.takeProfit)}`, result };
    }
    case 'fix_volume':
      return { kind: 'fix_volume', masterId, masterTicket: action.masterTicket, followerTicket: action.links[0]?.followerTicket ?? null, symbol: action.symbol, volume: action.target, note: `volume ${action.current} → ${action.target}`, result };
    case 'mark_detached':
      return {
        kind: 'mark_detached',
        masterId,
        masterTicket: action.masterTicket,
        followerTicket: action.followerTicket,
        symbol: action.symbol,
        volume: null,
        note: action.pending
          ? 'pending copy gone from the follower unfilled (cancelled by the broker, e.g. no margin when it triggered, or deleted by hand); will not be placed again'
          : 'closed by hand on the follower; will not be reopened',
        result,
      };
    case 'adopt':
      return { kind: 'adopt', masterId, masterTicket: action.link.masterTicket, followerTicket: action.link.followerTicket, symbol: action.link.followerSymbol, volume: action.link.volume, note: 'tagged copy found on the broker', result };
    case 'link_closed':
      return { kind: 'link_closed', masterId, masterTicket: action.masterTicket, followerTicket: action.followerTicket, symbol: '', volume: null, note: 'copy and master both closed', result };
  }
}

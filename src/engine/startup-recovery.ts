/**
 * The I/O side of start-up recovery (the pure part is recovery.ts): reads a master's recent deals and open orders,
 * and replays the deals never recorded as processed through the copy path, under their original event ids.
 */
import type { MasterEvent } from '../domain/events.js';
import type { LedgerIndex } from './ledger-index.js';
import type { BrokerPort, Clock, Logger } from './ports.js';
import { sleepOn } from './clock.js';
import { retryRead } from './retry-read.js';
import type { GoneOpen, RecoveryInput } from './recovery.js';
import { recoverMissedEvents, unprocessedGoneOpens, untrackedNettingShares } from './recovery.js';

/** How far back start-up recovery replays unrecorded master deals (see recovery.ts). */
const RECOVERY_WINDOW_MS = 120_000;
/** Waits between attempts of a netting follower's history read (a transient 5xx must not hide an untracked share). */
const HISTORY_READ_WAITS_MS = [250, 500, 1_000] as const;
/** Reads of the master's history before start-up falls back to reconciliation alone (0.5 + 1 + 2 s between). */
const RECOVERY_READ_ATTEMPTS = 4;

/** What recovery reads and where it replays to. */
export interface StartupRecoveryDeps {
  readonly broker: BrokerPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly ledger: LedgerIndex;
  readonly maxCopyAgeMs: number;
  readonly magic: number;
  platformOf(accountId: string): string | undefined;
  /** The netting followers of this master (their rows can hide a share; see `untrackedNettingShares`). */
  nettingFollowersOf(masterId: string): string[];
  /** State changed outside the copy path (adopted shares, gone opens marked processed): save it. */
  stateChanged(): void;
  isProcessed(masterId: string, eventId: string): boolean;
  /** Records a master deal as dealt with (a gone open whose untracked shares were looked for on every follower). */
  markProcessed(masterId: string, eventId: string): void;
  processEvent(event: MasterEvent, receivedAt: number): Promise<void>;
}

/** Replays the master's recent deals that were never recorded as processed (see recovery.ts). Runs on its queue. */
export async function recoverMissed(deps: StartupRecoveryDeps, masterId: string): Promise<void> {
  if (deps.platformOf(masterId) === 'mt4') return; // MT4 reports no deal tickets to key on (§4.5).
  let events: MasterEvent[] | null = null;
  // Without the history, a batch a killed process left in flight could land after reconciliation opened the same copy
  // under its own key: the read is worth a few tries before falling back to reconciliation alone.
  for (let attempt = 0; events === null; attempt++) {
    try {
      events = await readMissed(deps, masterId);
    } catch (error) {
      if (attempt + 1 >= RECOVERY_READ_ATTEMPTS) {
        deps.log.warn({ masterId, err: String(error), attempts: attempt + 1 }, 'recent master deals unavailable; reconciliation only');
        return;
      }
      await sleepOn(deps.clock)(500 * 2 ** attempt);
    }
  }
  if (events.length > 0) deps.log.info({ masterId, events: events.map((e) => e.eventId) }, 'replaying master deals not recorded as processed');
  for (const event of events) await deps.processEvent(event, performance.now());
}

async function readMissed(deps: StartupRecoveryDeps, masterId: string): Promise<MasterEvent[]> {
  const terminal = await deps.broker.terminal(masterId);
  const [deals, open, tz] = await Promise.all([terminal.orderHistory(), terminal.openedOrders(), terminal.serverTimezone()]);
  const input: RecoveryInput = {
    masterId,
    deals,
    open,
    utcOffsetSeconds: tz.utcOffsetSeconds,
    now: deps.clock.now(),
    // A batch left in flight by a dead process ends within its timeouts; older missed deals are reconciliation's,
    // which opens only what is still fresh and near the master's price.
    maxAgeMs: Math.min(deps.maxCopyAgeMs, RECOVERY_WINDOW_MS),
    isProcessed: (eventId) => deps.isProcessed(masterId, eventId),
    hadPendingCopy: (ticket) => deps.ledger.ofMaster(masterId, ticket).some((l) => l.kind === 'pending'),
  };
  const gone = unprocessedGoneOpens(input);
  if (gone.length > 0) await adoptUntrackedShares(deps, masterId, gone);
  return recoverMissedEvents(input);
}

/**
 * Links the netting followers' shares of gone master positions that a killed process's batch opened unseen (see
 * `untrackedNettingShares`), before the deals are replayed: the replayed close, or reconciliation, then takes them
 * out. A follower whose history cannot be read is left as it is (logged).
 */
async function adoptUntrackedShares(deps: StartupRecoveryDeps, masterId: string, gone: readonly GoneOpen[]): Promise<void> {
  const since = Math.min(...gone.map((g) => Date.parse(g.deal.time)));
  let everyFollowerRead = true;
  for (const followerId of deps.nettingFollowersOf(masterId)) {
    try {
      const terminal = await deps.broker.terminal(followerId);
      const followerDeals = await retryRead(() => terminal.orderHistory(), sleepOn(deps.clock), HISTORY_READ_WAITS_MS);
      const known = (ticket: number) => deps.ledger.ofMaster(masterId, ticket).some((l) => l.followerId === followerId);
      const shares = untrackedNettingShares({ masterId, followerId, magic: deps.magic, now: deps.clock.now(), gone, followerDeals, known });
      for (const link of shares) deps.ledger.add(link);
      if (shares.length > 0) {
        deps.stateChanged();
        deps.log.warn({ masterId, followerId, masterTickets: shares.map((l) => l.masterTicket), since }, 'adopted netting shares of gone master positions that a killed process had opened');
      }
    } catch (error) {
      everyFollowerRead = false;
      deps.log.warn({ masterId, followerId, err: String(error) }, 'netting follower history unavailable; untracked shares not checked');
    }
  }
  // Every follower was looked at: these opens are dealt with. Left unprocessed, the next start (a restart, or a
  // partition's next owner) would look again once the shares found now have been taken out and their links dropped,
  // and adopt the same deals a second time, as shares of whatever the row holds then.
  if (everyFollowerRead) {
    for (const g of gone) deps.markProcessed(masterId, `d${g.deal.ticket}`);
    deps.stateChanged();
  }
}
